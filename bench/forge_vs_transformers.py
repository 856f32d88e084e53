"""Forging benchmark: tinyforge vs transformers + save_pretrained (+ train_new_from_iterator), in one run.

Both sides build the same architectures from the same tiny configs (the configs tinyforge wrote, loaded with
AutoConfig) and write them to disk; for repositories with a tokenizer the baseline also trains it as
create_dummy_models does (`train_new_from_iterator` on tinyforge's corpus to the same size). tinyforge is timed
end to end (process start included) in three modes: a cold tokenizer cache, a warm one, and warm with
--durable (fsync per file). Prints the times, per-repository times, peak RSS and the ratios.

    bench/run.sh forge            # or: python bench/forge_vs_transformers.py --bin build/release/tinyforge
"""
import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def forge(binary, out, workers, cache, *flags):
    start = time.perf_counter()
    subprocess.run([binary, "create", out, "--all", "--num_workers", str(workers), *flags], check=True,
                   stdout=subprocess.DEVNULL, env={"TINYFORGE_CACHE": str(cache), "PATH": "/usr/bin:/bin"})
    return time.perf_counter() - start


def corpus_lines():
    lines = []
    for f in sorted((ROOT / "src/tinyforge/tokenizers/corpus").glob("*.txt")):
        lines += [line for line in f.read_text().splitlines() if line.strip()]
    return lines


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=str(ROOT / "build/release/tinyforge"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="tinyforge-bench-"))
    try:
        ours = {"cold cache": [], "warm cache": [], "warm cache, --durable": []}
        for i in range(args.repeat):
            cache = work / f"cache-{i}"
            ours["cold cache"].append(forge(args.bin, work / f"cold-{i}", args.workers, cache))
            ours["warm cache"].append(forge(args.bin, work / f"warm-{i}", args.workers, cache))
            ours["warm cache, --durable"].append(
                forge(args.bin, work / f"durable-{i}", args.workers, cache, "--durable"))
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        repos = sorted(p.parent for p in (work / "cold-0").glob("*/*/config.json"))

        import torch  # noqa: F401  (imported before timing: the baseline is not charged for start-up)
        import transformers
        from transformers import AutoConfig, AutoTokenizer

        lines = corpus_lines()
        start = time.perf_counter()
        transformers.utils.logging.disable_progress_bar()
        transformers.utils.logging.set_verbosity_error()
        build = train = 0.0
        untrained = 0
        for repo in repos:
            arch = repo.name
            t0 = time.perf_counter()
            config = AutoConfig.from_pretrained(repo)
            model = getattr(transformers, arch)(config)
            model.save_pretrained(work / "theirs" / repo.parent.name / arch)
            t1 = time.perf_counter()
            build += t1 - t0
            if (repo / "tokenizer.json").exists():
                tok = AutoTokenizer.from_pretrained(repo)
                try:
                    tok.train_new_from_iterator(lines, vocab_size=len(tok)).save_pretrained(
                        work / "theirs-tok" / repo.parent.name / arch)
                except Exception:  # noqa: BLE001 - Unigram cannot hold every character of the whole corpus
                    untrained += 1
                train += time.perf_counter() - t1
        theirs = time.perf_counter() - start

        n = len(repos)
        print(f"repositories: {n} ({len({r.parent.name for r in repos})} model types), {args.workers} workers")
        print(f"transformers: {theirs:8.3f} s  ({1000 * theirs / n:7.2f} ms/repo; build + save_pretrained "
              f"{build:.3f} s, train_new_from_iterator {train:.3f} s; {untrained} tokenizers could not train on the "
              "whole corpus, their failed attempt counted)")
        for mode, times in ours.items():
            t = min(times)
            print(f"tinyforge create --all, {mode:22s} {t:8.3f} s  ({1000 * t / n:7.2f} ms/repo)  "
                  f"ratio {theirs / t:6.1f}x")
        print(f"tinyforge peak RSS: {peak_mb:.0f} MB")
        size = sum(f.stat().st_size for f in (work / "cold-0").rglob("*") if f.is_file() and "reports" not in f.parts)
        print(f"forged size: {size / 1e6:.2f} MB in all, {size / n / 1e3:.1f} kB per repository on average")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
