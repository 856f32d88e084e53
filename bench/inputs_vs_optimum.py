"""Dummy-input benchmark: `tinyforge inputs` vs optimum's generate_dummy_inputs, side by side in one run.

The set: every forged architecture of a model type optimum has an ONNX config for × every task optimum lists for
it, at the default shapes (cases tinyforge refuses, a generator class it lacks, are left out and counted). optimum runs in one warm process with the configs loaded (Python/torch start-up left out).
1. generation: optimum's generate_dummy_inputs + safetensors.torch.save (bytes in memory) vs tinyforge's
   generation + safetensors and manifest bytes, as `tinyforge inputs` reports it ("generated in X ms").
2. end to end: the same plus writing the files; tinyforge as one `tinyforge inputs` process per case.
3. per call, text tasks (no float pixel/audio input): one `tinyforge inputs` process per call (start-up, config
   read, generation, files written) vs optimum's warm in-process generation + save + write, interleaved.
4. float throughput: Whisper's input_features (2 x 80 x frames fp32, 3000 and 30000 frames): bytes over the
   generation time, tinyforge's as `tinyforge inputs` reports it, optimum's generate_dummy_inputs (torch.rand)
   for the same config, task and shapes, timed in process, interleaved.

    bench/run.sh inputs        # or: python bench/inputs_vs_optimum.py --bin build/release/tinyforge
"""
import argparse
import re
import statistics
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
    parser.add_argument("--calls", type=int, default=20, help="per-call repeats of each text case (part 3)")
    args = parser.parse_args()

    from safetensors.torch import save
    from transformers import AutoConfig

    work = Path(tempfile.mkdtemp(prefix="tinyforge-bench-inputs-"))
    try:
        subprocess.run([args.bin, "create", work / "models", "--all"], check=True, stdout=subprocess.DEVNULL)
        cases, dropped = [], 0
        for config_path in sorted((work / "models").glob("*/*/config.json")):
            repo = config_path.parent
            try:
                tasks = supported_tasks(repo.parent.name)
            except KeyError:
                continue  # optimum has no ONNX config for the model type: nothing to compare with
            for task in tasks:
                # Cases tinyforge refuses (a generator class it lacks: README, known gaps) are left out.
                probe = subprocess.run([args.bin, "inputs", repo, "--task", task, "--out", work / "probe.safetensors"],
                                       capture_output=True)
                if probe.returncode == 0:
                    cases.append((repo, task))
                else:
                    dropped += 1
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
        print(f"{n} architecture x task cases ({len({r for r, _ in cases})} architectures; {dropped} cases tinyforge"
              f" refuses left out), default shapes, best of {args.repeat}")
        for label, o, t in (("1. generation (in memory)", min(ours_gen), min(theirs_gen)),
                            ("2. end to end (files written)", min(ours), min(theirs))):
            print(label)
            print(f"   optimum:   {t:.3f} s ({1000 * t / n:.3f} ms/case)")
            print(f"   tinyforge: {o:.3f} s ({1000 * o / n:.3f} ms/case)")
            print(f"   speed-up:  {t / o:.1f}x")

        per_call(args, work, cases, configs, save)
        float_throughput(args, work, configs)

    finally:
        shutil.rmtree(work, ignore_errors=True)


FLOAT_INPUTS = ("pixel_values", "input_features", "input_values")


def per_call(args, work, cases, configs, save):
    """Part 3: one `tinyforge inputs` process per call for the text cases, against optimum warm."""
    text = [(repo, task) for repo, task in cases
            if not any(name in FLOAT_INPUTS for name in dummy_inputs(configs[repo], task)[1])]
    ours, theirs = [], []
    out = work / "call.safetensors"
    for _ in range(args.calls):
        for repo, task in text:
            t0 = time.perf_counter()
            subprocess.run([args.bin, "inputs", repo, "--task", task, "--out", out], check=True,
                           stdout=subprocess.DEVNULL)
            ours.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            _, flat = dummy_inputs(configs[repo], task)
            (work / "theirs-call.safetensors").write_bytes(save({k: v.contiguous() for k, v in flat.items()}))
            theirs.append(time.perf_counter() - t0)
    print(f"3. per call, text tasks ({len(text)} cases x {args.calls} calls, interleaved)")
    for label, f in (("median", statistics.median), ("min", min)):
        o, t = 1000 * f(ours), 1000 * f(theirs)
        print(f"   {label:6s} optimum (warm, in process): {t:.2f} ms   tinyforge (process per call): {o:.2f} ms"
              f"   ratio optimum/tinyforge: {t / o:.2f}x")


def float_throughput(args, work, configs):
    """Part 4: fp32 input_features generation throughput, tinyforge vs optimum (torch.rand), as wall and as CPU
    time (process CPU time around the generation, both sides single-threaded here)."""
    import torch
    torch.set_num_threads(1)
    repo = next(r for r in configs if r.parent.name == "whisper" and r.name == "WhisperModel")
    print("4. float generation throughput, Whisper input_features fp32 (torch threads: 1)")
    for frames in (3000, 30000):
        nbytes = 2 * 80 * frames * 4
        ours, ours_cpu, theirs, theirs_cpu = [], [], [], []
        for _ in range(max(5, args.repeat)):
            out = subprocess.run([args.bin, "inputs", repo, "--task", "feature-extraction", "--nb_max_frames",
                                  str(frames), "--out", work / "whisper.safetensors"],
                                 check=True, capture_output=True, text=True).stdout
            found = re.search(r"generated in ([0-9.e+-]+) ms \(([0-9.e+-]+) ms CPU\)", out)
            ours.append(float(found.group(1)) / 1000)
            ours_cpu.append(float(found.group(2)) / 1000)
            t0, c0 = time.perf_counter(), time.process_time()
            dummy_inputs(configs[repo], "feature-extraction", {"nb_max_frames": frames})
            theirs.append(time.perf_counter() - t0)
            theirs_cpu.append(time.process_time() - c0)
        print(f"   2x80x{frames} ({nbytes / 1e6:.1f} MB), best of {len(ours)}:")
        for label, o, t in (("wall", min(ours), min(theirs)), ("CPU", min(ours_cpu), min(theirs_cpu))):
            o, t = nbytes / max(o, 1e-9) / 1e9, nbytes / max(t, 1e-9) / 1e9
            print(f"      {label:4s} optimum {t:.2f} GB/s   tinyforge {o:.2f} GB/s   ratio tinyforge/optimum: {o / t:.2f}x")


if __name__ == "__main__":
    main()
