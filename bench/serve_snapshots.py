"""Many concurrent snapshot_downloads from `tinyforge serve`: every catalogued architecture (and, with
--variants, its fixtures) as ORG/tiny-random-{Arch}[-{kind}], downloaded by a thread pool of the real
huggingface_hub client into an empty cache. Repositories are forged on demand before the clock starts.
Prints the total time, per-repository time, files, bytes and errors.

    python bench/serve_snapshots.py [--threads 16] [--variants sharded,bin]   (test venv)
"""
import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from serve_common import DEFAULT_BIN, Serve, architectures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=DEFAULT_BIN)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--variants", default="", help="also download these fixture kinds of every architecture")
    args = parser.parse_args()
    repos = [f"tf/tiny-random-{a}" for a in architectures(args.bin)]
    repos += [f"{r}-{k}" for k in filter(None, args.variants.split(",")) for r in list(repos)]
    with tempfile.TemporaryDirectory() as work:
        serve = Serve(args.bin, Path(work) / "root")
        try:
            forge_s = serve.forge(repos)
            # huggingface_hub reads its settings at import time.
            os.environ.update({"HF_ENDPOINT": serve.url, "HF_HUB_CACHE": str(Path(work) / "cache"),
                               "HF_HUB_DISABLE_PROGRESS_BARS": "1", "HF_HUB_DISABLE_TELEMETRY": "1"})
            from huggingface_hub import snapshot_download

            def download(repo_id):
                try:
                    folder = Path(snapshot_download(repo_id))
                    files = [p for p in folder.rglob("*") if p.is_file()]
                    return len(files), sum(p.stat().st_size for p in files), None
                except Exception as e:  # counted and shown, not raised: the benchmark reports errors
                    return 0, 0, f"{repo_id}: {e!r}"

            start = time.perf_counter()
            with ThreadPoolExecutor(args.threads) as pool:
                results = list(pool.map(download, repos))
            seconds = time.perf_counter() - start
        finally:
            serve.stop()
    errors = [e for _, _, e in results if e]
    files = sum(n for n, _, _ in results)
    size = sum(b for _, b, _ in results)
    print(f"{len(repos)} repositories ({files} files, {size / 1e6:.1f} MB) with {args.threads} threads: "
          f"{seconds:.2f} s, {seconds / len(repos) * 1e3:.1f} ms/repository; errors {len(errors)} "
          f"(on-demand forging beforehand: {forge_s:.2f} s)")
    for e in errors[:5]:
        print("  " + e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
