"""tools/catalog/compile: regenerate src/tinyforge/catalog/data/ from the pinned transformers (and, for the whole
selection, src/tinyforge/inputs/data/optimum_inputs.json from the pinned optimum: optimum_facts.py).

  compile --all                 every model type of tools/catalog/model_types.txt
  compile TYPE [TYPE ...]       those types
  compile --check [--all|TYPE]  compile into memory and fail if the checked-in files differ
  compile --forecast CENSUS     every type of the census, into memory: classes expressed per group
      [--into DIR]              ... and each compiled type's catalog file written to DIR (a scratch catalog for
                                a forecast oracle run; never the checked-in data)
  -j N                          worker processes (default: the number of cores)"""
import argparse
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
ROOT = HERE.parent.parent
DATA = ROOT / "src" / "tinyforge" / "catalog" / "data"


def selection():
    types, group = [], None
    for line in (HERE / "model_types.txt").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith(":"):
            group = line[:-1]
            continue
        types.append((line, group))
    return types


def _load(name):
    p = HERE / name
    return json.loads(p.read_text()) if p.exists() else {}


def dumps(obj):
    """The catalog's file format: 2-space JSON, keys in the compiler's order, a final newline; Infinity as
    Python's json writes it (Mamba-2's time_step_limit)."""
    return json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def compile_one(model_type):
    from .compile_type import TypeCompiler
    from .tokenizer_choice import tokenizer_spec

    t0 = time.time()
    import torch.utils._device

    # torch.device("meta") collects its constructor functions once per process (an lru_cache), on first use, which
    # is inside a capture with our factory wrappers patched in: start each type from that first use, so its
    # compile does not depend on the types compiled before it in the same process (lfm3 after falcon_mamba).
    torch.utils._device._device_constructors.cache_clear()
    g0 = _load("g0_facts.json")
    testers = _load("testers.json")
    facts = g0.get(model_type)
    if facts:
        testers = {model_type: {"tester": facts["tester"], "values": facts["values"], "verbatim": True}}
    from transformers import CONFIG_MAPPING

    try:
        config_class = CONFIG_MAPPING[model_type]
        fields = config_class().to_dict()
    except Exception as e:  # noqa: BLE001 - a config that cannot be built fails its type only
        return model_type, None, f"{type(e).__name__}: {e}", time.time() - t0
    spec = tokenizer_spec(model_type, _load("tokenizers.json"), _load("tokenizer_templates.json"),
                          "vocab_size" in fields, set(g0))
    if spec and spec.get("max_length_key") and not spec.get("config_path") and spec["max_length_key"] not in fields:
        # The maximum positions stored under another name (GPT-J's n_positions, via attribute_map), or none at
        # all (ALiBi, state spaces: no limit, as transformers leaves it).
        stored = (getattr(config_class, "attribute_map", None) or {}).get(spec["max_length_key"])
        if stored in fields:
            spec = {**spec, "max_length_key": stored}
        else:
            spec = {k: v for k, v in spec.items() if k != "max_length_key"}
    try:
        entry = TypeCompiler(model_type, testers, spec).compile()
    except Exception as e:  # noqa: BLE001 - one type failing must not stop the others
        return model_type, None, f"{type(e).__name__}: {e}", time.time() - t0
    if facts and facts.get("carry"):
        entry.update(facts["carry"])
    return model_type, entry, None, time.time() - t0


def run_all(types, jobs):
    """compile_one over `types` in worker processes; a worker that dies or hangs fails only its type."""
    if jobs <= 1:
        yield from map(compile_one, types)
        return
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    pending = list(types)
    while pending:
        ctx = multiprocessing.get_context("spawn")
        # A fresh pool per batch bounds each worker's memory (Python 3.11's max_tasks_per_child deadlocks once
        # every worker has retired).
        batch, pending = pending[: 25 * jobs], pending[25 * jobs:]
        with ProcessPoolExecutor(jobs, mp_context=ctx) as ex:
            futures = [(t, ex.submit(compile_one, t)) for t in batch]
            broken = False
            for t, f in futures:
                if broken:
                    pending.append(t)
                    continue
                try:
                    yield f.result(timeout=TIMEOUT)
                except BrokenProcessPool:
                    yield t, None, "the compiler's worker process died on this type", 0.0
                    broken = True
                except TimeoutError:
                    yield t, None, f"compiling took more than {TIMEOUT} s", 0.0
                    broken = True
            if broken:
                for p in ex._processes.values():  # stop hung workers before the next pool starts
                    p.kill()


TIMEOUT = 300


def base_defaults():
    from transformers import PreTrainedConfig

    d = json.loads(json.dumps(PreTrainedConfig().to_dict(), default=str))
    d.pop("transformers_version", None)
    return d


def forecast(census, jobs, into=None):
    """Per census group: classes, classes compiled to a layout, classes left as hand_code, types that fail."""
    import transformers

    from collections import Counter

    group_of = {e["model_type"]: e.get("group", "-") for e in census}
    classes = Counter()
    for e in census:
        classes[group_of[e["model_type"]]] += len(e.get("architectures") or [])
    expressed, hand, failed = Counter(), Counter(), Counter()
    per_type = {}
    for model_type, entry, error, _ in run_all(sorted(group_of), jobs):
        g = group_of[model_type]
        if entry is None:
            failed[g] += 1
            per_type[model_type] = {"error": (error or "")[:300]}
            continue
        archs = entry.get("architectures") or []
        ok = [a["name"] for a in archs if "tensors" in a]
        expressed[g] += len(ok)
        hand[g] += len(archs) - len(ok)
        per_type[model_type] = {"expressed": ok, "hand_code": {a["name"]: a["hand_code"][:200] for a in archs
                                                              if "hand_code" in a}}
        if into:
            Path(into, f"{model_type}.json").write_text(dumps(catalog_file(entry, transformers.__version__)))
        print(f"{model_type} ({g}): {len(ok)}/{len(archs)} expressed", file=sys.stderr, flush=True)
    rows = {g: {"classes": classes[g], "expressed": expressed[g], "hand_code": hand[g], "types_failed": failed[g]}
            for g in sorted(classes)}
    rows["all"] = {k: sum(r[k] for r in rows.values()) for k in ("classes", "expressed", "hand_code", "types_failed")}
    print(json.dumps({"groups": rows, "types": per_type}, indent=1, sort_keys=True))
    return 0


def catalog_file(entry, version):
    """A compiled entry as the checked-in file holds it: model_type and provenance first."""
    entry = dict(entry)
    return {"model_type": entry.pop("model_type"),
            "compiled": {"by": "tools/catalog/compile", "transformers_version": version}, **entry}


def main(argv=None):
    ap = argparse.ArgumentParser(prog="tools/catalog/compile", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("types", nargs="*")
    ap.add_argument("--all", action="store_true")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("-j", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--forecast", metavar="CENSUS_JSON",
                    help="compile every model type of the census into memory (nothing written) and print, per "
                         "census group, how many architecture classes the compiler expresses")
    ap.add_argument("--into", metavar="DIR", help="with --forecast: also write each compiled type's file to DIR")
    args = ap.parse_args(argv)
    import transformers

    if args.forecast:
        if args.into:
            Path(args.into).mkdir(parents=True, exist_ok=True)
        return forecast(json.loads(Path(args.forecast).read_text()), args.j, args.into)

    chosen = [t for t, _ in selection()] if args.all or not args.types else args.types
    t0 = time.time()
    facts_pool = facts_job = None
    if args.all or not args.types:  # the inputs facts cover the whole selection; in their own process
        from concurrent.futures import ProcessPoolExecutor

        from . import optimum_facts

        facts_pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        facts_job = facts_pool.submit(optimum_facts.compile_facts, chosen)
    files = {"_base.json": dumps(base_defaults())}
    failures = {}
    for model_type, entry, error, secs in run_all(chosen, args.j):
        print(f"{model_type}: {'ok' if entry else 'FAILED'} in {secs:.1f} s", file=sys.stderr, flush=True)
        if entry is None:
            failures[model_type] = error
            continue
        files[f"{model_type}.json"] = dumps(catalog_file(entry, transformers.__version__))
    outputs = {DATA / name: text for name, text in files.items()}
    drift = []
    if facts_job:
        try:
            outputs[optimum_facts.OUT] = facts_job.result()
        except Exception as e:  # noqa: BLE001 - the catalog files are still written
            failures[optimum_facts.OUT.name] = f"{type(e).__name__}: {e}"
            if args.check:  # what cannot be compiled cannot be checked
                drift.append(f"{optimum_facts.OUT.name} (not compiled: {type(e).__name__}: {e})")
        facts_pool.shutdown()
    for path, text in sorted(outputs.items()):
        name = path.name
        if args.check:
            if not path.exists() or path.read_text() != text:
                drift.append(name)
        else:
            if not path.exists() or path.read_text() != text:
                tmp = path.with_suffix(".json.tmp")
                tmp.write_text(text)
                tmp.replace(path)
    report = {"compiled": len(files) - 1, "failed": failures, "seconds": round(time.time() - t0, 1)}
    print(json.dumps(report, indent=1), file=sys.stderr)
    if args.check and drift:
        print("catalog drift: these files differ from what tools/catalog/compile produces: " + ", ".join(drift)
              + "\nrun tools/catalog/compile --all and review the diff", file=sys.stderr)
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
