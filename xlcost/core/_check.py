"""Argument checks shared by the core: arrays are checked whole, errors name the argument."""

import contextlib
import contextvars
import functools
import inspect

import numpy as np

from ..errors import InputError, ResultError
from . import inputs


# A plain number takes a fast path: checked with Python comparisons and returned as a
# numpy float64 (whose arithmetic obeys np.errstate like an array's), so a scalar call
# costs microseconds instead of the ~30 us of 0-d array reductions (benchmarks, figure 3).
_SCALARS = frozenset((float, int, np.float64))
_INF = float("inf")


def _first_bad(values, ok):
    bad = np.asarray(values)[~ok] if np.ndim(values) else values
    return float(np.ravel(bad)[0]) if np.ndim(bad) else float(bad)


# Where a caller collects refusals (``collecting``), a range's bad elements do not raise:
# they are recorded as (argument, problem, mask of bad elements, values) and replaced by a
# harmless stand-in, so one pass computes every good element and names every bad one
# (the Excel functions' "a bad cell errors alone", without calling the core per cell).
_COLLECTOR = contextvars.ContextVar("xlcost_refusals", default=None)


@contextlib.contextmanager
def collecting():
    """Within the block, arrays' bad elements are recorded in the yielded list instead of raising."""
    refusals = []
    token = _COLLECTOR.set(refusals)
    try:
        yield refusals
    finally:
        _COLLECTOR.reset(token)


def _refuse(argument, problem, x, ok, stand_in):
    refusals = _COLLECTOR.get()
    if refusals is None or not x.ndim:
        raise InputError(argument, problem, _first_bad(x, ok))
    refusals.append((argument, problem, ~ok, x))
    return np.where(ok, x, stand_in)


def positive(argument, values):
    """``values`` as an array of finite numbers > 0, else InputError naming ``argument``."""
    if type(values) in _SCALARS and 0 < values < _INF:
        return np.float64(values)
    x = np.asarray(values, dtype=float)
    if x.size and not (x.min() > 0 and x.max() < np.inf):
        return _refuse(argument, "must be a finite number > 0", x, (x > 0) & (x < np.inf), 1.0)
    return x


def nonnegative(argument, values):
    """``values`` as an array of finite numbers >= 0, else InputError naming ``argument``."""
    if type(values) in _SCALARS and 0 <= values < _INF:
        return np.float64(values)
    x = np.asarray(values, dtype=float)
    if x.size and not (x.min() >= 0 and x.max() < np.inf):
        return _refuse(argument, "must be a finite number >= 0", x, (x >= 0) & (x < np.inf), 1.0)
    return x


def fraction(argument, values, closed_low=False):
    """``values`` as an array in (0, 1] (or [0, 1) with ``closed_low``), else InputError."""
    if type(values) in _SCALARS and ((0 <= values < 1) if closed_low else (0 < values <= 1)):
        return np.float64(values)
    x = np.asarray(values, dtype=float)
    if not x.size:
        return x
    low, high = x.min(), x.max()  # NaN makes both comparisons false
    if closed_low and not (low >= 0 and high < 1):
        return _refuse(argument, "must be in [0, 1)", x, (x >= 0) & (x < 1), 0.5)
    if not closed_low and not (low > 0 and high <= 1):
        return _refuse(argument, "must be in (0, 1]", x, (x > 0) & (x <= 1), 0.5)
    return x


def utilisation(argument, values):
    """``values`` (a computed share of a peak) if each is at most 1, else refused: more than the
    peak is an impossible input, never a result to show."""
    if type(values) in _SCALARS and values <= 1:
        return values
    x = np.asarray(values, dtype=float)
    if x.size and not x.max() <= 1:
        return _refuse(argument, "is above 1: more FLOP/s than the units' peak (check tokens_per_second, "
                       "flops_per_token, n_units and the hardware)", x, x <= 1, 0.5)
    return x


def quantity(pattern, *, model=None, hardware=None, defaults=None, choice=None, keywords=None):
    """Mark a core quantity: attach its native Excel formula, its declared needs, and guard its arithmetic.

    ``pattern`` is the formula with the function's argument names in braces; the
    workbook generator fills them with cell references or defined names. With
    ``choice`` (the name of a text argument such as ``method``), ``pattern`` is a dict
    ``{option: formula}``: ``function.excel`` is the default option's formula and
    ``function.excel_by_choice`` holds them all. ``model`` and ``hardware`` declare which
    catalog fields may fill which arguments, ``defaults`` what the CLI and Excel use
    for an omitted argument Python requires, ``keywords`` what a ``**replica`` function takes
    there (see ``xlcost.core.inputs``). The body runs
    with floating-point errors raised, so inputs that are each valid but overflow
    together give ResultError, never inf or NaN; 0-d results come back as floats.
    """

    def mark(function):
        @functools.wraps(function)
        def guarded(*args, **kwargs):
            if _COLLECTOR.get() is not None:
                # bad elements already stand in as harmless values: an overflow (or a 0 from x / inf) left
                # is a good element's own, so raise and let the caller go block by block until that
                # element reports what its single cell would
                with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
                    return function(*args, **kwargs)
            try:
                with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
                    result = function(*args, **kwargs)
            except FloatingPointError:
                raise ResultError(
                    f"{function.__name__}: the result is outside the range of numbers (overflow): check the inputs' magnitudes"
                ) from None
            return result if getattr(result, "ndim", 0) else float(result)  # np.ndim costs ~1.5 us on a scalar

        guarded.needs = inputs.declare(function, model, hardware, defaults, keywords)
        if choice is None:
            guarded.excel, guarded.excel_by_choice = pattern, None
        else:
            default = inspect.signature(function).parameters[choice].default
            if set(pattern) != set(inputs.CHOICES[choice]):
                raise TypeError(f"{function.__name__}: give an Excel formula for each option of {choice}")
            guarded.excel, guarded.excel_by_choice = pattern[default], (choice, dict(pattern))
        return guarded

    return mark


def choice(argument, value):
    """``value`` as one of the options of the text argument ``argument``, else InputError listing them."""
    options = inputs.CHOICES[argument]
    key = str(value).strip().lower() if isinstance(value, str) else value
    if key not in options:
        raise InputError(argument, f"must be one of {', '.join(repr(o) for o in options)}", value)
    return key
