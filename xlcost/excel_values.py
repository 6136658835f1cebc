"""Cell values in, numbers for the core, errors per cell: the mechanics behind ``xlcost.udfs``.

Nothing here knows xlwings. Excel hands a function each argument as a single value or
as a range (a list of rows); this module

- coerces every cell: numbers, text such as "175B" / "80GB" / "21.3%", catalog names,
  empty cells (-> the argument's default), and rejects what is not a quantity (TRUE,
  dates, nested lists, unknown names) with a message that names the argument;
- passes Excel error values (``"#N/A"`` ...) through as that cell's error;
- broadcasts the arguments numpy-style (a column against a row gives a grid), calls
  the core once on whole arrays, and only when the core refuses a value finds the bad
  cells by bisection, so that a bad element errors alone and its neighbours compute;
- turns results that overflow (inf, NaN) into errors, never into numbers.

A single-cell argument that cannot be used raises :class:`CellError` at once (the whole
call is wrong); a bad element of a range is recorded in ``Arg.errors`` and stays local.
The result is a :class:`Result`; ``xlcost.udfs`` turns it into what each Excel client
wants.
"""

import datetime as dt
import functools
import inspect
import math
import numbers

import numpy as np

from . import catalog
from .core import _check
from .fill import hardware_value, model_value
from . import errors as _errors
from .errors import InputError, UnitError, XlcostError
from .core.inputs import ARGUMENTS
from .units import NUMBER_START, parse_quantity

VALUE, NUM, NA = "#VALUE!", "#NUM!", "#N/A"
EXCEL_ERRORS = frozenset(
    {
        "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
        "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#UNKNOWN!", "#BUSY!",
        "#PYTHON!", "#EXTERNAL!",
    }
)
REQUIRED = object()  # no default: an empty cell is an error
LATER = object()  # the default depends on another argument: empties are marked in Arg.empty


class CellError(Exception):
    """A value that cannot be used: the Excel error ``code`` and a ``message`` naming the argument.

    ``propagated`` marks an error value that came in from the sheet (e.g. ``#N/A``).
    """

    def __init__(self, code, message, propagated=False):
        super().__init__(message)
        self.code, self.message, self.propagated = code, message, propagated

    def __repr__(self):
        return f"CellError({self.code!r}, {self.message!r})"


class Arg:
    """One argument after coercion.

    ``value`` is a Python scalar (a single cell) or a 2-D numpy array (a range); bad
    elements of a range hold a harmless placeholder and are listed in ``errors``
    (``{(row, col): CellError}``). ``empty`` marks empty cells of an argument whose
    default is decided later (``LATER``). ``name`` is the Excel argument name.
    """

    __slots__ = ("name", "value", "shape", "errors", "empty")

    def __init__(self, name, value, errors=None, empty=None):
        self.name, self.value, self.errors, self.empty = name, value, errors or None, empty
        self.shape = value.shape if type(value) is np.ndarray else None


class Result:
    """What a function computed: ``value`` (a scalar or a 2-D array) and per-cell ``errors``.

    A range's errors may instead come as ``codes`` (an int array of the value's shape,
    -1 where the cell computed, else an index into ``objects``, a list of CellError):
    many bad cells then cost array operations, not a Python object each. ``errors``
    (``{(row, col): CellError}``) is derived from them on demand.
    """

    __slots__ = ("value", "_errors", "codes", "objects")

    def __init__(self, value, errors=None, codes=None, objects=None):
        self.value, self._errors, self.codes, self.objects = value, errors or None, codes, objects

    @property
    def errors(self):
        if self._errors is None and self.codes is not None:
            rows, cols = np.nonzero(self.codes >= 0)
            found = self.codes[rows, cols].tolist()
            self._errors = {key: self.objects[c] for key, c in zip(zip(rows.tolist(), cols.tolist()), found)} or None
        return self._errors


# ---------------------------------------------------------------- ranges


def cells(value, name):
    """``(scalar, None)`` for a single value or ``(None, rows)`` for a range (a list of rows).

    A 1x1 range is a single value; a flat list (from Python, not Excel) is one row.
    """
    if isinstance(value, (list, tuple)):
        if not value:
            raise CellError(VALUE, f"{name} is an empty range")
        first = value[0]
        if not isinstance(first, (list, tuple)):
            return (first, None) if len(value) == 1 else (None, [list(value)])
        if len(value) == 1 and len(first) == 1:
            return first[0], None
        width = len(first)
        if width == 0:
            raise CellError(VALUE, f"{name} is an empty range")
        for row in value:
            if not isinstance(row, (list, tuple)) or len(row) != width:
                raise CellError(VALUE, f"{name} is not a rectangular range (rows of different lengths)")
        return None, value
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return value.item(), None
        if value.size == 0:
            raise CellError(VALUE, f"{name} is an empty range")
        if value.ndim > 2:
            raise CellError(VALUE, f"{name} has {value.ndim} dimensions; a range has 2")
        return cells(value.tolist(), name)
    return value, None


def _each(rows, name, convert):
    """Apply ``convert`` to every cell: an object array plus the errors of the cells it refused."""
    out = np.empty((len(rows), len(rows[0])), dtype=object)
    errors = {}
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            try:
                out[i, j] = convert(cell)
            except CellError as error:
                errors[(i, j)] = error
    return out, errors


# ---------------------------------------------------------------- one cell


_CACHED_CHARS = 64  # "175B", "80 GB", "$2.03": short texts repeat down a column; a long one is parsed, not kept


@functools.lru_cache(maxsize=4096)
def _parse_cached(text, name, expect):
    return parse_quantity(text, name, expect)


def _parse(text, name, expect):
    """``parse_quantity``, cached for short texts only (at most 4,096 x 64 characters held)."""
    if len(text) > _CACHED_CHARS:
        return parse_quantity(text, name, expect)
    return _parse_cached(text, name, expect)


def _text(cell, name):
    """A cell's text, stripped; None for an empty cell; CellError for an Excel error value."""
    text = cell.strip()
    if not text:
        return None
    if text[0] == "#" and text.upper() in EXCEL_ERRORS:
        raise CellError(text.upper(), f"{name} is {text.upper()}", propagated=True)
    return text


def _unwrap(cell, name):
    """Office.js sends some cells as data-type dicts: errors, formatted numbers, entities."""
    if cell.get("type") == "Error":
        code = str(cell.get("basicValue") or "#VALUE!")
        raise CellError(code, f"{name} is {code}", propagated=True)
    if "basicValue" in cell and not isinstance(cell["basicValue"], dict):
        return cell["basicValue"]
    raise CellError(VALUE, f"{name} is a data type ({cell.get('type', 'unknown')}), not a value")


def _not_a_number(cell, name):
    if isinstance(cell, (bool, np.bool_)):
        return CellError(VALUE, f"{name} must be a number, not {'TRUE' if cell else 'FALSE'}")
    if isinstance(cell, (dt.date, dt.time, dt.datetime, np.datetime64)):
        return CellError(VALUE, f"{name} is a date or time ({cell}), not a number")
    if isinstance(cell, (list, tuple, np.ndarray)):
        return CellError(VALUE, f"{name} has a nested range where a cell value belongs")
    return CellError(VALUE, f"{name} must be a number, not a {type(cell).__name__}")


def _finite(number, name):
    if math.isfinite(number):
        return number
    raise CellError(NUM, f"{name} must be a finite number, got {number!r}")


def cell_number(cell, name, expect=None, lookup=None):
    """One cell as a float; None when empty. ``lookup(text)`` resolves catalog names."""
    kind = type(cell)
    if kind is float or kind is int:
        try:
            return _finite(float(cell), name)
        except OverflowError:
            raise CellError(NUM, f"{name} is too large for a floating-point number") from None
    if cell is None:
        return None
    if kind is str:
        text = _text(cell, name)
        if text is None:
            return None
        if lookup is not None and text[0] not in NUMBER_START:
            try:
                found = lookup(text)
            except Exception as error:  # noqa: BLE001 - unknown name, or a row without the number
                raise CellError(VALUE, _prefixed(name, error)) from None
            return _finite(float(found), name)
        try:
            return _finite(_parse(text, name, expect), name)
        except UnitError as error:
            raise CellError(VALUE, str(error)) from None
    if isinstance(cell, dict):
        return cell_number(_unwrap(cell, name), name, expect, lookup)
    if isinstance(cell, numbers.Real) and not isinstance(cell, (bool, np.bool_)):
        try:
            return _finite(float(cell), name)
        except (OverflowError, ValueError):
            raise CellError(NUM, f"{name} is not representable as a floating-point number") from None
    raise _not_a_number(cell, name)


# ---------------------------------------------------------------- arguments


def number(value, name, expect=None, default=REQUIRED, lookup=None, placeholder=1.0):
    """A numeric argument: a float, or a float array for a range.

    ``default`` fills empty cells (``REQUIRED``: an empty cell is an error; ``LATER``:
    empties are marked in ``Arg.empty`` for the caller to fill). ``placeholder`` stands
    in for bad elements so the rest of the range still computes.
    """
    scalar, rows = (None, None) if value is None else cells(value, name)  # None: an omitted argument
    if rows is None:
        result = cell_number(scalar, name, expect, lookup)
        if result is not None:
            return Arg(name, result)
        if default is REQUIRED:
            raise CellError(VALUE, f"{name} is required, but the cell is empty")
        if default is LATER:
            return Arg(name, placeholder, empty=True)
        return Arg(name, float(default))
    kinds = {type(cell) for row in rows for cell in row}
    if kinds <= {float, int}:  # fast path: a range of plain numbers
        try:
            array = np.array(rows, dtype=float)
        except OverflowError:
            array = None
        if array is not None and np.isfinite(array).all():
            return Arg(name, array)
    array = np.full((len(rows), len(rows[0])), float(placeholder))
    errors, empties = {}, []
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            try:
                converted = cell_number(cell, name, expect, lookup)
            except CellError as error:
                errors[(i, j)] = error
                continue
            if converted is None:
                empties.append((i, j))
            else:
                array[i, j] = converted
    empty = None
    if empties:
        if default is REQUIRED:
            for key in empties:
                errors[key] = CellError(VALUE, f"{name} is required, but the cell is empty")
        elif default is LATER:
            empty = np.zeros(array.shape, dtype=bool)
            empty[tuple(zip(*empties))] = True
        else:
            array[tuple(zip(*empties))] = float(default)
    return Arg(name, array, errors, empty)


def fill(arg, default):
    """``arg`` with its empty cells (``LATER``) taken from the Arg ``default`` (broadcast)."""
    if arg.empty is None or arg.empty is False:
        return arg
    if arg.shape is None:
        return Arg(arg.name, default.value)
    if not arg.empty.any():
        return arg
    shape = _fit(arg, default)
    value = np.where(np.broadcast_to(arg.empty, shape), default.value, np.broadcast_to(arg.value, shape))
    return Arg(arg.name, value, _broadcast_errors(arg, shape))


def choice(value, name, options, default):
    """A text argument from a fixed set (``options``: lower-case text -> numeric code)."""
    def convert(cell):
        if cell is None:
            return default
        if isinstance(cell, dict):
            cell = _unwrap(cell, name)
        if isinstance(cell, str):
            text = _text(cell, name)
            if text is None:
                return default
            code = options.get(text.lower())
            if code is not None:
                return code
        listed = ", ".join(f'"{o}"' for o in options)
        raise CellError(VALUE, f"{name} must be one of {listed}, got {cell!r}")

    return _codes(value, name, convert, default)


def flag(value, name, default):
    """A TRUE/FALSE argument (also 1/0 or the text "TRUE"/"FALSE") as the code 1.0/0.0."""
    def convert(cell):
        if cell is None:
            return default
        if isinstance(cell, dict):
            cell = _unwrap(cell, name)
        if isinstance(cell, (bool, np.bool_)):
            return float(cell)
        if isinstance(cell, str):
            text = _text(cell, name)
            if text is None:
                return default
            if text.upper() in ("TRUE", "FALSE"):
                return float(text.upper() == "TRUE")
        elif isinstance(cell, numbers.Real) and cell in (0, 1):
            return float(cell)
        raise CellError(VALUE, f"{name} must be TRUE or FALSE, got {cell!r}")

    return _codes(value, name, convert, default)


def _codes(value, name, convert, default):
    if value is None:  # an omitted argument
        return Arg(name, float(default))
    scalar, rows = cells(value, name)
    if rows is None:
        return Arg(name, float(convert(scalar)))
    converted, errors = _each(rows, name, convert)
    for key in errors:
        converted[key] = default
    return Arg(name, converted.astype(float), errors)


def text(value, name):
    """A text argument (a catalog name or field) as stripped strings."""
    def convert(cell):
        if isinstance(cell, dict):
            cell = _unwrap(cell, name)
        if isinstance(cell, str):
            stripped = _text(cell, name)
            if stripped is not None:
                return stripped
        if cell is None or isinstance(cell, str):
            raise CellError(VALUE, f"{name} is required, but the cell is empty")
        raise CellError(VALUE, f"{name} must be text, got {cell!r}")

    scalar, rows = cells(value, name)
    if rows is None:
        return Arg(name, convert(scalar))
    converted, errors = _each(rows, name, convert)
    return Arg(name, converted, errors)


# ---------------------------------------------------------------- catalog arguments


def model_field(field):
    """A ``lookup`` for ``number``: a model name -> its ``field`` (``xlcost.core.inputs.MODEL_FIELDS``)."""
    def lookup(name):
        return model_value(catalog.model(name), field)

    return lookup


def declared(function, argument, value, name=None, default=REQUIRED, placeholder=1.0):
    """The cell(s) ``value`` for ``argument`` of the core ``function``, read as its declaration says.

    The dimension comes from ``xlcost.core.inputs.ARGUMENTS``; where the declaration names
    a model field for the argument, a catalog model name is accepted and gives that field
    (an MoE's total parameters for memory, its active ones for compute); an omitted
    argument takes the declared default, else the Python default. ``name`` is the Excel argument's name.
    """
    needs = function.needs
    field = needs.model.get(argument)
    if default is REQUIRED:
        default = needs.defaults.get(argument, _python_default(function, argument))
    return number(value, name or argument, ARGUMENTS[argument].dimension, default=default,
                  lookup=model_field(field) if field else None, placeholder=placeholder)


def model_shape(value, name, function, argument, fallback):
    """For each cell of ``value`` (an argument that may name a catalog model, e.g. ``params``),
    the field the core ``function`` declares for ``argument``; ``fallback`` where the cell is
    a number. Fills a shape argument left empty from the model named beside it."""
    field = function.needs.model[argument]

    def convert(cell):
        if isinstance(cell, dict) and "basicValue" in cell:
            cell = cell["basicValue"]
        if isinstance(cell, str):
            text = cell.strip()
            if text and text[0] not in NUMBER_START and text[0] != "#":
                try:
                    return float(model_value(catalog.model(text), field))
                except XlcostError as error:
                    raise CellError(VALUE, _prefixed(name, error)) from None
        return fallback

    scalar, rows = cells(value, name)
    if rows is None:
        try:
            return Arg(argument, convert(scalar))
        except CellError:
            return Arg(argument, fallback)  # the named argument reports its own error
    converted, errors = _each(rows, name, convert)
    for key in errors:
        converted[key] = fallback
    return Arg(argument, converted.astype(float))


@functools.lru_cache(maxsize=None)
def _python_default(function, argument):
    default = inspect.signature(function).parameters[argument].default
    return REQUIRED if default is inspect.Parameter.empty or default is None else default


def from_hardware(unit, function, argument):
    """The hardware field the core ``function`` declares for ``argument``, of each unit of a hardware Arg."""
    field = function.needs.hardware[argument]
    return attribute(unit, lambda element: hardware_value(element, field))


def api_output_price(name):
    """A ``lookup`` for ``number``: an API model name -> its output price per 1,000 tokens."""
    value = catalog.api_price(name)["price_output_usd_per_1k_tokens"]
    if value is None:
        raise XlcostError(f"API model {name!r} has no output price in the catalog")
    return value


def hardware(value, name="hardware"):
    """A hardware argument: catalog Hardware objects, or floats (a plain number is peak FLOP/s)."""
    def convert(cell):
        if isinstance(cell, dict):
            cell = _unwrap(cell, name)
        if isinstance(cell, str):
            stripped = _text(cell, name)
            if stripped is not None and stripped[0] not in NUMBER_START:
                try:
                    return catalog.hardware(stripped)
                except XlcostError as error:
                    raise CellError(VALUE, f"{name}: {error}") from None
        peak = cell_number(cell, name, "flop/s")
        if peak is None:
            raise CellError(VALUE, f"{name} is required, but the cell is empty")
        return peak

    scalar, rows = cells(value, name)
    if rows is None:
        return Arg(name, convert(scalar))
    converted, errors = _each(rows, name, convert)
    for key in errors:
        converted[key] = 1.0
    return Arg(name, converted, errors)


def attribute(arg, get):
    """A float Arg of ``get(element)`` for each element of an object Arg."""
    if arg.shape is None:
        return Arg(arg.name, float(_call(get, arg.name, arg.value)))
    out = np.ones(arg.shape)
    errors = dict(arg.errors or {})
    for key, unit in np.ndenumerate(arg.value):
        if key in errors:
            continue
        try:
            out[key] = _call(get, arg.name, unit)
        except CellError as error:
            errors[key] = error
    return Arg(arg.name, out, errors)


def _call(get, name, *values):
    try:
        return get(*values)
    except CellError:
        raise
    except XlcostError as error:
        raise CellError(VALUE, _prefixed(name, error)) from None


def _prefixed(name, error):
    text = str(error)
    return text if text.startswith(name) else f"{name}: {text}"


def price(value, unit, name="price_per_hour"):
    """USD per unit-hour: the argument where given, else the catalog's on-demand price."""
    given = number(value, name, "usd", default=LATER)
    if given.empty is None or given.empty is False:
        return given
    if given.shape is None and unit.shape is None:
        return Arg(name, float(_call(_catalog_price, name, unit.value)))
    shape = _fit(given, unit)
    units = np.broadcast_to(np.asarray(unit.value, dtype=object), shape)
    empty = np.broadcast_to(given.empty, shape)
    out = np.array(np.broadcast_to(given.value, shape), dtype=float)
    errors = _broadcast_errors(given, shape)
    unit_errors = _broadcast_errors(unit, shape)
    for key in zip(*np.nonzero(empty)):
        key = tuple(map(int, key))
        if key in errors or key in unit_errors:
            continue
        try:
            out[key] = _call(_catalog_price, name, units[key])
        except CellError as error:
            errors[key] = error
    return Arg(name, out, errors)


def _fit(*args):
    """The broadcast shape of some Args, or a CellError naming the ranges that do not fit."""
    try:
        return np.broadcast_shapes(*(arg.shape or () for arg in args))
    except ValueError:
        sizes = ", ".join(f"{arg.name} is {arg.shape[0]}x{arg.shape[1]}" for arg in args if arg.shape)
        raise CellError(
            VALUE, f"ranges do not fit together ({sizes}): use single cells, one row, one column, or equal sizes"
        ) from None


def _catalog_price(unit):
    if isinstance(unit, float):
        raise CellError(VALUE, "price_per_hour is required when hardware is a number (peak FLOP/s)")
    return unit.price_usd_per_hour()


# ---------------------------------------------------------------- evaluation


def _broadcast_errors(arg, shape):
    """``arg``'s element errors, keyed by the cells of a ``shape`` output they reach."""
    if not arg.errors:
        return {}
    if arg.shape is None:  # a scalar error reaches every cell
        return {key: arg.errors[(0, 0)] for key in np.ndindex(shape)}
    rows, cols = arg.shape
    out = {}
    for (i, j), error in arg.errors.items():
        for r in range(shape[0]) if rows == 1 else (i,):
            for c in range(shape[1]) if cols == 1 else (j,):
                out.setdefault((r, c), error)
    return out


OVERFLOW = "the result is outside the range of numbers (overflow or underflow): check the inputs' magnitudes"


def explain(error, args):
    """A CellError for an exception the core raised, named with the Excel argument."""
    if isinstance(error, CellError):
        return error
    if isinstance(error, InputError):
        arg = args.get(error.argument)
        if arg is None and isinstance(error.value, float) and not math.isfinite(error.value):
            # an intermediate quantity (e.g. flops = 2 x params x 1000) left the floating-point range
            return CellError(NUM, f"{OVERFLOW} ({error.argument} = {error.value!r})")
        label = arg.name if arg is not None else error.argument
        text = str(error)
        if text.startswith(error.argument):
            text = label + text[len(error.argument):]
        return CellError(VALUE if isinstance(error, UnitError) else NUM, text)
    if isinstance(error, getattr(_errors, "ResultError", ())):
        return CellError(NUM, OVERFLOW)
    if isinstance(error, XlcostError):
        return CellError(VALUE, str(error))
    return CellError(VALUE, f"could not compute ({type(error).__name__}: {error})")


def evaluate(function, **args):
    """Call ``function`` (core, keyword arguments) on the broadcast Args; errors per cell."""
    shapes = [arg.shape for arg in args.values() if arg.shape is not None]
    values = {key: arg.value for key, arg in args.items()}
    if not shapes:
        try:
            with np.errstate(all="ignore"):
                result = float(function(**values))
        except Exception as error:  # noqa: BLE001 - every failure becomes a cell error
            raise explain(error, args) from None
        if not math.isfinite(result):
            raise CellError(NUM, OVERFLOW)
        return Result(result)
    shape = _fit(*args.values())
    full = {
        key: np.broadcast_to(value, shape) if isinstance(value, np.ndarray) else value for key, value in values.items()
    }
    errors = {}
    for arg in args.values():
        for key, error in _broadcast_errors(arg, shape).items():
            errors.setdefault(key, error)
    try:
        # one vectorised pass: the core records each argument's bad elements instead of raising
        with np.errstate(all="ignore"), _check.collecting() as refusals:
            out = np.broadcast_to(np.asarray(function(**full), dtype=float), shape)
    except Exception:  # noqa: BLE001 - a refusal no mask describes (a relation between arguments): bisect
        out = np.empty(shape)
        found = {}
        _bisect(function, full, out, found, args, 0, shape[0], 0, shape[1])
        for key, error in found.items():
            errors.setdefault(key, error)
        refusals = ()
    codes = np.full(shape, -1, dtype=np.intp)
    objects = list(errors.values())
    if errors:  # errors of the arguments' cells come first: they win
        rows, cols = zip(*errors)
        codes[list(rows), list(cols)] = np.arange(len(objects))
    for argument, problem, bad, values in refusals:
        _refused(argument, problem, bad, values, args, codes, objects)
    finite = np.isfinite(out)
    if not finite.all():
        codes[~finite & (codes < 0)] = len(objects)
        objects.append(CellError(NUM, OVERFLOW))
    if not objects:
        return Result(out)
    return Result(out, codes=codes, objects=objects)


def _refused(argument, problem, bad, values, args, codes, objects):
    """Mark the cells an argument's ``bad`` mask reaches (and no earlier error holds) in ``codes``.

    Cells with the same bad value share one CellError: a 1,000 x 100 range with half its
    cells bad costs a few array operations, not 50,000 messages.
    """
    reach = np.broadcast_to(bad, codes.shape) & (codes < 0)
    if not reach.any():
        return
    unique, which = np.unique(np.broadcast_to(values, codes.shape)[reach], return_inverse=True)
    codes[reach] = len(objects) + which.ravel()
    objects.extend(explain(InputError(argument, problem, float(v)), args) for v in unique.tolist())


def _bisect(function, full, out, errors, args, r0, r1, c0, c1):
    """Compute the block [r0:r1, c0:c1]; where the core refuses it, halve until single cells."""
    part = {key: value[r0:r1, c0:c1] if isinstance(value, np.ndarray) else value for key, value in full.items()}
    try:
        with np.errstate(all="ignore"):
            out[r0:r1, c0:c1] = function(**part)
        return
    except Exception as error:  # noqa: BLE001
        if r1 - r0 == 1 and c1 - c0 == 1:
            errors[(r0, c0)] = explain(error, args)
            out[r0, c0] = 0.0
            return
    if r1 - r0 >= c1 - c0:
        middle = (r0 + r1) // 2
        _bisect(function, full, out, errors, args, r0, middle, c0, c1)
        _bisect(function, full, out, errors, args, middle, r1, c0, c1)
    else:
        middle = (c0 + c1) // 2
        _bisect(function, full, out, errors, args, r0, r1, c0, middle)
        _bisect(function, full, out, errors, args, r0, r1, middle, c1)


def evaluate_each(function, **args):
    """Call ``function`` once per cell with plain values (for lookups returning text or numbers)."""
    shapes = [arg.shape for arg in args.values() if arg.shape is not None]
    if not shapes:
        return Result(_call_each(function, args, {key: arg.value for key, arg in args.items()}))
    shape = _fit(*args.values())
    errors = {}
    for arg in args.values():
        for key, error in _broadcast_errors(arg, shape).items():
            errors.setdefault(key, error)
    full = {key: np.broadcast_to(np.asarray(arg.value, dtype=object), shape) for key, arg in args.items()}
    out = np.empty(shape, dtype=object)
    for key in np.ndindex(shape):
        if key in errors:
            continue
        try:
            out[key] = _call_each(function, args, {name: value[key] for name, value in full.items()})
        except CellError as error:
            errors[key] = error
    return Result(out, errors)


def _call_each(function, args, values):
    try:
        return function(**values)
    except CellError:
        raise
    except Exception as error:  # noqa: BLE001
        raise explain(error, args) from None
