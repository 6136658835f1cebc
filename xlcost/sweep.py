"""Sweeps for notebooks: call a function over every combination of its arguments' values.

``sweep(function, **axes)`` returns a tidy pandas DataFrame: one row per combination,
one column per axis (the values as given, catalog names included) and one per result.
pandas is imported only when a sweep runs (the ``pandas`` extra: ``pip install ".[pandas]"`` in a clone).

Catalog names as values
    For a core quantity (one that declares its needs, ``function.needs``), two axes
    need not be arguments of the function:

    - ``model``: a catalog model name, filling the arguments its declaration maps to
      model fields (``params``, ``n_layers`` ... exactly as ``xlcost calc --model``);
    - ``hardware``: a chip or instance name (or a number, a peak FLOP/s), filling
      ``peak_flops_per_s``, ``memory_bytes``, ``price_usd_per_hour`` ... as declared.

    ``as_of`` (a date) picks the catalog rows in force then and ``price_term``
    (on_demand, 1yr, 3yr, spot) which hourly price fills ``price_usd_per_hour``. An
    axis that names an argument always wins over a value filled from the catalog.
    Any other function (a serving function, ``catalog.api_request_cost_usd``) gets
    the axes as keyword arguments, unchanged.

>>> import xlcost
>>> table = xlcost.sweep(xlcost.train_cost_usd, params=[7e9, 70e9], tokens=2e12,
...                      hardware=["A100", "H100", "TPU v4"], utilization=0.4, price_usd_per_hour=2.0)
>>> table.shape
(6, 6)
>>> list(table.columns)
['params', 'tokens', 'hardware', 'utilization', 'price_usd_per_hour', 'train_cost_usd']
"""

import dataclasses
import inspect
import itertools
import numbers

from .errors import InputError

CATALOG_AXES = ("model", "hardware", "as_of", "price_term")


def sweep(function, **axes):
    """A DataFrame of ``function`` over every combination of the ``axes``' values.

    Parameters
    ----------
    function : callable
        A core quantity (``xlcost.train_cost_usd``), a serving function, or any callable
        taking keyword arguments.
    **axes
        Argument name -> one value or several (a list, tuple, range, numpy array or
        pandas Series/Index; a Series' index is dropped, its values kept in order).
        A text is one value. ``model``/``hardware``/``as_of``/``price_term`` may name
        catalog entries for a core quantity (see the module docstring).

    Returns
    -------
    pandas.DataFrame
        One row per combination (the first axis varies slowest), a column per axis
        holding the values as given, then one column per result: the function's name
        for a number; a column per key (field) for a dict, named tuple or dataclass.

    Examples
    --------
    >>> import xlcost
    >>> xlcost.sweep(xlcost.words_to_tokens, words=[750, 1500]).words_to_tokens.tolist()
    [1000.0, 2000.0]
    """
    import pandas as pd  # optional: only sweeps pay for it

    if not callable(function):
        raise InputError("function", "must be a callable such as xlcost.train_cost_usd", function)
    names = list(axes)
    values = [_values(name, axes[name]) for name in names]
    parameters = _parameters(function)
    uses_catalog = hasattr(function, "needs") and any(
        name in CATALOG_AXES and name not in parameters for name in names
    )
    rows = []
    for combination in itertools.product(*values):
        point = dict(zip(names, combination))
        arguments = _arguments(function, point, parameters) if uses_catalog else point
        rows.append({**point, **_results(function, function(**arguments))})
    return pd.DataFrame(rows, columns=list(dict.fromkeys(itertools.chain(names, *(r.keys() for r in rows)))))


def _values(name, value):
    """An axis' values as a list: a text or a number is one value; a Series loses its index."""
    if isinstance(value, (str, bytes, numbers.Number)) or value is None or not hasattr(value, "__iter__"):
        return [value]
    if hasattr(value, "to_numpy") and getattr(value, "ndim", 1) != 1:
        raise InputError(name, "must be one value or a one-dimensional list of values, not a table")
    items = list(value.to_numpy() if hasattr(value, "to_numpy") else value)
    if not items:
        raise InputError(name, "has no values")
    return [item.item() if hasattr(item, "item") and getattr(item, "ndim", 1) == 0 else item for item in items]


def _parameters(function):
    try:
        return set(inspect.signature(function).parameters)
    except (TypeError, ValueError):  # some builtins have no signature: pass the axes as they are
        return set()


def _arguments(function, point, parameters):
    """The keyword arguments of one call: the axes, plus what ``model``/``hardware`` fill."""
    from . import catalog, fill

    unknown = [name for name in point if name not in parameters and name not in CATALOG_AXES]
    if unknown:
        raise InputError(unknown[0], f"is not an argument of {function.__name__} (its arguments: {', '.join(sorted(parameters))})")
    as_of = None if "as_of" in parameters else point.get("as_of")
    model = point.get("model") if "model" not in parameters else None
    unit = point.get("hardware") if "hardware" not in parameters else None
    if isinstance(model, str):
        model = catalog.model(model, as_of)
    if isinstance(unit, str):
        unit = catalog.hardware(unit, as_of)
    price_term = point.get("price_term", "on_demand") if "price_term" not in parameters else "on_demand"
    given = {name for name in point if name in parameters}
    for axis, entry, declared in (("model", model, function.needs.model), ("hardware", unit, function.needs.hardware)):
        if entry is not None and not declared:
            raise InputError(axis, f"fills nothing in {function.__name__}: it declares no {axis} fields")
    filled = fill.from_catalog(function, model, unit, price_term, skip=given)
    return {**filled, **{name: value for name, value in point.items() if name in parameters}}


def _results(function, result):
    """The result columns of one call."""
    if isinstance(result, dict):
        return dict(result)
    if hasattr(result, "_asdict"):
        return dict(result._asdict())
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return dataclasses.asdict(result)
    name = getattr(function, "__name__", "result")
    if hasattr(result, "item") and getattr(result, "ndim", 1) == 0:
        result = result.item()
    return {name if name != "<lambda>" else "result": result}


def training_sweep(model, hardware, n_units, **axes):
    """Training plans over chip counts (and any other axis of :func:`xlcost.training.plan`): one row a plan.

    A chip count that admits no layout gives a row whose ``error`` column says why.

    >>> import xlcost
    >>> table = xlcost.training_sweep("Llama-3-8B", "H100", [8, 64])
    >>> table[["n_units", "tp", "pp"]].shape
    (2, 3)
    """
    from . import training

    return sweep(training.summary, model=model, hardware=hardware, n_units=n_units, **axes)
