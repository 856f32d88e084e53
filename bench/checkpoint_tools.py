"""Checkpoint tools benchmark: tinyforge inspect / reshard / cast vs the same operations in Python
(safetensors + huggingface_hub's splitter + torch), side by side on one synthetic checkpoint, with peak RSS.

    python bench/checkpoint_tools.py --bin build/release/tinyforge [--size large|small]
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=str(Path(__file__).resolve().parents[1] / "build/release/tinyforge"))
    parser.add_argument("--size", choices=sorted(SIZES), default="large")
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
        # Each operation on a fresh copy of the same checkpoint, ours then theirs.
        for op in ("inspect", "reshard", "cast"):
            ours_dir, theirs_dir = work / f"ours-{op}", work / f"theirs-{op}"
            shutil.copytree(repo, ours_dir)
            theirs_dir.mkdir()
            if op == "inspect":
                ours = [args.bin, "inspect", ours_dir, "--json"]
                theirs = [sys.executable, "-c", PY_INSPECT, repo]
            elif op == "reshard":
                ours = [args.bin, "reshard", ours_dir, "--max_shard_size", "200MB"]
                theirs = [sys.executable, "-c", PY_RESHARD, repo, "200MB", theirs_dir]
            else:
                ours = [args.bin, "cast", ours_dir, "--dtype", "bfloat16"]
                theirs = [sys.executable, "-c", PY_CAST, repo, theirs_dir]
            t_ours, rss_ours = timed(list(map(str, ours)))
            t_theirs, rss_theirs = timed(list(map(str, theirs)), self_timed=True)
            rows.append((op, t_ours, rss_ours, t_theirs, rss_theirs))
            shutil.rmtree(ours_dir)
            shutil.rmtree(theirs_dir)
        print(f"{'op':8} {'tinyforge s':>12} {'peak MB':>8} {'python s':>10} {'peak MB':>8} {'ratio':>7}")
        for op, t1, r1, t2, r2 in rows:
            print(f"{op:8} {t1:12.3f} {r1:8.0f} {t2:10.3f} {r2:8.0f} {t2 / t1:6.1f}x")
        print("(tinyforge: whole process; python: the operation after imports. Peak MB: each process's own peak RSS.)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
