"""Serving by name: a catalog model on a catalog chip or instance, through ``xlcost.core.serving``.

Which model and chip fields fill the serving core's arguments is declared once, beside the
core quantities (``xlcost.core.serving.REPLICA_MODEL`` and ``REPLICA_HARDWARE``, read by
``xlcost.fill`` as every quantity's declaration is); the model's derived fields are
properties of ``xlcost.catalog.Model``:

- weights: *all* parameters (an MoE holds every expert), split into shared weights and
  routed experts (``shared_params``, ``params_per_expert``); bytes per weight by precision
  (``xlcost.core.inputs.PRECISIONS``);
- compute: ``Model.matmul_params_per_token``: the active parameters counted from the
  architecture (one convention, whatever the publisher's) less the input embedding (a
  lookup, not a matrix product) unless tied;
- KV cache: ``n_kv_heads x head_dim`` per layer (GQA/MHA), or ``kv_lora_rank +
  qk_rope_head_dim`` (MLA); ``sliding_window`` caps ``sliding_window_layers`` layers
  (all layers when that is empty); 8-bit when the weights are fp8 or fp4, else 16-bit;
- attention FLOPs: ``2 x n_heads x (qk head dim + v head dim)`` per cached token and layer;
  MLA decode in the absorbed form ``2 x n_heads x (kv_lora_rank + qk_rope_head_dim + kv_lora_rank)``;
- hardware: one chip's dense peak at the precision, memory, bandwidth, scale-up
  interconnect (one direction) and domain, scale-out bandwidth, measured GEMM and HBM
  efficiencies; an instance means its chip, ``chip_count`` of them by default; a price
  per hour is the instance's (shared per chip), a chip's per chip.

This module adds what is not a field: the model must be a decoder, a request must fit its
context, fp4 needs fp4 tensor cores, and the replica's chip count.

>>> round(kv_cache_per_token("Llama-2-70B"))
327680
"""

import numpy as np

from . import catalog
from .core import inputs
from .core import serving as core
from .core.inputs import DEFAULT_PRECISION, PRECISIONS
from .errors import FitError, InputError, UnknownNameError
from .fill import from_catalog

DEFAULT_INPUT_TOKENS = 1000.0
DEFAULT_OUTPUT_TOKENS = 1000.0
DEFAULT_CONTEXT = DEFAULT_INPUT_TOKENS + DEFAULT_OUTPUT_TOKENS  # max_batch: one default request's tokens


_NUMBERS = (float, int, np.float64)  # a plain number: checked without numpy
GENERATORS = ("decoder", "moe-decoder")  # architectures the serving model prices (one token per decode step)


def _named(argument, find, name):
    """``find(name)``; an unknown name's error starts with ``argument`` (as the other functions' errors do)."""
    try:
        return find(name)
    except UnknownNameError as error:
        error.argument = argument
        error.args = (f"{argument}: {error.args[0]}",)
        raise


def generator(name):
    """The catalog model ``name``, refused unless it is a decoder (an encoder generates no tokens)."""
    model = _named("model", catalog.model, name)
    architecture = model.row.get("architecture")
    if architecture not in GENERATORS:
        raise InputError("model", f"must generate tokens (a decoder): {model.name} is an {architecture} model, "
                                  "which the serving functions do not price", name)
    return model


def context_limit(model):
    """Tokens a sequence of ``model`` may hold: its extended window (rope scaling, as engines serve it)
    where the catalog has one, else its native context; None when the catalog has neither."""
    found = generator(model)
    return found.context_extended or found.context


def check_context(model, tokens, argument="input_tokens + output_tokens"):
    """``tokens`` per sequence checked against :func:`context_limit` (extended by rope scaling if the model has it)."""
    _within_context(generator(model), tokens, argument)


def _within_context(found, tokens, argument="input_tokens + output_tokens"):
    limit = found.context_extended or found.context
    if limit and ((tokens > limit) if type(tokens) in _NUMBERS else np.any(np.asarray(tokens) > limit)):
        extended = " (extended by rope scaling)" if found.context_extended else ""
        raise InputError(argument, f"must not exceed {found.name}'s context of {limit:,.0f} tokens{extended}",
                         float(np.max(tokens)))


_FILLED = {}  # (quantity, model, chip, precision), objects by identity -> (the objects, the filled arguments)


def _filled(quantity, model, chip, precision_name):
    """``from_catalog(quantity, model, chip, precision=precision_name)``, once per catalog objects and precision.

    Keyed by the objects' identity, which the entry keeps alive: a catalog override makes new
    objects (new keys), so a stale answer cannot come back. At most 512 entries.
    """
    key = (quantity, id(model), id(chip), precision_name)
    hit = _FILLED.get(key)
    if hit is None:
        if chip is not None and inputs.precision(precision_name).dtype == "fp4" and chip.chip.get("peak_fp4_flops") is None:
            raise InputError("precision", f'"fp4" needs fp4 tensor cores, which {chip.name} lacks: give precision '
                                          '"int4" (4-bit weights, 16-bit math: the weights-only way such chips serve '
                                          "4-bit checkpoints such as MXFP4)", precision_name)
        if len(_FILLED) >= 512:
            _FILLED.clear()
        hit = _FILLED[key] = (model, chip, from_catalog(quantity, model, chip, precision=precision_name))
    return hit[2]


def model_arguments(name, precision_name=DEFAULT_PRECISION):
    """The model half of the serving core's arguments for a catalog model (``core.REPLICA_MODEL``
    filled, a dense model's defaults where the catalog leaves a field empty)."""
    return {**core.MODEL_DEFAULTS, **_filled(core.output_tokens_per_s, generator(name), None, precision_name)}


def price_per_chip_hour(name, price_per_hour=None, as_of=None, term="on_demand"):
    """USD per chip-hour of hardware ``name`` (one meaning for a price, as ``INFER_COST`` reads it).

    ``price_per_hour`` is per unit: for an instance, the whole instance's price (shared
    by its chips); for a chip, per chip. None: the instance's catalog price for ``term``
    in force ``as_of``, over its chip count (a chip has none: an error asking for one).

    >>> float(price_per_chip_hour("p5.48xlarge", 55.04)), price_per_chip_hour("p5.48xlarge", as_of="2025-07-01")
    (6.88, 6.88)
    """
    unit = _named("hardware", lambda n: catalog.hardware(n, as_of), name)
    if price_per_hour is None:
        return unit.price_usd_per_hour(term) / unit.chips
    return np.asarray(price_per_hour, dtype=float) / unit.chips if unit.instance else price_per_hour


def replica(model, hardware, n_units=None, precision_name=DEFAULT_PRECISION, quantity=core.output_tokens_per_s,
            **efficiency):
    """Every argument of the serving core for ``model`` on ``n_units`` x ``hardware``, as ``quantity``
    declares them (``core.replica_arguments``: the defaults applied where the catalog is empty).

    >>> r = replica("Mixtral-8x7B", "p5.48xlarge", precision_name="fp8")
    >>> r["n_units"], r["expert_weight_bytes"] / 1e6, r["compute_efficiency"] == 0.698 * core.SERVING_GEMM_SHARE
    (8.0, 176.160768, True)
    """
    return _replica_of(quantity, generator(model), _named("hardware", catalog.hardware, hardware), n_units,
                       precision_name, efficiency)


def _replica_of(quantity, model, unit, n_units, precision_name, efficiency):
    filled = _filled(quantity, model, catalog.hardware(unit.chip["name"]), precision_name)
    return core.replica_arguments(**filled, n_units=unit.chips if n_units is None else n_units, **efficiency)


_PREPARED = {}  # (quantity, model, unit by identity, precision, n_units, efficiency) -> (the objects, replica)


def _prepared(function, quantity, model, hardware, precision_name, efficiency, **numbers):
    """A call's arguments checked once, and the core's checked replica for it (``core.checked_replica``).

    ``numbers`` are the call's numeric arguments by name (None: not given): each must be a
    number, and with ``input_tokens`` and ``output_tokens`` their sum must fit the model's
    context. The replica is filled, completed and checked once per catalog objects,
    precision, chip count and efficiency keywords (at most 1,024 kept; arrays among them:
    every call).
    """
    _check_numbers(function, efficiency, numbers)
    n_units = numbers.get("n_units")
    found, unit = generator(model), _named("hardware", catalog.hardware, hardware)
    try:
        key = (quantity, id(found), id(unit), precision_name, n_units, *efficiency.items())
        hit = _PREPARED.get(key)
    except TypeError:  # an array among them
        key = hit = None
    if hit is None:
        r = core.checked_replica(**_replica_of(quantity, found, unit, n_units, precision_name, efficiency))
        hit = (found, unit, r)
        if key is not None:
            if len(_PREPARED) >= 1024:
                _PREPARED.clear()
            _PREPARED[key] = hit
    if "input_tokens" in numbers and "output_tokens" in numbers:
        inputs, outputs = numbers["input_tokens"], numbers["output_tokens"]
        if not (type(inputs) in _NUMBERS and type(outputs) in _NUMBERS):
            inputs, outputs = np.asarray(inputs), np.asarray(outputs)
        _within_context(found, inputs + outputs)
    return hit[2]


_KEYWORDS = frozenset((*core.EFFICIENCY_ARGUMENTS, "parallel"))  # what a serving function takes as **efficiency


def _check_numbers(function, efficiency, numbers):
    """TypeError for a keyword ``function`` does not take (as Python's own for a named argument);
    InputError for a number that is not one (None: not given)."""
    unknown = sorted(k for k in efficiency if k not in _KEYWORDS) if efficiency else ()
    if unknown:
        import inspect

        valid = [name for name in inspect.signature(function).parameters if name != "efficiency"]
        raise TypeError(f"{function.__name__}() got an unknown keyword argument {unknown[0]!r}; valid: "
                        f"{', '.join(valid + list(core.EFFICIENCY_ARGUMENTS))}")
    for argument, value in (*numbers.items(), *efficiency.items()) if efficiency else numbers.items():
        if value is not None and type(value) not in _NUMBERS and argument != "parallel" and (
                np.asarray(value).dtype.kind not in "iuf"):
            raise InputError(argument, "must be a number", value)


def named(call, hardware):
    """Run ``call()``; a FitError comes back naming ``hardware``."""
    try:
        return call()
    except FitError as error:
        raise error.describe(catalog.hardware(hardware).chip["name"]) from None


def kv_cache_per_token(model, precision_name=DEFAULT_PRECISION):
    """Bytes of KV cache per token of a catalog model (full attention; windowed layers stop growing)."""
    return model_arguments(model, precision_name)["kv_bytes_per_token"]


def serve_throughput(model, hardware, n_units=None, input_tokens=DEFAULT_INPUT_TOKENS,
                     output_tokens=DEFAULT_OUTPUT_TOKENS, precision_name=DEFAULT_PRECISION, batch=None,
                     batching="continuous", **efficiency):
    """Output tokens/s of one replica (see ``core.output_tokens_per_s``).

    >>> serve_throughput("Llama-2-70B", "A100-40GB", 1)
    Traceback (most recent call last):
    ...
    xlcost.errors.FitError: n_units: needs 140 GB of weights; 1 x A100-SXM4-40GB holds 42.9 GB
    """
    r = _prepared(serve_throughput, core.output_tokens_per_s, model, hardware, precision_name, efficiency,
                  n_units=n_units, input_tokens=input_tokens, output_tokens=output_tokens, batch=batch)
    return named(lambda: core.output_tokens_per_s(input_tokens, output_tokens, batch, batching, replica=r), hardware)


LATENCIES = {"ttft": core.ttft_seconds, "tpot": core.tpot_seconds, "request": core.request_seconds}
COSTS = {"input": core.input_usd_per_million, "output": core.output_usd_per_million, "request": core.request_usd}


def serve_latency(model, hardware, n_units=None, input_tokens=DEFAULT_INPUT_TOKENS,
                  output_tokens=DEFAULT_OUTPUT_TOKENS, precision_name=DEFAULT_PRECISION, batch=1, which="ttft",
                  batching="continuous", **efficiency):
    """Seconds: "ttft", "tpot" or "request" (see ``core.ttft_seconds`` and its neighbours)."""
    if which not in LATENCIES:
        raise InputError("which", 'must be "ttft", "tpot" or "request"', which)
    r = _prepared(serve_latency, LATENCIES[which], model, hardware, precision_name, efficiency,
                  n_units=n_units, input_tokens=input_tokens, output_tokens=output_tokens, batch=batch)
    return named(lambda: LATENCIES[which](input_tokens, output_tokens, batch, batching, replica=r), hardware)


def serve_cost(model, hardware, price_per_hour=None, n_units=None, input_tokens=DEFAULT_INPUT_TOKENS,
               output_tokens=DEFAULT_OUTPUT_TOKENS, precision_name=DEFAULT_PRECISION, batch=None, per="output",
               as_of=None, price_term="on_demand", batching="continuous", **efficiency):
    """USD per 1M "output" or "input" tokens, or per "request".

    ``price_per_hour`` per unit of ``hardware``: an instance's own price, a chip's per chip
    (empty: the instance's catalog price for ``price_term`` in force ``as_of``)."""
    if per not in COSTS:
        raise InputError("per", 'must be "output", "input" or "request"', per)
    if price_per_hour is not None and np.asarray(price_per_hour).dtype.kind not in "iuf":
        raise InputError("price_per_hour", "must be a number of USD per hour of the hardware (an instance's price; a chip's per chip), e.g. 55.04", price_per_hour)
    r = _prepared(serve_cost, COSTS[per], model, hardware, precision_name, efficiency, price_per_hour=price_per_hour,
                  n_units=n_units, input_tokens=input_tokens, output_tokens=output_tokens, batch=batch)
    price = price_per_chip_hour(hardware, price_per_hour, as_of, price_term)
    return named(lambda: COSTS[per](input_tokens, output_tokens, price, batch, batching, replica=r), hardware)


def max_batch(model, hardware, n_units=None, context=DEFAULT_CONTEXT,
              precision_name=DEFAULT_PRECISION, **efficiency):
    """Sequences of ``context`` tokens that fit beside the weights."""
    r = _prepared(max_batch, core.max_batch, model, hardware, precision_name, efficiency, n_units=n_units,
                  context=context)
    check_context(model, context, "context")
    return named(lambda: core.max_batch(context, replica=r), hardware)


def _load_replica(model, hardware, precision_name, efficiency, **numbers):
    _check_numbers(gpus_for_load, efficiency, numbers)
    check_context(model, np.asarray(numbers["input_tokens"]) + np.asarray(numbers["output_tokens"]))
    r = replica(model, hardware, 1, precision_name, core.load_plan, **efficiency)
    del r["n_units"]
    return r


def load_plan(model, hardware, requests_per_s, input_tokens=DEFAULT_INPUT_TOKENS,
              output_tokens=DEFAULT_OUTPUT_TOKENS, precision_name=DEFAULT_PRECISION, ttft_s=None, tpot_s=None,
              **efficiency):
    """The plan a load needs (see ``core.load_plan``), with its cost: a dict of :data:`PLAN_FIELDS` and more.

    ``usd_per_1m_output``: the plan's chips at the hardware's on-demand price per chip-hour over
    the output tokens of the load (every chip-hour, headroom included, charged to output
    tokens); NaN for a chip the catalog has no price for.

    >>> plan = load_plan("Llama-3.1-8B", "p5.48xlarge", 20, 1000, 200, "fp8", ttft_s=1.0, tpot_s=0.05)
    >>> plan["replicas"] * plan["chips_per_replica"] == gpus_for_load(
    ...     "Llama-3.1-8B", "p5.48xlarge", 20, 1000, 200, "fp8", ttft_s=1.0, tpot_s=0.05)
    True
    """
    r = _load_replica(model, hardware, precision_name, efficiency, requests_per_s=requests_per_s,
                      input_tokens=input_tokens, output_tokens=output_tokens, ttft_s=ttft_s, tpot_s=tpot_s)
    plan = named(lambda: core.load_plan(requests_per_s, input_tokens, output_tokens, ttft_s, tpot_s, **r), hardware)
    try:
        price = price_per_chip_hour(hardware)
    except InputError:
        price = float("nan")
    plan["usd_per_1m_output"] = plan["chips"] * price / 3600.0 / (requests_per_s * output_tokens) * 1e6
    return plan


PLAN_FIELDS = ("replicas", "chips_per_replica", "concurrency", "ttft", "tpot", "usd_per_1m_output")


def load_plan_value(model, hardware, requests_per_s, input_tokens=DEFAULT_INPUT_TOKENS,
                    output_tokens=DEFAULT_OUTPUT_TOKENS, precision_name=DEFAULT_PRECISION, ttft_s=None, tpot_s=None,
                    which="replicas", **efficiency):
    """One field of :func:`load_plan` (LOAD_PLAN's ``which``); a price the catalog lacks is an error."""
    if which not in PLAN_FIELDS:
        raise InputError("which", "must be one of " + ", ".join(f'"{f}"' for f in PLAN_FIELDS), which)
    value = load_plan(model, hardware, requests_per_s, input_tokens, output_tokens, precision_name, ttft_s, tpot_s,
                      **efficiency)[which]
    if value != value:
        raise InputError("hardware", f"has no on-demand price in the catalog: give an instance (e.g. "
                                     f'"p5.48xlarge") for "{which}"', hardware)
    return value


def gpus_for_load(model, hardware, requests_per_s, input_tokens=DEFAULT_INPUT_TOKENS,
                  output_tokens=DEFAULT_OUTPUT_TOKENS, precision_name=DEFAULT_PRECISION, ttft_s=None, tpot_s=None,
                  **efficiency):
    """Whole chips a load needs under latency targets: :func:`load_plan`'s replicas x chips per replica."""
    r = _load_replica(model, hardware, precision_name, efficiency, requests_per_s=requests_per_s,
                      input_tokens=input_tokens, output_tokens=output_tokens, ttft_s=ttft_s, tpot_s=tpot_s)
    return named(lambda: core.chips_for_load(requests_per_s, input_tokens, output_tokens, ttft_s, tpot_s, **r),
                 hardware)


def decode_roofline(model, hardware, batch=1.0, bytes_per_param=2.0, context=0.0, kv_bytes_per_token=None,
                    utilization=1.0):
    """DECODE_TOKENS_PER_SECOND for a catalog model on one hardware unit (a chip or a whole instance).

    The step reads the weights the batch touches (every expert an MoE batch routes to,
    at ``bytes_per_param``) and ``context`` tokens of KV per sequence
    (``kv_bytes_per_token`` None: the model's own, 16-bit); compute is 2 x the active
    parameters. The weights and the batch's KV cache must fit in the unit's memory.

    >>> round(decode_roofline("Mixtral-8x7B", "H100", 32))
    Traceback (most recent call last):
    ...
    xlcost.errors.FitError: hardware: needs 93.4 GB of weights; 1 x H100-SXM5-80GB holds 85.5 GB
    """
    shape = model_arguments(model, "bf16")
    scale = bytes_per_param / 2.0
    unit = catalog.hardware(hardware)
    kv = shape["kv_bytes_per_token"] if kv_bytes_per_token is None else kv_bytes_per_token
    held = core.weight_bytes(shape["shared_weight_bytes"] * scale, shape["expert_weight_bytes"] * scale,
                             shape["moe_layers"], shape["n_experts"])
    needed = held + batch * context * kv
    if needed > unit.memory_bytes:
        what = "weights" if held > unit.memory_bytes else f"weights and KV cache for a batch of {batch:g} at {context:g} tokens"
        raise FitError(what, held if held > unit.memory_bytes else needed, unit.chips, unit.chip["memory_bytes"],
                       0.0, unit.chip["name"], "hardware" if held > unit.memory_bytes else "batch")
    read = core.weight_bytes_read(batch, shape["shared_weight_bytes"] * scale, shape["expert_weight_bytes"] * scale,
                                  shape["moe_layers"], shape["n_experts"], shape["experts_per_token"])
    return core.roofline_tokens_per_s(batch, read, shape["linear_flops_per_token"], unit.peak_flops_per_s,
                                      unit.memory_bandwidth_bytes_per_s, context, kv, utilization)
