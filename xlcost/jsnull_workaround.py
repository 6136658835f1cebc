"""Spare xlwings' Office.js path a failing import per input cell, outside Pyodide.

xlwings (0.37) converts every cell of every Office.js custom-function argument with
``xlwings.pro._xlofficejs._clean_value_data_element``, which first asks
``xlwings.utils.is_jsnull(value)``. That helper runs ``from pyodide.ffi import JsNull``
on every call and returns False when the import fails. On ordinary Python (xlwings
Server) the import always fails, and a failed import is not cached: each cell pays a
full search of ``sys.path`` (about 37 µs), 97 % of a 1,000 x 100 call.

:func:`skip_jsnull_import_retries` tries the import once. Where it fails, no value can
be Pyodide's ``JsNull`` for the life of the process, so xlwings' check is replaced by
one that answers False at once, which is the answer xlwings' own check gives there.
Where the import succeeds (xlwings Lite, inside Pyodide), nothing is changed.
``xlcost.udfs`` calls it once, at import, in Office.js mode only.

>>> _never_jsnull(None)   # what xlwings' own check answers outside Pyodide, at once
False
"""


def _never_jsnull(value):
    """False: outside Pyodide no value is Pyodide's ``JsNull``."""
    return False


def skip_jsnull_import_retries():
    """Replace xlwings' per-cell ``JsNull`` check where Pyodide is absent; True if replaced."""
    try:
        from pyodide.ffi import JsNull  # noqa: F401 - xlwings Lite: leave xlwings' check alone
    except ImportError:
        pass
    else:
        return False
    from xlwings import utils

    replaced = False
    if hasattr(utils, "is_jsnull"):
        utils.is_jsnull = _never_jsnull
        replaced = True
    try:
        from xlwings.pro import _xlofficejs
    except ImportError:  # xlwings without its Office.js engine: nothing calls the check
        return replaced
    if hasattr(_xlofficejs, "_is_jsnull"):
        _xlofficejs._is_jsnull = _never_jsnull
        replaced = True
    return replaced
