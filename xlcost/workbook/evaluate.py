"""The second rendering: every computed cell of a ``Book`` evaluated in Python through the core.

Core quantities call the core function itself (not its Excel text), so comparing
these values with a spreadsheet engine's proves the two renderings agree.
"""

from .. import core
from . import expr


def evaluate(book, overrides=None):
    """{Ref: value} for every input and computed cell; ``overrides`` maps defined names to new inputs."""
    overrides = overrides or {}
    unknown = set(overrides) - set(book.names)
    if unknown:
        raise KeyError(f"no defined name {sorted(unknown)[0]!r}")
    values = {}

    def value_of(ref):
        if ref in values:
            return values[ref]
        if ref.kind in ("input", "axis"):
            value = overrides.get(ref.name, ref.value) if ref.name else ref.value
        elif ref.quantity:
            kwargs = {arg: expr.evaluate(tokens, value_of) for arg, tokens in ref.args.items()}
            value = getattr(core, ref.quantity)(**kwargs) / ref.scale
        else:
            value = expr.evaluate(ref.tokens, value_of) / ref.scale
        values[ref] = value
        return value

    for ref in book.inputs + book.computed:
        value_of(ref)
    return values
