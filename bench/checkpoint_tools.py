"""Checkpoint tools benchmark: tinyforge inspect / reshard / cast vs the same operations in Python
(safetensors + huggingface_hub's splitter + torch), side by side on one synthetic checkpoint, with peak RSS,
and vs copying the same checkpoint folder with `cp -r` on the same disk (what "disk speed" means here), also
with `sync` of the copied files, which is what `--durable` rewrites (fsync what they write) compare with. The
`rm` of the checkpoint's weights file is timed too: a rewrite in place deletes the old weights, which neither
the Python baseline nor `cp` do.

    python bench/checkpoint_tools.py --bin build/release/tinyforge [--size large|small] [--repeat 3]

Every timed run starts on a fresh copy with no dirty pages left (`sync` first); each time is the best of
--repeat runs. The load average is printed with the results: the machine may be busy with other work.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZES = {  # llama dims: "large" is ~1.3 GB of float32 weights
    "large": ["hidden_size=1536", "num_hidden_layers=8", "intermediate_size=4096", "vocab_size=32000",
              "num_attention_heads=12", "num_key_value_heads=12", "head_dim=128"],
    "small": ["hidden_size=256", "num_hidden_layers=4", "intermediate_size=688", "vocab_size=8000",
              "num_attention_heads=4", "num_key_value_heads=4", "head_dim=64"],
}

PY_INSPECT = """
import sys, json, time
from safetensors import safe_open
t0 = time.perf_counter()
total = 0
with safe_open(sys.argv[1] + "/model.safetensors", "np") as f:
    for k in f.keys():
        n = 1
        for d in f.get_slice(k).get_shape(): n *= d
        total += n
print(time.perf_counter() - t0)
"""
PY_RESHARD = """
import sys, json, os, time
from safetensors.torch import load_file, save_file
from huggingface_hub import split_torch_state_dict_into_shards
t0 = time.perf_counter()
d = sys.argv[1]
sd = load_file(d + "/model.safetensors")
split = split_torch_state_dict_into_shards(sd, max_shard_size=sys.argv[2])
for name, keys in split.filename_to_tensors.items():
    save_file({k: sd[k] for k in keys}, os.path.join(sys.argv[3], name), metadata={"format": "pt"})
json.dump({"metadata": split.metadata, "weight_map": split.tensor_to_filename}, open(os.path.join(sys.argv[3], "model.safetensors.index.json"), "w"))
print(time.perf_counter() - t0)
"""
PY_CAST = """
import sys, torch, time
from safetensors.torch import load_file, save_file
t0 = time.perf_counter()
sd = {k: v.to(torch.bfloat16) if v.is_floating_point() else v for k, v in load_file(sys.argv[1] + "/model.safetensors").items()}
save_file(sd, sys.argv[2] + "/model.safetensors", metadata={"format": "pt"})
print(time.perf_counter() - t0)
"""


def timed(cmd, self_timed=False):
    """Seconds and peak RSS (MB) of one child process. A self-timed child (the Python baselines) prints the
    time of the operation itself, so the baseline is not charged for importing torch."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(f"{cmd} failed")
    return (float(out.strip().splitlines()[-1]) if self_timed else elapsed), usage.ru_maxrss / 1024


def best(run, repeat):
    """The fastest of `repeat` runs of run() -> (seconds, peak MB), with its peak MB."""
    return min(run() for _ in range(repeat))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=str(Path(__file__).resolve().parents[1] / "build/release/tinyforge"))
    parser.add_argument("--size", choices=sorted(SIZES), default="large")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is kept")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tinyforge-ckpt-bench-"))
    try:
        args_set = sum((["--set", s] for s in SIZES[args.size]), [])
        subprocess.run([args.bin, "create", work / "src", "-m", "llama", "--models_to_skip",
                        "LlamaForQuestionAnswering,LlamaForSequenceClassification,LlamaForTokenClassification,LlamaModel",
                        *args_set], check=True, stdout=subprocess.DEVNULL)
        repo = work / "src" / "llama" / "LlamaForCausalLM"
        size_mb = (repo / "model.safetensors").stat().st_size / 1e6
        print(f"checkpoint: LlamaForCausalLM, {size_mb:.0f} MB of safetensors")
        rows = []

        def fresh(name):
            """A fresh copy of the checkpoint, its writes flushed so they do not compete with the timed run."""
            target = work / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(repo, target)
            os.sync()
            return target

        def cp(with_sync):
            shutil.rmtree(work / "cp", ignore_errors=True)
            os.sync()
            script = f'cp -r "{repo}" "{work}/cp"' + (f' && sync "{work}"/cp/*' if with_sync else "")
            return timed(["sh", "-c", script])

        def rm_weights():
            folder = fresh("rm")
            return timed(["rm", str(folder / "model.safetensors")])

        t_cp, _ = best(lambda: cp(False), args.repeat)
        t_cp_sync, _ = best(lambda: cp(True), args.repeat)
        t_rm, _ = best(rm_weights, args.repeat)
        shutil.rmtree(work / "cp", ignore_errors=True)
        shutil.rmtree(work / "rm", ignore_errors=True)
        for op, durable in (("inspect", False), ("reshard", False), ("reshard", True), ("cast", False),
                            ("cast", True)):
            def ours_run():
                folder = fresh("ours")
                if op == "inspect":
                    cmd = [args.bin, "inspect", folder, "--json"]
                elif op == "reshard":
                    cmd = [args.bin, "reshard", folder, "--max_shard_size", "200MB"]
                else:
                    cmd = [args.bin, "cast", folder, "--dtype", "bfloat16"]
                return timed(list(map(str, cmd + (["--durable"] if durable else []))))

            def theirs_run():
                out = work / "theirs"
                shutil.rmtree(out, ignore_errors=True)
                out.mkdir()
                os.sync()
                if op == "inspect":
                    cmd = [sys.executable, "-c", PY_INSPECT, repo]
                elif op == "reshard":
                    cmd = [sys.executable, "-c", PY_RESHARD, repo, "200MB", out]
                else:
                    cmd = [sys.executable, "-c", PY_CAST, repo, out]
                return timed(list(map(str, cmd)), self_timed=True)

            t_ours, rss_ours = best(ours_run, args.repeat)
            if not durable:  # the same baseline for both modes
                t_theirs, rss_theirs = best(theirs_run, args.repeat)
            rows.append((op + (" --durable" if durable else ""), t_ours, rss_ours, t_theirs, rss_theirs))
        shutil.rmtree(work / "ours", ignore_errors=True)
        shutil.rmtree(work / "theirs", ignore_errors=True)
        print(f"cp -r of the folder: {t_cp:.3f} s; cp -r + sync of the copied files: {t_cp_sync:.3f} s; "
              f"rm of its weights file: {t_rm:.3f} s")
        print(f"{'op':17} {'tinyforge s':>12} {'peak MB':>8} {'python s':>10} {'peak MB':>8} {'vs python':>10} "
              f"{'/ cp':>6} {'/ cp+sync':>10}")
        for op, t1, r1, t2, r2 in rows:
            print(f"{op:17} {t1:12.3f} {r1:8.0f} {t2:10.3f} {r2:8.0f} {t2 / t1:9.1f}x {t1 / t_cp:5.2f}x "
                  f"{t1 / t_cp_sync:9.2f}x")
        print("(tinyforge: whole process; python: the operation after imports. Peak MB: each process's own peak "
              f"RSS. Best of {args.repeat}. Load average at the end: "
              + " ".join(f"{x:.1f}" for x in os.getloadavg()) + ")")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
