"""What compute costs: USD and chip-hours for a number of FLOPs at a utilisation.

One unit of hardware (a chip, or a whole machine) has a peak FLOP/s and a price per
hour; ``utilization`` is the fraction of peak actually achieved (MFU).
"""

import numpy as np

from . import _check
from ._check import quantity
from .inputs import ACTIVE_PARAMS, INFERENCE_BYTES_PER_PARAM, INFERENCE_UTILIZATION, TOTAL_PARAMS, TRAINING_UTILIZATION

PEAK = {"peak_flops_per_s": "peak_flops_per_s"}
PEAK_AND_PRICE = {**PEAK, "price_usd_per_hour": "price_usd_per_hour"}
TRAINING_RUN = {"params": ACTIVE_PARAMS, "tokens": "training_tokens"}  # a model's own training run
TRAINING = {"utilization": TRAINING_UTILIZATION}
SERVING = {"utilization": INFERENCE_UTILIZATION}


@quantity("{flops}/({peak_flops_per_s}*{utilization})/3600", hardware=PEAK, defaults=TRAINING)
def unit_hours(flops, peak_flops_per_s, utilization):
    """Hours of one hardware unit needed to do ``flops`` at ``utilization`` of its peak.

    >>> round(unit_hours(3.15e23, 275e12, 0.462))   # GPT-3 on TPU v4 chips
    688705
    """
    seconds = _check.nonnegative("flops", flops) / (
        _check.positive("peak_flops_per_s", peak_flops_per_s) * _check.fraction("utilization", utilization)
    )
    return (seconds / 3600.0)


@quantity(
    "{flops}/({peak_flops_per_s}*{utilization})/3600*{price_usd_per_hour}", hardware=PEAK_AND_PRICE, defaults=TRAINING
)
def compute_cost_usd(flops, peak_flops_per_s, utilization, price_usd_per_hour):
    """USD to do ``flops`` on hardware priced per unit-hour.

    >>> round(compute_cost_usd(3.15e23, 275e12, 0.462, 2.03))
    1398072
    """
    hours = unit_hours(flops, peak_flops_per_s, utilization)
    return (hours * _check.nonnegative("price_usd_per_hour", price_usd_per_hour))


@quantity(
    "{flops_per_param}*{params}*1000/({peak_flops_per_s}*{utilization})/3600*{price_usd_per_hour}",
    model={"params": ACTIVE_PARAMS}, hardware=PEAK_AND_PRICE, defaults=SERVING,
)
def inference_cost_usd_per_1k_tokens(params, peak_flops_per_s, utilization, price_usd_per_hour, flops_per_param=2):
    """USD per 1,000 generated tokens: 2 FLOPs per parameter per token (seed 002, T4).

    >>> round(inference_cost_usd_per_1k_tokens(175e9, 8 * 312e12, 0.213, 19.22), 4)
    0.0035
    """
    usd_per_flop = _usd_per_flop(peak_flops_per_s, utilization, price_usd_per_hour)
    return _check.positive("params", params) * (_check.positive("flops_per_param", flops_per_param) * 1000.0 * usd_per_flop)


@quantity(
    "6*{params}*{tokens}/({peak_flops_per_s}*{utilization})/3600*{price_usd_per_hour}",
    model=TRAINING_RUN, hardware=PEAK_AND_PRICE, defaults=TRAINING,
)
def train_cost_usd(params, tokens, peak_flops_per_s, utilization, price_usd_per_hour):
    """USD to train on ``tokens`` at 6 FLOPs per parameter per token (seed 002, T5).

    >>> round(train_cost_usd(175e9, 300e9, 275e12, 0.462, 2.03))
    1398072
    """
    usd_per_flop = _usd_per_flop(peak_flops_per_s, utilization, price_usd_per_hour)
    return 6.0 * _check.positive("params", params) * _check.positive("tokens", tokens) * usd_per_flop


def _usd_per_flop(peak_flops_per_s, utilization, price_usd_per_hour):
    rate = _check.positive("peak_flops_per_s", peak_flops_per_s) * _check.fraction("utilization", utilization)
    return _check.nonnegative("price_usd_per_hour", price_usd_per_hour) / 3600.0 / rate


@quantity("6*{params}*{tokens}/({n_units}*{peak_flops_per_s}*{utilization})/86400", model=TRAINING_RUN, hardware=PEAK,
          defaults=TRAINING)
def training_days(params, tokens, n_units, peak_flops_per_s, utilization):
    """Wall-clock days to train on ``n_units`` units working in parallel.

    GPT-3 (175B, 300B tokens) on 1,024 A100s at 140 TFLOP/s; Narayanan et al. 2021 print
    34 days for 8 FLOPs per parameter per token (with recomputation), this counts 6:

    >>> round(training_days(175e9, 300e9, 1024, 312e12, 140 / 312), 1)
    25.4
    """
    flops = 6.0 * _check.positive("params", params) * _check.positive("tokens", tokens)
    rate = _check.positive("peak_flops_per_s", peak_flops_per_s) * _check.fraction("utilization", utilization)
    return flops / (rate * _check.positive("n_units", n_units) * 86400.0)


@quantity(
    "{flops_per_param}*{params}*{tokens_per_s}/({peak_flops_per_s}*{utilization})",
    model={"params": ACTIVE_PARAMS}, hardware=PEAK, defaults=SERVING,
)
def units_for_compute(params, tokens_per_s, peak_flops_per_s, utilization, flops_per_param=2):
    """Hardware units kept busy by a load of ``tokens_per_s`` (fractional).

    >>> units_for_compute(175e9, 1000, 312e12, 1.0)
    1.1217948717948718
    """
    flops_per_s = (
        _check.positive("flops_per_param", flops_per_param)
        * _check.positive("params", params)
        * _check.nonnegative("tokens_per_s", tokens_per_s)
    )
    return (
        flops_per_s / (_check.positive("peak_flops_per_s", peak_flops_per_s) * _check.fraction("utilization", utilization))
    )


@quantity("{params}*{bytes_per_param}/{memory_bytes}", model={"params": TOTAL_PARAMS}, hardware={"memory_bytes": "memory_bytes"},
          defaults={"bytes_per_param": INFERENCE_BYTES_PER_PARAM})
def units_for_memory(params, bytes_per_param, memory_bytes):
    """Hardware units whose memory holds ``params`` at ``bytes_per_param`` (fractional).

    >>> units_for_memory(175e9, 20, 80e9)   # GPT-3 training state on H100s (seed 002, T12)
    43.75
    """
    needed = _check.positive("params", params) * _check.positive("bytes_per_param", bytes_per_param)
    return (needed / _check.positive("memory_bytes", memory_bytes))


@quantity(
    "MAX({flops_per_param}*{params}*{tokens_per_s}/({peak_flops_per_s}*{utilization}),"
    "{memory_params}*{bytes_per_param}/{memory_bytes})",
    model={"params": ACTIVE_PARAMS, "memory_params": TOTAL_PARAMS},
    hardware={**PEAK, "memory_bytes": "memory_bytes"}, defaults=SERVING,
)
def units_needed(
    params, tokens_per_s, peak_flops_per_s, utilization, memory_bytes,
    bytes_per_param=2, flops_per_param=2, memory_params=None,
):
    """Units a load needs: the larger of the compute need and the memory floor.

    ``params`` drive compute (active parameters of an MoE); ``memory_params``
    (default ``params``) must fit in memory (all parameters of an MoE).
    >>> units_needed(175e9, 0, 989e12, 0.462, 80e9, bytes_per_param=20, flops_per_param=6)
    43.75
    """
    params = _check.positive("params", params)
    memory_params = params if memory_params is None else _check.positive("memory_params", memory_params)
    flops_per_token = _check.positive("flops_per_param", flops_per_param) * params
    rate = _check.positive("peak_flops_per_s", peak_flops_per_s) * _check.fraction("utilization", utilization)
    compute = flops_per_token * _check.nonnegative("tokens_per_s", tokens_per_s) / rate
    per_param = _check.positive("bytes_per_param", bytes_per_param) / _check.positive("memory_bytes", memory_bytes)
    return np.maximum(compute, memory_params * per_param)
