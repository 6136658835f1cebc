"""Template expressions: Excel-like text over field keys, rendered to Excel or evaluated in Python.

A template writes arithmetic the way the article does (``chips*peak``,
``revenue*(1-cache_hit)``). ``parse`` splits it into tokens; identifiers are
resolved by the caller into references (defined names, cell addresses); ``render``
gives the Excel text and ``evaluate`` the Python value of the same tokens.
"""

import functools
import math
import re
import statistics
from decimal import Decimal

import numpy as np

from ..errors import XlcostError

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<num>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
     |(?P<str>"(?:[^"]|"")*")
     |(?P<name>\$?[A-Za-z_][A-Za-z0-9_]*\$?[0-9]*(?:@[A-Za-z0-9_]+)?)
     |(?P<op><=|>=|<>|[-+*/^=<>(),:])
    )""",
    re.VERBOSE,
)


class TemplateError(XlcostError):
    """A template is malformed; the message names the file, table and field."""


class Token:
    __slots__ = ("kind", "text", "ref")

    def __init__(self, kind, text, ref=None):
        self.kind, self.text, self.ref = kind, text, ref

    def __repr__(self):
        return f"Token({self.kind!r}, {self.text!r})"


MAX_CHARS = 8192  # Excel's longest formula
MAX_DEPTH = 64  # Excel's deepest nesting of functions (and here of parentheses)
MAX_OPERATORS = 256  # operators and function calls in one expression (keeps the evaluation's recursion bounded)


def parse(text, where=""):
    """Tokens of ``text``: num, str, name, func (a name followed by "("), op.

    Text longer than ``MAX_CHARS`` or parentheses nested deeper than ``MAX_DEPTH`` (Excel's
    limits), or more than ``MAX_OPERATORS`` operators, are refused, so a template cannot
    exhaust the builder.

    >>> [t.text for t in parse("-a^2")]
    ['-', 'a', '^', '2']
    """
    tokens, position, text = [], 0, str(text).strip()
    if len(text) > MAX_CHARS:
        raise TemplateError(f"{where}: expression of {len(text):,} characters (Excel allows {MAX_CHARS:,})")
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise TemplateError(f"{where}: cannot read expression {text!r} at {text[position:]!r}")
        position = match.end()
        kind = match.lastgroup
        if kind == "num" and not math.isfinite(float(match[kind])):
            raise TemplateError(f"{where}: {match[kind]} is beyond Excel's largest number (about 1.8E+308)")
        tokens.append(Token(kind, match[kind]))
    depth = 0
    for token in tokens:
        depth += (token.text == "(") - (token.text == ")") if token.kind == "op" else 0
        if depth > MAX_DEPTH or depth < 0:
            raise TemplateError(f"{where}: parentheses in {_short(text)!r} " + (
                f"nested deeper than {MAX_DEPTH} levels" if depth > 0 else "close one that was not opened"))
    if depth:
        raise TemplateError(f"{where}: {_short(text)!r} leaves {depth} parenthesis open")
    for i, token in enumerate(tokens):
        if token.kind == "name" and i + 1 < len(tokens) and tokens[i + 1].text == "(":
            token.kind = "func"
            token.text = token.text.upper()
    operators = sum(t.kind == "func" or (t.kind == "op" and t.text not in "(),:") for t in tokens)
    if operators > MAX_OPERATORS:
        raise TemplateError(f"{where}: {operators} operators and functions in {_short(text)!r} "
                            f"(at most {MAX_OPERATORS}; split it into fields)")
    return tokens


def _short(text, limit=80):
    return text if len(text) <= limit else text[: limit - 1] + "…"


def number(value):
    """An Excel number literal LibreOffice and Excel both read: 175000000000, 1E+18, 0.213."""
    value = float(value)
    if not math.isfinite(value):
        raise TemplateError(f"not a finite number: {value!r}")
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    if value == int(value):
        return str(Decimal(int(value)).normalize())  # 1E+15, never 1000000000000000.0
    text = repr(value).upper()
    if "E" in text and "E-" not in text and "E+" not in text:
        text = text.replace("E", "E+")
    return text


def _shape(tokens):
    """'atom', 'power', 'product', 'sum' or 'compare': the loosest top-level operator."""
    depth, ops, unary = 0, set(), bool(tokens) and tokens[0].text in "+-"
    for i, token in enumerate(tokens):
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        elif depth == 0 and token.kind == "op" and token.text not in ",:":
            if token.text in "+-" and (i == 0 or tokens[i - 1].kind == "op" and tokens[i - 1].text not in ")"):
                unary = True
                continue
            ops.add(token.text)
    if ops & {"=", "<>", "<", ">", "<=", ">="}:
        return "compare"
    if ops & {"+", "-"} or unary:
        return "sum"
    if ops & {"*", "/"}:
        return "product"
    if "^" in ops:
        return "power"
    return "atom"


def render_tokens(tokens):
    """Excel text of resolved tokens (references rendered by ``token.ref``)."""
    out = []
    for token in tokens:
        if token.kind == "name":
            out.append(token.ref.excel if token.ref is not None else token.text)
        elif token.kind == "num":
            out.append(number(token.text))
        else:
            out.append(token.text)
    return "".join(out)


def fill(pattern, args):
    """Fill ``{name}`` placeholders of a core ``.excel`` pattern with rendered token lists.

    Arguments are parenthesised only where precedence needs it, so formulas stay readable.
    """
    pieces = re.split(r"(\{[a-z_0-9]+\})", pattern)
    out = []
    for i, piece in enumerate(pieces):
        if not (piece.startswith("{") and piece.endswith("}")):
            out.append(piece)
            continue
        tokens = args[piece[1:-1]]
        text = render_tokens(tokens)
        before = "".join(out).rstrip()[-1:] or "("
        after = (pieces[i + 1].lstrip()[:1] if i + 1 < len(pieces) else "") or ")"
        shape = _shape(tokens)
        if shape == "compare" or (
            shape == "sum" and not (before in "(,=" and after in "),")
        ) or (shape == "product" and (before in "/^" or after == "^")) or (
            shape == "power" and (before == "^" or after == "^")
        ):
            text = f"({text})"
        out.append(text)
    return "".join(out)


# ---------------------------------------------------------------- the tree (Excel's grammar)

# Excel's precedence, loosest first: comparison, + -, * /, ^, then unary minus (tighter than ^:
# -2^2 is 4); binary operators of one level group from the left (2^3^2 is 64).
_LEVEL = {"=": 1, "<>": 1, "<": 1, ">": 1, "<=": 1, ">=": 1, "+": 2, "-": 2, "*": 3, "/": 3, "^": 4}


class _Parser:
    """Excel expression -> tuples: ("num", v) ("str", s) ("ref", token) ("call", f, args) ("neg", x) ("bin", op, a, b)."""

    def __init__(self, tokens, where=""):
        self.tokens, self.i, self.where = tokens, 0, where

    def peek(self):
        return self.tokens[self.i].text if self.i < len(self.tokens) else None

    def take(self):
        if self.i >= len(self.tokens):
            self.fail("ends too early")
        self.i += 1
        return self.tokens[self.i - 1]

    def fail(self, why):
        text = "".join((" " if i and t.kind in ("num", "name", "func") and self.tokens[i - 1].kind in ("num", "name")
                        else "") + t.text for i, t in enumerate(self.tokens))
        raise TemplateError(f"{self.where}: cannot read {_short(text)!r}: {why}")

    def binary(self, level):
        """Operators of ``level`` and tighter, by precedence climbing: one call per operand, not one per level."""
        node = self.unary()
        tokens = self.tokens
        while self.i < len(tokens):
            token = tokens[self.i]
            op_level = _LEVEL.get(token.text, 0) if token.kind == "op" else 0
            if op_level < level:
                return node
            self.i += 1
            node = ("bin", token.text, node, self.binary(op_level + 1))  # + 1: one level groups from the left
        return node

    def unary(self):
        negative = False
        while self.peek() in ("-", "+"):  # a loop, not recursion: "------x" cannot exhaust the stack
            negative ^= self.take().text == "-"
        node = self.atom()
        return ("neg", node) if negative else node

    def atom(self):
        token = self.take()
        if token.kind == "num":
            return ("num", float(token.text))
        if token.kind == "str":
            return ("str", token.text)
        if token.kind == "name":
            return ("ref", token)
        if token.kind == "func":
            self.take()  # "("
            args = []
            while self.peek() != ")":
                args.append(self.binary(1))
                if self.peek() == ",":
                    self.take()
                elif self.peek() != ")":
                    self.fail(f"expected , or ) after an argument of {token.text}, got {self.peek()!r}")
            self.take()
            return ("call", token.text, args)
        if token.text == "(":
            node = self.binary(1)
            if self.take().text != ")":
                self.fail("a parenthesis is not closed")
            return node
        self.fail(f"unexpected {token.text!r}")


def tree(tokens, where=""):
    """The expression tree of ``tokens`` under Excel's precedence; TemplateError naming ``where`` if malformed."""
    parser = _Parser(tokens, where)
    if not tokens:
        parser.fail("empty")
    node = parser.binary(1)
    if parser.peek() is not None:
        parser.fail(f"unexpected {parser.peek()!r}")
    return node


# ---------------------------------------------------------------- simplification

def _fold(node):
    kind = node[0]
    if kind == "call":
        args = [_fold(a) for a in node[2]]
        if node[1] == "IF" and len(args) in (2, 3) and args[0][0] == "num":
            return args[1] if args[0][1] else (args[2] if len(args) == 3 else ("num", 0.0))
        return ("call", node[1], args)
    if kind == "neg":
        return ("neg", _fold(node[1]))
    if kind != "bin":
        return node
    op, a, b = node[1], _fold(node[2]), _fold(node[3])
    zero, one = ("num", 0.0), ("num", 1.0)
    if op == "*" and (a == zero or b == zero):
        return zero
    if op == "*" and b == one or op == "/" and b == one or op in "+-" and b == zero:
        return a
    if op == "*" and a == one or op == "+" and a == zero:
        return b
    if op == "/" and a == zero and b[0] == "num" and b != zero:
        return zero
    return ("bin", op, a, b)


def _print(node, parent=0, right_of=None):
    kind = node[0]
    if kind == "num":
        return number(node[1])
    if kind == "str":
        return node[1]
    if kind == "ref":
        return node[1].ref.excel if node[1].ref is not None else node[1].text
    if kind == "call":
        return f"{node[1]}(" + ",".join(_print(a) for a in node[2]) + ")"
    if kind == "neg":
        return "-" + _print(node[1], 5)
    op, a, b = node[1], node[2], node[3]
    level = _LEVEL[op]
    text = _print(a, level) + op + _print(b, level, op)
    needs = level < parent or (level == parent and (right_of in ("-", "/", "^") or level == 1 and right_of))
    return f"({text})" if needs else text


def simplify(text):
    """``text`` with literal identities folded (x*1, x+0, 2*0*0, IF(1,a,b)) and only the parentheses
    precedence needs, so a core pattern with default arguments still reads like the article.

    Folding never looks inside a name, so formulas that differ only in the cells they name share one
    simplification (a table's rows, a grid's cells): it is done once per shape and the names put back.

    >>> simplify("(A1*1)+(B2*0)")
    'A1'
    """
    tokens = parse(text, "formula")
    names = [t.text for t in tokens if t.kind == "name"]
    shape = tuple((t.kind, _SLOT) if t.kind == "name" else (t.kind, t.text) for t in tokens)
    try:
        pieces = _simplified_shape(shape)
    except TemplateError:  # the message quotes the formula as written
        return _print(_fold(tree(tokens, "formula")))
    return "".join(piece if isinstance(piece, str) else names[piece] for piece in pieces)


_SLOT = "\x00"  # stands in for a name while a shape is simplified: no formula text contains it


@functools.lru_cache(maxsize=4096)
def _simplified_shape(shape):
    """The simplified text of ``shape`` as pieces: text, and the index of the name that goes in between."""
    tokens, index = [], 0
    for kind, text in shape:
        if kind == "name":
            text, index = f"{_SLOT}{index}{_SLOT}", index + 1
        tokens.append(Token(kind, text))
    parts = _print(_fold(tree(tokens, "formula"))).split(_SLOT)
    return tuple(int(part) if i % 2 else part for i, part in enumerate(parts))


# ---------------------------------------------------------------- Python evaluation, as Excel computes

class ExcelError:
    """An error value (what a spreadsheet shows as #DIV/0!, #VALUE!, ...)."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text

    def __eq__(self, other):
        return isinstance(other, ExcelError) and other.text == self.text

    def __hash__(self):
        return hash(self.text)


DIV0, NUM, VALUE = ExcelError("#DIV/0!"), ExcelError("#NUM!"), ExcelError("#VALUE!")


def _roundup(x, digits=0):
    scale = 10.0 ** digits
    return math.copysign(math.ceil(abs(x) * scale - 1e-9), x) / scale


def _round(x, digits=0):
    scale = 10.0 ** digits
    return math.copysign(math.floor(abs(x) * scale + 0.5), x) / scale


def _is_number(x):
    """Whether a referenced cell counts as a number (SUM, COUNT and MEDIAN skip text in references)."""
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _if(condition, then, otherwise=lambda: False):
    """IF: only the branch taken is evaluated (``then``/``otherwise`` are thunks), as Excel does."""
    if isinstance(condition, ExcelError):
        return condition
    if isinstance(condition, np.ndarray):
        raise TypeError("IF over an array")  # the grid falls back to one cell at a time
    return then() if _number(condition) else otherwise()


# the functions a template formula may call (with xlcost's own Excel functions): an allow-list
FUNCTIONS = {
    "MAX": max, "MIN": min, "ABS": abs, "ROUNDUP": _roundup, "ROUND": _round, "INT": math.floor,
    "SQRT": math.sqrt, "LN": math.log, "EXP": math.exp, "LOG10": math.log10,
    "IF": _if, "CEILING": lambda x, s=1: math.ceil(x / s) * s,
    "SUM": lambda *xs: sum(x for x in xs if _is_number(x)), "COUNT": lambda *xs: sum(map(_is_number, xs)),
    "MEDIAN": lambda *xs: statistics.median(x for x in xs if _is_number(x)),
}


def check_functions(tokens, where, extra=()):
    """Refuse a function outside ``FUNCTIONS`` and ``extra`` (xlcost's Excel functions), naming ``where``."""
    for token in tokens:
        if token.kind == "func" and token.text not in FUNCTIONS and token.text not in extra:
            raise TemplateError(f"{where}: {token.text} is not a function templates may call "
                                f"(allowed: {', '.join(sorted(FUNCTIONS))} and xlcost's Excel functions)")


def _number(x):
    """An operand as Excel's arithmetic reads it: a float, an array, or an ExcelError."""
    if isinstance(x, (ExcelError, np.ndarray)):
        return x
    if x is None:
        return 0.0  # an empty cell
    if isinstance(x, (bool, int, float, np.generic)):
        return float(x)
    if isinstance(x, str):
        try:
            return float(x)
        except ValueError:
            return VALUE
    return VALUE


def _finite(x):
    return x if math.isfinite(x) else NUM


def _power(a, b):
    if a == 0 and b <= 0:
        return NUM if b == 0 else DIV0
    try:
        return _finite(math.pow(a, b))
    except OverflowError:
        return NUM
    except ValueError:  # a negative base, a fractional exponent
        return NUM


_ARITHMETIC = {
    "+": lambda a, b: _finite(a + b), "-": lambda a, b: _finite(a - b), "*": lambda a, b: _finite(a * b),
    "/": lambda a, b: DIV0 if b == 0 else _finite(a / b), "^": _power,
}
_NUMPY = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "^": np.power}
_COMPARE = {"=": lambda a, b: a == b, "<>": lambda a, b: a != b, "<": lambda a, b: a < b, ">": lambda a, b: a > b,
            "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}


def _comparable(x):
    """Excel's order: numbers < text (case-insensitive) < logical values; an empty cell is 0 or ""."""
    if isinstance(x, bool):
        return (2, x)
    if isinstance(x, str):
        return (1, x.casefold())
    return (0, 0.0 if x is None else float(x))


def _apply(op, a, b):
    if op in _COMPARE:
        for x in (a, b):
            if isinstance(x, ExcelError):
                return x
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            return _COMPARE[op](a, b)
        if a is None and isinstance(b, str):
            a = ""
        if b is None and isinstance(a, str):
            b = ""
        return _COMPARE[op](_comparable(a), _comparable(b))
    a, b = _number(a), _number(b)
    for x in (a, b):
        if isinstance(x, ExcelError):
            return x
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return _NUMPY[op](a, b)  # under the caller's np.errstate
    return _ARITHMETIC[op](a, b)


def _call(function, args):
    """An Excel function over evaluated arguments: an error argument is the answer; a failure is an error value."""
    for x in args:
        if isinstance(x, ExcelError):
            return x
    if any(isinstance(x, np.ndarray) for x in args):
        return function(*args)  # a grid's vectorised try: a failure falls back to one cell at a time
    try:
        value = function(*args)
    except ZeroDivisionError:
        return DIV0
    except (ValueError, OverflowError):  # SQRT(-1), LN(0), EXP(1000), MEDIAN of nothing
        return NUM
    except TypeError:
        return VALUE
    if isinstance(value, float) and not math.isfinite(value):
        return NUM
    return value


def _eval(node, value_of, functions):
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "str":
        return node[1][1:-1].replace('""', '"')
    if kind == "ref":
        return value_of(node[1].ref)
    if kind == "neg":
        x = _number(_eval(node[1], value_of, functions))
        return x if isinstance(x, ExcelError) else -x
    if kind == "bin":
        return _apply(node[1], _eval(node[2], value_of, functions), _eval(node[3], value_of, functions))
    name, args = node[1], node[2]
    if name not in functions:
        raise TemplateError(f"no Python rendering of Excel function {name}")
    if name == "IF":  # lazy branches
        thunks = [lambda a=a: _eval(a, value_of, functions) for a in args[1:]]
        return functions[name](_eval(args[0], value_of, functions), *thunks)
    return _call(functions[name], [_eval(a, value_of, functions) for a in args])


def evaluate(tokens, value_of, functions=None, where=""):
    """Python value of resolved tokens, as Excel computes it; ``value_of(ref)`` gives a reference's value.

    Numbers are floats; ^ groups from the left and unary minus binds tighter than it
    (Excel's grammar, not Python's); what Excel shows as an error is an ``ExcelError``.
    ``functions`` maps Excel function names to Python callables (default ``FUNCTIONS``).

    >>> evaluate(parse("2*3+MAX(1,4)"), None)
    10.0
    >>> evaluate(parse("-2^2"), None), evaluate(parse("2^3^2"), None), evaluate(parse("9^9^9"), None)
    (4.0, 64.0, 1.9662705047555292e+77)
    >>> evaluate(parse("1/0"), None), evaluate(parse("SQRT(-1)"), None), evaluate(parse("10^400"), None)
    (#DIV/0!, #NUM!, #NUM!)
    >>> evaluate(parse('IF(1>2,1/0,"no")'), None)  # the branch not taken is not evaluated
    'no'
    """
    value = _eval(tree(tokens, where), value_of, FUNCTIONS if functions is None else functions)
    if isinstance(value, float) and not math.isfinite(value):
        return NUM
    return value
