"""Numbers that remember how they were computed.

A config built with Sym values hands them to the modeling code, which does its arithmetic on them
(`hidden_size // num_attention_heads`, `2 * intermediate_size`) and passes the results to torch; what reaches a
tensor's shape or an initialiser's std is then both the number and the expression that produced it, written
in the catalog's expression language (a Python subset)."""
import math

# Binding strength of the operators we emit, to parenthesise only where Python needs it.
_PREC = {"or": 1, "and": 2, "cmp": 4, "+": 6, "-": 6, "*": 7, "/": 7, "//": 7, "%": 7, "neg": 8, "**": 9, "atom": 10}


def expr_of(value):
    """The expression text of a Sym, or the literal of a plain number."""
    if isinstance(value, (SymInt, SymFloat)):
        return value.expr
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        return repr(value)
    return repr(value)


def prec_of(value):
    return value.prec if isinstance(value, (SymInt, SymFloat)) else (_PREC["neg"] if _is_negative_literal(value) else _PREC["atom"])


def _is_negative_literal(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v < 0


def is_sym(value):
    return isinstance(value, (SymInt, SymFloat))


def _wrap(value, prec, right=False):
    p = prec_of(value)
    text = expr_of(value)
    if p < prec or (right and p == prec):
        return "(" + text + ")"
    return text


def _binary(op, a, b, result):
    if _constant(a) and _constant(b):  # literals only (a module's float literals are Syms): folded
        return literal(result)
    prec = _PREC[op]
    if op == "**":  # right-associative
        text = _wrap(a, prec + 1) + " ** " + _wrap(b, prec)
    else:
        text = _wrap(a, prec) + f" {op} " + _wrap(b, prec, right=True)
    return make(result, text, prec)


def make(value, expr, prec=_PREC["atom"]):
    """value tagged with expr (bools and non-numbers stay plain)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if isinstance(value, int):
        return SymInt(value, expr, prec)
    return SymFloat(value, expr, prec)


def literal(value):
    """A plain number as a Sym written as its literal, so that arithmetic with it keeps expressions."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return value
    sym = make(value, expr_of(value), prec_of(value))
    sym.constant = True
    return sym


def apply(arg, value, expr, prec=_PREC["atom"]):
    """The result `value` of a function of the Sym `arg`, written `expr` (folded to a literal when `arg` is one)."""
    return literal(value) if _constant(arg) else make(value, expr, prec)


def _constant(v):
    return getattr(v, "constant", False) if is_sym(v) else isinstance(v, (int, float))


def _ops(base):
    def binop(op, fn):
        def f(self, other):
            if not isinstance(other, (int, float)) or isinstance(other, complex):
                return NotImplemented
            r = fn(_plain(self), _plain(other))
            if r is NotImplemented:
                return r
            return _binary(op, self, other, r)

        def rf(self, other):
            if not isinstance(other, (int, float)):
                return NotImplemented
            r = fn(_plain(other), _plain(self))
            if r is NotImplemented:
                return r
            return _binary(op, other, self, r)

        return f, rf

    table = {}
    for name, op, fn in [
        ("add", "+", lambda a, b: a + b), ("sub", "-", lambda a, b: a - b), ("mul", "*", lambda a, b: a * b),
        ("truediv", "/", lambda a, b: a / b), ("floordiv", "//", lambda a, b: a // b),
        ("mod", "%", lambda a, b: a % b), ("pow", "**", lambda a, b: a ** b),
    ]:
        f, rf = binop(op, fn)
        table[f"__{name}__"] = f
        table[f"__r{name}__"] = rf
    for name, op, fn in [("lt", "<", lambda a, b: a < b), ("le", "<=", lambda a, b: a <= b),
                         ("gt", ">", lambda a, b: a > b), ("ge", ">=", lambda a, b: a >= b)]:
        table[f"__{name}__"] = _comparison(op, fn)
    table["__neg__"] = lambda self: apply(self, -_plain(self), "-" + _wrap(self, _PREC["neg"]), _PREC["neg"])
    table["__pos__"] = lambda self: self
    table["__abs__"] = lambda self: apply(self, abs(_plain(self)), f"abs({self.expr})")
    table["__int__"] = lambda self: int(_plain(self))
    table["__float__"] = lambda self: float(_plain(self))
    table["__index__"] = lambda self: int.__index__(self)
    table["__ceil__"] = lambda self: apply(self, math.ceil(_plain(self)), f"ceil({self.expr})")
    table["__floor__"] = lambda self: apply(self, math.floor(_plain(self)), f"floor({self.expr})")
    table["__round__"] = lambda self, n=None: base.__round__(self, n) if n is not None else base.__round__(self)
    table["__repr__"] = lambda self: base.__repr__(self)
    table["__str__"] = lambda self: base.__repr__(self)
    table["__hash__"] = lambda self: base.__hash__(self)
    table["__eq__"] = lambda self, o: base.__eq__(self, o)
    table["__ne__"] = lambda self, o: base.__ne__(self, o)
    # Sym values survive copy/deepcopy/pickle as themselves.
    table["__reduce__"] = lambda self: (type(self), (_plain(self), self.expr, self.prec))
    table["__copy__"] = lambda self: self
    table["__deepcopy__"] = lambda self, memo: self
    return table


# While not None, the order comparisons made with a Sym operand, as (expression, result): an initialiser chosen by
# one (RWKV's gain where a weight has more rows than columns) holds only where the comparison comes out the same.
COMPARISONS = None


def _comparison(op, fn):
    def f(self, other):
        if not isinstance(other, (int, float)) or isinstance(other, (bool, complex)):
            return NotImplemented
        result = fn(_plain(self), _plain(other))
        if COMPARISONS is not None and not (_constant(self) and _constant(other)):
            prec = _PREC["cmp"]
            COMPARISONS.append((_wrap(self, prec + 1) + f" {op} " + _wrap(other, prec + 1), result))
        return result

    return f


def _plain(v):
    if isinstance(v, SymInt):
        return int.__int__(v)
    if isinstance(v, SymFloat):
        return float.__float__(v)
    return v


def _sym_new(base):
    def __new__(cls, value, expr, prec=_PREC["atom"]):
        obj = base.__new__(cls, value)
        obj.expr = expr
        obj.prec = prec
        obj.constant = False
        return obj

    return __new__


class SymInt(int):
    __new__ = _sym_new(int)


class SymFloat(float):
    __new__ = _sym_new(float)


for _k, _v in _ops(int).items():
    setattr(SymInt, _k, _v)
for _k, _v in _ops(float).items():
    if _k != "__index__":
        setattr(SymFloat, _k, _v)

plain = _plain
