"""Initial values transformers computes (copy_ of a computed tensor) recognised as named generators.

The capture records the uniform draws made while initialising (torch.rand, Tensor.uniform_, the init
functions' uniform_ on real tensors), the numbers the patched math functions return (Sym expressions) and the
lower bounds given to clamp. A copied value is then compared against each candidate generator evaluated on
the same inputs: deterministic generators from the tensor's shape, random kinds from a recorded draw. A
candidate's numeric parameters are named by the config field (or recorded expression) with that value, else
written as literals; the layout's probe configs then confirm them. FORMAT.md documents every generator."""
import math
import re

import torch

from .sym import expr_of, is_sym, plain


class Values:
    """What the recorder keeps for generator identification."""

    def __init__(self):
        self.draws = []  # (flat float64 values, lo expr, hi expr, lo, hi)
        self.scalars = []  # Sym numbers returned by math.log/exp/sqrt while building and initialising
        self.factors = []  # Sym numbers a tensor was multiplied by (MiniMax's per-layer slope ratio)
        self.clamps = []  # lower bounds given to clamp/clamp_min (numbers or Syms)

    def draw(self, tensor, lo, hi):
        if isinstance(tensor, torch.Tensor) and tensor.device.type != "meta" and tensor.is_floating_point():
            self.draws.append((tensor.detach().double().flatten().clone(), expr_of(lo), expr_of(hi),
                               float(plain(lo)), float(plain(hi))))


def install(patch, values):
    """Hooks the draws and clamps need (restored by the recorder with the others)."""
    original_uniform = torch.Tensor.uniform_

    def uniform_(self, a=0.0, b=1.0, *args, **kwargs):
        out = original_uniform(self, plain(a), plain(b), *args, **kwargs)
        values.draw(self, a, b)
        return out

    patch(torch.Tensor, "uniform_", uniform_)
    # A tensor times or over a config-derived number: the number is kept (MiniMax's per-layer slope ratio), and
    # the result remembers its source and factor, so that copying it back over the source is that source's
    # initialiser rescaled (NemotronH's out_proj: kaiming_uniform_ then / sqrt(num_hidden_layers)).
    for name, over in (("__mul__", False), ("__rmul__", False), ("__truediv__", True)):
        original = getattr(torch.Tensor, name)

        def scaled(self, other, __original=original, __over=over):
            out = __original(self, other)
            if is_sym(other):
                values.factors.append(other)
            if isinstance(other, (int, float)) and not isinstance(other, bool) and isinstance(out, torch.Tensor):
                out._tf_scale = (self, other, __over)
            return out

        patch(torch.Tensor, name, scaled)
    # Tensor.clamp(min) and torch.clamp(tensor, min) (OLMo-Hybrid's dt floor).
    for owner, name in [(torch.Tensor, n) for n in ("clamp", "clamp_", "clamp_min", "clamp_min_")] + [
            (torch, "clamp"), (torch, "clamp_min")]:
        original = getattr(owner, name)

        def clamp(self, *args, __original=original, **kwargs):
            low = kwargs.get("min", args[0] if args else None)
            if low is not None and not isinstance(low, torch.Tensor):
                values.clamps.append(low)
            return __original(self, *[plain(a) for a in args], **{k: plain(v) for k, v in kwargs.items()})

        patch(owner, name, clamp)


def _close(a, b, rtol=1e-6):
    return a.shape == b.shape and bool(torch.allclose(a, b, rtol=rtol, atol=1e-7, equal_nan=False))


def _ulps(a, b):
    """The largest distance in float32 units in the last place between two float32 tensors of one sign."""
    return int((a.view(torch.int32).long() - b.view(torch.int32).long()).abs().max())


def _config_numbers(config):
    out = []
    for k, v in sorted(vars(config).items()):
        if is_sym(v):
            out.append((v.expr, float(plain(v))))
    return out


def _name_number(value, config, values, rel=1e-9, integer=False):
    """The expression of a number: a config field or recorded expression with that value, else a literal."""
    # The expressions this initialisation computed come first: a config field of the same value may be unrelated.
    cands = [(s.expr, float(plain(s))) for s in values.scalars] + _config_numbers(config)
    cands += [(f"-({e})" if " " in e else f"-{e}", -v) for e, v in cands]
    for e, v in cands:
        if integer and v != value:
            continue
        if abs(v - value) <= rel * max(abs(value), 1e-30):
            return e
    if integer:
        return repr(int(value))
    return repr(float(f"{value:.6g}")) if rel > 1e-7 else repr(float(value))


def name_factor(number, over, config):
    """The expression of a factor a tensor was multiplied by (divided by, if `over`): the Sym's own, else a
    config field or property (NemotronH's num_hidden_layers is a property) or its square root of that value."""
    if is_sym(number):
        e = expr_of(number)
    else:
        value = float(number)
        fields = [(k, v) for k, v in sorted(vars(config).items())]
        fields += [(k, getattr(config, k, None)) for k in sorted(dir(type(config)))
                   if isinstance(getattr(type(config), k, None), property)]
        cands = [(k, float(plain(v))) for k, v in fields
                 if isinstance(v, (int, float)) and not isinstance(v, bool) and plain(v) > 0]
        e = next((f for k, x in cands for f, y in ((k, x), (f"sqrt({k})", math.sqrt(x)))
                  if abs(y - value) <= 1e-12 * value), None)
        if e is None:
            return None
    return f"1 / ({e})" if over else e


def identify(other, shape, config, values, indices=()):
    """The catalog init of a tensor transformers fills with `other`, or None (`indices`: the loop indices in
    the tensor's name, the first bound to `i` in the catalog)."""
    v = other.detach().double().flatten()
    n = v.numel()
    if n == 0 or not bool(torch.isfinite(v).all()):
        return None
    found = _elementwise(other, v, config)
    if found:
        return found
    length = shape[-1] if shape else 1
    k = torch.arange(n, dtype=torch.float64)
    # log(arange(1, L + 1)) along the last dimension.
    if _close(v, torch.log(k % length + 1)):
        return {"kind": "generator", "name": "log_arange", "args": {}}
    # linspace(start, end, L) along the last dimension.
    rows = v.view(-1, length)
    if length > 1 and bool((rows == rows[0]).all()):
        start, end = rows[0, 0].item(), rows[0, -1].item()
        if _close(rows[0], torch.linspace(start, end, length, dtype=torch.float64), 1e-6):
            return {"kind": "generator", "name": "linspace",
                    "args": {"start": _name_number(start, config, values, 1e-7),
                             "end": _name_number(end, config, values, 1e-7)}}
    # a value in the first elements, zeros after them.
    nz = (v != 0).nonzero().flatten()
    if len(nz) and int(nz[-1]) + 1 == len(nz) and len(nz) < n and bool((v[: len(nz)] == v[0]).all()):
        count = len(nz)
        return {"kind": "generator", "name": "prefix_fill",
                "args": {"count": _name_number(count, config, values, integer=True),
                         "value": _name_number(v[0].item(), config, values, 1e-6)}}
    found = _alibi(v, shape, config, values, indices)
    if found:
        return found
    # transformed uniform draws, newest first.
    for u, lo_e, hi_e, lo, hi in reversed(values.draws):
        if u.numel() != n:
            continue
        if bool((u > 0).all()) and _close(v, torch.log(u), 1e-5):
            return {"kind": "log_uniform", "lo": lo_e, "hi": hi_e}
        found = _inverse_softplus(v, u, lo, hi, config, values)
        if found:
            return found
        found = _log_power_minus_one(v, u, lo_e, hi_e)
        if found:
            return found
    return None


# Per-layer ratios a table may be scaled by, as functions of the layer index i and a layer count L: 1 at the first
# layer falling to nearly 0 at the last (MiniMax's lightning-attention slopes). L is a config field a recorded
# factor of the same value reads.
_LAYER_RATIOS = [("1 - {i} / ({L} - 1 + 1e-05) + 1e-05", lambda i, n: 1 - i / (n - 1 + 1e-5) + 1e-5)]


def _alibi_scales(config, values, indices):
    """(expression, value) of the factors ALiBi slopes may be scaled by: 1, and the per-layer ratios."""
    out = [("1.0", 1.0)]
    if not indices:
        return out
    for f in values.factors:
        for name in dict.fromkeys(re.findall(r"[A-Za-z_]\w*", f.expr)):
            n = plain(getattr(config, name, None))
            if not isinstance(n, int) or isinstance(n, bool):
                continue
            for form, fn in _LAYER_RATIOS:
                if fn(indices[0], n) == float(plain(f)):
                    out.append((form.format(i="i", L=name), float(plain(f))))
    return out


def _alibi(v, shape, config, values, indices):
    """ALiBi slopes 2^(-8(h+1)/H) over the heads (dim -3 of a [.., H, R, C] table) times a scale, or the decays
    exp(-slope·n) built from them: n = r + 1 (rows counted from the first), R - 1 - r (rows from the last), or
    r - c where r >= c and 0 above the diagonal."""
    if len(shape) < 3:
        return None
    heads, rows, cols = shape[-3:]
    f32 = torch.float32
    h = torch.arange(heads, dtype=f32)[:, None, None]
    r = torch.arange(rows, dtype=f32)[None, :, None]
    c = torch.arange(cols, dtype=f32)[None, None, :]
    got = v.to(f32)
    for expr, scale in _alibi_scales(config, values, indices):
        # float32 as transformers computes them: a last-layer ratio near 0 leaves every decay within a few
        # ULP of 1, so the forms are told apart by ULP distance.
        s = torch.tensor(1 / (2 ** (8 / heads)), dtype=f32) ** (h + 1) * torch.tensor(scale, dtype=f32)
        causal = r - c
        forms = {"alibi_slopes": s.expand(heads, rows, cols),
                 "alibi_decay": torch.exp(-s * (r + 1)).expand(heads, rows, cols),
                 "alibi_decay_reversed": torch.exp(-s * (rows - 1 - r)).expand(heads, rows, cols),
                 "alibi_decay_causal": torch.where(causal >= 0, torch.exp(-(s * causal)), torch.zeros((), dtype=f32))}
        for name, table in forms.items():
            expect = table.flatten().repeat(v.numel() // table.numel())
            if expect.numel() == got.numel() and _ulps(got, expect) <= 2:
                return {"kind": "generator", "name": name, "args": {"scale": expr}}
    return None


def _log_power_minus_one(v, u, lo_e, hi_e):
    """log(u^p - 1) of a draw in (0, 1) (u^p as exp(p·log u)): RecurrentGemma's recurrent_param, p = -0.5, which
    makes softplus of it -log(sqrt(u))."""
    if not (bool((u > 0).all()) and bool((u < 1).all())):
        return None
    p = (torch.log1p(torch.exp(v)) / torch.log(u))
    power = float(f"{p.mean().item():.6g}")
    if not _close(v, torch.log(torch.exp(power * torch.log(u)) - 1), 1e-4):
        return None
    return {"kind": "log_uniform_power_minus_one", "lo": lo_e, "hi": hi_e, "power": repr(power)}


def _inverse_softplus(v, u, lo, hi, config, values):
    """dt = max(exp(x), floor) with x an affine image of the draw, stored as softplus⁻¹(dt)."""
    dt = torch.nn.functional.softplus(v, beta=1.0, threshold=50.0)
    if not bool((dt > 0).all()):
        return None
    y = torch.log(dt)
    free = (u - u.min()).abs() > 0
    if int(free.sum()) < 2 or hi == lo:
        return None
    # fit y = a·u + b on the elements above the floor (the smallest values may be clamped).
    floor_v = dt.min().item()
    keep = dt > floor_v * (1 + 1e-5)
    if int(keep.sum()) < 2:
        return None
    a = ((y[keep] - y[keep].mean()) * (u[keep] - u[keep].mean())).sum() / ((u[keep] - u[keep].mean()) ** 2).sum()
    b = (y[keep].mean() - a * u[keep].mean()).item()
    a = a.item()
    lo_x, hi_x = a * lo + b, a * hi + b
    if not (math.isfinite(lo_x) and math.isfinite(hi_x)) or hi_x <= lo_x:
        return None
    mn = _name_bound(lo_x, config, values)
    mx = _name_bound(hi_x, config, values)
    floor = expr_of(values.clamps[-1]) if values.clamps else "0.0"
    floor_num = float(plain(values.clamps[-1])) if values.clamps else 0.0
    x = (u - lo) / (hi - lo) * (hi_x - lo_x) + lo_x
    d = torch.exp(x).clamp(min=floor_num)
    expect = d + torch.log(-torch.expm1(-d))
    if not _close(v, expect, 1e-4):
        return None
    return {"kind": "inverse_softplus_log_uniform", "min": mn, "max": mx, "floor": floor}


def _name_bound(log_value, config, values):
    """The expression of exp(log_value): X where log(X) was computed with that value, else as _name_number."""
    for s in values.scalars:
        if s.expr.startswith("log(") and s.expr.endswith(")") and abs(float(plain(s)) - log_value) <= 1e-4:
            return s.expr[4:-1]
    return _name_number(math.exp(log_value), config, values, 1e-4)


# An integer literal of an expression (not part of a name, a float or a float's exponent).
_INT_LITERAL = re.compile(r"(?<![\w.])(?<!e[+-])\d+(?![\w.])")
# Beyond this many occurrences of an index's value in one expression, the variants are not tried.
_MAX_LITERALS = 8


def _variants(text, value, var):
    """`text` with every subset of its integer literals equal to `value` written as `var` instead, and how many
    were replaced."""
    spots = [m.span() for m in _INT_LITERAL.finditer(text) if m.group() == str(value)]
    if len(spots) > _MAX_LITERALS:
        return {text: 0}
    out = {}
    for mask in range(1 << len(spots)):
        parts, at = [], 0
        for b, (lo, hi) in enumerate(spots):
            if mask >> b & 1:
                parts += [text[at:lo], var]
                at = hi
        out["".join(parts) + text[at:]] = bin(mask).count("1")
    return out


def common_form(texts, var):
    """The one expression of `var` that `texts` ({index value: expression with that index written as a
    literal}) all are: each text's integer literals equal to its index tried as `var`; of the forms common to
    every index the one that replaces fewest literals (the others agree with it on every index seen), or None.
    An index of a table's elements, or of a layer (RWKV's `i / (num_hidden_layers - 1)`)."""
    common = None
    for value, text in texts.items():
        forms = _variants(text, value, var)
        common = forms if common is None else {f: n for f, n in common.items() if f in forms}
        if not common:
            return None
    return min(common, key=lambda f: (common[f], f)) if common else None


# The flat element index an elementwise table's expression reads (no loop variable, no config field).
ELEMENT = "element"


def _elementwise(other, v, config):
    """A table transformers builds in Python, one expression per element (`torch.tensor([...])`, RWKV's decay
    speeds), optionally raised to a power and offset by numbers in float32 (RWKV's time-mix ramps): its
    elements' expression with the element index as `element`, checked against the values copied."""
    t, power, offset = other, None, None
    if hasattr(t, "_tf_offset"):
        t, offset = t._tf_offset
    if hasattr(t, "_tf_pow"):
        t, power = t._tf_pow
    exprs = getattr(t, "_tf_elements", None)
    if exprs is None or len(exprs) != v.numel():
        return None
    value = common_form(dict(enumerate(exprs)), ELEMENT)
    if value is None:
        return None
    init = {"kind": "elementwise", "value": value}
    if power is not None:
        init["power"] = expr_of(power)
    if offset is not None:
        init["offset"] = expr_of(offset)
    env = {k: plain(x) for k, x in vars(config).items() if isinstance(plain(x), (int, float))}
    expect = elementwise_values(init, v.numel(), env)
    if expect is None or not _close(v, expect, 1e-6):
        return None
    return init


def elementwise_values(init, n, env, properties=None):
    """The float32 values of an `elementwise` init over n elements (FORMAT.md), or None where its expressions
    do not evaluate: each element's value rounded to float32, raised to the power (float32 operands, the
    result rounded once), plus the offset in float32."""
    from .config_facts import evaluate

    try:
        base = torch.tensor([float(evaluate(init["value"], {**env, ELEMENT: e}, properties)) for e in range(n)],
                            dtype=torch.float32)
        if "power" in init:
            power = torch.tensor(float(evaluate(init["power"], env, properties)), dtype=torch.float32)
            base = torch.pow(base.double(), power.double()).float()
        if "offset" in init:
            base = base + torch.tensor(float(evaluate(init["offset"], env, properties)), dtype=torch.float32)
    except Exception:  # noqa: BLE001 - an expression that does not evaluate (a division by zero) is no match
        return None
    return base.double()
