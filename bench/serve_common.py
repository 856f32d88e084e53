"""Shared by the serve benchmarks: the catalogue, a `tinyforge serve` on a free loopback port."""
import json
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BIN = str(ROOT / "build" / "release" / "tinyforge")


def architectures(binary):
    """Every catalogued architecture, as `tinyforge list` prints them ("model_type: A B C")."""
    out = subprocess.run([binary, "list"], check=True, capture_output=True, text=True).stdout
    return [a for line in out.splitlines() for a in line.partition(":")[2].split()]


class Serve:
    """`tinyforge serve --on_demand` on a free port; forge() makes every repository exist before timing."""

    def __init__(self, binary, root, *extra):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([binary, "serve", "--root", str(root), "--port", str(self.port), "--on_demand",
                                      *extra], stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("tinyforge serve did not start")

    def forge(self, repo_ids):
        start = time.perf_counter()
        for repo_id in repo_ids:
            with urllib.request.urlopen(f"{self.url}/api/models/{repo_id}") as r:
                json.load(r)
        return time.perf_counter() - start

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
