"""Per-row training inputs: the figures of a training run named by a table's items.

An item (or its table's ``replica``, for every item) names ``model``, ``hardware``,
``n_units`` and ``precision``, and may give ``seq_len``, ``global_batch`` and a stated
layout (``tp``, ``pp``, ``cp``, ``ep``, ``micro_batch``, ``virtual``). A field with
``training = "<figure>"`` takes, for each item:

- a figure of the model or of the chip as ``xlcost.training`` hands them to
  ``xlcost.core.training`` (``n_layers``, ``kv_dim``, ``peak_flops_per_s``,
  ``scale_out_bytes_per_s``, ...), ``active_params`` (``TRAIN_COST``'s 6 x N count);
- a field of the layout the planner chose (``tp``, ``pp``, ``cp``, ``ep``, ``dp``,
  ``micro_batch``, ``zero``, ``recompute``, ``virtual``): a search, not a formula, so
  the workbook types it in as an input sourced to the planner;
- ``seq_len`` and ``global_batch`` (the item's, else xlcost's defaults).

Each value comes with the catalog rows (or the planner) it was read from.

>>> value({"model": "Llama-3.1-70B", "hardware": "H100", "n_units": 64}, "n_layers", "")[0]
80.0
"""

import functools

from .expr import TemplateError

RUN_KEYS = ("seq_len", "global_batch")
LAYOUT_KEYS = ("tp", "pp", "cp", "ep", "micro_batch", "virtual", "zero")  # a stated layout (the planner fills the rest)
PLANNED = ("tp", "pp", "cp", "ep", "dp", "micro_batch", "zero", "recompute", "virtual")
CHIP = ("peak_flops_per_s", "attention_peak_flops_per_s", "mfu_peak_flops_per_s", "memory_bytes",
        "memory_bandwidth_bytes_per_s", "scale_up_bytes_per_s", "scale_out_bytes_per_s", "scale_up_domain",
        "compute_efficiency", "bandwidth_efficiency", "weight_bytes", "grad_bytes", "optimizer_bytes",
        "grad_comm_bytes")
DEFAULTS = ("xlcost-training-defaults", "xlcost.training defaults: sequences of 4,096 tokens in batches of 4M tokens "
                                        "(Llama 3 405B pre-training, Dubey et al. 2024, section 3.4.1)")
PLANNER = ("xlcost-planner", "xlcost planner (core/training.py plan): the fastest layout that fits, "
                             "searched over TP, PP, CP, EP, micro-batch, ZeRO stage and recompute")


@functools.lru_cache(maxsize=None)
def _figures(model, hardware, n_units, precision, run, stated):
    from .. import catalog, training

    figures = dict(training.model_arguments(model))
    figures.update(training.hardware_arguments(hardware, precision))
    m, h = catalog.model(model), catalog.hardware(hardware)
    figures["active_params"] = float(m.active_params)
    sources = {"model": (f"models:{m.name}", f"{m.row['source']} ({m.row['date']})"),
               "chip": (f"chips:{h.chip['name']}", f"{h.chip['source']} ({h.chip['date']})"),
               "planner": PLANNER, "defaults": DEFAULTS}
    run = dict(run)
    if n_units is not None:
        chosen = training.plan(model, hardware, n_units, run.get("seq_len"), run.get("global_batch"), precision,
                               **dict(stated))
        figures.update({k: chosen[k] for k in PLANNED + RUN_KEYS}, n_units=float(n_units))
    return figures, sources


def value(spec, figure, where):
    """(value, [(source key, source text)]) of one figure of the training run ``spec`` (a dict of item keys)."""
    from .. import training
    from ..errors import XlcostError

    run = tuple((k, float(spec[k])) for k in RUN_KEYS if spec.get(k) is not None)
    stated = tuple((k, float(spec[k])) for k in LAYOUT_KEYS if spec.get(k) is not None)
    try:
        figures, sources = _figures(spec["model"], spec["hardware"], spec.get("n_units"),
                                    spec.get("precision", training.DEFAULT_PRECISION), run, stated)
    except (XlcostError, KeyError) as error:
        raise TemplateError(f"{where}: training run {spec}: {error}") from None
    if figure not in figures:
        raise TemplateError(f"{where}: a training run has no {figure!r}; expected one of {', '.join(sorted(figures))}")
    if figure == "n_units":
        used = ()  # the row's own
    elif figure in PLANNED + RUN_KEYS:
        used = ("defaults",) if figure in RUN_KEYS and figure not in spec else () if figure in RUN_KEYS else ("planner",)
    elif figure in CHIP:
        used = ("chip",)
    else:
        used = ("model",)
    return figures[figure], [sources[u] for u in used]
