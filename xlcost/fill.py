"""Fill a core quantity's arguments from a catalog model or hardware unit, as its declaration says.

The declaration (``function.needs``, see :mod:`xlcost.core.inputs`) names, for each
argument, the model or hardware field that may fill it; this module reads those fields.
The CLI fills ``--model``/``--hardware`` through :func:`from_catalog`; the Excel functions
resolve a name typed into a cell through :func:`model_value` / :func:`hardware_value`.

>>> from xlcost import catalog, core
>>> from_catalog(core.units_needed, model=catalog.model("Mixtral-8x7B"))
{'params': 12900000000.0, 'memory_params': 46700000000.0}
"""

import inspect

from .errors import InputError


def model_value(model, field):
    """The ``field`` (a name in ``xlcost.core.inputs.MODEL_FIELDS``) of a catalog Model."""
    value = getattr(model, field)  # properties may refuse (dense_params of an MoE)
    if value is None:
        raise InputError(field, f"is not in the catalog for model {model.name}")
    return value


def hardware_value(unit, field, price_term="on_demand"):
    """The ``field`` of one hardware unit: a catalog Hardware, or a number (its peak FLOP/s)."""
    if isinstance(unit, (int, float)):
        if field == "peak_flops_per_s":
            return float(unit)
        raise InputError(
            "hardware", f"is a number (peak FLOP/s); name a chip or instance so its {field} is known", unit
        )
    if field == "price_usd_per_hour":
        return unit.price_usd_per_hour(price_term)
    return getattr(unit, field)


def from_catalog(function, model=None, hardware=None, price_term="on_demand", skip=()):
    """``{argument: value}`` for every argument of ``function`` its declaration fills from
    ``model`` and ``hardware`` (either may be None), except those in ``skip``."""
    needs = function.needs
    optional = {name for name, p in inspect.signature(function).parameters.items() if p.default is not p.empty}
    values = {}
    if model is not None:
        for argument, field in needs.model.items():
            if argument in skip:
                continue
            if argument in optional and getattr(model, field) is None:
                continue  # an empty column (n_kv_heads of a multi-head model): the argument's default holds
            values[argument] = model_value(model, field)
    if hardware is not None:
        for argument, field in needs.hardware.items():
            if argument not in skip:
                values[argument] = hardware_value(hardware, field, price_term)
    return values
