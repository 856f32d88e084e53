"""Load on `tinyforge serve`: N client threads GET one resolve URL for S seconds (keep-alive, loopback).
Prints requests/s, p50/p99 latency and errors. Usage: serve_load.py [--seconds 10] [--threads 4]."""
import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--path", default="/tf/tiny-random-BertModel/resolve/main/config.json")
    args = ap.parse_args()
    binary = os.environ.get("TINYFORGE_BIN", ROOT / "build" / "release" / "tinyforge")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as root:
        proc = subprocess.Popen([str(binary), "serve", "--root", root, "--port", str(port), "--on_demand"],
                                stderr=subprocess.DEVNULL)
        try:
            time.sleep(0.5)
            conn = http.client.HTTPConnection("127.0.0.1", port)
            conn.request("GET", args.path)
            assert conn.getresponse().read(), "warm-up failed"
            latencies, errors = [], [0]
            lock = threading.Lock()
            deadline = time.monotonic() + args.seconds

            def worker():
                c = http.client.HTTPConnection("127.0.0.1", port)
                mine = []
                while time.monotonic() < deadline:
                    t = time.perf_counter()
                    c.request("GET", args.path)
                    r = c.getresponse()
                    r.read()
                    mine.append(time.perf_counter() - t)
                    if r.status != 200:
                        errors[0] += 1
                with lock:
                    latencies.extend(mine)

            threads = [threading.Thread(target=worker) for _ in range(args.threads)]
            [t.start() for t in threads]
            [t.join() for t in threads]
        finally:
            proc.terminate()
            proc.wait()
    latencies.sort()
    n = len(latencies)
    print(f"{n / args.seconds:.0f} req/s over {args.seconds:.0f} s, {args.threads} threads; "
          f"p50 {latencies[n // 2] * 1e3:.2f} ms, p99 {latencies[int(n * 0.99)] * 1e3:.2f} ms; errors {errors[0]}")
    return 1 if errors[0] else 0


if __name__ == "__main__":
    sys.exit(main())
