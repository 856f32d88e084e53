"""Load on `tinyforge serve` with slow clients among the well-behaved ones, on loopback (not a timed test).

    python bench/serve_load.py [--bin build/release/tinyforge] [--clients 256] [--slow 32] [--seconds 20]

`--clients` keep-alive clients send GETs back to back (model info, a config.json from memory, a
model.safetensors streamed from disk, in turn), each request with a 5 s time-out; meanwhile `--slow` clients
misbehave: a quarter trickle a request head (a header line every 2 s), a quarter trickle a PUT body (a byte a
second), a quarter open connections and send nothing, a quarter ask for the weights 64 times and read nothing.
Each slow client reconnects when serve closes it (the last round may outlast the run). Reports the well-behaved clients' requests/s, p50/p99 latency,
errors and time-outs (which must be 0), what the slow clients were answered, and serve's RSS: the largest in
the first and the last quarter of the run (flat memory: about equal).
"""
import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve_common import DEFAULT_BIN, Serve  # noqa: E402

REPO = "tf/tiny-random-LlamaForCausalLM"
TOKEN = "bench-token"


def rss_kb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def read_answer(reader):
    """One answer: (status, body length); the body is read in full (Content-Length)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status, length


async def well_behaved(port, paths, end, stats):
    reader = writer = None
    i = 0
    while time.monotonic() < end:
        path = paths[i % len(paths)]
        i += 1
        start = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)
            writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
            status, _ = await asyncio.wait_for(read_answer(reader), 5)
            stats["latency"].append(time.perf_counter() - start)
            if status != 200:
                stats["errors"].append(f"status {status}")
        except asyncio.TimeoutError:
            stats["timeouts"] += 1
            writer.close() if writer else None
            reader = writer = None
        except (OSError, asyncio.IncompleteReadError) as e:
            stats["errors"].append(repr(e))
            writer.close() if writer else None
            reader = writer = None
    if writer:
        writer.close()


async def answered_within(reader, seconds):
    """The status of what serve sends within `seconds` ("closed" when it closes without an answer), or None."""
    try:
        data = await asyncio.wait_for(reader.read(4096), seconds)
    except asyncio.TimeoutError:
        return None
    except OSError:
        return "closed"
    return data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/") else "closed"


async def slow(port, kind, end, outcome):
    """One misbehaving client, reconnecting whenever serve closes it; what serve did goes to outcome."""
    while time.monotonic() < end:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.5)
            continue
        started = time.monotonic()
        status = None
        try:
            if kind == "head":
                writer.write(f"GET /api/models/{REPO} HTTP/1.1\r\n".encode())
                for n in range(100):
                    if status := await answered_within(reader, 2):
                        break
                    writer.write(f"X-Slow-{n}: {n}\r\n".encode())
            elif kind == "body":
                writer.write((f"PUT /api/models/{REPO}/commit/main HTTP/1.1\r\nHost: bench\r\n"
                              f"Authorization: Bearer {TOKEN}\r\nContent-Length: 1000000\r\n\r\n").encode())
                for _ in range(100):
                    if status := await answered_within(reader, 1):
                        break
                    writer.write(b"x")
            elif kind == "idle":
                status = await answered_within(reader, 60)
            else:  # asks for the weights many times over, then reads nothing until serve gives up on it
                for _ in range(64):
                    writer.write(f"GET /{REPO}/resolve/main/model.safetensors HTTP/1.1\r\nHost: b\r\n\r\n".encode())
                await asyncio.sleep(20)
                try:
                    while await asyncio.wait_for(reader.read(1 << 20), 5):
                        pass
                    status = "cut off"
                except asyncio.TimeoutError:
                    status = "still open"
                except OSError:
                    status = "cut off"
        except OSError:
            status = "closed"
        outcome.append(f"{kind}: {status} after {time.monotonic() - started:.0f} s")
        writer.close()


async def load(port, clients, slow_clients, seconds, sample):
    paths = [f"/api/models/{REPO}", f"/{REPO}/resolve/main/config.json", f"/{REPO}/resolve/main/model.safetensors"]
    stats = {"latency": [], "errors": [], "timeouts": 0}
    outcome = []
    end = time.monotonic() + seconds
    kinds = ["head", "body", "idle", "stalled"]
    tasks = [well_behaved(port, paths[i % 3:] + paths[:i % 3], end, stats) for i in range(clients)]
    tasks += [slow(port, kinds[i % 4], end, outcome) for i in range(slow_clients)]
    start = time.monotonic()

    async def timed():
        await asyncio.gather(*tasks[:clients])
        return time.monotonic() - start

    elapsed, *_ = await asyncio.gather(timed(), *tasks[clients:], sample(end))
    return stats, outcome, elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=DEFAULT_BIN)
    parser.add_argument("--clients", type=int, default=256)
    parser.add_argument("--slow", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--threads", type=int, default=32, help="serve's worker threads")
    args = parser.parse_args()
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    with tempfile.TemporaryDirectory() as root:
        serve = Serve(args.bin, root, "--token", TOKEN, "--threads", str(args.threads))
        try:
            serve.forge([REPO])
            samples = []

            async def sample(end):
                while time.monotonic() < end:
                    samples.append((time.monotonic(), rss_kb(serve.proc.pid)))
                    await asyncio.sleep(0.25)

            rss_before = rss_kb(serve.proc.pid)
            stats, outcome, elapsed = asyncio.run(load(serve.port, args.clients, args.slow, args.seconds, sample))
            rss_after = rss_kb(serve.proc.pid)
        finally:
            serve.stop()
    t0, t1 = samples[0][0], samples[-1][0]
    quarter = (t1 - t0) / 4
    first = max(kb for t, kb in samples if t <= t0 + quarter)
    last = max(kb for t, kb in samples if t >= t1 - quarter)
    latency = sorted(stats["latency"])
    counts = {}
    for o in outcome:
        counts[o] = counts.get(o, 0) + 1
    print(f"machine: {os.cpu_count()} cores, load {' '.join(Path('/proc/loadavg').read_text().split()[:3])}; "
          f"serve --threads {args.threads}; {args.clients} keep-alive clients for {elapsed:.1f} s + {args.slow} slow")
    print(f"well-behaved: {len(latency)} answers, {len(latency) / elapsed:.0f} requests/s, "
          f"p50 {statistics.median(latency) * 1000:.1f} ms, p99 {latency[int(len(latency) * 0.99)] * 1000:.1f} ms, "
          f"max {latency[-1] * 1000:.0f} ms, errors {len(stats['errors'])}, time-outs {stats['timeouts']}")
    if stats["errors"]:
        print("  first errors:", stats["errors"][:3])
    print("slow clients were answered:", ", ".join(f"{k} x{v}" for k, v in sorted(counts.items())))
    print(f"serve RSS: {rss_before / 1024:.1f} MB before, largest {first / 1024:.1f} MB in the first quarter, "
          f"{last / 1024:.1f} MB in the last, {rss_after / 1024:.1f} MB after")
    return 1 if stats["errors"] or stats["timeouts"] else 0


if __name__ == "__main__":
    sys.exit(main())
