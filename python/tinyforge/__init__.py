"""tinyforge: forge tiny random Hugging Face model repositories offline, and serve them as a local Hub.

The work is done by the native `tinyforge` binary shipped in this package (`_native/`, with the shared
libraries it needs beyond glibc); this module only runs it:

    import tinyforge
    folder = tinyforge.create("out", model_types=["llama"], set={"hidden_size": 32})  # out/
    with tinyforge.serve("hub-root", on_demand=True) as endpoint:                     # http://127.0.0.1:PORT
        ...  # HF_ENDPOINT=endpoint: ORG/tiny-random-{Arch or model_type} is forged on its first request

`tinyforge` on the command line is the binary itself (see `tinyforge --help`).
"""

import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

__all__ = ["TinyforgeError", "binary", "create", "list_models", "main", "serve"]


class TinyforgeError(RuntimeError):
    """The binary failed: its exit status and what it printed on stderr."""

    def __init__(self, message, returncode=None, stderr=""):
        super().__init__(message)
        self.returncode = returncode
        self.stderr = stderr


def binary():
    """Path of the bundled native binary."""
    return Path(__file__).resolve().parent / "_native" / "tinyforge"


def main():
    """The `tinyforge` console command: replaces this process with the binary."""
    exe = str(binary())
    os.execv(exe, [exe, *sys.argv[1:]])


def _run(args):
    result = subprocess.run([str(binary()), *map(str, args)], capture_output=True, text=True)
    if result.returncode != 0:
        raise TinyforgeError(f"tinyforge {args[0]} failed (exit {result.returncode}): {result.stderr.strip()}",
                             result.returncode, result.stderr)
    return result.stdout


def list_models():
    """{model_type: [architecture, ...]} of everything the binary can forge (`tinyforge list`)."""
    models = {}
    for line in _run(["list"]).splitlines():
        model_type, colon, archs = line.partition(":")
        if colon:
            models[model_type.strip()] = archs.split()
    return models


def create(output, model_types=(), *, all=False, set=None, seed=None, variants=(), models_to_skip=(),
           num_workers=None, with_inputs=False, hf_cache=None, organization=None):
    """Runs `tinyforge create OUTPUT ...` and returns OUTPUT (a Path): repositories are in
    OUTPUT/{model_type}/{Arch}/. `set` maps config keys (dotted for sub-configs) to values, given to
    `--set key=value` as JSON; `hf_cache=True` writes into the default HF cache, a path into that one."""
    args = ["create", output]
    if all:
        args.append("--all")
    if model_types:
        args += ["--model_types", ",".join(model_types)]
    for key, value in (set or {}).items():
        args += ["--set", f"{key}={json.dumps(value)}"]
    if seed is not None:
        args += ["--seed", seed]
    if variants:
        args += ["--variants", ",".join(variants)]
    if models_to_skip:
        args += ["--models_to_skip", ",".join(models_to_skip)]
    if num_workers is not None:
        args += ["--num_workers", num_workers]
    if with_inputs:
        args.append("--with_inputs")
    if hf_cache:
        args += ["--hf_cache"] + ([] if hf_cache is True else [hf_cache])
    if organization:
        args += ["--organization", organization]
    _run(args)
    return Path(output)


def _answers(url):
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # the local server, never a proxy
    try:
        direct.open(url + "/api/whoami-v2", timeout=5).close()
    except urllib.error.HTTPError:
        pass  # an HTTP status (401 without a token) is an answer
    except OSError:
        return False
    return True


@contextlib.contextmanager
def serve(root, *, on_demand=True, host="127.0.0.1", port=0, token=None, seed=None, threads=None, timeout=60):
    """Runs `tinyforge serve --root ROOT` and yields its endpoint URL (for HF_ENDPOINT) once it answers; stops
    it on exit. port=0 takes a free port. With on_demand, ORG/tiny-random-{Arch} and
    ORG/tiny-random-{model_type}[-{kind}...] are forged on their first request (any ORG, e.g.
    hf-internal-testing). A token enables writes (uploads); it is passed in the environment, not argv."""
    Path(root).mkdir(parents=True, exist_ok=True)
    args = [str(binary()), "serve", "--root", str(root), "--host", host, "--port", str(port)]
    if on_demand:
        args.append("--on_demand")
    if seed is not None:
        args += ["--seed", str(seed)]
    if threads is not None:
        args += ["--threads", str(threads)]
    env = dict(os.environ)
    env.pop("TINYFORGE_SERVE_TOKEN", None)
    if token:
        env["TINYFORGE_SERVE_TOKEN"] = token
    # serve logs to stderr for as long as it runs: a file, so nobody has to drain a pipe.
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)
        try:
            url = _wait_until_serving(process, log, time.monotonic() + timeout)
            yield url
        finally:
            process.terminate()  # SIGTERM: serve stops cleanly
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_serving(process, log, deadline):
    url, text = None, ""
    while time.monotonic() < deadline:
        log.seek(0)
        text = log.read()
        if url is None:
            started = re.search(r"^tinyforge serve: (http://\S+) root ", text, re.M)
            url = started and started.group(1)
        if url and _answers(url):
            return url
        if process.poll() is not None:
            raise TinyforgeError(f"tinyforge serve exited ({process.returncode}): {text.strip()}",
                                 process.returncode, text)
        time.sleep(0.05)
    raise TinyforgeError(f"tinyforge serve did not answer within the time-out: {text.strip()}")
