"""Dummy-input benchmark: `tinyforge inputs` vs optimum's generate_dummy_inputs, side by side in one run.

The set: every forged architecture (69, 14 model types) × every task optimum lists for its model type, at the
default shapes. optimum runs in one warm process with the configs loaded (Python/torch start-up left out).
1. generation: optimum's generate_dummy_inputs + safetensors.torch.save (bytes in memory) vs tinyforge's
   generation + safetensors and manifest bytes, as `tinyforge inputs` reports it ("generated in X ms").
2. end to end: the same plus writing the files; tinyforge as one `tinyforge inputs` process per case.

    bench/run.sh inputs        # or: python bench/inputs_vs_optimum.py --bin build/release/tinyforge
"""
import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))
from optimum_oracle import dummy_inputs, supported_tasks  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=str(Path(__file__).resolve().parents[1] / "build/release/tinyforge"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from safetensors.torch import save
    from transformers import AutoConfig

    work = Path(tempfile.mkdtemp(prefix="tinyforge-bench-inputs-"))
    try:
        subprocess.run([args.bin, "create", work / "models", "--all"], check=True, stdout=subprocess.DEVNULL)
        cases = []
        for config_path in sorted((work / "models").glob("*/*/config.json")):
            repo = config_path.parent
            for task in supported_tasks(repo.parent.name):
                cases.append((repo, task))
        configs = {repo: AutoConfig.from_pretrained(repo) for repo, _ in cases}

        ours, ours_gen, theirs, theirs_gen = [], [], [], []
        for r in range(args.repeat):
            gen = 0.0
            start = time.perf_counter()
            for i, (repo, task) in enumerate(cases):
                out = subprocess.run([args.bin, "inputs", repo, "--task", task, "--out", work / f"ours-{i}.safetensors"],
                                     check=True, capture_output=True, text=True).stdout
                gen += float(re.search(r"generated in ([0-9.e+-]+) ms", out).group(1)) / 1000
            ours.append(time.perf_counter() - start)
            ours_gen.append(gen)

            gen = 0.0
            start = time.perf_counter()
            for i, (repo, task) in enumerate(cases):
                t0 = time.perf_counter()
                _, flat = dummy_inputs(configs[repo], task)
                data = save({k: v.contiguous() for k, v in flat.items()})
                gen += time.perf_counter() - t0
                (work / f"theirs-{i}.safetensors").write_bytes(data)
            theirs.append(time.perf_counter() - start)
            theirs_gen.append(gen)

        n = len(cases)
        print(f"{n} architecture x task cases, default shapes, best of {args.repeat}")
        for label, o, t in (("1. generation (in memory)", min(ours_gen), min(theirs_gen)),
                            ("2. end to end (files written)", min(ours), min(theirs))):
            print(label)
            print(f"   optimum:   {t:.3f} s ({1000 * t / n:.3f} ms/case)")
            print(f"   tinyforge: {o:.3f} s ({1000 * o / n:.3f} ms/case)")
            print(f"   speed-up:  {t / o:.1f}x")

    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
