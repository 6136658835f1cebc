"""Per-row catalog inputs: the figures of a serving replica named by a table's items.

An item (or its table, for every item) names ``model``, ``hardware``, ``n_units`` and
``precision``; a field with ``replica = "<figure>"`` takes that figure of the replica
for each item: an argument of the serving core as ``xlcost.serving.replica`` gives it
(``n_layers``, ``peak_flops_per_s``, ...), or ``price_per_chip_hour`` (the instance's
on-demand price / its chips) or ``context`` (the model's context window). Each value
comes with the catalog rows it was read from.

>>> value({"model": "LLaMA-13B", "hardware": "RTX-A6000", "n_units": 1}, "n_layers", "")[0]
40.0
"""

import functools

from .expr import TemplateError
from .template import REPLICA_KEYS, RUN_KEYS

EXTRA = ("price_per_chip_hour", "context")


def spec(table, item):
    """The replica an item names: the table's ``replica`` overridden by the item's own keys."""
    merged = dict(table.get("replica", {}))
    merged.update({k: item[k] for k in REPLICA_KEYS + RUN_KEYS if k in item})
    return merged


@functools.lru_cache(maxsize=None)
def _figures(model, hardware, n_units, precision):
    from .. import catalog, serving

    figures = serving.replica(model, hardware, n_units, precision)
    m, h = catalog.model(model), catalog.hardware(hardware)
    sources = {"model": (f"models:{m.name}", f"{m.row['source']} ({m.row['date']})"),
               "chip": (f"chips:{h.chip['name']}", f"{h.chip['source']} ({h.chip['date']})")}
    figures["context"] = float(serving.context_limit(model))
    if h.instance:
        figures["price_per_chip_hour"] = serving.price_per_chip_hour(hardware)
        sources["instance"] = (f"instances:{h.name}",
                               f"{h.instance['source']} ({h.instance['date']}); on-demand price / {h.chips:g} chips")
    return figures, sources


def value(replica, figure, where):
    """(value, [(source key, source text)]) of one figure of ``replica`` (a dict of REPLICA_KEYS)."""
    from .. import serving
    from ..errors import XlcostError

    try:
        figures, sources = _figures(replica["model"], replica["hardware"], replica.get("n_units"),
                                    replica.get("precision", serving.DEFAULT_PRECISION))
    except (XlcostError, KeyError) as error:
        raise TemplateError(f"{where}: replica {replica}: {error}") from None
    if figure not in figures:
        known = sorted(set(figures) - {"efficiency"})
        raise TemplateError(f"{where}: a replica has no {figure!r}; expected one of {', '.join(known)}")
    if figure == "price_per_chip_hour":
        used = ("instance",)
    elif figure == "context":
        used = ("model",)
    elif figure == "n_units":
        used = ()  # the row's own (an instance's chip count when it gives none)
    elif figure in ("peak_flops_per_s", "memory_bytes", "memory_bandwidth_bytes_per_s",
                    "interconnect_bytes_per_s", "compute_efficiency", "bandwidth_efficiency"):
        used = ("chip",)
    else:
        used = ("model",)
    return figures[figure], [sources[u] for u in used]
