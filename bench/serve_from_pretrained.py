"""How long a Python process takes to `from_pretrained` N tiny models: through `tinyforge serve`
(HF_ENDPOINT, empty cache: download + load), from the HF cache written by `create --hf_cache`
(HF_HUB_OFFLINE=1), and from the local folders `create` wrote. Same N models, same bytes; each way runs in a
fresh process and is timed after `import transformers` (the import time is printed separately).

    python bench/serve_from_pretrained.py [--n 69] [--repeat 1]   (test venv)
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from serve_common import DEFAULT_BIN, Serve, architectures

LOAD = """
import json, sys, time
t0 = time.perf_counter()
import transformers
t1 = time.perf_counter()
for arch, ref in json.loads(sys.argv[1]):
    getattr(transformers, arch).from_pretrained(ref)
print(json.dumps({"import": t1 - t0, "load": time.perf_counter() - t1}))
"""


def run(models, env):
    full = {**os.environ, "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1",
            "TRANSFORMERS_VERBOSITY": "error", **env}
    proc = subprocess.run([sys.executable, "-c", LOAD, json.dumps(models)], capture_output=True, text=True, env=full)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=DEFAULT_BIN)
    parser.add_argument("--n", type=int, default=0, help="number of models (default: every architecture)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per way; the best is reported")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        subprocess.run([args.bin, "create", work / "out", "--all", "--hf_cache", work / "hf-cache", "--organization",
                        "tf"], check=True, capture_output=True)
        folders = {p.parent.name: p.parent for p in (work / "out").glob("*/*/config.json")}
        archs = [a for a in architectures(args.bin) if a in folders][: args.n or None]
        serve = Serve(args.bin, work / "root")
        try:
            serve.forge([f"tf/tiny-random-{a}" for a in archs])
            ways = {
                "serve": lambda i: run([[a, f"tf/tiny-random-{a}"] for a in archs],
                                       {"HF_ENDPOINT": serve.url, "HF_HUB_CACHE": str(work / f"dl-{i}")}),
                "hf_cache": lambda i: run([[a, f"tf/tiny-random-{a}"] for a in archs],
                                          {"HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(work / "hf-cache")}),
                "local": lambda i: run([[a, str(folders[a])] for a in archs], {"HF_HUB_OFFLINE": "1"}),
            }
            best = {}
            for i in range(args.repeat):
                for name, way in ways.items():
                    r = way(i)
                    if name not in best or r["load"] < best[name]["load"]:
                        best[name] = r
        finally:
            serve.stop()
    local = best["local"]["load"]
    print(f"from_pretrained of {len(archs)} tiny models, one fresh process per way (best of {args.repeat}):")
    for name, r in best.items():
        print(f"  {name:9s} {r['load']:7.2f} s ({r['load'] / len(archs) * 1e3:6.1f} ms/model, "
              f"{r['load'] / local:4.2f}x local; import transformers {r['import']:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
