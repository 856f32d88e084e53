"""Config facts: defaults, the fields `__post_init__` derives (as expressions), invariants, properties.

The derivations are read from the config classes' own source (Python `ast`): `self.F = E` and
`if C: self.F = E` become rules `F = (E if C else F)` in the catalog's expression language, `if C: raise`
becomes the invariant `not (C)`. Every rule is then checked by running the real config class on probe
configs and comparing with the rules evaluated here; a field whose rule cannot be read or does not verify
is reported as unscalable, with the reason."""
import ast
import dataclasses
import inspect
import math
import textwrap

from transformers import PreTrainedConfig
from transformers.configuration_utils import _LEGACY_LAYER_TYPE_REMAP

_CALLS = {"len", "min", "max", "int", "float", "bool", "abs", "sum", "range", "list", "round"}
_MATH = {"ceil", "floor", "sqrt", "log", "exp", "log2"}


class Untranslatable(Exception):
    pass


class _Translator(ast.NodeTransformer):
    """self.x -> x; math.f -> f; local names substituted; anything outside the language raises."""

    owner = None  # the config class being read: its static helpers may be inlined

    def __init__(self, locals_, bound=()):
        self.locals = locals_
        self.bound = set(bound)

    def visit_Attribute(self, node):
        if isinstance(node.value, ast.Name) and node.value.id == "self":
            return ast.copy_location(ast.Name(node.attr, ast.Load()), node)
        if isinstance(node.value, ast.Name) and node.value.id == "math" and node.attr in _MATH:
            return ast.copy_location(ast.Name(node.attr, ast.Load()), node)
        node.value = self.visit(node.value)
        if not isinstance(node.value, (ast.Name, ast.Attribute)):
            raise Untranslatable(f"attribute access {ast.unparse(node)}")
        return node

    def visit_Name(self, node):
        if node.id in self.bound:
            return node
        if node.id in self.locals:
            return self.locals[node.id]
        if node.id in ("True", "False", "None"):
            return node
        raise Untranslatable(f"name {node.id}")

    def visit_Call(self, node):
        if node.keywords:
            raise Untranslatable(f"call with keywords {ast.unparse(node)}")
        f = node.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "math" and f.attr in _MATH:
            name = f.attr
        elif isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "kwargs" \
                and f.attr in ("pop", "get") and len(node.args) in (1, 2) and isinstance(node.args[0], ast.Constant):
            # A legacy keyword (`kwargs.pop("sliding_window_pattern", 4)`): the forge passes only config fields,
            # so its default. A tester that passes it makes the rule fail verification (then refused).
            return self.visit(node.args[1]) if len(node.args) == 2 else ast.Constant(None)
        elif isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "self" \
                and self.owner is not None and len(node.args) == 1:
            inlined = _inline_list_builder(self.owner, f.attr)
            if inlined is None:
                raise Untranslatable(f"call {ast.unparse(node)}")
            param, body = inlined
            return ast.parse(body.replace(param, f"({ast.unparse(self.visit(node.args[0]))})"), mode="eval").body
        elif isinstance(f, ast.Name) and f.id == "remap_legacy_layer_types" and len(node.args) == 1:
            return ast.parse(_remapped(ast.unparse(self.visit(node.args[0]))), mode="eval").body
        elif isinstance(f, ast.Name) and f.id in _CALLS:
            name = f.id
        else:
            raise Untranslatable(f"call {ast.unparse(node)}")
        args = [self.visit(a) for a in node.args]
        return ast.copy_location(ast.Call(ast.Name(name, ast.Load()), args, []), node)

    def visit_ListComp(self, node):
        if len(node.generators) != 1:
            raise Untranslatable("comprehension with several for clauses")
        g = node.generators[0]
        if _enumerated(g):
            # `[i for i, t in enumerate(L) if t == "hybrid"]` (Zamba2's hybrid_layer_ids): the index runs over
            # range(len(L)) and the item is read as L[i].
            (index, item), listed = (e.id for e in g.target.elts), self.visit(g.iter.args[0])
            g.target, g.iter = ast.Name(index, ast.Store()), ast.parse(f"range(len({ast.unparse(listed)}))", mode="eval").body
            inner = _Translator({**self.locals, item: ast.Subscript(listed, ast.Name(index, ast.Load()), ast.Load())},
                                self.bound | {index})
            g.ifs = [inner.visit(i) for i in g.ifs]
            node.elt = inner.visit(node.elt)
            return node
        if not isinstance(g.target, ast.Name):
            raise Untranslatable("comprehension over several names")
        g.iter = self.visit(g.iter)
        inner = _Translator(self.locals, self.bound | {g.target.id})
        g.ifs = [inner.visit(i) for i in g.ifs]
        node.elt = inner.visit(node.elt)
        return node

    def generic_visit(self, node):
        allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.Constant,
                   ast.Subscript, ast.List, ast.Tuple, ast.Load, ast.operator, ast.unaryop, ast.boolop,
                   ast.cmpop, ast.comprehension, ast.Slice)
        if not isinstance(node, allowed):
            raise Untranslatable(type(node).__name__)
        if isinstance(node, ast.Slice):
            raise Untranslatable("slices")
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float, str, bool, type(None))):
            raise Untranslatable("constant")
        return super().generic_visit(node)


def _enumerated(generator):
    """`for i, t in enumerate(L)` (two names, one argument)."""
    t, it = generator.target, generator.iter
    return (isinstance(t, ast.Tuple) and len(t.elts) == 2 and all(isinstance(e, ast.Name) for e in t.elts)
            and isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "enumerate"
            and len(it.args) == 1 and not it.keywords)


def _inline_list_builder(cls, name):
    """A static helper of the config class that builds a list with nested loops (GPT-Neo's
    expand_attention_types_params: `acc = []; for item in P: for _ in range(item[1]): acc.extend(item[0]);
    return acc`) -> (its parameter, the same list as nested `sum([...], [])`); None for anything else."""
    fn = inspect.getattr_static(cls, name, None)
    if not isinstance(fn, staticmethod):
        return None
    tree = _function_ast(fn.__func__)
    args = [a.arg for a in tree.args.args]
    body = tree.body
    if len(args) != 1 or len(body) != 3 or not isinstance(body[0], ast.Assign) or not isinstance(body[2], ast.Return):
        return None
    acc = body[0].targets[0]
    if not (isinstance(acc, ast.Name) and isinstance(body[0].value, ast.List) and not body[0].value.elts
            and isinstance(body[2].value, ast.Name) and body[2].value.id == acc.id):
        return None
    param = f"__{args[0]}__"

    def build(st, bound):
        if isinstance(st, ast.For) and isinstance(st.target, ast.Name) and len(st.body) == 1 and not st.orelse:
            inner = build(st.body[0], bound | {st.target.id})
            it = ast.unparse(_Translator({args[0]: ast.Name(param)}, bound | {st.target.id}).visit(st.iter))
            return f"sum([{inner} for {st.target.id} in {it}], [])"
        call = st.value if isinstance(st, ast.Expr) else None
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name) \
                and call.func.value.id == acc.id and call.func.attr in ("extend", "append") and len(call.args) == 1:
            item = ast.unparse(_Translator({args[0]: ast.Name(param)}, bound).visit(call.args[0]))
            return f"list({item})" if call.func.attr == "extend" else f"[{item}]"
        raise Untranslatable("helper body")

    try:
        return param, build(body[1], set())
    except Untranslatable:
        return None


def translate(node, locals_=None):
    tree = _Translator(dict(locals_ or {})).visit(ast.fix_missing_locations(ast.parse(ast.unparse(node), mode="eval")).body)
    return ast.unparse(tree)


def _self_target(t):
    if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self":
        return t.attr
    return None


def _sub_config_target(t):
    """`self.S.F = ...` or `self.S["F"] = ...` (a parent's __post_init__ writing into its sub-config S, DBRX's
    `self.ffn_config.hidden_size = self.d_model`) -> the dotted field "S.F"; None otherwise."""
    if isinstance(t, ast.Attribute) and _self_target(t.value):
        return f"{_self_target(t.value)}.{t.attr}"
    if isinstance(t, ast.Subscript) and _self_target(t.value) and isinstance(t.slice, ast.Constant) \
            and isinstance(t.slice.value, str) and t.slice.value.isidentifier():
        return f"{_self_target(t.value)}.{t.slice.value}"
    return None


def _message_of(raise_node):
    """The text parts of a raise's f-string message."""
    exc = raise_node.exc
    if isinstance(exc, ast.Call) and exc.args:
        msg = exc.args[0]
        parts = []
        for n in ast.walk(msg):
            if isinstance(n, ast.Constant) and isinstance(n.value, str):
                parts.append(n.value)
            elif isinstance(n, ast.FormattedValue):
                parts.append("{}")
        text = "".join(parts).strip()
        return " ".join(text.replace("{}", "…").split())
    return "invalid configuration"


class Rules:
    def __init__(self):
        self.derive = []  # (field, expr)
        self.invariants = []  # (expr, message)
        self.unreadable = {}  # field -> reason
        self.properties = {}
        self.fields = set()  # the config class's dataclass fields
        self.attribute_map = {}


def _walk_body(body, rules, cls_chain, guard=None, locals_=None):
    """Translates statements; `guard` is the enclosing condition (an expression) or None."""
    locals_ = {} if locals_ is None else locals_
    last_assign = None  # (field, unguarded expr, rule index) of the last `self.F = E` in this block
    for st in body:
        if isinstance(st, ast.Expr):
            v = st.value
            if isinstance(v, ast.Call) and isinstance(v.func, ast.Attribute) and v.func.attr == "__post_init__":
                # super().__post_init__(**kwargs): the parent's own rules run here.
                if cls_chain:
                    _walk_function(cls_chain[0], cls_chain[1:], rules)
                else:
                    _base_post_init(rules)
                continue
            if isinstance(v, ast.Call) and isinstance(v.func, ast.Attribute) and isinstance(v.func.value, ast.Name) \
                    and v.func.value.id in ("logger", "warnings"):
                continue
            if isinstance(v, ast.Constant):
                continue  # docstring
            _mark_all(st, rules, f"statement `{ast.unparse(st)[:80]}` is not expressible")
            continue
        if isinstance(st, ast.Assign) and len(st.targets) == 1:
            field = _self_target(st.targets[0]) or _sub_config_target(st.targets[0])
            if field is None and isinstance(st.targets[0], ast.Name):
                try:
                    locals_[st.targets[0].id] = ast.parse(translate(st.value, locals_), mode="eval").body
                except Untranslatable:
                    pass
                continue
            item = _item_assignment(st.targets[0], st.value, locals_) if field is None else None
            if item is not None:
                last_assign = _add_rebuild(rules, *item, guard, last_assign)
                continue
            if field is None:
                _mark_all(st, rules, f"assignment `{ast.unparse(st)[:80]}` is not expressible")
                continue
            try:
                expr = translate(st.value, locals_)
            except Untranslatable as e:
                rules.unreadable[field] = f"__post_init__ computes it in a way the catalog cannot express ({e})"
                continue
            last_assign = (field, expr, len(rules.derive))
            if guard is not None:
                expr = f"({expr}) if ({guard}) else {field}"
            rules.derive.append((field, expr))
            continue
        if isinstance(st, ast.If):
            try:
                cond = translate(st.test, locals_)
            except Untranslatable as e:
                _mark_all(st, rules, f"a condition in __post_init__ is not expressible ({e})")
                continue
            if len(st.body) == 1 and isinstance(st.body[0], ast.Raise) and not st.orelse:
                rules.invariants.append((f"not ({cond})" if guard is None else f"not (({guard}) and ({cond}))",
                                         _message_of(st.body[0])))
                continue
            g_then = cond if guard is None else f"({guard}) and ({cond})"
            g_else = f"not ({cond})" if guard is None else f"({guard}) and not ({cond})"
            _walk_body(st.body, rules, cls_chain, g_then, dict(locals_))
            _walk_body(st.orelse, rules, cls_chain, g_else, dict(locals_))
            continue
        if isinstance(st, ast.For):
            rule = _appending_loop(st, locals_)
            if rule is not None:
                field, items = rule
                last_assign = _add_rebuild(rules, field, lambda source: f"{source} + {items}", guard, last_assign)
                continue
        if isinstance(st, (ast.Pass, ast.Raise)):
            continue
        _mark_all(st, rules, f"statement `{ast.unparse(st)[:80]}` is not expressible")


def _add_rebuild(rules, field, rebuild, guard, last_assign):
    """Adds the rule `F = rebuild(F)` (a loop appending to F, an item assignment) under `guard`. Right after
    `self.F = E` in the same block it becomes one rule `F = rebuild(E)`, so that a guard on F (`if F is None`) is
    read before F changes. Returns the new last assignment."""
    source = field
    if last_assign and last_assign[0] == field and last_assign[2] == len(rules.derive) - 1:
        source = f"({last_assign[1]})"
        rules.derive.pop()
    expr = rebuild(source)
    rules.derive.append((field, expr if guard is None else f"({expr}) if ({guard}) else {field}"))
    return field, expr, len(rules.derive) - 1


def _item_assignment(target, value, locals_):
    """`self.F[k] = V` with a constant index (Beam's `layer_types[-1] = "full_attention"`) -> (F, a function
    of the list's expression giving a comprehension that rebuilds it with item k replaced); None otherwise."""
    if not (isinstance(target, ast.Subscript) and _self_target(target.value)):
        return None
    field = _self_target(target.value)
    idx = target.slice
    if isinstance(idx, ast.UnaryOp) and isinstance(idx.op, ast.USub) and isinstance(idx.operand, ast.Constant):
        at = f"len({field}) - {idx.operand.value}"
    elif isinstance(idx, ast.Constant) and isinstance(idx.value, int):
        at = str(idx.value)
    else:
        return None
    try:
        v = translate(value, locals_)
    except Untranslatable:
        return None
    at = at.replace(f"len({field})", "len(items)")

    def rebuild(source):
        a = at.replace("len(items)", f"len({source})")
        return f"[({v}) if item_index == ({a}) else {source}[item_index] for item_index in range(len({source}))]"

    return field, rebuild


def _appended(st):
    """(field, value node) of `self.F.append(value)`, else None."""
    if isinstance(st, ast.Expr) and isinstance(st.value, ast.Call) and isinstance(st.value.func, ast.Attribute) \
            and st.value.func.attr == "append" and len(st.value.args) == 1:
        field = _self_target(st.value.func.value)
        if field:
            return field, st.value.args[0]
    return None


def _appending_loop(st, locals_):
    """`for v in ITER:` whose body binds locals and appends to one list field (`self.F.append(X)`, possibly
    under if/else) -> (F, "F + [X for v in ITER]"); None when the loop is anything else."""
    if not isinstance(st.target, ast.Name) or st.orelse:
        return None
    var = st.target.id
    inner = dict(locals_)
    field, element = None, None
    try:
        iter_expr = translate(st.iter, locals_)
        for b in st.body:
            if isinstance(b, ast.Assign) and len(b.targets) == 1 and isinstance(b.targets[0], ast.Name):
                text = ast.unparse(_Translator(inner, {var}).visit(ast.parse(ast.unparse(b.value), mode="eval").body))
                inner[b.targets[0].id] = ast.parse(text, mode="eval").body
                continue
            branches = [b] if _appended(b) else None
            if isinstance(b, ast.If) and len(b.body) == 1 and len(b.orelse) == 1:
                branches = [b.body[0], b.orelse[0]] if _appended(b.body[0]) and _appended(b.orelse[0]) else None
            if branches is None or element is not None:
                return None
            got = [_appended(x) for x in branches]
            if len({f for f, _ in got}) != 1:
                return None
            field = got[0][0]
            values = [ast.unparse(_Translator(inner, {var}).visit(ast.parse(ast.unparse(v), mode="eval").body))
                      for _, v in got]
            if len(values) == 1:
                element = values[0]
            else:
                cond = ast.unparse(_Translator(inner, {var}).visit(ast.parse(ast.unparse(b.test), mode="eval").body))
                element = f"({values[0]}) if ({cond}) else ({values[1]})"
    except Untranslatable:
        return None
    if field is None:
        return None
    return field, f"[{element} for {var} in {iter_expr}]"


def _mark_all(st, rules, reason):
    for n in ast.walk(st):
        if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store):
            f = _self_target(n)
            if f:
                rules.unreadable.setdefault(f, reason)


def _function_ast(fn):
    src = textwrap.dedent(inspect.getsource(fn))
    return ast.parse(src).body[0]


def _walk_function(cls, rest, rules):
    fn = cls.__dict__.get("__post_init__")
    if fn is None:
        if rest:
            _walk_function(rest[0], rest[1:], rules)
        else:
            _base_post_init(rules)
        return
    _walk_body(_function_ast(fn).body, rules, rest)


def _base_post_init(rules):
    """What PreTrainedConfig.__post_init__ does to the layout beyond the defaults: legacy layer-type names
    ("mamba", "attention" ...) become the current ones, in layer_types and mtp_layer_types."""
    for name in ("layer_types", "mtp_layer_types"):
        field = rules.attribute_map.get(name, name)
        if field not in rules.fields:
            continue  # absent, or a read-only property transformers leaves alone
        rules.derive.append((field, f"{_remapped(field)} if {field} is not None else {field}"))


def _remapped(list_expr):
    """remap_legacy_layer_types(list) in the catalog's language."""
    expr = "t"
    for old, new in reversed(sorted(_LEGACY_LAYER_TYPE_REMAP.items())):
        expr = f"({new!r} if t == {old!r} else {expr})"
    return f"[{expr} for t in {list_expr}]"


def read_rules(config_class):
    """Rules of config_class's own __post_init__ chain (PreTrainedConfig's is the base behaviour the
    defaults already carry), its validate_architecture, and its properties."""
    chain = [c for c in config_class.__mro__ if issubclass(c, PreTrainedConfig) and c is not PreTrainedConfig]
    _Translator.owner = config_class
    rules = Rules()
    rules.attribute_map = dict(getattr(config_class, "attribute_map", {}) or {})
    rules.fields = {f.name for f in dataclasses.fields(config_class)} if dataclasses.is_dataclass(config_class) else set()
    if chain:
        _walk_function(chain[0], chain[1:], rules)
    # PreTrainedConfig's own properties (num_labels, which lives in id2label) are base behaviour the defaults
    # carry; a subclass's `self.num_labels = kwargs.pop("num_labels", 3)` (BART) is no field of its own.
    base_props = {f for f, _ in rules.derive if isinstance(inspect.getattr_static(PreTrainedConfig, f, None), property)}
    rules.derive = [(f, e) for f, e in rules.derive if f not in base_props]
    for c in reversed(chain):
        fn = c.__dict__.get("validate_architecture")
        if fn is not None:
            before = dict(rules.unreadable)
            _walk_body(_function_ast(fn).body, rules, [])
            rules.unreadable = before  # validation assigns nothing
        for name, member in c.__dict__.items():
            if isinstance(member, property) and member.fget is not None and name not in rules.properties:
                try:
                    body = _function_ast(member.fget).body
                    body = [b for b in body if not (isinstance(b, ast.Expr) and isinstance(b.value, ast.Constant))]
                    if len(body) == 1 and isinstance(body[0], ast.Return):
                        rules.properties[name] = translate(body[0].value)
                except (Untranslatable, OSError, TypeError, SyntaxError):
                    pass
    return rules


# --- evaluation of the language in Python (it is a Python subset) -------------------------------------
_ENV = {"ceil": math.ceil, "floor": math.floor, "sqrt": math.sqrt, "log": math.log, "exp": math.exp,
        "log2": math.log2, "len": len, "min": min, "max": max, "int": int, "float": float, "bool": bool,
        "abs": abs, "sum": sum, "range": lambda *a: list(range(*a)), "list": list, "round": round}


class _Obj:
    """A sub-config seen through attribute access."""

    def __init__(self, d):
        self.__dict__.update(d)

    def __getitem__(self, k):
        return self.__dict__[k]

    def __len__(self):  # len(id2label), as the C++ evaluator counts an object's entries
        return len(self.__dict__)


def _namespace(values, properties):
    # Comprehensions resolve free names as globals, so the namespace is a plain, complete dict.
    ns = {"__builtins__": {}, **_ENV}
    ns.update({k: (_Obj(v) if isinstance(v, dict) else v) for k, v in values.items()})
    pending = dict(properties or {})
    for _ in range(len(pending) + 1):  # properties may use each other: evaluate until settled
        for name, expr in list(pending.items()):
            try:
                ns[name] = eval(compile(expr, "<catalog>", "eval"), ns)
                del pending[name]
            except NameError:
                pass
            except Exception:  # noqa: BLE001 - a property that does not evaluate here is simply absent
                del pending[name]
    return ns


def evaluate(expr, values, properties=None):
    return eval(compile(expr, "<catalog>", "eval"), _namespace(values, properties))


def get_field(values, field):
    """The value of `field` in a config dict, a sub-config's field written `sub.field` (None if absent)."""
    sub, _, name = field.rpartition(".")
    node = values.get(sub) if sub else values
    return node.get(name) if isinstance(node, dict) else None


def apply_rules(values, rules):
    """The config after the derive rules, evaluated here. A rule on `sub.field` sets the field of the
    sub-config `sub` (the dict is copied, the caller's stays as it was)."""
    values = dict(values)
    for field, expr in rules:
        value = evaluate(expr, values)
        sub, _, name = field.rpartition(".")
        if sub:
            values[sub] = {**values[sub], name: value}
        else:
            values[field] = value
    return values
