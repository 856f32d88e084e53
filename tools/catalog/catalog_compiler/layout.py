"""Every tensor an architecture saves, as catalog entries: name templates with layer loops, shapes and
initialiser parameters as expressions, existence conditions found by probing perturbed configs."""
import json
import math
import re

import torch

from .capture import MAX_PARTS, build_meta, record_for, saved_tensors
from . import generators
from .config_facts import evaluate
from .sym import expr_of, is_sym

_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
           torch.int64: "I64", torch.int32: "I32", torch.bool: "BOOL", torch.uint8: "U8", torch.int8: "I8"}
_LOOP_VARS = ["i", "j", "k", "l"]


class LayoutError(Exception):
    pass


def _num(e):
    """Expression text of a number or Sym."""
    if isinstance(e, torch.Tensor):
        e = e.item()
    return expr_of(e)


def _fan(shape_exprs):
    """torch's _calculate_fan_in_and_fan_out as expressions: (fan_in, fan_out)."""
    if len(shape_exprs) < 2:
        raise LayoutError("fan of a tensor with fewer than 2 dimensions")
    rf = " * ".join(f"({d})" for d in shape_exprs[2:]) if len(shape_exprs) > 2 else None
    fi = f"({shape_exprs[1]})" + (f" * {rf}" if rf else "")
    fo = f"({shape_exprs[0]})" + (f" * {rf}" if rf else "")
    return fi, fo


def _gain(nonlinearity, a):
    if nonlinearity in ("linear", "conv1d", "conv2d", "conv3d", "sigmoid"):
        return "1.0"
    if nonlinearity == "tanh":
        return repr(5.0 / 3)
    if nonlinearity == "relu":
        return "sqrt(2.0)"
    if nonlinearity == "leaky_relu":
        slope = 0.01 if a is None else a
        return f"sqrt(2.0 / (1 + ({_num(slope)}) ** 2))"
    raise LayoutError(f"kaiming gain for {nonlinearity}")


def init_entry(record, shape_exprs, tensor, context=None):
    """The catalog init of one recorded initialiser call (`context`: (config, recorded values, shape, loop
    indices of the name) for values copied from a computed tensor)."""
    if record is None:
        raise LayoutError("no initialiser ran on it")
    name, args, kw = record

    def arg(i, key, default):
        if key in kw:
            return kw[key]
        return args[i] if len(args) > i else default

    if name == "scaled":
        inner, number, over = args
        init = init_entry(inner, shape_exprs, tensor, context)
        factor = generators.name_factor(number, over, context[0]) if context else None
        if factor is None:
            raise LayoutError(f"initialiser rescaled by {number!r}, which no config field gives")
        keys = {"normal": ("mean", "std"), "truncated_normal": ("mean", "std", "lo", "hi"), "uniform": ("lo", "hi"),
                "constant": ("value",)}.get(init["kind"])
        if keys is None:
            raise LayoutError(f"a {init['kind']} initialiser rescaled")
        return {**init, **{k: f"({init[k]}) * ({factor})" for k in keys}}
    if name == "normal_":
        return {"kind": "normal", "mean": _num(arg(0, "mean", 0.0)), "std": _num(arg(1, "std", 1.0))}
    if name == "trunc_normal_":
        return {"kind": "truncated_normal", "mean": _num(arg(0, "mean", 0.0)), "std": _num(arg(1, "std", 1.0)),
                "lo": _num(arg(2, "a", -2.0)), "hi": _num(arg(3, "b", 2.0))}
    if name == "uniform_":
        return {"kind": "uniform", "lo": _num(arg(0, "a", 0.0)), "hi": _num(arg(1, "b", 1.0))}
    if name == "zeros_":
        return {"kind": "constant", "value": "0"}
    if name == "ones_":
        return {"kind": "constant", "value": "1"}
    if name == "constant_":
        return {"kind": "constant", "value": _num(arg(0, "val", 0.0))}
    if name in ("xavier_uniform_", "xavier_normal_"):
        fi, fo = _fan(shape_exprs)
        gain = _num(arg(0, "gain", 1.0))
        if name == "xavier_uniform_":
            bound = f"({gain}) * sqrt(6.0 / float({fi} + {fo}))"
            return {"kind": "uniform", "lo": f"-({bound})", "hi": bound}
        return {"kind": "normal", "mean": "0.0", "std": f"({gain}) * sqrt(2.0 / float({fi} + {fo}))"}
    if name in ("kaiming_uniform_", "kaiming_normal_"):
        a = arg(0, "a", 0)
        mode = arg(1, "mode", "fan_in")
        nl = arg(2, "nonlinearity", "leaky_relu")
        fi, fo = _fan(shape_exprs)
        fan = fi if mode == "fan_in" else fo
        std = f"{_gain(nl, a)} / sqrt({fan})"
        if name == "kaiming_normal_":
            return {"kind": "normal", "mean": "0.0", "std": std}
        bound = f"sqrt(3.0) * ({std})"
        return {"kind": "uniform", "lo": f"-({bound})", "hi": bound}
    if name == "orthogonal_":
        return {"kind": "orthogonal", "gain": _num(arg(0, "gain", 1.0))}
    if name == "copy_":
        other = args[0]
        if not isinstance(other, torch.Tensor) or other.device.type == "meta":
            raise LayoutError("copied from a tensor whose values are unknown here")
        flat = other.detach().double().flatten()
        if flat.numel() and bool((flat == flat[0]).all()):
            return {"kind": "constant", "value": repr(flat[0].item())}
        if context is not None:
            config, values, shape, indices = context
            found = generators.identify(other, list(shape), config, values, indices)
            if found:
                return found
        raise LayoutError("copied from computed values (needs a named generator)")
    raise LayoutError(f"initialiser {name}")


def _fit_dim(pos, d, sources):
    """The pos-th dim of a tensor split from or merged out of `sources` (expr, size) pairs (the source's
    dims): the source dim of that size, a k-th of one (a chunked gate_up, q/k/v split out of one conv) or a
    k-fold one (gate and up merged into gate_up, four projections into one), the source's own pos-th dim
    first. Unmatched dims stay literal, and the probes then reject the layout."""
    order = sources[pos:pos + 1] + sources[:pos] + sources[pos + 1:]
    for e, n in order:
        if n == d:
            return e
    for k in range(2, MAX_PARTS + 1):
        for e, n in order:
            if n == k * d:
                return f"({e}) // {k}"
        for e, n in order:
            if k * n == d:
                return f"{k} * ({e})"
    return str(d)


_INDEX = re.compile(r"(?<=\.)\d+(?=\.|$)")


def template_of(name):
    """'model.layers.3.mlp.experts.1.w' -> ('model.layers.{}.mlp.experts.{}.w', (3, 1))."""
    idx = tuple(int(m.group()) for m in _INDEX.finditer(name))
    return _INDEX.sub("{}", name), idx


class Capture:
    """One architecture at one config: saved name -> (shape exprs, concrete shape, dtype, role, embedding,
    init, zero_rows)."""

    def __init__(self, cls, config):
        model, rec = build_meta(cls, config)
        self.config_after = json.loads(json.dumps(model.config.to_dict(), default=str))
        buffers = {n for n, _ in model.named_buffers(remove_duplicate=False)}
        modules = dict(model.named_modules(remove_duplicate=False))
        # Fused expert weights (modules use_experts_implementation made): their non-expert dims, as
        # expressions, for the grouped_mm stride rule of the tiny config (compile_type.grouped_mm_rounding).
        self.expert_dims = sorted({
            e for m in modules.values() if hasattr(m, "_is_expert_parallel")
            for p in m.parameters(recurse=False) if p.dim() == 3 and hasattr(p, "_tf_shape")
            for e in p._tf_shape[1:]})
        self.tensors = {}
        for saved, (src, live, t, converted) in saved_tensors(model).items():
            shape = tuple(t.shape)
            src_exprs = getattr(live, "_tf_shape", None) if live is not None else None
            if src_exprs is not None and not converted and len(src_exprs) == len(shape) and tuple(live.shape) == shape:
                exprs = list(src_exprs)
            elif src_exprs is not None and converted:
                exprs = [_fit_dim(p, d, list(zip(src_exprs, live.shape))) for p, d in enumerate(shape)]
            else:
                exprs = [str(d) for d in shape]
            owner = modules.get(src.rsplit(".", 1)[0]) if src and "." in src else None
            embedding = isinstance(owner, torch.nn.Embedding) and src.endswith(".weight")
            zero_rows = []
            if embedding and owner.padding_idx is not None:
                zero_rows = [expr_of(owner.padding_idx)]
            set_rows = []
            try:
                record, set_rows, _ = record_for(live, rec.inits) if live is not None else (None, [], [])
                init = init_entry(record, exprs, live, (config, rec.values, shape, template_of(saved)[1]))
                error = None
            except LayoutError as e:
                init, error = None, str(e)
            self.tensors[saved] = {
                "shape_exprs": exprs, "shape": shape, "dtype": _DTYPES.get(t.dtype),
                "role": "buffer" if src in buffers else "parameter", "embedding": embedding,
                "init": init, "init_error": error, "zero_rows": zero_rows,
                "set_rows": [[expr_of(k) if is_sym(k) else str(k), repr(float(v))] for k, v in set_rows],
                # the order comparisons the init's parameters may follow from, each as it holds here
                "comparisons": sorted({e if r else f"not ({e})"
                                       for e, r in getattr(live, "_tf_comparisons", []) if init is not None}),
            }

    def templates(self):
        out = {}
        for name, info in self.tensors.items():
            tpl, idx = template_of(name)
            out.setdefault(tpl, {})[idx] = info
        return _split_shape_variants(_spell_out_sequentials(out))


def _spell_out_sequentials(templates):
    """An nn.Sequential of differently shaped layers (CTRL's ffn.0 and ffn.2, Zamba2's adapter pairs) is
    indexed like a loop but is none: where its innermost index alone tells the shapes apart, the index is
    written out. Only an inner index right before the parameter's own name qualifies; a layer loop whose
    shapes differ stays an error."""
    out = {}
    for tpl, per in templates.items():
        n = tpl.count("{}")
        head, _, tail = tpl.rpartition("{}")

        def shapes(group):
            return {tuple(_generalise_expr(e, idx, _LOOP_VARS[:n]) for e in inf["shape_exprs"])
                    for idx, inf in group.items()}

        if n < 2 or "." in tail[1:] or len(shapes(per)) == 1:
            out[tpl] = per
            continue
        groups = {}
        for idx, inf in per.items():
            groups.setdefault(idx[-1], {})[idx] = inf
        if not all(len(shapes(g)) == 1 for g in groups.values()):
            out[tpl] = per
            continue
        for v, g in groups.items():
            out[f"{head}{v}{tail}"] = {idx[:-1]: inf for idx, inf in g.items()}
    return out


# Marks a template that holds one shape variant of a layer tensor; what follows it is the variant's shape.
_VARIANT = " @shape "


def _split_shape_variants(templates):
    """A layer tensor whose shape follows the layer's kind (MiMo-V2-Flash's k_proj, wider in its full-attention
    layers; Kimi-Linear's o_proj) becomes one template per shape, keyed by its shape expressions so that every
    probe splits alike; each variant then gets a per-layer condition like any template present in some layers."""
    out = {}
    for tpl, per in templates.items():
        n = tpl.count("{}")
        groups = {}
        for idx, inf in per.items():
            shape = tuple(_generalise_expr(e, idx, _LOOP_VARS[:n]) for e in inf["shape_exprs"])
            groups.setdefault(shape, {})[idx] = inf
        if n == 0 or len(groups) == 1:
            out[tpl] = per
            continue
        for shape, group in sorted(groups.items()):
            out[f"{tpl}{_VARIANT}{', '.join(shape)}"] = group
    return out


def tensor_template(tpl):
    """The tensor name pattern of a template (a shape variant's marker dropped)."""
    return tpl.split(_VARIANT, 1)[0]


def loop_prefix(tpl, pos):
    """The path that owns the pos-th index of a template: its range is the same for every tensor under it."""
    at = -1
    for _ in range(pos + 1):
        at = tpl.index("{}", at + 1)
    return tpl[: at + 2]


def _generalise_expr(expr, idx_vals, loop_vars):
    """'intermediate_size[3]' in the tensor of layer 3 -> 'intermediate_size[i]'."""
    for v, var in zip(idx_vals, loop_vars):
        expr = re.sub(rf"\[{v}\]", f"[{var}]", expr)
    return expr


def _concrete(e, values):
    try:
        return evaluate(e, values)
    except Exception:  # noqa: BLE001 - an expression that does not evaluate simply does not match
        return None


def build_entries(base, values, range_exprs, conditions, extra):
    """Catalog tensor entries from the tiny capture `base` (+ templates only seen in probes, `extra`)."""
    entries = []
    templates = base.templates()
    for tpl, info in extra.items():
        templates.setdefault(tpl, info)
    for tpl, per_idx in templates.items():
        nloops = tpl.count("{}")
        loop_vars = _LOOP_VARS[:nloops]
        name = tensor_template(tpl)
        for var in loop_vars:
            name = name.replace("{}", "{" + var + "}", 1)
        shapes = set()
        first_idx = sorted(per_idx)[0]
        info = per_idx[first_idx]
        for idx, inf in per_idx.items():
            shapes.add(tuple(_generalise_expr(e, idx, loop_vars) for e in inf["shape_exprs"]))
        if len(shapes) != 1:
            raise LayoutError(f"{name}: its shape differs between layers in a way not expressed ({sorted(shapes)})")
        if info["init"] is None:
            raise LayoutError(f"{name}: {info['init_error']}")
        layer_init = _layer_form(per_idx, loop_vars)
        inits = {repr(sorted(_generalise_init(inf["init"], idx, loop_vars).items())) for idx, inf in per_idx.items()}
        if layer_init is not None:
            inits = {repr(sorted(layer_init.items()))}
        if len(inits) != 1:
            raise LayoutError(f"{name}: its initialiser differs between layers ({inits})")
        entry = {"name": name}
        if nloops:
            loops = []
            for pos, var in enumerate(loop_vars):
                key = loop_prefix(tpl, pos)
                if key not in range_exprs:
                    raise LayoutError(f"{name}: no config field gives the count of its index {var}")
                loops.append([var, range_exprs[key]])
            entry["loops"] = loops
        cond = conditions.get(tpl)
        if cond:
            entry["if"] = cond
        entry["shape"] = list(shapes.pop())
        entry["dtype"] = info["dtype"]
        entry["role"] = info["role"]
        entry["embedding"] = info["embedding"]
        entry["init"] = layer_init or _generalise_init(info["init"], first_idx, loop_vars)
        if info["zero_rows"]:
            entry["zero_rows"] = info["zero_rows"]
        if info.get("set_rows"):
            entry["set_rows"] = info["set_rows"]
        entries.append(entry)
    entries.sort(key=lambda e: (e["name"], e.get("if", "")))
    return entries


def _layer_form(per_idx, loop_vars):
    """An elementwise table that differs between layers by the layer's index written in its expressions
    (RWKV's `i / (num_hidden_layers - 1)`): the init with that index as `i`, the same for every layer; else
    None. The probes then check it at other depths."""
    inits = [inf["init"] for inf in per_idx.values()]
    if not loop_vars or not all(i and i["kind"] == "elementwise" and i.keys() == inits[0].keys() for i in inits):
        return None
    if len({repr(sorted(i.items())) for i in inits}) == 1:
        return None
    out = {"kind": "elementwise"}
    for key in inits[0]:
        if key != "kind":
            out[key] = generators.common_form({idx[0]: inf["init"][key] for idx, inf in per_idx.items()},
                                              loop_vars[0])
            if out[key] is None:
                return None
    return out


def _generalise_init(init, idx, loop_vars):
    def gen(k, v):
        if k in ("kind", "name"):
            return v
        if isinstance(v, dict):
            return {a: _generalise_expr(e, idx, loop_vars) for a, e in v.items()}
        return _generalise_expr(v, idx, loop_vars)

    return {k: gen(k, v) for k, v in init.items()}


def init_values(init, env, properties, strict=True):
    """An init's parameters evaluated: {key: number} (generator args as "args.NAME"); with strict=False a
    parameter that does not evaluate is None."""
    out = {}
    for k, v in init.items():
        if k in ("kind", "name"):
            out[k] = v
            continue
        if init["kind"] == "elementwise" and k == "value":
            # a table's first elements (its expression reads the element index)
            out[k] = tuple(_concrete_number(v, {**env, generators.ELEMENT: e}, properties) for e in range(_ELEMENTS))
            continue
        items = [(f"{k}.{a}", e) for a, e in sorted(v.items())] if isinstance(v, dict) else [(k, v)]
        for key, e in items:
            try:
                out[key] = round(float(evaluate(e, env, properties)), 12)
            except Exception:  # noqa: BLE001
                if strict:
                    raise
                out[key] = None
    return out


# How many elements of an elementwise table a probe compares.
_ELEMENTS = 8


def _concrete_number(e, env, properties):
    try:
        return round(float(evaluate(e, env, properties)), 12)
    except Exception:  # noqa: BLE001 - a division by zero past a small table's end: no value
        return None


def expand(entries, values, properties):
    """The layout evaluated in Python: {name: (shape, dtype)} (the C++ interpreter does the same)."""
    out = {}

    def rec(entry, loops, env):
        if loops:
            var, rng = loops[0]
            for v in range(evaluate(rng, env, properties)):
                rec(entry, loops[1:], {**env, var: v})
            return
        if "if" in entry and not evaluate(entry["if"], env, properties):
            return
        name = entry["name"]
        for k, v in env.items():
            if isinstance(v, int) and "{" + k + "}" in name and k in _LOOP_VARS:
                name = name.replace("{" + k + "}", str(v))
        shape = tuple(evaluate(d, env, properties) for d in entry["shape"])
        init = init_values(entry["init"], env, properties)
        out[name] = (shape, entry["dtype"], init)

    for e in entries:
        rec(e, e.get("loops", []), dict(values))
    return out
