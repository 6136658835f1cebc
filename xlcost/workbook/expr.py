"""Template expressions: Excel-like text over field keys, rendered to Excel or evaluated in Python.

A template writes arithmetic the way the article does (``chips*peak``,
``revenue*(1-cache_hit)``). ``parse`` splits it into tokens; identifiers are
resolved by the caller into references (defined names, cell addresses); ``render``
gives the Excel text and ``evaluate`` the Python value of the same tokens.
"""

import ast
import math
import re
import statistics
from decimal import Decimal

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


def parse(text, where=""):
    """Tokens of ``text``: num, str, name, func (a name followed by "("), op."""
    tokens, position, text = [], 0, str(text).strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise TemplateError(f"{where}: cannot read expression {text!r} at {text[position:]!r}")
        position = match.end()
        kind = match.lastgroup
        tokens.append(Token(kind, match[kind]))
    for i, token in enumerate(tokens):
        if token.kind == "name" and i + 1 < len(tokens) and tokens[i + 1].text == "(":
            token.kind = "func"
            token.text = token.text.upper()
    return tokens


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


# ---------------------------------------------------------------- simplification

_LEVEL = {"=": 1, "<>": 1, "<": 1, ">": 1, "<=": 1, ">=": 1, "+": 2, "-": 2, "*": 3, "/": 3, "^": 4}


class _Parser:
    """Excel expression -> tuples: ("num", v) ("str", s) ("ref", s) ("call", f, args) ("neg", x) ("bin", op, a, b)."""

    def __init__(self, tokens):
        self.tokens, self.i = tokens, 0

    def peek(self):
        return self.tokens[self.i].text if self.i < len(self.tokens) else None

    def take(self):
        self.i += 1
        return self.tokens[self.i - 1]

    def binary(self, level):
        if level > 4:
            return self.unary()
        node = self.binary(level + 1)
        while self.peek() in _LEVEL and _LEVEL[self.peek()] == level and self.tokens[self.i].kind == "op":
            op = self.take().text
            node = ("bin", op, node, self.binary(level + 1))
        return node

    def unary(self):
        if self.peek() in ("-", "+"):
            op = self.take().text
            operand = self.unary()
            return ("neg", operand) if op == "-" else operand
        token = self.take()
        if token.kind == "num":
            return ("num", float(token.text))
        if token.kind == "str":
            return ("str", token.text)
        if token.kind == "name":
            return ("ref", token.ref.excel if token.ref is not None else token.text)
        if token.kind == "func":
            self.take()  # "("
            args = []
            while self.peek() != ")":
                args.append(self.binary(1))
                if self.peek() == ",":
                    self.take()
            self.take()
            return ("call", token.text, args)
        if token.text == "(":
            node = self.binary(1)
            self.take()  # ")"
            return node
        raise TemplateError(f"cannot simplify near {token.text!r}")


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
    if op == "/" and a == zero and b != zero:
        return zero
    return ("bin", op, a, b)


def _print(node, parent=0, right_of=None):
    kind = node[0]
    if kind == "num":
        return number(node[1])
    if kind in ("str", "ref"):
        return node[1]
    if kind == "call":
        return f"{node[1]}(" + ",".join(_print(a) for a in node[2]) + ")"
    if kind == "neg":
        inner = _print(node[1], 5)
        return "-" + inner
    op, a, b = node[1], node[2], node[3]
    level = _LEVEL[op]
    text = _print(a, level) + op + _print(b, level, op)
    needs = level < parent or (level == parent and right_of in ("-", "/", "^") and level > 1)
    return f"({text})" if needs else text


def simplify(text):
    """``text`` with literal identities folded (x*1, x+0, 2*0*0, IF(1,a,b)) and only the parentheses
    precedence needs, so a core pattern with default arguments still reads like the article."""
    parser = _Parser(parse(text))
    node = parser.binary(1)
    if parser.peek() is not None:
        raise TemplateError(f"cannot simplify {text!r}")
    return _print(_fold(node))


# ---------------------------------------------------------------- Python evaluation

def _roundup(x, digits=0):
    scale = 10.0 ** digits
    return math.copysign(math.ceil(abs(x) * scale - 1e-9), x) / scale


def _round(x, digits=0):
    scale = 10.0 ** digits
    return math.copysign(math.floor(abs(x) * scale + 0.5), x) / scale


def _is_number(x):
    """Whether a referenced cell counts as a number (SUM, COUNT and MEDIAN skip text in references)."""
    return isinstance(x, (int, float)) and not isinstance(x, bool)


FUNCTIONS = {
    "MAX": max, "MIN": min, "ABS": abs, "ROUNDUP": _roundup, "ROUND": _round,
    "SQRT": math.sqrt, "LN": math.log, "EXP": math.exp, "LOG10": math.log10,
    "IF": lambda c, a, b=lambda: False: a() if c else b(), "CEILING": lambda x, s=1: math.ceil(x / s) * s,
    "SUM": lambda *xs: sum(x for x in xs if _is_number(x)), "COUNT": lambda *xs: sum(map(_is_number, xs)),
    "MEDIAN": lambda *xs: statistics.median(x for x in xs if isinstance(x, (int, float)) and not isinstance(x, bool)),
}
_OPS = {"^": "**", "=": "==", "<>": "!="}
_ALLOWED = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.Call, ast.Name, ast.Load, ast.Constant,
    ast.Compare, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd,
    ast.Eq, ast.NotEq, ast.Lt, ast.Gt, ast.LtE, ast.GtE, ast.Lambda, ast.arguments,
)


def evaluate(tokens, value_of, functions=None):
    """Python value of resolved tokens; ``value_of(ref)`` gives a reference's value.

    ``functions`` maps Excel function names to Python callables (default ``FUNCTIONS``).

    >>> evaluate(parse("2*3+MAX(1,4)"), None)
    10
    >>> evaluate(parse('IF(1>2,1/0,"no")'), None)  # the branch not taken is not evaluated
    'no'
    """
    functions = FUNCTIONS if functions is None else functions
    source, env = [], {}
    calls = []  # per open parenthesis: whether it is an IF's (whose branches are evaluated lazily, as Excel does)
    for i, token in enumerate(tokens):
        if token.text == "(" and token.kind == "op":
            calls.append(i > 0 and tokens[i - 1].kind == "func" and tokens[i - 1].text == "IF")
        elif token.text == ")" and token.kind == "op" and calls:
            calls.pop()
        elif token.text == "," and token.kind == "op" and calls and calls[-1]:
            source.append(", lambda:")
            continue
        if token.kind == "name":
            key = f"_v{len(env)}"
            env[key] = value_of(token.ref)
            source.append(key)
        elif token.kind == "func":
            if token.text not in functions:
                raise TemplateError(f"no Python rendering of Excel function {token.text}")
            env["_f" + token.text] = functions[token.text]
            source.append("_f" + token.text)
        elif token.kind == "str":
            source.append(repr(token.text[1:-1].replace('""', '"')))
        else:
            source.append(_OPS.get(token.text, token.text))
    tree = ast.parse(" ".join(source), mode="eval")
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise TemplateError(f"unsupported expression {render_tokens(tokens)!r}")
    # the values as globals: IF's lazy branches (lambdas) see them
    return eval(compile(tree, "<template>", "eval"), {**env, "__builtins__": {}})  # noqa: S307 - whitelisted AST
