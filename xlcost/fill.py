"""Fill a core quantity's arguments from a catalog model or hardware unit, as its declaration says.

The declaration (``function.needs``, see :mod:`xlcost.core.inputs`) names, for each
argument, the model or hardware field that may fill it; this module reads those fields.
The CLI fills ``--model``/``--hardware`` through :func:`from_catalog`; the Excel functions
resolve a name typed into a cell through :func:`model_value` / :func:`hardware_value`;
the serving functions (``xlcost.serving``) fill a replica through :func:`from_catalog`
with a precision, which the fields in bytes and at the precision's math follow.

>>> from xlcost import catalog, core
>>> from_catalog(core.units_needed, model=catalog.model("Mixtral-8x7B"))
{'params': 12900000000.0, 'memory_params': 46700000000.0}
"""

import inspect

from .core import inputs
from .errors import InputError


def _model_field(model, field, precision):
    """The field's value, None where the catalog leaves it empty."""
    scaled = inputs.MODEL_BYTES_FIELDS.get(field)
    if scaled is None:
        return getattr(model, field)  # properties may refuse (dense_params of an MoE)
    base, part = scaled
    value = getattr(model, base)
    return None if value is None else value * getattr(inputs.precision(precision), part)


def model_value(model, field, precision=inputs.DEFAULT_PRECISION):
    """The ``field`` (a name in ``xlcost.core.inputs.MODEL_FIELDS``) of a catalog Model;
    fields in bytes at ``precision`` (``inputs.MODEL_BYTES_FIELDS``)."""
    value = _model_field(model, field, precision)
    if value is None:
        raise InputError(field, f"is not in the catalog for model {model.name}")
    return value


def hardware_value(unit, field, price_term="on_demand", precision=inputs.DEFAULT_PRECISION):
    """The ``field`` of one hardware unit: a catalog Hardware, or a number (its peak FLOP/s);
    fields at a precision's math (``inputs.HARDWARE_DTYPE_FIELDS``) at ``precision``'s."""
    if isinstance(unit, (int, float)):
        if field == "peak_flops_per_s":
            return float(unit)
        raise InputError(
            "hardware", f"is a number (peak FLOP/s); name a chip or instance so its {field} is known", unit
        )
    if field == "price_usd_per_hour":
        return unit.price_usd_per_hour(price_term)
    method = inputs.HARDWARE_DTYPE_FIELDS.get(field)
    if method is not None:
        return getattr(unit, method)(inputs.precision(precision).dtype)
    return getattr(unit, field)


def _empty(unit, field, precision):
    """True where a chip's column for ``field`` is empty (its argument's default then holds)."""
    if isinstance(unit, (int, float)):
        return False
    if field in inputs.HARDWARE_DTYPE_FIELDS:
        return hardware_value(unit, field, precision=precision) is None
    return field in unit.chip and unit.chip[field] is None


def from_catalog(function, model=None, hardware=None, price_term="on_demand", skip=(),
                 precision=inputs.DEFAULT_PRECISION):
    """``{argument: value}`` for every argument of ``function`` its declaration fills from
    ``model`` and ``hardware`` (either may be None), except those in ``skip``. An empty
    catalog field leaves an argument with a default out (the default holds)."""
    needs = function.needs
    optional = {name for name, p in inspect.signature(function).parameters.items() if p.default is not p.empty}
    optional.update(name for name, default in needs.keywords.items() if default is not None)
    values = {}
    if model is not None:
        for argument, field in needs.model.items():
            if argument in skip:
                continue
            value = _model_field(model, field, precision)
            if value is None:
                if argument in optional:
                    continue  # an empty column (n_kv_heads of a multi-head model): the argument's default holds
                raise InputError(field, f"is not in the catalog for model {model.name}")
            values[argument] = value
    if hardware is not None:
        for argument, field in needs.hardware.items():
            if argument in skip or (argument in optional and _empty(hardware, field, precision)):
                continue
            values[argument] = hardware_value(hardware, field, price_term, precision)
    return values
