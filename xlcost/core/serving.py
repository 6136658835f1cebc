"""Serving a model on one replica of ``n_units`` chips (tensor parallel): memory, time, cost.

The model is a roofline with a few named efficiency factors (see docs/serving.md):

- memory: weights (an MoE holds every expert) + the KV cache of the batch + a reserve
  must fit ``n_units x memory_bytes``;
- a forward pass over ``tokens`` tokens costs, for the linear layers, the slower of
  reading the weights it touches and doing their FLOPs; for attention, the slower of
  moving the KV cache and doing the attention FLOPs; plus a fixed time per layer and,
  with tensor parallelism, two all-reduces per layer over the chips' interconnect;
- prefill is one forward pass over every prompt token of the batch (compute-bound);
  a decode step is one pass over one token per sequence (bandwidth-bound at small
  batch); a request is its prefill plus ``output_tokens - 1`` decode steps (the first
  output token comes from the prefill).

Every function takes plain numbers or numpy arrays (broadcasting), SI units, and
raises :class:`xlcost.errors.InputError` naming the argument it cannot use, or
:class:`xlcost.errors.FitError` when the model does not fit in memory.
"""

import numpy as np

from ..errors import FitError
from . import _check
from ._check import quantity


def _any(condition):
    """``np.any`` without its cost on a scalar (the common call)."""
    return condition.any() if isinstance(condition, np.ndarray) else bool(condition)

# ---------------------------------------------------------------- named defaults
# Set from the measurements cited in docs/serving.md; every function takes them as
# arguments, so a user can override each one.
COMPUTE_EFFICIENCY = 0.50  # achieved fraction of dense peak FLOP/s in the GEMMs (prefill and decode)
BANDWIDTH_EFFICIENCY = 0.80  # achieved fraction of HBM bandwidth when streaming weights and KV
LAYER_OVERHEAD_S = 80e-6  # fixed time per layer per forward pass: launches, norms, small kernels, syncs
ALLREDUCE_LATENCY_S = 10e-6  # fixed time of one small all-reduce between NVLink-connected chips
MEMORY_RESERVE = 0.10  # share of the memory the weights leave, kept for activations (TensorRT-LLM: 0.9 for KV)
ACTIVATION_BYTES = 2.0  # bytes per activation value all-reduced (16-bit)

# bytes per weight of each 4-bit format, scales included
FP4_BYTES_PER_PARAM = 0.5 + 1 / 16  # NVFP4: one 8-bit (E4M3) scale per block of 16 values
INT4_BYTES_PER_PARAM = 0.5 + 4 / 128  # GPTQ/AWQ, group 128: a 16-bit scale and zero point per group


# model fields the catalog fills (xlcost.core.inputs): layers and sliding windows
_WINDOWS = {"n_layers": "n_layers", "window": "sliding_window", "window_layers": "sliding_window_layers"}


# the catalog's kv_dim of a latent-attention model is half its cached latent + rotary key
@quantity("{n_layers}*IF({latent_dim}>0,{latent_dim},2*{kv_dim})*{bytes_per_value}",
          model={"n_layers": "n_layers", "kv_dim": "kv_dim"})
def kv_bytes_per_token(n_layers, kv_dim, bytes_per_value=2, latent_dim=0):
    """Bytes of KV cache one token occupies across all layers.

    Grouped-query attention caches a key and a value of ``kv_dim`` = KV heads x
    head_dim per layer; multi-head latent attention (DeepSeek-V2/V3) caches one latent
    of ``latent_dim`` = kv_lora_rank + qk_rope_head_dim per layer instead (give
    ``latent_dim`` > 0 and any ``kv_dim``).

    Parameters
    ----------
    n_layers : layers with attention.
    kv_dim : KV heads x head dimension (d_model for multi-head attention).
    bytes_per_value : 2 for a 16-bit cache, 1 for fp8.
    latent_dim : MLA latent width per layer; 0 for GQA/MHA.

    Returns
    -------
    bytes per token.

    >>> kv_bytes_per_token(32, 32 * 128)          # Llama-2-7B, bf16
    524288.0
    >>> kv_bytes_per_token(61, 0, 2, 512 + 64)    # DeepSeek-V3, MLA latent, bf16
    70272.0
    """
    n_layers = _check.positive("n_layers", n_layers)
    kv_dim = _check.nonnegative("kv_dim", kv_dim)
    latent_dim = _check.nonnegative("latent_dim", latent_dim)
    width = np.where(latent_dim > 0, latent_dim, 2.0 * kv_dim)
    if _any(width <= 0):
        raise _check.InputError("kv_dim", "must be > 0 (or give latent_dim)", 0.0)
    return n_layers * width * _check.positive("bytes_per_value", bytes_per_value)


@quantity("({n_layers}-{window_layers})*{context}+{window_layers}*MIN({context},{window})", model=_WINDOWS)
def attended_token_layers(context, n_layers, window=0, window_layers=0):
    """Cached tokens summed over layers for a sequence at ``context`` tokens.

    A full-attention layer holds (and attends to) every token; a sliding-window layer
    at most ``window`` of them.

    >>> attended_token_layers(8192, 48, 1024, 40)   # 8 full layers, 40 windowed at 1,024
    106496.0
    """
    context = _check.nonnegative("context", context)
    n_layers = _check.positive("n_layers", n_layers)
    window = _check.nonnegative("window", window)
    window_layers = _check.nonnegative("window_layers", window_layers)
    if _any(window_layers > n_layers):
        raise _check.InputError("window_layers", "must not exceed n_layers", float(np.max(window_layers)))
    return (n_layers - window_layers) * context + window_layers * np.minimum(context, window)


@quantity(
    "{kv_bytes_per_token}/{n_layers}*(({n_layers}-{window_layers})*{context}+{window_layers}*MIN({context},{window}))",
    model=_WINDOWS,
)
def kv_bytes_per_sequence(context, kv_bytes_per_token, n_layers, window=0, window_layers=0):
    """Bytes of KV cache of one sequence at ``context`` tokens (sliding-window layers capped).

    >>> kv_bytes_per_sequence(4096, 524288, 32) / 2**30   # Llama-2-7B, full 4k context: 2 GiB
    2.0
    """
    per_layer = _check.positive("kv_bytes_per_token", kv_bytes_per_token) / _check.positive("n_layers", n_layers)
    return per_layer * attended_token_layers.__wrapped__(context, n_layers, window, window_layers)


@quantity("{shared_weight_bytes}+{moe_layers}*{n_experts}*{expert_weight_bytes}")
def weight_bytes(shared_weight_bytes, expert_weight_bytes=0, moe_layers=0, n_experts=1):
    """Bytes of weights a replica holds: the shared weights plus every expert of every MoE layer.

    >>> round(weight_bytes(1.6e9 * 2, 3 * 4096 * 14336 * 2, 32, 8) / 1e9, 1)   # Mixtral-8x7B bf16
    93.4
    """
    shared = _check.positive("shared_weight_bytes", shared_weight_bytes)
    experts = _check.nonnegative("moe_layers", moe_layers) * _check.positive("n_experts", n_experts)
    return shared + experts * _check.nonnegative("expert_weight_bytes", expert_weight_bytes)


@quantity(
    "{shared_weight_bytes}+{moe_layers}*{expert_weight_bytes}*{n_experts}"
    "*(1-(1-{experts_per_token}/{n_experts})^MIN({tokens},50*{n_experts}/{experts_per_token}))"
)
def weight_bytes_read(tokens, shared_weight_bytes, expert_weight_bytes=0, moe_layers=0, n_experts=1,
                      experts_per_token=1):
    """Bytes of weights one forward pass over ``tokens`` tokens reads.

    Dense weights are read once whatever the batch. Each MoE layer reads only the
    experts its tokens are routed to: with uniform, independent top-k routing, the
    expected number of distinct experts touched by ``tokens`` tokens is
    E x (1 - (1 - k/E)^tokens). Real routers are somewhat unbalanced, which touches
    slightly fewer experts; this is the expectation under uniform routing.

    >>> round(weight_bytes_read(1, 3.2e9, 352e6, 32, 8, 2) / 1e9, 1)    # Mixtral bf16, one token
    25.7
    >>> round(weight_bytes_read(32, 3.2e9, 352e6, 32, 8, 2) / 1e9, 1)   # batch 32: ~all experts
    93.3
    """
    tokens = _check.positive("tokens", tokens)
    n_experts = _check.positive("n_experts", n_experts)
    k = _check.positive("experts_per_token", experts_per_token)
    if _any(k > n_experts):
        raise _check.InputError("experts_per_token", "must not exceed n_experts", float(np.max(k)))
    # past tokens = 50 E / k the untouched share is below e^-50: capped there, spreadsheets do not underflow
    touched = n_experts * (1.0 - (1.0 - k / n_experts) ** np.minimum(tokens, 50.0 * n_experts / k))
    return _check.positive("shared_weight_bytes", shared_weight_bytes) + _check.nonnegative(
        "moe_layers", moe_layers
    ) * touched * _check.nonnegative("expert_weight_bytes", expert_weight_bytes)


@quantity(
    "IF({n_units}>1,2*{n_layers}*({allreduce_latency_s}+2*({n_units}-1)/{n_units}*{tokens}*{d_model}"
    "*{activation_bytes}/{interconnect_bytes_per_s}),0)"
)
def allreduce_seconds(tokens, n_layers, d_model, n_units, interconnect_bytes_per_s,
                      allreduce_latency_s=ALLREDUCE_LATENCY_S, activation_bytes=ACTIVATION_BYTES):
    """Seconds of tensor-parallel communication in one forward pass over ``tokens`` tokens.

    Megatron-style tensor parallelism all-reduces the activations twice per layer
    (after attention and after the MLP). A ring all-reduce of S bytes over n chips
    sends 2 (n - 1)/n x S bytes through each chip's link, plus a fixed latency.
    ``interconnect_bytes_per_s`` is one chip's bandwidth in one direction.

    160 all-reduces x (10 us + 1.5 x 16 KB / 450 GB/s):

    >>> round(allreduce_seconds(1, 80, 8192, 4, 450e9) * 1e3, 2)   # Llama-2-70B decode step, TP4 H100
    1.61
    """
    n_units = _check.positive("n_units", n_units)
    volume = 2.0 * (n_units - 1) / n_units * _check.positive("tokens", tokens) * _check.positive(
        "d_model", d_model
    ) * _check.positive("activation_bytes", activation_bytes)
    per_layer = _check.nonnegative("allreduce_latency_s", allreduce_latency_s) + volume / _check.positive(
        "interconnect_bytes_per_s", interconnect_bytes_per_s
    )
    return np.where(n_units > 1, 2.0 * _check.positive("n_layers", n_layers) * per_layer, 0.0)


_FORWARD_EXCEL = (
    "MAX({weight_bytes_read}/({n_units}*{memory_bandwidth_bytes_per_s}*{bandwidth_efficiency}),"
    "{tokens}*{linear_flops_per_token}/({n_units}*{peak_flops_per_s}*{compute_efficiency}))"
    "+MAX({kv_bytes_moved}/({n_units}*{memory_bandwidth_bytes_per_s}*{bandwidth_efficiency}),"
    "{tokens}*{attended_per_token}*{attention_flops_per_attended}/({n_units}*{peak_flops_per_s}*{compute_efficiency}))"
    "+{n_layers}*{layer_overhead_s}+" + allreduce_seconds.excel
)


def _fill(pattern, **parts):
    """``pattern`` with each ``{name}`` replaced by ``(parts[name])``: Excel renderings built from others."""
    for name, part in parts.items():
        pattern = pattern.replace("{" + name + "}", "(" + part + ")")
    return pattern


@quantity(_fill(_FORWARD_EXCEL, activation_bytes=repr(ACTIVATION_BYTES)))  # its all-reduces use the default
def forward_seconds(tokens, attended_per_token, kv_bytes_moved, weight_bytes_read, linear_flops_per_token,
                    attention_flops_per_attended, n_layers, d_model, n_units, peak_flops_per_s,
                    memory_bandwidth_bytes_per_s, interconnect_bytes_per_s,
                    compute_efficiency=COMPUTE_EFFICIENCY, bandwidth_efficiency=BANDWIDTH_EFFICIENCY,
                    layer_overhead_s=LAYER_OVERHEAD_S, allreduce_latency_s=ALLREDUCE_LATENCY_S):
    """Seconds of one forward pass of ``tokens`` tokens on ``n_units`` chips (tensor parallel).

    Linear layers: the slower of reading ``weight_bytes_read`` and doing
    ``tokens x linear_flops_per_token`` FLOPs. Attention: the slower of moving
    ``kv_bytes_moved`` and doing ``tokens x attended_per_token x
    attention_flops_per_attended`` FLOPs (``attended_per_token`` counts cached tokens
    summed over layers). Each at its achieved fraction of the chips' peak; plus a fixed
    ``layer_overhead_s`` per layer and the all-reduces of :func:`allreduce_seconds`.
    Peak FLOP/s, bandwidth and interconnect are per chip.

    Llama-2-70B in fp8 on one H200, one token at 1,000 tokens of context: 69 GB of weights
    at 0.8 x 4.8 TB/s take 17.97 ms, its 160 MB of KV 0.04 ms, 80 layers x 20 us 1.6 ms:

    >>> t = forward_seconds(1, 80 * 1000, 80 * 1000 * 2048, 69e9, 2 * 69e9, 2 * 64 * 256, 80, 8192,
    ...                     1, 1979e12, 4.8e12, 450e9, 0.55, 0.8, 20e-6)
    >>> round(t * 1e3, 1)
    19.6
    """
    tokens = _check.positive("tokens", tokens)
    n_units = _check.positive("n_units", n_units)
    n_layers = _check.positive("n_layers", n_layers)
    flops_per_s = n_units * _check.positive("peak_flops_per_s", peak_flops_per_s) * _check.fraction(
        "compute_efficiency", compute_efficiency
    )
    bytes_per_s = n_units * _check.positive("memory_bandwidth_bytes_per_s", memory_bandwidth_bytes_per_s) * (
        _check.fraction("bandwidth_efficiency", bandwidth_efficiency)
    )
    linear_s = np.maximum(
        _check.positive("weight_bytes_read", weight_bytes_read) / bytes_per_s,
        tokens * _check.positive("linear_flops_per_token", linear_flops_per_token) / flops_per_s,
    )
    attention_s = np.maximum(
        _check.nonnegative("kv_bytes_moved", kv_bytes_moved) / bytes_per_s,
        tokens * _check.nonnegative("attended_per_token", attended_per_token)
        * _check.positive("attention_flops_per_attended", attention_flops_per_attended) / flops_per_s,
    )
    fixed_s = n_layers * _check.nonnegative("layer_overhead_s", layer_overhead_s)
    return linear_s + attention_s + fixed_s + allreduce_seconds.__wrapped__(
        tokens, n_layers, d_model, n_units, interconnect_bytes_per_s, allreduce_latency_s
    )


@quantity(
    "IF(({n_units}*{memory_bytes}-{weight_bytes})*(1-{memory_reserve})<{kv_bytes_per_sequence},NA(),"
    "INT(({n_units}*{memory_bytes}-{weight_bytes})*(1-{memory_reserve})/{kv_bytes_per_sequence}))"
)
def kv_fit_batch(n_units, memory_bytes, weight_bytes, kv_bytes_per_sequence, memory_reserve=MEMORY_RESERVE):
    """Sequences whose KV cache fits beside ``weight_bytes`` on ``n_units`` chips (a whole number).

    (n_units x memory_bytes - weight_bytes) x (1 - memory_reserve) / kv_bytes_per_sequence,
    rounded down; FitError (Excel: #N/A) when not even one sequence fits.

    >>> kv_fit_batch(1, 80e9, 13.48e9, 2 * 2**30)   # Llama-2-7B bf16 on an 80 GB chip, 4k tokens
    27.0
    """
    memory = _check.positive("n_units", n_units) * _check.positive("memory_bytes", memory_bytes)
    room = (memory - _check.nonnegative("weight_bytes", weight_bytes)) * (
        1.0 - _check.fraction("memory_reserve", memory_reserve, closed_low=True))
    fits = np.floor(room / _check.positive("kv_bytes_per_sequence", kv_bytes_per_sequence))
    short = fits < 1
    if _any(short):
        raise FitError("weights and one sequence's KV cache", _first(weight_bytes + kv_bytes_per_sequence, short),
                       _first(n_units, short), _first(memory_bytes, short), _first(memory_reserve, short))
    return fits


# ---------------------------------------------------------------- one replica serving requests
# The quantities below take the model's shape, the replica's hardware and the efficiency
# factors as keyword arguments (``**replica``); :data:`MODEL_ARGUMENTS` and
# :data:`HARDWARE_ARGUMENTS` list them and ``xlcost.serving`` fills them from the catalog.
MODEL_ARGUMENTS = (
    "n_layers",  # transformer layers
    "d_model",  # hidden width (the all-reduced activation)
    "shared_weight_bytes",  # every weight outside the routed experts (attention, dense FFN, shared experts, embeddings)
    "expert_weight_bytes",  # one routed expert of one MoE layer (0 for a dense model)
    "moe_layers",  # layers with routed experts
    "n_experts",  # routed experts per MoE layer (1 for a dense model)
    "experts_per_token",  # experts each token is routed to (1 for a dense model)
    "linear_flops_per_token",  # 2 x the active parameters a token multiplies (no embedding lookup)
    "attention_flops_per_attended",  # 2 x n_heads x (qk head dim + v head dim): FLOPs per cached token per layer
    "kv_bytes_per_token",  # see kv_bytes_per_token()
    "window",  # sliding window in tokens (0: none)
    "window_layers",  # layers that use the window
)
HARDWARE_ARGUMENTS = (
    "n_units",  # chips in the tensor-parallel replica
    "peak_flops_per_s",  # one chip's dense peak at the serving precision
    "memory_bytes",  # one chip's memory
    "memory_bandwidth_bytes_per_s",  # one chip's memory bandwidth
    "interconnect_bytes_per_s",  # one chip's scale-up link bandwidth, one direction
)
# Llama-2-7B in bf16 from its published config (32 layers, d_model 4096, 32 KV heads of 128,
# 6.74B parameters of which 131M input embedding): the examples' model.
LLAMA2_7B_EXAMPLE = {
    "n_layers": 32, "d_model": 4096, "shared_weight_bytes": 6.74e9 * 2, "expert_weight_bytes": 0,
    "moe_layers": 0, "n_experts": 1, "experts_per_token": 1, "linear_flops_per_token": 2 * (6.74e9 - 32000 * 4096),
    "attention_flops_per_attended": 2 * 32 * (128 + 128), "kv_bytes_per_token": 524288, "window": 0,
    "window_layers": 0,
}
# Optional model arguments: 0 means not given (no head check; the KV cache splits evenly over the chips).
HEAD_ARGUMENTS = {
    "n_heads": 0,  # attention (query) heads: a tensor-parallel size must divide them
    "n_kv_heads": 0,  # KV heads of grouped-query attention: each chip holds at least one (replicated when fewer)
    # FLOPs per cached token per layer in a decode step, when its form differs from prefill's (MLA, absorbed:
    # 2 x n_heads x (kv_lora_rank + qk_rope_head_dim + kv_lora_rank)); 0: attention_flops_per_attended.
    # The Excel renderings of decode quantities take this figure as their {attention_flops_per_attended}.
    "decode_attention_flops_per_attended": 0,
}
EFFICIENCY_ARGUMENTS = {
    "compute_efficiency": COMPUTE_EFFICIENCY,
    "bandwidth_efficiency": BANDWIDTH_EFFICIENCY,
    "layer_overhead_s": LAYER_OVERHEAD_S,
    "allreduce_latency_s": ALLREDUCE_LATENCY_S,
    "memory_reserve": MEMORY_RESERVE,
}


_REQUIRED = frozenset((*MODEL_ARGUMENTS, *HARDWARE_ARGUMENTS))
_ALLOWED = _REQUIRED | frozenset(EFFICIENCY_ARGUMENTS) | frozenset(HEAD_ARGUMENTS)


def _replica(replica):
    """The keyword arguments completed with the defaults, ``n_units`` checked; a missing one is a TypeError."""
    if not (_REQUIRED <= replica.keys() <= _ALLOWED):
        missing, unknown = sorted(_REQUIRED - replica.keys()), sorted(replica.keys() - _ALLOWED)
        raise TypeError(f"serving arguments: missing {missing}, unknown {unknown} (allowed: {', '.join(sorted(_ALLOWED))})")
    r = {**EFFICIENCY_ARGUMENTS, **HEAD_ARGUMENTS, **replica}
    n_units = _whole("n_units", r["n_units"])
    n_heads = _check.nonnegative("n_heads", r["n_heads"])
    split = (n_heads > 0) & (np.mod(n_heads, n_units) != 0)
    if _any(split):
        raise _check.InputError("n_units", f"must divide the model's {_first(n_heads, split):g} attention heads "
                                "(tensor parallelism gives each chip the same number of heads)", _first(n_units, split))
    return r


def _whole(argument, values):
    """``values`` checked positive and whole (chips, sequences)."""
    values = _check.positive(argument, values)
    broken = np.floor(values) != values
    if _any(broken):
        raise _check.InputError(argument, "must be a whole number", _first(values, broken))
    return values


def _kv_replication(r):
    """How many times the replica holds each KV head: max(n_kv_heads, n_units) / n_kv_heads (1 when not given).

    Tensor parallelism gives each chip its share of the KV heads; with fewer KV heads than
    chips, each chip still holds (a copy of) one, as vLLM and TensorRT-LLM replicate them.
    """
    kv_heads = _check.nonnegative("n_kv_heads", r["n_kv_heads"])
    return np.where(kv_heads > 0, np.maximum(kv_heads, r["n_units"]) / np.where(kv_heads > 0, kv_heads, 1.0), 1.0)


def _forward(tokens, attended, kv_moved, weights_read, r):
    return forward_seconds.__wrapped__(
        tokens, attended, kv_moved, weights_read, r["linear_flops_per_token"], r["attention_flops_per_attended"],
        r["n_layers"], r["d_model"], r["n_units"], r["peak_flops_per_s"], r["memory_bandwidth_bytes_per_s"],
        r["interconnect_bytes_per_s"], r["compute_efficiency"], r["bandwidth_efficiency"], r["layer_overhead_s"],
        r["allreduce_latency_s"],
    )


def _weights_read(tokens, r):
    return weight_bytes_read.__wrapped__(tokens, r["shared_weight_bytes"], r["expert_weight_bytes"], r["moe_layers"],
                             r["n_experts"], r["experts_per_token"])


def _kv_sequence(context, r):
    """Bytes of KV cache one sequence occupies on the whole replica (replicated KV heads included)."""
    return _kv_replication(r) * kv_bytes_per_sequence.__wrapped__(context, r["kv_bytes_per_token"], r["n_layers"],
                                                                  r["window"], r["window_layers"])


def _composed(pattern, **parts):
    return _fill(pattern, activation_bytes=repr(ACTIVATION_BYTES), **parts)


_PREFILL_EXCEL = "(" + _composed(
    _FORWARD_EXCEL,
    tokens="{batch}*{input_tokens}",
    attended_per_token=_fill(attended_token_layers.excel, context="{input_tokens}/2"),
    kv_bytes_moved="{batch}*" + _fill(kv_bytes_per_sequence.excel, context="{input_tokens}"),
    weight_bytes_read=_fill(weight_bytes_read.excel, tokens="{batch}*{input_tokens}"),
) + ")"
_DECODE_EXCEL = "(" + _composed(
    _FORWARD_EXCEL,
    tokens="{batch}",
    attended_per_token=attended_token_layers.excel,
    kv_bytes_moved="{batch}*" + kv_bytes_per_sequence.excel,
    weight_bytes_read=_fill(weight_bytes_read.excel, tokens="{batch}"),
) + ")"


@quantity(_PREFILL_EXCEL)
def prefill_seconds(batch, input_tokens, **replica):
    """Seconds to prefill ``batch`` prompts of ``input_tokens`` tokens in one forward pass.

    Every prompt token passes through the linear layers (compute-bound once the
    prompt is more than a few hundred tokens); a causal prompt's tokens attend on
    average to half the prompt; the pass writes the prompts' KV cache. This is the
    time to first token of a batch that arrives together.

    >>> r = dict(LLAMA2_7B_EXAMPLE, n_units=1, peak_flops_per_s=312e12, memory_bytes=80e9,
    ...          memory_bandwidth_bytes_per_s=2.039e12, interconnect_bytes_per_s=300e9)
    >>> round(prefill_seconds(1, 2048, **r, compute_efficiency=0.6, layer_overhead_s=0), 3)   # A100
    0.15
    """
    return _prefill(batch, input_tokens, _replica(replica))


def _prefill(batch, input_tokens, r):
    batch = _check.positive("batch", batch)
    input_tokens = _check.positive("input_tokens", input_tokens)
    tokens = batch * input_tokens
    attended = attended_token_layers.__wrapped__(input_tokens / 2.0, r["n_layers"], r["window"], r["window_layers"])
    kv_written = batch * _kv_sequence(input_tokens, r)
    return _forward(tokens, attended, kv_written, _weights_read(tokens, r), r)


@quantity(_DECODE_EXCEL)
def decode_step_seconds(batch, context, **replica):
    """Seconds of one decode step: one new token for each of ``batch`` sequences at ``context`` tokens.

    The step reads the weights its tokens touch (an MoE batch touches more experts as
    it grows) and every sequence's KV cache; attention FLOPs and KV reads grow with
    the context. Bandwidth-bound at small batch, compute-bound at large batch.

    >>> r = dict(LLAMA2_7B_EXAMPLE, n_units=1, peak_flops_per_s=312e12, memory_bytes=80e9,
    ...          memory_bandwidth_bytes_per_s=2.039e12, interconnect_bytes_per_s=300e9)
    >>> round(decode_step_seconds(1, 1000, **r, bandwidth_efficiency=1, layer_overhead_s=0) * 1e3, 2)
    6.87
    """
    return _decode(batch, context, _replica(replica))


def _decode(batch, context, r):
    batch = _check.positive("batch", batch)
    context = _check.nonnegative("context", context)
    attended = attended_token_layers.__wrapped__(context, r["n_layers"], r["window"], r["window_layers"])
    kv_read = batch * _kv_sequence(context, r)
    decode_flops = _check.nonnegative("decode_attention_flops_per_attended", r["decode_attention_flops_per_attended"])
    r = {**r, "attention_flops_per_attended": np.where(decode_flops > 0, decode_flops, r["attention_flops_per_attended"])}
    return _forward(batch, attended, kv_read, _weights_read(batch, r), r)


def _held_weights(r):
    return weight_bytes.__wrapped__(r["shared_weight_bytes"], r["expert_weight_bytes"], r["moe_layers"], r["n_experts"])


def _first(values, where):
    """The first element of ``values`` where ``where`` holds, as a float."""
    return float(np.ravel(np.broadcast_to(values, np.shape(where)))[np.argmax(np.ravel(where))]) if np.ndim(
        where) else float(values)


def _fit_error(what, needed, where, r, argument="n_units"):
    return FitError(what, _first(needed, where), _first(r["n_units"], where), _first(r["memory_bytes"], where),
                    _first(r["memory_reserve"], where), argument=argument)


@quantity("INT(({n_units}*{memory_bytes}-(" + weight_bytes.excel + "))*(1-{memory_reserve})/("
          + kv_bytes_per_sequence.excel + "))")
def max_batch(context, **replica):
    """Sequences of ``context`` tokens whose KV cache fits beside the weights (a whole number).

    (n_units x memory_bytes - weights) x (1 - memory_reserve) / KV bytes per sequence,
    rounded down: the reserve (activations, workspace, fragmentation) is a share of the
    memory left after the weights, as TensorRT-LLM's kv_cache_free_gpu_mem_fraction is. Raises FitError when the weights, or one sequence's cache, do not fit.

    >>> r = dict(LLAMA2_7B_EXAMPLE, n_units=1, peak_flops_per_s=312e12, memory_bytes=80e9,
    ...          memory_bandwidth_bytes_per_s=2.039e12, interconnect_bytes_per_s=300e9)
    >>> max_batch(4096, **r)   # (72 GB - 13.5 GB) / 2 GiB
    27.0
    """
    return _max_batch(context, _replica(replica))


def _max_batch(context, r):
    context = _check.positive("context", context)
    memory = r["n_units"] * _check.positive("memory_bytes", r["memory_bytes"])
    weights = _held_weights(r)
    short = weights >= memory
    if _any(short):
        raise _fit_error("weights", weights, short, r)
    per_sequence = _kv_sequence(context, r)
    kv_room = (memory - weights) * (1.0 - _check.fraction("memory_reserve", r["memory_reserve"], closed_low=True))
    fits = np.floor(kv_room / per_sequence)
    short = fits < 1
    if _any(short):
        raise _fit_error(f"weights and one sequence's KV cache at {_first(context, short):,.0f} tokens",
                         weights + per_sequence, short, r)
    return fits


def _batch(batch, input_tokens, output_tokens, r):
    """The batch given (checked to fit), or the largest that fits when ``batch`` is None."""
    fits = _max_batch(input_tokens + output_tokens, r)
    if batch is None:
        return fits
    batch = _whole("batch", batch)
    short = batch > fits
    if _any(short):
        needed = _held_weights(r) + batch * _kv_sequence(input_tokens + output_tokens, r)
        error = _fit_error(f"weights and KV cache for a batch of {_first(batch, short):,.0f} "
                           f"(at most {_first(fits, short):,.0f} fit)", needed, short, r, argument="batch")
        raise error
    return batch


def _request_parts(batch, input_tokens, output_tokens, r):
    """(batch, prefill seconds of the batch, seconds of one decode step at the mean context)."""
    input_tokens = _check.positive("input_tokens", input_tokens)
    output_tokens = _check.positive("output_tokens", output_tokens)
    batch = _batch(batch, input_tokens, output_tokens, r)
    return batch, _prefill(batch, input_tokens, r), _decode(batch, input_tokens + output_tokens / 2.0, r)


_TPOT_EXCEL = _fill(_DECODE_EXCEL, context="{input_tokens}+{output_tokens}/2")
_REQUEST_EXCEL = _PREFILL_EXCEL + "+({output_tokens}-1)*" + _TPOT_EXCEL
_USD_PER_S = "{price_usd_per_hour}*{n_units}/3600"
# The renderings below take the batch as an input: for maximum load give them max_batch's
# value at context input_tokens + output_tokens (a cell of its own in a workbook).


@quantity("{batch}*{output_tokens}/(" + _REQUEST_EXCEL + ")")
def output_tokens_per_s(input_tokens, output_tokens, batch=None, **replica):
    """Output tokens/s of one replica serving requests of ``input_tokens`` in, ``output_tokens`` out.

    ``batch`` None: steady maximum load with continuous batching, as many sequences in
    flight as fit in memory (:func:`max_batch` at input + output tokens). A number:
    that many requests start and end together (static batching), their prefill inside
    the time. Either way a batch of B requests takes one prefill of B prompts plus
    ``output_tokens - 1`` decode steps at the mean context (input + output / 2):
    throughput = B x output_tokens / that time.

    >>> r = dict(LLAMA2_7B_EXAMPLE, n_units=1, peak_flops_per_s=312e12, memory_bytes=80e9,
    ...          memory_bandwidth_bytes_per_s=2.039e12, interconnect_bytes_per_s=300e9)
    >>> output_tokens_per_s(128, 128, 1, **r) < output_tokens_per_s(128, 128, 64, **r)
    True
    """
    r = _replica(replica)
    batch, prefill_s, step_s = _request_parts(batch, input_tokens, output_tokens, r)
    return batch * output_tokens / (prefill_s + (output_tokens - 1.0) * step_s)


@quantity(_PREFILL_EXCEL)
def ttft_seconds(input_tokens, output_tokens, batch=1, **replica):
    """Seconds to the first token: the prefill of ``batch`` prompts arriving together.

    ``output_tokens`` only checks that the batch fits at input + output tokens;
    ``batch`` None: the largest batch that fits.

    >>> r = dict(LLAMA2_7B_EXAMPLE, n_units=1, peak_flops_per_s=312e12, memory_bytes=80e9,
    ...          memory_bandwidth_bytes_per_s=2.039e12, interconnect_bytes_per_s=300e9)
    >>> ttft_seconds(2048, 1, 1, **r) == prefill_seconds(1, 2048, **r)
    True
    """
    r = _replica(replica)
    return _request_parts(batch, input_tokens, output_tokens, r)[1]


@quantity(_TPOT_EXCEL)
def tpot_seconds(input_tokens, output_tokens, batch=1, **replica):
    """Seconds per output token while decoding: one decode step of ``batch`` sequences at the mean context.

    >>> r = dict(LLAMA2_7B_EXAMPLE, n_units=1, peak_flops_per_s=312e12, memory_bytes=80e9,
    ...          memory_bandwidth_bytes_per_s=2.039e12, interconnect_bytes_per_s=300e9)
    >>> tpot_seconds(100, 3800, 1, **r) > tpot_seconds(100, 200, 1, **r)   # KV reads grow with context
    True
    """
    r = _replica(replica)
    return _request_parts(batch, input_tokens, output_tokens, r)[2]


@quantity(_REQUEST_EXCEL)
def request_seconds(input_tokens, output_tokens, batch=1, **replica):
    """Seconds from a request's arrival to its last token: ttft + (output_tokens - 1) x tpot.

    >>> r = dict(LLAMA2_7B_EXAMPLE, n_units=1, peak_flops_per_s=312e12, memory_bytes=80e9,
    ...          memory_bandwidth_bytes_per_s=2.039e12, interconnect_bytes_per_s=300e9)
    >>> request_seconds(512, 10, 1, **r) == ttft_seconds(512, 10, 1, **r) + 9 * tpot_seconds(512, 10, 1, **r)
    True
    """
    r = _replica(replica)
    _, prefill_s, step_s = _request_parts(batch, input_tokens, output_tokens, r)
    return prefill_s + (output_tokens - 1.0) * step_s


def _usd_per_s(price_usd_per_hour, r):
    return _check.nonnegative("price_usd_per_hour", price_usd_per_hour) * r["n_units"] / 3600.0


@quantity(_USD_PER_S + "*" + _PREFILL_EXCEL + "/({batch}*{input_tokens})*1E+6")
def input_usd_per_million(input_tokens, output_tokens, price_usd_per_hour, batch=None, **replica):
    """USD per 1M input tokens: the replica's cost during the batch's prefill over its prompt tokens.

    ``price_usd_per_hour`` is per chip (the replica costs n_units times that).
    Input, output and request costs add up: (input x input_tokens + output x
    output_tokens) / 1e6 = request.

    >>> r = dict(LLAMA2_7B_EXAMPLE, n_units=1, peak_flops_per_s=312e12, memory_bytes=80e9,
    ...          memory_bandwidth_bytes_per_s=2.039e12, interconnect_bytes_per_s=300e9)
    >>> i = input_usd_per_million(1000, 200, 2.0, **r)
    >>> o = output_usd_per_million(1000, 200, 2.0, **r)
    >>> abs((i * 1000 + o * 200) / 1e6 - request_usd(1000, 200, 2.0, **r)) < 1e-15, i < o
    (True, True)
    """
    r = _replica(replica)
    batch, prefill_s, _ = _request_parts(batch, input_tokens, output_tokens, r)
    return _usd_per_s(price_usd_per_hour, r) * prefill_s / (batch * input_tokens) * 1e6


@quantity(_USD_PER_S + "*({output_tokens}-1)*" + _TPOT_EXCEL + "/({batch}*{output_tokens})*1E+6")
def output_usd_per_million(input_tokens, output_tokens, price_usd_per_hour, batch=None, **replica):
    """USD per 1M output tokens: the replica's cost during the decode steps over the tokens generated.

    The first output token comes out of the prefill, so its time is counted as input:
    the output_tokens - 1 decode steps are shared over all output_tokens. An
    ``output_tokens`` below 2 has no decode step to price and is refused.
    See :func:`input_usd_per_million`.
    """
    r = _replica(replica)
    output_tokens = _check.positive("output_tokens", output_tokens)
    one = output_tokens < 2
    if _any(one):
        raise _check.InputError("output_tokens", "must be at least 2 for a cost per output token: the first token "
                                "comes out of the prefill (priced as input), the decode steps make the rest",
                                _first(output_tokens, one))
    batch, _, step_s = _request_parts(batch, input_tokens, output_tokens, r)
    return _usd_per_s(price_usd_per_hour, r) * (output_tokens - 1.0) * step_s / (batch * output_tokens) * 1e6


@quantity(_USD_PER_S + "*(" + _REQUEST_EXCEL + ")/{batch}")
def request_usd(input_tokens, output_tokens, price_usd_per_hour, batch=None, **replica):
    """USD per request: the replica's cost for the batch's whole time, shared by its requests.

    See :func:`input_usd_per_million`.
    """
    r = _replica(replica)
    batch, prefill_s, step_s = _request_parts(batch, input_tokens, output_tokens, r)
    return _usd_per_s(price_usd_per_hour, r) * (prefill_s + (output_tokens - 1.0) * step_s) / batch


UNIT_COUNTS = (1, 2, 4, 8)  # tensor-parallel replica sizes tried: one NVLink domain of 8 chips at most


def chips_for_load(requests_per_s, input_tokens, output_tokens, ttft_s=None, tpot_s=None, **replica):
    """Whole chips a load of ``requests_per_s`` needs: the cheapest replica size and batch, times replicas.

    For each tensor-parallel size in :data:`UNIT_COUNTS` that holds the model, and
    each batch that fits, a replica serves batch / (prefill of the batch +
    (output_tokens - 1) decode steps) requests per second. Under continuous batching
    every decode step also does the compute of the ~batch / output_tokens prompts
    that join it: a request's first token waits one step plus its own prompt's compute
    (``ttft_s``), and every later token one step plus the joining prompts' share
    (``tpot_s``). The answer is the fewest chips over the sizes and
    batches that meet both targets (None: no target). Queueing delay is not modelled:
    the load is assumed steady. No closed form (a search), so no Excel rendering.
    ``replica`` is as for :func:`output_tokens_per_s` without ``n_units``.

    >>> r = dict(LLAMA2_7B_EXAMPLE, peak_flops_per_s=989e12, memory_bytes=80e9,
    ...          memory_bandwidth_bytes_per_s=3.35e12, interconnect_bytes_per_s=450e9)
    >>> chips_for_load(10, 1000, 200, **r) <= chips_for_load(10, 1000, 200, tpot_s=0.02, **r)
    True
    """
    arrays = [requests_per_s, input_tokens, output_tokens, ttft_s, tpot_s, *replica.values()]
    if all(np.ndim(a) == 0 for a in arrays):
        return float(_chips_for_load_one(requests_per_s, input_tokens, output_tokens, ttft_s, tpot_s, replica))
    names = list(replica)

    def one(rps, i, o, ttft, tpot, *values):
        return _chips_for_load_one(rps, i, o, None if np.isnan(ttft) else ttft, None if np.isnan(tpot) else tpot,
                                   dict(zip(names, values)))

    nan = float("nan")
    return np.vectorize(one, otypes=[float])(
        requests_per_s, input_tokens, output_tokens, nan if ttft_s is None else ttft_s,
        nan if tpot_s is None else tpot_s, *replica.values())


def _chips_for_load_one(requests_per_s, input_tokens, output_tokens, ttft_s, tpot_s, replica):
    requests_per_s = float(_check.positive("requests_per_s", requests_per_s))
    input_tokens = float(_check.positive("input_tokens", input_tokens))
    output_tokens = float(_check.positive("output_tokens", output_tokens))
    ttft_s = np.inf if ttft_s is None else float(_check.positive("ttft_s", ttft_s))
    tpot_s = np.inf if tpot_s is None else float(_check.positive("tpot_s", tpot_s))
    best, fastest, last_fit_error = None, (np.inf, np.inf, 0), None  # fastest: (ttft, tpot, n_units) at batch 1
    n_heads = replica.get("n_heads", 0)
    for n_units in UNIT_COUNTS:
        if n_heads and n_heads % n_units:
            continue  # tensor parallelism needs the same number of heads on every chip
        r = _replica({**replica, "n_units": n_units})
        try:
            most = float(_max_batch(input_tokens + output_tokens, r))
        except FitError as error:
            last_fit_error = error
            continue
        batch = np.unique(np.round(np.geomspace(1.0, most, int(min(most, 2048)))))
        prefill_s = _prefill(batch, input_tokens, r)
        step_s = _decode(batch, input_tokens + output_tokens / 2.0, r)
        prompt_s = _prompt_compute_seconds(input_tokens, r)
        ttft = step_s + np.maximum(batch / output_tokens, 1.0) * prompt_s  # its own prompt, and others joining
        tpot = step_s + batch / output_tokens * prompt_s
        rate = batch / (prefill_s + (output_tokens - 1.0) * step_s)
        ok = (ttft <= ttft_s) & (tpot <= tpot_s)
        fastest = min(fastest, (float(ttft[0]), float(tpot[0]), n_units))
        if ok.any():
            chips = n_units * np.ceil(requests_per_s / rate[ok].max())
            if best is None or chips < best:
                best = chips
    if best is not None:
        return best
    if fastest[0] == np.inf:
        raise last_fit_error
    ttft, tpot, n_units = fastest
    if ttft > ttft_s:
        raise _check.InputError("ttft_s", f"cannot be met: at best (batch 1, {n_units} chips) {ttft:.3g} s", ttft_s)
    raise _check.InputError("tpot_s", f"cannot be met: at best (batch 1, {n_units} chips) {tpot:.3g} s", tpot_s)


def _prompt_compute_seconds(input_tokens, r):
    """Seconds of compute one prompt adds to a decode step it joins (continuous batching)."""
    attended = attended_token_layers.__wrapped__(input_tokens / 2.0, r["n_layers"], r["window"], r["window_layers"])
    flops = input_tokens * (r["linear_flops_per_token"] + attended * r["attention_flops_per_attended"])
    return flops / (r["n_units"] * r["peak_flops_per_s"] * r["compute_efficiency"])


@quantity(
    "{batch}/MAX(({weight_bytes_read}+{batch}*{context}*{kv_bytes_per_token})/{memory_bandwidth_bytes_per_s},"
    "{batch}*{linear_flops_per_token}/({peak_flops_per_s}*{utilization}))"
)
def roofline_tokens_per_s(batch, weight_bytes_read, linear_flops_per_token, peak_flops_per_s,
                          memory_bandwidth_bytes_per_s, context=0, kv_bytes_per_token=0, utilization=1):
    """The decode roofline bound: ``batch`` / the slower of the step's reads and its FLOPs.

    The plain bound (no fixed costs, full bandwidth) that DECODE_TOKENS_PER_SECOND
    reports, with the weights a step actually reads (an MoE batch touches more experts
    as it grows: :func:`weight_bytes_read`) and every sequence's KV cache.

    >>> round(roofline_tokens_per_s(32, 93.3e9, 2 * 12.9e9, 2 * 989e12, 2 * 3.35e12))   # Mixtral, 2 x H100
    2298
    """
    batch = _check.positive("batch", batch)
    read_bytes = _check.positive("weight_bytes_read", weight_bytes_read) + batch * _check.nonnegative(
        "context", context) * _check.nonnegative("kv_bytes_per_token", kv_bytes_per_token)
    memory_s = read_bytes / _check.positive("memory_bandwidth_bytes_per_s", memory_bandwidth_bytes_per_s)
    compute_s = batch * _check.positive("linear_flops_per_token", linear_flops_per_token) / (
        _check.positive("peak_flops_per_s", peak_flops_per_s) * _check.fraction("utilization", utilization))
    return batch / np.maximum(memory_s, compute_s)
