"""Serving by name: a catalog model on a catalog chip or instance, through ``xlcost.core.serving``.

This module is the one place that says which model and hardware fields the serving
quantities take (the Excel functions and ``xlcost calc`` call it):

- weights: *all* parameters (an MoE holds every expert), split into shared weights and
  routed experts from ``moe_layers x n_experts x (3 if gated_ffn else 2) x d_model x
  expert_d_ff``; bytes per weight by precision (:data:`PRECISIONS`);
- compute: ``Model.matmul_params_per_token``: the active parameters counted from the
  architecture (one convention, whatever the publisher's) less the input embedding (a
  lookup, not a matrix product) unless tied;
- KV cache: ``n_kv_heads x head_dim`` per layer (GQA/MHA), or ``kv_lora_rank +
  qk_rope_head_dim`` (MLA); ``sliding_window`` caps ``sliding_window_layers`` layers
  (all layers when that is empty); 8-bit when the weights are fp8 or fp4, else 16-bit;
- attention FLOPs: ``2 x n_heads x (qk head dim + v head dim)`` per cached token and layer;
  MLA decode in the absorbed form ``2 x n_heads x (kv_lora_rank + qk_rope_head_dim + kv_lora_rank)``;
- refused: an encoder, a request beyond ``context``, ``n_units`` not dividing ``n_heads``;
- hardware: one chip's dense peak at the precision, memory, bandwidth and scale-up
  interconnect (one direction); an instance means its chip, ``chip_count`` of them by
  default; a price per hour is the instance's (shared per chip), a chip's per chip.

>>> round(kv_cache_per_token("Llama-2-70B"))
327680
"""

import numpy as np

from . import catalog
from .core import serving as core
from .errors import FitError, InputError, UnknownNameError

# precision -> (bytes per weight, bytes per KV value, the chip's peak column to compute at)
PRECISIONS = {
    "bf16": (2.0, 2.0, "bf16"),
    "fp16": (2.0, 2.0, "fp16"),
    "fp8": (1.0, 1.0, "fp8"),
    "int8": (1.0, 2.0, "int8"),  # W8A8 (SmoothQuant-style): int8 math, 16-bit KV
    "fp4": (core.FP4_BYTES_PER_PARAM, 1.0, "fp4"),
    "int4": (core.INT4_BYTES_PER_PARAM, 2.0, "bf16"),  # W4A16 (AWQ/GPTQ): 16-bit math
}
DEFAULT_PRECISION = "bf16"
# A chip's compute_efficiency in the catalog is what its large GEMMs reach in a microbenchmark
# (H100 fp8 0.78, MI300X bf16 0.54, B200 fp8 0.57: each row's efficiency_source). Serving's GEMMs
# reach this share of it (short steps of few rows, fused quantisation and epilogues, the small
# kernels between them): fitted on the measured anchors, 0.63 x 0.79 = the core's 0.50 default
# for a chip with no measurement. Give compute_efficiency to override the product.
SERVING_GEMM_SHARE = 0.63
DEFAULT_INPUT_TOKENS = 1000.0
DEFAULT_OUTPUT_TOKENS = 1000.0
DEFAULT_CONTEXT = DEFAULT_INPUT_TOKENS + DEFAULT_OUTPUT_TOKENS  # max_batch: one default request's tokens


def precision(name):
    """(bytes per weight, bytes per KV value, peak column) for a precision name."""
    key = str(name).strip().lower()
    if key not in PRECISIONS:
        raise InputError("precision", f"must be one of {', '.join(PRECISIONS)}", name)
    return PRECISIONS[key]


def _field(model, column, default=None):
    value = model.row.get(column)
    return default if value is None else value


def _needed(model, column):
    value = model.row.get(column)
    if value is None:
        raise InputError("model", f"{model.name} has no {column} in the catalog; the serving model needs its architecture")
    return value


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
    row = generator(model).row
    return row.get("context_extended") or row.get("context")


def check_context(model, tokens, argument="input_tokens + output_tokens"):
    """``tokens`` per sequence checked against the model's context window (extended by rope scaling if it has one)."""
    row = generator(model).row
    limit = row.get("context_extended") or row.get("context")
    if not limit:
        return
    if (tokens > limit) if type(tokens) in _NUMBERS else np.any(np.asarray(tokens) > limit):
        extended = " (extended by rope scaling)" if row.get("context_extended") else ""
        raise InputError(argument, f"must not exceed {generator(model).name}'s context of {limit:,.0f} tokens"
                                   f"{extended}", float(np.max(tokens)))


_CACHE = {}  # (id of a catalog object, precision) -> (the object, its arguments): see _cached


def _cached(kind, unit, precision_name, compute):
    """``compute(unit, precision_name)``, once per catalog object and precision.

    Keyed by the object's identity, which the entry keeps alive: a catalog override makes new
    objects (new keys), so a stale answer cannot come back. At most 512 entries.
    """
    key = (kind, id(unit), precision_name)
    hit = _CACHE.get(key)
    if hit is None:
        if len(_CACHE) >= 512:
            _CACHE.clear()
        hit = _CACHE[key] = (unit, compute(unit, precision_name))
    return hit[1]


def model_arguments(name, precision_name=DEFAULT_PRECISION):
    """The model half of the serving core's arguments (``core.MODEL_ARGUMENTS``) for a catalog model."""
    return dict(_cached("model", generator(name), precision_name, _model_arguments))


def _model_arguments(model, precision_name):
    from .core.params import ffn_params

    weight_bytes, kv_bytes, _ = precision(precision_name)
    n_layers, d_model, n_heads = (_needed(model, c) for c in ("n_layers", "d_model", "n_heads"))
    params = model.params
    if model.is_moe:
        moe_layers = _needed(model, "moe_layers")
        n_experts, k = _needed(model, "n_experts"), _needed(model, "experts_per_token")
        per_expert = ffn_params(d_model, _needed(model, "expert_d_ff"), bool(_field(model, "gated_ffn", False)),
                                bool(_field(model, "biases", False)))
        shared = params - moe_layers * n_experts * per_expert
        if shared <= 0:
            raise InputError("model", f"{model.name}: its experts ({moe_layers * n_experts * per_expert:.3g} "
                                      f"parameters) exceed its params ({params:.3g}) in the catalog")
    else:
        moe_layers, per_expert, k, n_experts, shared = 0.0, 0.0, 1.0, 1.0, params
    if _field(model, "kv_lora_rank"):  # multi-head latent attention
        qk = _needed(model, "qk_nope_head_dim") + _needed(model, "qk_rope_head_dim")
        attention_width = n_heads * (qk + _needed(model, "v_head_dim"))  # prefill: K and V decompressed
        latent = _needed(model, "kv_lora_rank")
        # decode, absorbed form: each head's score over the latent and its rope key, and its output in the latent
        decode_width = n_heads * (latent + _needed(model, "qk_rope_head_dim") + latent)
        # one latent shared by every head, so tensor parallelism cannot split it: every chip holds
        # the whole latent cache of the replica's sequences, as one KV head replicated n_units times
        # (why SGLang serves MLA models with data-parallel attention: docs.sglang.io, "DP, DPA and
        # SGLang DP Router", "The Problem with Tensor Parallelism for MLA Models")
        n_kv_heads = 1
    else:
        attention_width = n_heads * 2 * model.head_dim
        decode_width = attention_width
        n_kv_heads = _field(model, "n_kv_heads", n_heads)
    window = _field(model, "sliding_window", 0)
    window_layers = _field(model, "sliding_window_layers", n_layers if window else 0)
    return {
        "n_layers": n_layers, "d_model": d_model,
        "shared_weight_bytes": shared * weight_bytes, "expert_weight_bytes": per_expert * weight_bytes,
        "moe_layers": moe_layers, "n_experts": n_experts, "experts_per_token": k,
        "linear_flops_per_token": 2.0 * model.matmul_params_per_token, "attention_flops_per_attended": 2.0 * attention_width,
        "kv_bytes_per_token": n_layers * model.kv_elements_per_token * kv_bytes,
        "window": window, "window_layers": window_layers, "n_heads": n_heads, "n_kv_heads": n_kv_heads,
        "decode_attention_flops_per_attended": 2.0 * decode_width,
        "expert_flops_per_token": 2.0 * k * moe_layers * per_expert,
    }


def hardware_arguments(name, n_units=None, precision_name=DEFAULT_PRECISION):
    """The hardware half (``core.HARDWARE_ARGUMENTS``): one chip's figures and the replica's chip count."""
    unit = _named("hardware", catalog.hardware, name)
    n_units = unit.chips if n_units is None else n_units
    chip = dict(_cached("chip", unit, precision_name, _chip_arguments))
    if chip["interconnect_bytes_per_s"] is None:
        if np.any(np.asarray(n_units) > 1):
            catalog.hardware(unit.chip["name"]).interconnect_bytes_per_s  # InputError naming the chip
        chip["interconnect_bytes_per_s"] = 1.0  # one chip all-reduces nothing: the figure is never used
    return {"n_units": n_units, **chip}


def _chip_arguments(unit, precision_name):
    chip = catalog.hardware(unit.chip["name"])
    column = precision(precision_name)[2]
    if column == "fp4" and chip.chip.get("peak_fp4_flops") is None:
        raise InputError("precision", f'"fp4" needs fp4 tensor cores, which {chip.name} lacks: give precision "int4" '
                                      "(4-bit weights, 16-bit math: the weights-only way such chips serve 4-bit "
                                      "checkpoints such as MXFP4)", precision_name)
    figures = {
        "peak_flops_per_s": chip.peak(column),
        "memory_bytes": chip.memory_bytes,
        "memory_bandwidth_bytes_per_s": chip.memory_bandwidth_bytes_per_s,
        "interconnect_bytes_per_s": chip.chip.get("interconnect_bytes_per_s"),
        "scale_up_domain": chip.chip.get("scale_up_domain") or 0,
        "scale_out_bytes_per_s": chip.chip.get("scale_out_bytes_per_s") or 0,
    }
    # the chip's own measurements where the catalog has them (else the core's named defaults)
    compute, bandwidth = chip.compute_efficiency(column), chip.bandwidth_efficiency
    figures["compute_efficiency"] = core.COMPUTE_EFFICIENCY if compute is None else compute * SERVING_GEMM_SHARE
    figures["bandwidth_efficiency"] = core.BANDWIDTH_EFFICIENCY if bandwidth is None else bandwidth
    if not figures["scale_out_bytes_per_s"]:  # a PCIe card: its chips talk over the interconnect figure (PCIe)
        figures["scale_up_domain"] = 0
    return figures


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


def replica(model, hardware, n_units=None, precision_name=DEFAULT_PRECISION, **efficiency):
    """Every argument of the serving core for ``model`` on ``n_units`` x ``hardware``."""
    return {**model_arguments(model, precision_name), **hardware_arguments(hardware, n_units, precision_name),
            **efficiency}


def checked(function, model, efficiency, **numbers):
    """The arguments of a serving ``function`` checked: keywords known, numbers numeric, request within context.

    ``numbers`` are the call's numeric arguments by name (None: not given); with
    ``input_tokens`` and ``output_tokens`` their sum must fit the model's context.
    """
    unknown = sorted(efficiency.keys() - core.EFFICIENCY_ARGUMENTS.keys() - {"parallel"}) if efficiency else ()
    if unknown:
        import inspect

        valid = [name for name in inspect.signature(function).parameters if name != "efficiency"]
        raise TypeError(f"{function.__name__}() got an unknown keyword argument {unknown[0]!r}; valid: "
                        f"{', '.join(valid + list(core.EFFICIENCY_ARGUMENTS))}")
    for argument, value in (*numbers.items(), *efficiency.items()) if efficiency else numbers.items():
        if value is not None and type(value) not in _NUMBERS and argument != "parallel" and (
                np.asarray(value).dtype.kind not in "iuf"):
            raise InputError(argument, "must be a number", value)
    if "input_tokens" in numbers and "output_tokens" in numbers:
        inputs, outputs = numbers["input_tokens"], numbers["output_tokens"]
        if not (type(inputs) in _NUMBERS and type(outputs) in _NUMBERS):
            inputs, outputs = np.asarray(inputs), np.asarray(outputs)
        check_context(model, inputs + outputs)


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
    checked(serve_throughput, model, efficiency, n_units=n_units, input_tokens=input_tokens,
            output_tokens=output_tokens, batch=batch)
    r = replica(model, hardware, n_units, precision_name, **efficiency)
    return named(lambda: core.output_tokens_per_s(input_tokens, output_tokens, batch, batching, **r), hardware)


LATENCIES = {"ttft": core.ttft_seconds, "tpot": core.tpot_seconds, "request": core.request_seconds}
COSTS = {"input": core.input_usd_per_million, "output": core.output_usd_per_million, "request": core.request_usd}


def serve_latency(model, hardware, n_units=None, input_tokens=DEFAULT_INPUT_TOKENS,
                  output_tokens=DEFAULT_OUTPUT_TOKENS, precision_name=DEFAULT_PRECISION, batch=1, which="ttft",
                  batching="continuous", **efficiency):
    """Seconds: "ttft", "tpot" or "request" (see ``core.ttft_seconds`` and its neighbours)."""
    if which not in LATENCIES:
        raise InputError("which", 'must be "ttft", "tpot" or "request"', which)
    checked(serve_latency, model, efficiency, n_units=n_units, input_tokens=input_tokens,
            output_tokens=output_tokens, batch=batch)
    r = replica(model, hardware, n_units, precision_name, **efficiency)
    return named(lambda: LATENCIES[which](input_tokens, output_tokens, batch, batching, **r), hardware)


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
    checked(serve_cost, model, efficiency, price_per_hour=price_per_hour, n_units=n_units,
            input_tokens=input_tokens, output_tokens=output_tokens, batch=batch)
    price = price_per_chip_hour(hardware, price_per_hour, as_of, price_term)
    r = replica(model, hardware, n_units, precision_name, **efficiency)
    return named(lambda: COSTS[per](input_tokens, output_tokens, price, batch, batching, **r), hardware)


def max_batch(model, hardware, n_units=None, context=DEFAULT_CONTEXT,
              precision_name=DEFAULT_PRECISION, **efficiency):
    """Sequences of ``context`` tokens that fit beside the weights."""
    checked(max_batch, model, efficiency, n_units=n_units, context=context)
    check_context(model, context, "context")
    r = replica(model, hardware, n_units, precision_name, **efficiency)
    return named(lambda: core.max_batch(context, **r), hardware)


def _load_replica(model, hardware, precision_name, efficiency, **numbers):
    checked(gpus_for_load, model, efficiency, **numbers)
    r = replica(model, hardware, 1, precision_name, **efficiency)
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
