"""Resolving template names to cells: field keys of the same table, defined names of the book.

A template formula names fields of its own table (``chips*peak``, ``price@davinci``,
``gflops@prev``) or defined names of any table (``cost_per_query_two_stage``).
Local names resolve at once; other names wait (``Pending``) until every table is placed.

>>> tokens = parse_cached("a*b")
>>> [t.text for t in tokens]
['a', '*', 'b']
"""

import functools
import inspect

from . import expr
from .book import INVALID, Ref
from .expr import TemplateError


@functools.lru_cache(maxsize=None)
def _parsed(text, where):
    return tuple((t.kind, t.text) for t in expr.parse(text, where))


def parse_cached(text, where=""):
    """Fresh tokens of ``text``, the text parsed once per build and copied after."""
    return [expr.Token(kind, value) for kind, value in _parsed(str(text), where)]


def checked(text, where):
    """Fresh tokens of a template's expression, refused (naming ``where``) unless it is well formed
    under Excel's grammar and calls only allowed functions (``expr.FUNCTIONS`` and xlcost's own)."""
    _check(str(text), where)
    return parse_cached(text, where)


@functools.lru_cache(maxsize=None)
def _check(text, where):
    """``checked``'s test, made once per build for each text (a table repeats its formulas on every row)."""
    tokens = parse_cached(text, where)
    expr.tree(tokens, where)
    if any(t.kind == "func" and t.text not in expr.FUNCTIONS for t in tokens):
        from .. import udfs

        expr.check_functions(tokens, where, udfs.__all__)


@functools.lru_cache(maxsize=None)
def parameters(quantity):
    """(name, default or inspect.Parameter.empty) of a core quantity's arguments, read once."""
    from .. import core

    function = getattr(core, quantity, None)
    if function is None or not getattr(function, "excel", None):
        return None
    return tuple((name, p.default) for name, p in inspect.signature(function).parameters.items())


class Pending:
    """A reference to a defined name of another table, resolved once every table is placed."""

    def __init__(self, name, where):
        self.name, self.where = name, where

    def resolve(self, book):
        if self.name.endswith("@all") and self.name[:-4] in book.columns:
            return book.columns[self.name[:-4]]
        if self.name in book.names:
            return book.names[self.name]
        if self.name in book.range_names:
            return Fixed(self.name)
        raise TemplateError(f"{self.where}: {self.name!r} is neither a field of this table nor a defined name")


class Fixed:
    """A reference rendered as fixed text: a range name or an axis address."""

    def __init__(self, excel):
        self.excel = excel
        self.name = excel


def expand_all(tokens):
    """``tokens`` with each ``key@all`` reference (a list of Refs: a field over every item) spelled out as
    ``ref1,ref2,...`` (for MEDIAN, SUM, COUNT over a column of a rows table)."""
    out = []
    for token in tokens:
        if isinstance(token.ref, list):
            for j, ref in enumerate(r for r in token.ref if r is not None):
                out.extend(([expr.Token("op", ",")] if j else []) + [expr.Token("name", token.text, ref)])
        else:
            out.append(token)
    return out


def resolve(tokens, refs, items, i, where):
    """``tokens`` with their names bound (field key of item ``i``, or Pending); None if ``@prev`` of the first.

    ``key@all`` is the field over every item (``MEDIAN(error@all)``); a name of another
    table with ``@all`` (``val_error@all``) is that table's field over its items.
    """
    for token in tokens:
        if token.kind != "name":
            continue
        key, _, at = token.text.partition("@")
        if key in refs and at == "all":
            token.ref = list(dict.fromkeys(refs[key]))  # a field shared by every item is one cell
        elif key in refs:
            index = i
            if at == "prev":
                index = i - 1
                if index < 0:
                    return None
            elif at:
                keys = [item["key"] for item in items]
                if at not in keys:
                    raise TemplateError(f"{where}: no item {at!r} in {token.text!r}")
                index = keys.index(at)
            token.ref = refs[key][index]
            if token.ref is None:
                return None
        elif at and at != "all":
            raise TemplateError(f"{where}: {token.text!r} names no field of this table")
        else:
            token.ref = Pending(token.text, where)
    return expand_all(tokens)


def resolve_spec(spec, refs, items, i, where):
    """Tokens (formula) or {arg: tokens} (quantity) with local references bound; None if ``@prev`` is absent."""
    from .template import per_item

    if "formula" in spec:
        formula = per_item(spec["formula"], items, where)[i]
        if formula == "":
            return None
        return resolve(checked(formula, where), refs, items, i, where)
    params = parameters(spec["quantity"])
    if params is None:
        raise TemplateError(f"{where}: no core quantity {spec['quantity']!r} with an Excel rendering")
    given = spec.get("args", {})
    unknown = set(given) - {name for name, _ in params}
    if unknown:
        raise TemplateError(f"{where}: {spec['quantity']} has no argument {sorted(unknown)[0]!r}")
    args = {}
    for arg, default in params:
        if arg in given:
            tokens = resolve(checked(given[arg], where), refs, items, i, where)
            if tokens is None:
                return None
            args[arg] = tokens
        elif default is inspect.Parameter.empty or default is None:
            raise TemplateError(f"{where}: {spec['quantity']} needs argument {arg!r}")
    return args


def same(a, b):
    """Whether two resolved specs refer to the same cells the same way (a field shared by every item)."""
    if a is None or b is None:
        return a is b
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return len(a) == len(b) and all(x.text == y.text and _key(x.ref) == _key(y.ref) for x, y in zip(a, b))


def _key(ref):
    return ("pending", ref.name) if isinstance(ref, Pending) else id(ref)


def formula_text(book, ref):
    """The Excel text (without "=") of a computed ``Ref``: the core's pattern filled in, or the template's formula."""
    from .. import core

    for tokens in (ref.args.values() if ref.args is not None else [ref.tokens]):
        for token in tokens:
            if isinstance(token.ref, Pending):
                token.ref = token.ref.resolve(book)
        tokens[:] = expand_all(tokens)
    ref.guard = guard(ref)
    if ref.quantity:
        args = dict(ref.args)
        pattern = getattr(core, ref.quantity).excel
        for arg, default in parameters(ref.quantity):
            if arg not in args and "{" + arg + "}" in pattern:  # a text choice keeps its default
                args[arg] = parse_cached(expr.number(default))
        text = expr.fill(pattern, args)
    else:
        text = expr.render_tokens(ref.tokens)
    if ref.scale != 1.0:
        text = f"({text})/{expr.number(ref.scale)}"
    text = expr.simplify(text)
    if not ref.guard:
        return text
    tests = [f"COUNT({','.join(r.excel for r, _ in ref.guard)})={len(ref.guard)}"]
    tests += [bound.format(x=r.excel) for r, kind in ref.guard for bound in _BOUNDS.get(kind, ())]
    test = tests[0] if len(tests) == 1 else f"AND({','.join(tests)})"
    return f'IF({test},{text},"{INVALID}")'


# what an input's validation kind requires beyond being a number (the check cell's test, tables.CHECKS)
_BOUNDS = {"fraction": ("{x}>0", "{x}<=1"), "fraction0": ("{x}>=0", "{x}<1"), "positive": ("{x}>0",)}


def guard(ref):
    """[(Ref, validation kind)] a computed cell reads and needs as numbers: the inputs typed as numbers and the
    computed cells whose formulas give numbers. When one is empty, text or out of its bounds, the cell shows
    INVALID, a readable message instead of 0 or an error value (issue 19)."""
    found = {}
    every = [token for tokens in (ref.args.values() if ref.args is not None else [ref.tokens]) for token in tokens]
    if any(token.kind == "func" and token.text not in expr.FUNCTIONS for token in every):
        return []  # xlcost's Excel functions (the calculator) check their arguments and name the bad one themselves
    for token in every:
        other = token.ref
        if not isinstance(other, Ref) or other.kind == "axis" or other is ref:
            continue
        if other.kind == "input" and isinstance(other.value, (int, float)) and not isinstance(other.value, bool):
            found.setdefault(id(other), (other, other.check if other.check in _BOUNDS else None))
        elif other.kind == "computed" and not _may_be_text(other):
            found.setdefault(id(other), (other, None))
    return list(found.values())


def _may_be_text(ref):
    """Whether a computed cell's formula can give text by design: a text argument such as IF's "refused" branch
    (text compared with, as in ``parallel="dep"``, gives no text)."""
    tokens = ref.tokens or []
    return any(token.kind == "str" and i and tokens[i - 1].text == "," for i, token in enumerate(tokens))


def check_passes(value, kind):
    """Python's rendering of one guard test: a number, within the bounds of its validation kind."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    return _PY_BOUNDS.get(kind, _any)(value)


_PY_BOUNDS = {"fraction": lambda x: 0 < x <= 1, "fraction0": lambda x: 0 <= x < 1, "positive": lambda x: x > 0}


def _any(_):
    return True
