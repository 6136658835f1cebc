"""The second rendering: every formula cell of a ``Book`` computed in Python.

Core quantities call the core function itself (not its Excel text), so comparing these
values with a spreadsheet engine's proves the two renderings agree. Formulas that call
xlcost's Excel functions (the calculator) call ``xlcost.udfs`` the way Excel would
(ranges as 2-D lists, empty cells as None). A grid is computed in one vectorised call
where numpy allows. The build stores these values in the workbook (``cell_values``).

>>> from xlcost.workbook import compile_file, templates
>>> book = compile_file(next(p for p in templates() if p.stem == "economics_of_llms"))
>>> round(evaluate(book)[book.names["train_cost_palm"]])
11216529
"""

import math

import numpy as np

from .. import core
from ..errors import XlcostError
from . import expr, refs
from .book import INVALID
from .expr import ExcelError, TemplateError
from .refs import Fixed

_FAILURES = (XlcostError, ZeroDivisionError, ValueError, OverflowError, TypeError)


class CircularReference(TemplateError):
    """A formula refers to itself, directly or through others (Excel would not compute it either)."""


def _udf_functions():
    """Excel functions of ``xlcost.udfs``, called as classic xlwings calls them; results as values or 2-D lists."""
    from .. import udfs

    def wrap(function):
        def call(*args):
            result = function(*args)
            if isinstance(result, str) and result.startswith("#"):
                return ExcelError(result.split(" ", 1)[0])
            return result
        return call

    return {name: wrap(getattr(udfs, name)) for name in udfs.__all__}


def _functions(book):
    uses_udfs = any(
        token.kind == "func" and token.text not in expr.FUNCTIONS
        for ref in book.computed if ref.tokens for token in ref.tokens
    )
    return {**expr.FUNCTIONS, **(_udf_functions() if uses_udfs else {})}


def evaluate(book, overrides=None):
    """{Ref: value} for every input and computed cell; ``overrides`` maps defined names to new inputs."""
    overrides = overrides or {}
    unknown = set(overrides) - set(book.names)
    if unknown:
        raise KeyError(f"no defined name {sorted(unknown)[0]!r}")
    functions = _functions(book)
    values, pending = {}, set()

    def value_of(ref):
        if isinstance(ref, Fixed):
            return book.range_values[ref.name]
        if ref in values:
            return values[ref]
        if ref.kind in ("input", "axis"):
            value = overrides.get(ref.name, ref.value) if ref.name else ref.value
        else:
            if ref in pending:
                raise CircularReference(f"{ref.where}: the formula of {ref.name or ref.coordinate} refers to itself")
            pending.add(ref)
            try:
                value = _compute(ref, value_of, functions)
            except CircularReference:
                raise
            except _FAILURES:
                value = ExcelError("#VALUE!")
            pending.discard(ref)
        values[ref] = value
        return value

    for grid, row_refs, col_refs in book.grids:
        _grid(grid, row_refs, col_refs, value_of, values, functions)
    for ref in book.inputs + book.computed:
        value_of(ref)
    return values


def _compute(ref, value_of, functions):
    if ref.binding is not None:  # a grid cell: the grid's formula over this cell's own axis values
        probe, binding = ref.binding
        return _compute(probe, lambda r: value_of(binding.get(id(r), r)), functions)
    if ref.guard and not all(refs.check_passes(value_of(r), kind) for r, kind in ref.guard):
        return INVALID  # an input it reads is empty, text or out of bounds: the formula's IF says so
    if ref.quantity:
        kwargs = {arg: expr.evaluate(tokens, value_of, functions, ref.where) for arg, tokens in ref.args.items()}
        for value in kwargs.values():
            if isinstance(value, ExcelError):
                return value
        return getattr(core, ref.quantity)(**kwargs) / ref.scale
    value = expr.evaluate(ref.tokens, value_of, functions, ref.where)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and ref.scale != 1.0:
        value = value / ref.scale
    return value


def _grid(grid, row_refs, col_refs, value_of, values, functions):
    """Fill a per-cell grid in one numpy call (its first cell's formula over the two axes as arrays)."""
    probe, binding = grid[0][0].binding
    row_axis = np.array([[value_of(r)] for r in row_refs], dtype=float)
    col_axis = np.array([[value_of(c) for c in col_refs]], dtype=float)

    arrays = {key: row_axis if ref is row_refs[0] else col_axis for key, ref in binding.items()}

    def vector_value_of(ref):
        return arrays[id(ref)] if id(ref) in arrays else value_of(ref)

    try:
        with np.errstate(all="raise"):
            result = np.broadcast_to(np.asarray(_compute(probe, vector_value_of, functions), dtype=float),
                                     (len(row_refs), len(col_refs)))
    except (*_FAILURES, FloatingPointError):
        return  # cell by cell instead
    for line, numbers in zip(grid, result.tolist()):
        for ref, number in zip(line, numbers):
            values[ref] = number


def cell_values(book, overrides=None):
    """{(sheet, row, col): value} of every formula cell (array formulas: every cell of the area)."""
    from openpyxl.utils.cell import range_boundaries

    ref_values = evaluate(book, overrides)
    functions = _functions(book)
    inputs = {(r.sheet, r.row, r.col): r for r in book.inputs}
    memo = {}

    def get(sheet, row, col):
        key = (sheet, row, col)
        if key in memo:
            return memo[key]
        cell = book.sheets[sheet].cells.get((row, col))
        if cell is None:
            value = None
        elif cell.ref is not None and cell.ref in ref_values:
            value = ref_values[cell.ref]
        elif cell.ref is not None:  # an array formula's anchor
            try:
                value = expr.evaluate(cell.ref.tokens, lambda r: book.range_values[r.name] if isinstance(
                    r, Fixed) else ref_values[r], functions)
            except _FAILURES:
                value = ExcelError("#VALUE!")
        elif cell.compute is not None:
            value = cell.compute(get)
        elif key in inputs:
            value = ref_values[inputs[key]]
        else:
            value = cell.value
        memo[key] = value
        return value

    out = {}
    for sheet in book.sheets.values():
        for (row, col), cell in sheet.cells.items():
            if not (isinstance(cell.value, str) and type(cell.value).__name__ == "Formula"):
                continue
            value = get(sheet.name, row, col)
            if cell.array:
                c1, r1, c2, r2 = range_boundaries(cell.array)
                grid = value if isinstance(value, list) else [[value]]
                for i in range(r2 - r1 + 1):
                    for j in range(c2 - c1 + 1):
                        try:
                            out[(sheet.name, r1 + i, c1 + j)] = grid[i][j]
                        except (IndexError, TypeError):
                            out[(sheet.name, r1 + i, c1 + j)] = ExcelError("#N/A")
            else:
                out[(sheet.name, row, col)] = _scalar(value)
    return out


def _scalar(value):
    """A cell's single value: a 1x1 list is its element, numpy scalars become Python numbers."""
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return ExcelError("#NUM!")
    return value
