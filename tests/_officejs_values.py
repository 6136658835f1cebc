"""Office.js-shaped values for the tests of the Office.js path (in process and over HTTP)."""


def m(*values):
    """A 1xN row, or a single cell for one value, as Office.js sends it."""
    return [list(values)]


def col(*values):
    """An Nx1 column, as Office.js sends it."""
    return [[v] for v in values]


def error_type(value):
    """The Excel error code of an Office.js error result ("#NUM!", ...), else None."""
    return value.get("errorType") if isinstance(value, dict) and value.get("type") == "Error" else None
