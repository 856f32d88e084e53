"""What one architecture saves, captured from transformers itself.

The model is built on the meta device from a config whose numbers are Sym values, with torch's tensor
factories and transformers' initialisers instrumented:
- every tensor a factory makes remembers the expressions of its shape (`torch.empty(out, in)` with
  `out = num_attention_heads * head_dim`),
- every initialiser call is recorded with its arguments (their expressions too: `std=initializer_range`),
- save_pretrained's own key selection (tied weights removed, weight conversions reverted) gives the names.
Nothing is allocated, so even wide configs cost milliseconds."""
import contextlib
import inspect
import math
import re
import types

import torch
import transformers
from transformers import initialization as hf_init
from transformers.core_model_loading import revert_weight_conversion
from transformers.modeling_utils import remove_tied_weights_from_state_dict

from . import generators, sym
from .sym import apply, expr_of, is_sym, literal, make, plain

_FACTORIES = ["empty", "zeros", "ones", "randn", "rand", "full", "normal", "empty_like", "zeros_like", "ones_like",
              "rand_like"]
_ATOM = re.compile(r"[A-Za-z_]\w*(\.\w+)*(\[\w+\])?|\d+")
_INIT_NAMES = ["uniform_", "normal_", "constant_", "ones_", "zeros_", "eye_", "dirac_", "xavier_uniform_",
               "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "trunc_normal_", "orthogonal_", "sparse_"]


def _shape_args(args, kwargs):
    if "size" in kwargs:
        size = kwargs["size"]
    elif len(args) == 1 and isinstance(args[0], (tuple, list, torch.Size)):
        size = args[0]
    else:
        size = [a for a in args if isinstance(a, int)]
    return list(size)


def _dims(t):
    """A tensor's dims as expressions: its recorded ones, else its sizes as literals."""
    exprs = getattr(t, "_tf_shape", None)
    return list(exprs) if exprs is not None and len(exprs) == t.dim() else [str(d) for d in _plain_shape(t)]


def _plain_shape(t):
    """The torch.Size of plain ints (Tensor.shape is patched while recording)."""
    return torch._C.TensorBase.size(t)


def _derived_shape(name, args, kwargs, out):
    """The expressions of a tensor computed from others or from numbers (Jamba's A_log:
    `log(arange(1, d_state + 1)[None, :].expand(intermediate, -1))`), or None."""
    tensors = [a for a in args if isinstance(a, torch.Tensor)]
    src = tensors[0] if tensors else None
    if name == "arange":
        nums = [a for a in args if isinstance(a, (int, float)) and not isinstance(a, bool)]
        if len(nums) in (1, 2) and kwargs.get("step", 1) == 1 and any(is_sym(n) for n in nums):
            return [expr_of(nums[0] if len(nums) == 1 else nums[1] - nums[0])]
        return None
    if src is None or src is not args[0]:
        return None
    dims = _dims(src)
    if name == "expand":
        sizes = list(args[1]) if len(args) == 2 and isinstance(args[1], (tuple, list, torch.Size)) else list(args[1:])
        lead = len(sizes) - len(dims)
        return [dims[i - lead] if plain(n) == -1 else expr_of(n) for i, n in enumerate(sizes)]
    if name in ("reshape", "view"):
        return _reshaped(dims, _plain_shape(src), args[1:], _plain_shape(out))
    if name == "__getitem__":
        key = args[1] if isinstance(args[1], tuple) else (args[1],)
        if not all(k is None or k == slice(None) for k in key):
            return None
        it = iter(dims)
        shape = ["1" if k is None else next(it) for k in key]
        return shape + list(it)
    if _plain_shape(out) == _plain_shape(src):  # elementwise, contiguous, a copy
        return dims
    return None


def _tag_elementwise(name, args, out):
    """A table built elementwise in Python (`torch.tensor([i / hidden_size for i in range(hidden_size)])`) keeps
    its elements' expressions through views that add unit dims, and a float power or offset applied to it with
    a Sym (RWKV's `torch.pow(time_weight, ratio) + 0.3 * ratio`) is remembered with its operand."""
    data = args[0] if args else None
    if name == "tensor" and isinstance(data, (list, tuple)) and any(is_sym(x) for x in data) and \
            all(isinstance(x, (int, float)) for x in data):
        out._tf_elements = [expr_of(x) for x in data]
        return
    src = data if isinstance(data, torch.Tensor) else None
    if src is None:
        return
    if name == "__getitem__" and hasattr(src, "_tf_elements"):
        key = args[1] if isinstance(args[1], tuple) else (args[1],)
        if all(k is None or k == slice(None) for k in key):
            out._tf_elements = src._tf_elements
    elif name == "pow" and len(args) == 2 and is_sym(args[1]) and hasattr(src, "_tf_elements"):
        out._tf_pow = (src, args[1])
    elif name in ("add", "__add__", "__radd__") and len(args) == 2 and is_sym(args[1]) and \
            (hasattr(src, "_tf_elements") or hasattr(src, "_tf_pow")):
        out._tf_offset = (src, args[1])


def _reshaped(dims, sizes, args, out_sizes):
    """The expressions of `reshape(*args)` of a tensor whose dims are `dims` (Zamba's A_log: [intermediate,
    state] to [heads, head_dim, -1]): each given size's own, and -1 the product of the source's trailing dims of
    its value, else the source's product over the given ones."""
    shape = list(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list, torch.Size)) else list(args)
    if len(shape) != len(out_sizes):
        return None
    out = []
    for n, size in zip(shape, out_sizes):
        if plain(n) != -1:
            out.append(expr_of(n))
            continue
        suffix = next((dims[j:] for j in range(len(dims))
                       if math.prod(sizes[j:]) == size), None)
        whole = " * ".join(f"({d})" for d in dims) or "1"
        given = " * ".join(f"({expr_of(m)})" for m in shape if plain(m) != -1) or "1"
        out.append(" * ".join(f"({d})" for d in suffix) if suffix else f"{whole} // ({given})")
    return [_unwrapped_parens(e) for e in out]


def _unwrapped_parens(e):
    """`e` without parentheses around the whole of it."""
    while e.startswith("(") and e.endswith(")"):
        depth = 0
        for k, ch in enumerate(e):
            depth += {"(": 1, ")": -1}.get(ch, 0)
            if depth == 0 and k < len(e) - 1:
                return e
        e = e[1:-1]
    return e


def _hashable(f):
    try:
        hash(f)
        return True
    except TypeError:
        return False


class _ShapeMode(torch.overrides.TorchFunctionMode):
    """Shapes of tensors computed by torch functions, as expressions, where they follow from a recorded
    shape or from Sym arguments. `originals`: {patched function: the original}, called in its place (torch
    hands the mode the patched method, which would record a second time)."""

    def __init__(self, originals):
        super().__init__()
        self.originals = originals

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = self.originals.get(func, func)(*args, **kwargs)
        if isinstance(out, torch.Tensor) and not hasattr(out, "_tf_shape"):
            exprs = _derived_shape(getattr(func, "__name__", ""), args, kwargs, out)
            if exprs is not None and len(exprs) == out.dim() and any(not e.isdigit() for e in exprs):
                out._tf_shape = exprs
            _tag_elementwise(getattr(func, "__name__", ""), args, out)
        return out


class Recorder:
    def __init__(self):
        self.inits = []  # (tensor, function name, {arg: value})
        self.values = generators.Values()  # draws, clamps and math results, for computed initial values

    @staticmethod
    def note_comparisons(tensor):
        """The order comparisons of Syms made by the module's _init_weights so far, kept on the tensor its last
        initialiser call wrote (that call's parameters may follow from them)."""
        if sym.COMPARISONS is not None and isinstance(tensor, torch.Tensor):
            tensor._tf_comparisons = list(sym.COMPARISONS)

    @contextlib.contextmanager
    def active(self):
        saved = {}

        def patch(owner, name, value):
            saved[(owner, name)] = getattr(owner, name)
            setattr(owner, name, value)

        recorder = self
        for fname in _FACTORIES:
            original = getattr(torch, fname)

            def factory(*args, __original=original, __name=fname, __like=fname.endswith("_like"),
                        __draw=fname in ("rand", "rand_like"), **kwargs):
                t = __original(*args, **kwargs)
                if __like:
                    src = args[0] if args else None
                    if src is not None and hasattr(src, "_tf_shape"):
                        t._tf_shape = src._tf_shape
                else:
                    if __name == "normal":  # normal(mean, std, size): the size only
                        shape = list(kwargs.get("size", args[2] if len(args) > 2 else ()))
                    elif __name == "full":
                        shape = _shape_args(args[:1], kwargs)
                    else:
                        shape = _shape_args(args, kwargs)
                    if any(is_sym(d) for d in shape):
                        t._tf_shape = [expr_of(d) for d in shape]
                if __draw:
                    recorder.values.draw(t, 0.0, 1.0)
                if __name in ("zeros", "ones", "zeros_like", "ones_like"):
                    t._tf_fill = 0.0 if __name.startswith("zeros") else 1.0  # its value if no init runs
                return t

            patch(torch, fname, factory)

        original_param_new = torch.nn.Parameter.__new__

        def param_new(cls, data=None, requires_grad=True):
            p = original_param_new(cls, data, requires_grad)
            if data is not None and hasattr(data, "_tf_shape"):
                p._tf_shape = data._tf_shape
            if data is not None and hasattr(data, "_tf_fill"):
                p._tf_fill = data._tf_fill
            return p

        patch(torch.nn.Parameter, "__new__", param_new)
        original_buffer_new = torch.nn.Buffer.__new__

        def buffer_new(cls, data=None, *, persistent=True):
            b = original_buffer_new(cls, data, persistent=persistent)
            if data is not None and hasattr(data, "_tf_shape"):
                b._tf_shape = data._tf_shape  # detach() drops the attribute
            return b

        patch(torch.nn.Buffer, "__new__", buffer_new)

        for name in _INIT_NAMES:
            original = hf_init.TORCH_INIT_FUNCTIONS[name]

            def init_fn(tensor, *args, __name=name, __original=original, **kwargs):
                recorder.inits.append((tensor, __name, args, kwargs))
                recorder.note_comparisons(tensor)
                if __name == "uniform_" and tensor.device.type != "meta":
                    # A real tensor gets its draw: a computed value may be derived from it (log of it).
                    with torch.no_grad():  # as torch.nn.init does: parameters are leaves
                        torch.Tensor.uniform_(tensor, *args, **kwargs)
                return tensor

            saved[("fns", name)] = original
            hf_init.TORCH_INIT_FUNCTIONS[name] = init_fn
            # A module may initialise in its constructor with torch's own functions (GPT-1's Conv1D) and leave
            # it at that: recorded too, so the last call on a tensor, whichever path made it, decides.
            patch(torch.nn.init, name, init_fn)
        original_copy = hf_init.copy_

        def copy_fn(tensor, other):
            if not getattr(tensor, "_is_hf_initialized", False):
                recorder.inits.append((tensor, "copy_", (other,), {}))
                recorder.note_comparisons(tensor)
            return tensor

        patch(hf_init, "copy_", copy_fn)
        original_setitem = torch.Tensor.__setitem__

        def setitem(tensor, key, value):
            # A row written after the fill (Zaya's `balancing_biases[-1] = -1.0`): kept with the initialiser.
            if isinstance(key, int) and isinstance(value, (int, float)) and not isinstance(value, bool):
                recorder.inits.append((tensor, "__setitem__", (key, value), {}))
            return original_setitem(tensor, key, value)

        patch(torch.Tensor, "__setitem__", setitem)
        # A tensor's shape read back keeps its expressions (xLSTM's init reads `module.weight.shape[1]`).
        def sym_shape(tensor):
            shape = _plain_shape(tensor)
            exprs = getattr(tensor, "_tf_shape", None)
            if exprs is None or len(exprs) != len(shape):
                return shape
            return torch.Size([make(int(d), e if _ATOM.fullmatch(e) else f"({e})") for d, e in zip(shape, exprs)])

        def sym_size(tensor, dim=None):
            shape = sym_shape(tensor)
            return shape if dim is None else shape[dim]

        patch(torch.Tensor, "shape", property(sym_shape))
        patch(torch.Tensor, "size", sym_size)
        # math functions keep the expression of a Sym argument (GPT-2's std / math.sqrt(2 * n_layer)).
        for fname in ("sqrt", "log", "exp"):
            original = getattr(math, fname)

            def math_fn(x, *rest, __original=original, __name=fname):
                value = __original(x, *rest)
                if is_sym(x) and not rest:
                    value = apply(x, value, f"{__name}({expr_of(x)})")
                    if is_sym(value) and not value.constant:
                        recorder.values.scalars.append(value)
                return value

            patch(math, fname, math_fn)
        # num_labels is a property over id2label: read as `len(id2label)`, a classifier's width follows the
        # labels config.json carries instead of the tester's count.
        labels = transformers.PreTrainedConfig.num_labels

        def num_labels(config):
            n = labels.fget(config)
            return n if n is None else make(n, "len(id2label)")

        patch(transformers.PreTrainedConfig, "num_labels", property(num_labels, labels.fset))
        # Each module's _init_weights (run by the constructor's post_init, or by initialize_weights) starts a new
        # list of comparisons.
        original_init = transformers.PreTrainedModel._initialize_weights

        def initialize_weights(model, module, *args, **kwargs):
            sym.COMPARISONS = []
            try:
                return original_init(model, module, *args, **kwargs)
            finally:
                sym.COMPARISONS = None

        patch(transformers.PreTrainedModel, "_initialize_weights", initialize_weights)
        generators.install(patch, self.values)
        try:
            patched = {getattr(owner, name): value for (owner, name), value in saved.items() if owner != "fns"}
            with _ShapeMode({f: o for f, o in patched.items() if f is not o and _hashable(f)}):
                yield
        finally:
            for (owner, name), value in saved.items():
                if owner == "fns":
                    hf_init.TORCH_INIT_FUNCTIONS[name] = value
                else:
                    setattr(owner, name, value)


class _IntMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, _BUILTIN_INT)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, _BUILTIN_INT)


_BUILTIN_INT = int


class _SymAwareInt(metaclass=_IntMeta):
    """`int` as the modeling module sees it while a model is built: int(Sym) keeps the expression
    (`int(config.intermediate_size) * 2`), everything else is the builtin."""

    def __new__(cls, x=0, *args):
        if is_sym(x) and not args:
            return apply(x, _BUILTIN_INT(plain(x)), f"int({expr_of(x)})")
        return _BUILTIN_INT(x, *args)


def _model_modules(cls):
    """The modeling modules `cls` is built by: those of its bases, and those a name bound in them comes from
    (xLSTM's modeling module calls a rounding helper of its configuration module)."""
    def ours(m):
        return m is not None and m.__name__.startswith("transformers.models.")

    mods = {m.__name__: m for m in (inspect.getmodule(c) for c in cls.__mro__) if ours(m)}
    for m in list(mods.values()):
        for v in list(vars(m).values()):
            owner = inspect.getmodule(v) if inspect.isclass(v) or inspect.isfunction(v) else None
            if ours(owner):
                mods.setdefault(owner.__name__, owner)
    return list(mods.values())


def _sym_constants(code):
    """`code` with its float literals as Syms of themselves: `2.0 * num_hidden_layers` would otherwise run
    float.__mul__, which takes any int and drops the expression (a reflected operator is only tried first
    for a subclass of the left operand's type). Nested functions' code too."""
    def sym(c):
        if type(c) is float:
            return literal(c)
        return _sym_constants(c) if isinstance(c, types.CodeType) else c

    consts = tuple(sym(c) for c in code.co_consts)
    return code if all(a is b for a, b in zip(consts, code.co_consts)) else code.replace(co_consts=consts)


def _unwrapped(fn):
    """The plain function under `fn`'s decorators (`@torch.no_grad()`), or None: a decorator may wrap a bound
    method (its `__wrapped__`), whose code belongs to its function."""
    fn = inspect.unwrap(fn)
    fn = getattr(fn, "__func__", fn)
    return fn if inspect.isfunction(fn) else None


def _functions_of(module):
    """Every plain function defined in `module`: its module-level functions and its classes' methods."""
    found = []
    for v in vars(module).values():
        if inspect.isfunction(v) and v.__module__ == module.__name__:
            found.append(_unwrapped(v))
        elif inspect.isclass(v) and v.__module__ == module.__name__:
            for member in vars(v).values():
                member = getattr(member, "__func__", member)  # staticmethod, classmethod
                if isinstance(member, property):
                    member = member.fget
                if inspect.isfunction(member):
                    found.append(_unwrapped(member))
    yield from (fn for fn in found if fn is not None)


@contextlib.contextmanager
def _sym_aware_modules(cls):
    """While `cls` is built, its modeling modules compute with Syms where plain Python would drop them:
    `int` keeps the expression (`int(config.intermediate_size) * 2`), and float literals are Syms of
    themselves."""
    modules = _model_modules(cls)
    saved = {m.__name__: vars(m).get("int") for m in modules}
    codes = {fn: fn.__code__ for m in modules for fn in _functions_of(m)}
    for m in modules:
        vars(m)["int"] = _SymAwareInt
    for fn, code in codes.items():
        fn.__code__ = _sym_constants(code)
    try:
        yield
    finally:
        for fn, code in codes.items():
            fn.__code__ = code
        for m in modules:
            if saved[m.__name__] is None:
                vars(m).pop("int", None)
            else:
                vars(m)["int"] = saved[m.__name__]


def build_meta(cls, config):
    """cls(config) on the meta device, with its initialisers recorded."""
    # The draws a computed initial value is identified from are real: seeded, so what is identified (and any
    # reason written into the catalog) is the same on every compile, whatever the order of the captures.
    torch.manual_seed(0)
    rec = Recorder()
    with rec.active(), _sym_aware_modules(cls):
        with torch.device("meta"):
            model = cls(config)
        # init_weights skips initialisation on the meta device; run it here, recording what it would do.
        # transformers initialises before it ties, so a tied-away parameter (lm_head.weight) gets a tensor of
        # its own meanwhile: its initialiser must not count for the weight that is kept (Youtu's embedding).
        tied = dict(getattr(model, "all_tied_weights_keys", None) or {})
        for target in tied:
            owner_name, _, attr = target.rpartition(".")
            try:
                owner = model.get_submodule(owner_name)
                kept = getattr(owner, attr)
            except AttributeError:
                continue
            if isinstance(kept, torch.nn.Parameter):
                setattr(owner, attr, torch.nn.Parameter(torch.empty_like(kept), requires_grad=kept.requires_grad))
        model.initialize_weights()
        if tied:
            model.tie_weights(recompute_mapping=False)
    return model, rec


def saved_tensors(model):
    """{saved name: in-memory tensor} as save_pretrained would write them (tied copies dropped, conversions
    reverted). A reverted many-to-one conversion yields new tensors; those map to None."""
    state = model.state_dict()
    live = {}
    for name, t in list(model.named_parameters(remove_duplicate=False)) + list(model.named_buffers(remove_duplicate=False)):
        live[name] = t
    state = remove_tied_weights_from_state_dict(state, model)
    # Keep identities: the reverse conversion may rename keys; tag each detached tensor with its source name.
    for k, v in state.items():
        v._tf_source = k
    reverted = revert_weight_conversion(model, dict(state))
    # Sources a conversion merged away: not kept under their own name, nor carried over by a plain rename
    # (Kimi-Linear's mlp.shared_experts saved as block_sparse_moe.shared_experts is no expert source).
    renamed = {getattr(v, "_tf_source", None) for v in reverted.values()}
    consumed = [k for k in state if k not in renamed]
    out = {}
    for k, v in reverted.items():
        src = getattr(v, "_tf_source", None)
        if src is None and consumed:
            # Made by a reverted conversion (a fused expert tensor split per expert, a chunked gate_up): its
            # source is the consumed in-memory tensor whose path shares the most with it.
            # Among them, the one whose dims explain this tensor's (w2 <- down_proj [E, H, I], w1 <- half of
            # gate_up_proj [E, 2I, H]).
            src = max(consumed, key=lambda c: (_common_prefix(c, k), _fit_score(tuple(v.shape), state[c].shape), -len(c), c))
            out[k] = (src, live.get(src), v, True)
            continue
        out[k] = (src, live.get(src) if src is not None else None, v, False)
    return out


# The most parts a conversion splits one tensor into or merges into one (HRM's gate, q, k and v in gqkv_proj).
MAX_PARTS = 8


def _fit_score(shape, source_shape):
    """How well a split or merged tensor's dims come from a source's: exact dims count 2, a k-th or k-fold
    one 1 (layout._fit_dim's rules), in order."""
    src = list(source_shape)
    score = 0
    for d in shape:
        if d in src:
            score += 2
            src.remove(d)
            continue
        part = next((n for k in range(2, MAX_PARTS + 1) for n in src if n in (k * d, d / k)), None)
        if part is not None:
            score += 1
            src.remove(part)
    return (score, len(shape) - len(src))


def _common_prefix(a, b):
    n = 0
    for x, y in zip(a.split("."), b.split(".")):
        if x != y:
            break
        n += 1
    return n


def record_for(tensor, inits):
    """The last effective initialiser call on `tensor`, the rows written after it ([(index, value)]), and
    zeroed rows made through views of it."""
    chosen = None
    zero_rows = []
    set_rows = []
    if hasattr(tensor, "_tf_fill"):  # made by torch.zeros/ones and never initialised: that constant
        chosen = ("constant_", (tensor._tf_fill,), {})
    for t, name, args, kwargs in inits:
        if t is tensor and name == "__setitem__":
            set_rows.append(args)
        elif t is tensor and name == "copy_" and chosen is not None and \
                isinstance(getattr(args[0], "_tf_scale", None), tuple) and args[0]._tf_scale[0] is tensor:
            # Its own values rescaled by a config expression and copied back: the initialiser before, scaled.
            chosen = ("scaled", (chosen, *args[0]._tf_scale[1:]), {})
        elif t is tensor:
            chosen = (name, args, kwargs)
            set_rows = []
        elif getattr(t, "_base", None) is tensor and name in ("zeros_", "constant_"):
            zero_rows.append(t)
    return chosen, set_rows, zero_rows
