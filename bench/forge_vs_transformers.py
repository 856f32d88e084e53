"""Forging benchmark: tinyforge vs transformers + save_pretrained, side by side in one run.

Both sides build the same architectures from the same tiny configs (the configs tinyforge wrote, loaded with
AutoConfig) and write them to disk. Prints both times, the per-repository time and the ratio.

    bench/run.sh forge            # or: python bench/forge_vs_transformers.py --bin build/release/tinyforge
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def forge(binary, out, workers):
    start = time.perf_counter()
    subprocess.run([binary, "create", out, "--all", "--num_workers", str(workers)], check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=str(Path(__file__).resolve().parents[1] / "build/release/tinyforge"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="tinyforge-bench-"))
    try:
        ours = {}
        for workers in (1, 2):
            times = []
            for i in range(args.repeat):
                out = work / f"ours-{workers}-{i}"
                times.append(forge(args.bin, out, workers))
            ours[workers] = min(times)
        repos = sorted(p.parent for p in (work / "ours-1-0").glob("*/*/config.json"))

        import torch  # noqa: F401  (imported before timing: the baseline is not charged for start-up)
        import transformers
        from transformers import AutoConfig

        start = time.perf_counter()
        for repo in repos:
            arch = repo.name
            config = AutoConfig.from_pretrained(repo)
            model = getattr(transformers, arch)(config)
            model.save_pretrained(work / "theirs" / repo.parent.name / arch)
        theirs = time.perf_counter() - start

        n = len(repos)
        print(f"repositories: {n} ({len({r.parent.name for r in repos})} model types)")
        print(f"transformers + save_pretrained (1 process): {theirs:8.3f} s  ({1000 * theirs / n:7.2f} ms/repo)")
        for workers, t in ours.items():
            print(f"tinyforge create --all, {workers} worker(s):    {t:8.3f} s  ({1000 * t / n:7.2f} ms/repo)"
                  f"  ratio {theirs / t:6.1f}x")
        size = sum(f.stat().st_size for f in (work / "ours-1-0").rglob("*") if f.is_file() and "reports" not in f.parts)
        print(f"forged size: {size / 1e6:.2f} MB in all, {size / n / 1e3:.1f} kB per repository on average")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
