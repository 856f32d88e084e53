"""Forecast-only pytest plugin: fail any test that runs longer than FORECAST_TIMEOUT seconds (SIGALRM)."""
import os
import signal

import pytest

LIMIT = int(os.environ.get("FORECAST_TIMEOUT", "180"))


class ForecastTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise ForecastTimeout(f"test exceeded {LIMIT} s")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(LIMIT)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
