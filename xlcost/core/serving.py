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
from . import inputs
from .inputs import CHOICES


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
# MoE experts run as grouped GEMMs (docs/serving.md, "Mixture of experts as engines run it")
EXPERT_TOKENS_HALF = 32.0  # rows (tokens) per expert per step at half efficiency: half of a 64-row MMA tile is padding
EXPERT_PARAMS_HALF = 175e6  # parameters of one expert at which its grouped GEMMs reach half the dense efficiency
# engine caps per scheduler (docs/serving.md cites each engine's defaults)
MAX_SEQUENCES = 2048  # sequences in flight: TensorRT-LLM max_batch_size (vLLM max_num_seqs 256-1024)
MAX_TOKENS_PER_STEP = 8192  # tokens in one step: TensorRT-LLM max_num_tokens (vLLM 2,048-16,384; SGLang 8,192)
ACTIVATION_BYTES = 2.0  # bytes per activation value all-reduced (16-bit)



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


@quantity("{tokens_per_expert}*{params_per_expert}/({tokens_per_expert}*({params_per_expert}+{expert_params_half})"
          "+{expert_tokens_half}*{params_per_expert})")
def expert_gemm_efficiency(tokens_per_expert, params_per_expert, expert_tokens_half=EXPERT_TOKENS_HALF,
                           expert_params_half=EXPERT_PARAMS_HALF):
    """Fraction of the dense GEMM efficiency an expert's grouped GEMM reaches: m / (m / s + m_half).

    ``tokens_per_expert`` (m) real rows run at s = p / (p + p_half) of the dense efficiency,
    p the expert's parameters: a small expert's matrices give its GEMMs few tiles and a
    short reduction, while the MoE layer's routing, permutation and combine work per token
    does not shrink with it (p_half, fitted on measured MoE serving: docs/serving.md). And
    the tensor cores multiply in tiles of 64 rows, so an expert's last tile is on average
    half padding, ``expert_tokens_half`` (m_half = 32) rows computed at the dense rate for
    nothing. Many rows: s; a few: m / m_half. Fewer rows never raise it.

    >>> round(expert_gemm_efficiency(32, 175e6), 3)     # half a tile of rows, an expert of p_half
    0.333
    >>> round(expert_gemm_efficiency(2048, 176e6), 2)   # Mixtral-8x7B at 2,048 rows: s = 0.50
    0.5
    """
    m = _check.nonnegative("tokens_per_expert", tokens_per_expert)
    p = _check.positive("params_per_expert", params_per_expert)
    size = p / (p + _check.positive("expert_params_half", expert_params_half))
    return m / (m / size + _check.positive("expert_tokens_half", expert_tokens_half))


_EXPERT_READ_S = "{expert_weight_bytes_read}/({n_units}*{memory_bandwidth_bytes_per_s}*{bandwidth_efficiency})"


@quantity("IF({expert_flops_per_token}>0,MAX(" + _EXPERT_READ_S + ",{tokens}*{expert_flops_per_token}/({n_units}"
          "*{peak_flops_per_s}*{compute_efficiency}*" + _fill(
              expert_gemm_efficiency.excel, tokens_per_expert="{tokens}*{experts_per_token}/({n_experts}*(1-(1-"
              "{experts_per_token}/{n_experts})^MIN({tokens},50*{n_experts}/{experts_per_token})))",
              params_per_expert="{expert_flops_per_token}/(2*{experts_per_token}*{moe_layers})") + ")),"
          + _EXPERT_READ_S + ")")
def expert_seconds(tokens, expert_weight_bytes_read, expert_flops_per_token, n_experts, experts_per_token, moe_layers,
                   n_units, peak_flops_per_s, memory_bandwidth_bytes_per_s, compute_efficiency=COMPUTE_EFFICIENCY,
                   bandwidth_efficiency=BANDWIDTH_EFFICIENCY, expert_tokens_half=EXPERT_TOKENS_HALF,
                   expert_params_half=EXPERT_PARAMS_HALF):
    """Seconds the routed experts of one forward pass over ``tokens`` tokens take on ``n_units`` chips.

    The slower of reading the experts the tokens touch (``expert_weight_bytes_read``) and
    their FLOPs (``tokens x expert_flops_per_token``) at the compute efficiency times
    :func:`expert_gemm_efficiency` of tokens x k rows shared by the experts they touch
    (E (1 - (1 - k/E)^tokens), as :func:`weight_bytes_read`) and
    ``expert_flops_per_token`` / (2 k moe_layers) parameters per expert. The experts are
    spread over the chips (tensor- or expert-parallel alike). 0 for a dense model.

    DeepSeek-R1 in fp8 on 8 x H200, a step of 4,096 tokens: 128 rows per expert of 44M
    parameters, 128 / (128 / 0.201 + 32) = 0.19 of the dense efficiency; 167 TFLOP at 8 x 1,979
    TFLOP/s x 0.5 x 0.19 (the 653 GB of experts would take 21 ms to read):

    >>> round(expert_seconds(4096, 58 * 256 * 44e6, 2 * 8 * 58 * 44e6, 256, 8, 58, 8, 1979e12, 4.8e12) * 1e3, 1)
    110.4
    """
    tokens = _check.positive("tokens", tokens)
    n_units = _check.positive("n_units", n_units)
    read_s = _check.nonnegative("expert_weight_bytes_read", expert_weight_bytes_read) / (n_units * _check.positive(
        "memory_bandwidth_bytes_per_s", memory_bandwidth_bytes_per_s) * _check.fraction(
        "bandwidth_efficiency", bandwidth_efficiency))
    flops = _check.nonnegative("expert_flops_per_token", expert_flops_per_token)
    k = _check.positive("experts_per_token", experts_per_token)
    layers = _check.nonnegative("moe_layers", moe_layers)
    routed = flops > 0
    if _any(routed & (layers <= 0)):
        raise _check.InputError("moe_layers", "must be > 0 when expert_flops_per_token is", 0.0)
    n_experts = _check.positive("n_experts", n_experts)
    touched = n_experts * (1.0 - (1.0 - k / n_experts) ** np.minimum(tokens, 50.0 * n_experts / k))
    params = np.where(routed, flops / (2.0 * k * np.where(routed, layers, 1.0)), 1.0)
    efficiency = expert_gemm_efficiency.__wrapped__(tokens * k / touched, params, expert_tokens_half,
                                                    expert_params_half)
    rate = n_units * _check.positive("peak_flops_per_s", peak_flops_per_s) * _check.fraction(
        "compute_efficiency", compute_efficiency) * np.where(routed, efficiency, 1.0)
    return np.maximum(read_s, tokens * flops / rate)


@quantity("IF({n_units}>1,{moe_layers}*(2*{allreduce_latency_s}+2*{tokens}/{n_units}*{experts_per_token}*{d_model}"
          "*{activation_bytes}*({n_units}-1)/{n_units}/{interconnect_bytes_per_s}),0)")
def alltoall_seconds(tokens, moe_layers, d_model, experts_per_token, n_units, interconnect_bytes_per_s,
                     allreduce_latency_s=ALLREDUCE_LATENCY_S, activation_bytes=ACTIVATION_BYTES):
    """Seconds of expert-parallel communication in one forward pass over ``tokens`` tokens.

    Each MoE layer dispatches every token's activations to the chips of its k experts and
    combines the results back: two all-to-alls, each chip sending its tokens / n x k x
    d_model activations, the (n - 1)/n of them bound for other chips, over its link (one
    direction), plus a fixed latency per all-to-all. ``allreduce_latency_s`` is the latency
    of one collective.

    DeepSeek-R1 on 8 x H200 (DEP8), a step of 1,024 tokens: 58 layers x (2 x 10 us + 2 x 128
    tokens x 8 experts x 7,168 x 2 bytes x 7/8 / 450 GB/s):

    >>> round(alltoall_seconds(1024, 58, 7168, 8, 8, 450e9) * 1e3, 2)
    4.47
    """
    n_units = _check.positive("n_units", n_units)
    volume = 2.0 * _check.positive("tokens", tokens) / n_units * _check.positive(
        "experts_per_token", experts_per_token) * _check.positive("d_model", d_model) * _check.positive(
        "activation_bytes", activation_bytes) * (n_units - 1) / n_units
    per_layer = 2.0 * _check.nonnegative("allreduce_latency_s", allreduce_latency_s) + volume / _check.positive(
        "interconnect_bytes_per_s", interconnect_bytes_per_s)
    return np.where(n_units > 1, _check.nonnegative("moe_layers", moe_layers) * per_layer, 0.0)


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
# factors as keyword arguments (``**replica``): :data:`REPLICA_KEYWORDS` lists them with their
# defaults, and :data:`REPLICA_MODEL` / :data:`REPLICA_HARDWARE` declare which catalog field
# fills each (xlcost.core.inputs), as every quantity does; ``xlcost.serving`` fills them
# through ``xlcost.fill``.
MODEL_ARGUMENTS = (
    "n_layers",  # transformer layers
    "d_model",  # hidden width (the all-reduced activation)
    "shared_weight_bytes",  # every weight outside the routed experts (attention, dense FFN, shared experts, embeddings)
    "expert_weight_bytes",  # one routed expert of one MoE layer (0 for a dense model)
    "moe_layers",  # layers with routed experts
    "n_experts",  # routed experts per MoE layer (1 for a dense model)
    "experts_per_token",  # experts each token is routed to (1 for a dense model)
    "linear_flops_per_token",  # 2 x the active parameters a token multiplies (no embedding lookup)
    "expert_flops_per_token",  # the part of it in routed experts: 2 x k x moe_layers x one expert (0: dense)
    "attention_flops_per_attended",  # 2 x n_heads x (qk head dim + v head dim): FLOPs per cached token per layer
    # the same in a decode step, where its form differs (MLA, absorbed: 2 x n_heads x (kv_lora_rank +
    # qk_rope_head_dim + kv_lora_rank)); 0: attention_flops_per_attended
    "decode_attention_flops_per_attended",
    "kv_bytes_per_token",  # see kv_bytes_per_token()
    "window",  # sliding window in tokens (0: none)
    "window_layers",  # layers that use the window
)
# what a dense model with full attention leaves out
MODEL_DEFAULTS = {"expert_weight_bytes": 0.0, "moe_layers": 0.0, "n_experts": 1.0, "experts_per_token": 1.0,
                  "expert_flops_per_token": 0.0, "decode_attention_flops_per_attended": 0.0, "window": 0,
                  "window_layers": 0}
HARDWARE_ARGUMENTS = (
    "n_units",  # chips in the replica
    "peak_flops_per_s",  # one chip's dense peak at the serving precision
    "memory_bytes",  # one chip's memory
    "memory_bandwidth_bytes_per_s",  # one chip's memory bandwidth
    # one chip's scale-up link bandwidth, one direction (0: none known, which only a one-chip replica may have)
    "interconnect_bytes_per_s",
)
# Llama-2-7B in bf16 from its published config (32 layers, d_model 4096, 32 KV heads of 128,
# 6.74B parameters of which 131M input embedding): the examples' model.
LLAMA2_7B_EXAMPLE = {
    "n_layers": 32, "d_model": 4096, "shared_weight_bytes": 6.74e9 * 2, "expert_weight_bytes": 0,
    "moe_layers": 0, "n_experts": 1, "experts_per_token": 1, "linear_flops_per_token": 2 * (6.74e9 - 32000 * 4096),
    "expert_flops_per_token": 0, "attention_flops_per_attended": 2 * 32 * (128 + 128),
    "decode_attention_flops_per_attended": 0, "kv_bytes_per_token": 524288, "window": 0, "window_layers": 0,
}
# Optional arguments: 0 means not given.
HEAD_ARGUMENTS = {
    "interconnect_bytes_per_s": 0,
    "n_heads": 0,  # attention (query) heads: a tensor-parallel size must divide them
    "n_kv_heads": 0,  # KV heads of grouped-query attention: each chip holds at least one (replicated when fewer)
    # chips one scale-up link (NVLink) joins; a replica larger than this runs its collectives over
    # scale-out (scale_out_bytes_per_s). 0: not known, every replica is one domain; 1: a card with
    # no scale-up link, whose interconnect_bytes_per_s (PCIe) joins the replica's cards
    "scale_up_domain": 0,
    "scale_out_bytes_per_s": 0,  # one chip's scale-out (network) bandwidth, one direction
    # the chip's measured large-GEMM fraction of peak (catalog); serving's GEMMs reach SERVING_GEMM_SHARE of it
    # (compute_efficiency, when not given); 0: not measured, compute_efficiency's default holds
    "gemm_efficiency": 0,
    # how the replica's chips share the model (PARALLEL)
    "parallel": "tp",
}
# A chip's measured GEMM efficiency (catalog compute_efficiency: what its large GEMMs reach in a
# microbenchmark, H100 fp8 0.70, MI300X bf16 0.54, B200 fp8 0.57: each row's efficiency_source).
# Serving's GEMMs reach this share of it (short steps of few rows, fused quantisation and
# epilogues, the small kernels between them): fitted on the measured anchors, 0.63 x 0.79 = the
# 0.50 default for a chip with no measurement. Give compute_efficiency to override the product.
SERVING_GEMM_SHARE = 0.63
PARALLEL = tuple(CHOICES["parallel"])  # "tp", "dep": xlcost.core.inputs.CHOICES says what each means
EFFICIENCY_ARGUMENTS = {
    "compute_efficiency": COMPUTE_EFFICIENCY,
    "bandwidth_efficiency": BANDWIDTH_EFFICIENCY,
    "layer_overhead_s": LAYER_OVERHEAD_S,
    "allreduce_latency_s": ALLREDUCE_LATENCY_S,
    "memory_reserve": MEMORY_RESERVE,
    "expert_tokens_half": EXPERT_TOKENS_HALF,
    "expert_params_half": EXPERT_PARAMS_HALF,
    "max_sequences": MAX_SEQUENCES,
    "max_tokens_per_step": MAX_TOKENS_PER_STEP,
}
_DEFAULTS = {**MODEL_DEFAULTS, **HEAD_ARGUMENTS, **EFFICIENCY_ARGUMENTS}
# every keyword a replica quantity takes, with its default (None: required)
REPLICA_KEYWORDS = {**{name: None for name in (*MODEL_ARGUMENTS, *HARDWARE_ARGUMENTS)}, **_DEFAULTS}
# which catalog fields fill them (xlcost.core.inputs.MODEL_FIELDS / HARDWARE_FIELDS; an empty one: the default)
REPLICA_MODEL = {
    **{name: name for name in MODEL_ARGUMENTS if name not in ("window", "window_layers")},
    "window": "sliding_window", "window_layers": "sliding_window_layers",
    "n_heads": "n_heads", "n_kv_heads": "kv_cache_heads",
}
REPLICA_HARDWARE = {
    "peak_flops_per_s": "dtype_peak_flops_per_s", "memory_bytes": "memory_bytes",
    "memory_bandwidth_bytes_per_s": "memory_bandwidth_bytes_per_s", "interconnect_bytes_per_s": "interconnect_bytes_per_s",
    "scale_up_domain": "scale_up_domain", "scale_out_bytes_per_s": "scale_out_bytes_per_s",
    "gemm_efficiency": "gemm_efficiency", "bandwidth_efficiency": "bandwidth_efficiency",
}


def _replica_quantity(pattern, choice=None):
    """:func:`quantity` for a function of ``**replica``: its keywords and their catalog fields declared."""
    return quantity(pattern, model=REPLICA_MODEL, hardware=REPLICA_HARDWARE, keywords=REPLICA_KEYWORDS, choice=choice)


def replica_arguments(**replica):
    """Every keyword of a replica: ``replica`` completed with the defaults, unchecked.

    ``compute_efficiency``, when not given, is ``gemm_efficiency x SERVING_GEMM_SHARE`` where
    the chip's GEMMs were measured, else :data:`COMPUTE_EFFICIENCY`.

    >>> r = replica_arguments(**LLAMA2_7B_EXAMPLE, n_units=1, peak_flops_per_s=989e12, memory_bytes=80e9,
    ...                       memory_bandwidth_bytes_per_s=3.35e12, gemm_efficiency=0.8)
    >>> round(r["compute_efficiency"], 3), r["bandwidth_efficiency"]
    (0.504, 0.8)
    """
    r = {**_DEFAULTS, **replica}
    if "compute_efficiency" not in replica:
        gemm = r["gemm_efficiency"]
        if type(gemm) in _check._SCALARS:
            r["compute_efficiency"] = gemm * SERVING_GEMM_SHARE if gemm > 0 else COMPUTE_EFFICIENCY
        else:
            gemm = _check.fraction("gemm_efficiency", gemm, closed_low=True)
            r["compute_efficiency"] = np.where(gemm > 0, gemm * SERVING_GEMM_SHARE, COMPUTE_EFFICIENCY)
    return r


_REQUIRED = frozenset(name for name, default in REPLICA_KEYWORDS.items() if default is None)
_ALLOWED = frozenset(REPLICA_KEYWORDS)
_POSITIVE = ("n_layers", "d_model", "shared_weight_bytes", "n_experts", "experts_per_token", "linear_flops_per_token",
             "attention_flops_per_attended", "kv_bytes_per_token", "peak_flops_per_s", "memory_bytes",
             "memory_bandwidth_bytes_per_s", "expert_tokens_half", "expert_params_half")
_NONNEGATIVE = ("expert_weight_bytes", "moe_layers", "expert_flops_per_token", "decode_attention_flops_per_attended",
                "window", "window_layers", "n_heads", "n_kv_heads", "scale_up_domain", "scale_out_bytes_per_s",
                "layer_overhead_s", "allreduce_latency_s", "interconnect_bytes_per_s")


_REPLICAS = {}  # checked replicas of scalar arguments, by their arguments: see _replica


class CheckedReplica(dict):
    """A replica's keywords completed and checked once (:func:`checked_replica`); read-only by convention."""


def checked_replica(**replica):
    """The keywords of a replica completed with the defaults and checked, once: give the result to
    any replica quantity as ``replica=`` in place of the keywords, and it checks nothing again
    (``xlcost.serving`` keeps one per catalog model, chip, precision and chip count).

    >>> r = checked_replica(**LLAMA2_7B_EXAMPLE, n_units=1, peak_flops_per_s=312e12, memory_bytes=80e9,
    ...                     memory_bandwidth_bytes_per_s=2.039e12)
    >>> max_batch(4096, replica=r) == max_batch(4096, **LLAMA2_7B_EXAMPLE, n_units=1, peak_flops_per_s=312e12,
    ...                                         memory_bytes=80e9, memory_bandwidth_bytes_per_s=2.039e12)
    True
    """
    return _replica(replica)


def _replica(replica):
    """The keyword arguments completed with the defaults and checked once; a missing one is a TypeError.

    The helpers below read the checked values from the returned dict (which they must not
    change) and check them no more. A replica of scalars is checked once per distinct set of
    arguments (at most 1,024 kept): a sheet of cells on one model and chip checks it once.
    A :class:`CheckedReplica` given alone as ``replica`` is used as it is.
    """
    given = replica.get("replica")
    if given.__class__ is CheckedReplica and len(replica) == 1:
        return given
    try:
        key = tuple(replica.items())
        hit = _REPLICAS.get(key)
    except TypeError:  # an array among the arguments: not cached
        key = hit = None
    if hit is not None:
        return hit
    r = _checked_replica(replica)
    if key is not None:
        if len(_REPLICAS) >= 1024:
            _REPLICAS.clear()
        _REPLICAS[key] = r
    return r


def _checked_replica(replica):
    if not (_REQUIRED <= replica.keys() <= _ALLOWED):
        missing, unknown = sorted(_REQUIRED - replica.keys()), sorted(replica.keys() - _ALLOWED)
        raise TypeError(f"serving arguments: missing {missing}, unknown {unknown} (allowed: {', '.join(sorted(_ALLOWED))})")
    r = CheckedReplica(replica_arguments(**replica))
    parallel = r["parallel"]
    if parallel not in PARALLEL:
        raise _check.InputError("parallel", 'must be "tp" (tensor parallel) or "dep" (attention data-parallel + '
                                "expert parallel)", parallel)
    for name in _POSITIVE:
        r[name] = _check.positive(name, r[name])
    for name in _NONNEGATIVE:
        r[name] = _check.nonnegative(name, r[name])
    for name in ("compute_efficiency", "bandwidth_efficiency"):
        r[name] = _check.fraction(name, r[name])
    r["gemm_efficiency"] = _check.fraction("gemm_efficiency", r["gemm_efficiency"], closed_low=True)
    r["memory_reserve"] = _check.fraction("memory_reserve", r["memory_reserve"], closed_low=True)
    n_units = r["n_units"] = _whole("n_units", r["n_units"])
    r["max_sequences"] = _whole("max_sequences", r["max_sequences"])
    r["max_tokens_per_step"] = _whole("max_tokens_per_step", r["max_tokens_per_step"])
    for name, bound, why in (
            ("max_sequences", "max_tokens_per_step", "each sequence in flight adds a token to every step"),
            ("experts_per_token", "n_experts", ""), ("window_layers", "n_layers", ""),
            ("expert_flops_per_token", "linear_flops_per_token", "they are part of them")):
        over = r[name] > r[bound]
        if _any(over):
            raise _check.InputError(name, f"must not exceed {bound}" + (f" ({why})" if why else ""),
                                    _first(r[name], over))
    routed = (r["expert_flops_per_token"] > 0) & (r["moe_layers"] <= 0)
    if _any(routed):
        raise _check.InputError("moe_layers", "must be > 0 when expert_flops_per_token is", 0.0)
    if parallel == "dep" and _any(r["moe_layers"] <= 0):
        raise _check.InputError("parallel", '"dep" spreads routed experts over the chips and the model has none: '
                                'give "tp"', parallel)
    if parallel == "tp":
        n_heads = r["n_heads"]
        split = (n_heads > 0) & (np.mod(n_heads, n_units) != 0)
        if _any(split):
            raise _check.InputError("n_units", f"must divide the model's {_first(n_heads, split):g} attention heads "
                                    "(tensor parallelism gives each chip the same number of heads)",
                                    _first(n_units, split))
    outside = (r["scale_up_domain"] > 1) & (n_units > r["scale_up_domain"])
    if _any(outside & (r["scale_out_bytes_per_s"] <= 0)):
        raise _check.InputError("n_units", f"exceeds the chip's scale-up domain of "
                                f"{_first(r['scale_up_domain'], outside):g} chips, and no scale-out bandwidth is "
                                "given for the collectives beyond it", _first(n_units, outside))
    # beyond one scale-up domain the collectives run over the network, one NIC per chip
    r["link"] = np.where(outside, r["scale_out_bytes_per_s"], r["interconnect_bytes_per_s"])
    unlinked = (n_units > 1) & (r["link"] <= 0)
    if _any(unlinked):
        raise _check.InputError("interconnect_bytes_per_s", "is not known for this chip (0), and a replica of "
                                f"{_first(n_units, unlinked):g} chips needs it for its collectives: serve on one chip")
    r["link"] = np.where(r["link"] > 0, r["link"], np.inf)  # one chip, no link: no collective, none of its time
    r["schedulers"] = n_units if parallel == "dep" else 1.0  # attention-DP: each chip schedules its own sequences
    r["decode_flops"] = np.where(r["decode_attention_flops_per_attended"] > 0,
                                 r["decode_attention_flops_per_attended"], r["attention_flops_per_attended"])
    # what every step uses, computed once
    r["flops_per_s"] = r["peak_flops_per_s"] * r["compute_efficiency"]
    r["bytes_per_s"] = r["memory_bandwidth_bytes_per_s"] * r["bandwidth_efficiency"]
    r["replica_flops_per_s"], r["replica_bytes_per_s"] = n_units * r["flops_per_s"], n_units * r["bytes_per_s"]
    # the non-expert weights' read: each chip its own copy with "dep", 1/n of them with "tp"
    r["shared_read_s"] = r["shared_weight_bytes"] / (r["bytes_per_s"] if parallel == "dep" else r["replica_bytes_per_s"])
    r["ring_share"] = 2.0 * (n_units - 1) / n_units  # of the activations a ring all-reduce sends through each link
    r["alltoall_s_per_value"] = ACTIVATION_BYTES * (n_units - 1) / n_units / r["link"]  # "dep": sent and received
    r["dense_flops_per_token"] = r["linear_flops_per_token"] - r["expert_flops_per_token"]
    r["full_layers"] = r["n_layers"] - r["window_layers"]
    r["kv_per_layer"] = _kv_replication(r) * r["kv_bytes_per_token"] / r["n_layers"]
    r["fixed_s"] = r["n_layers"] * r["layer_overhead_s"]
    r["held_bytes"] = _held_weights(r)  # (the replica's, one chip's)
    routed = r["expert_flops_per_token"] > 0
    params = np.where(routed, r["expert_flops_per_token"] / (2.0 * r["experts_per_token"] * np.where(
        routed, r["moe_layers"], 1.0)), 1.0)  # one expert's parameters (1: a dense model's unused figure)
    r["expert_size_efficiency"] = params / (params + r["expert_params_half"])
    # shortcuts of the scalar case: a dense model, a model without sliding windows
    scalar = not any(isinstance(r[key], np.ndarray) for key in (
        "moe_layers", "n_experts", "experts_per_token", "expert_weight_bytes", "expert_flops_per_token",
        "expert_params_half", "expert_tokens_half", "window", "window_layers"))
    r["dense"] = scalar and r["moe_layers"] == 0
    r["full_attention"] = scalar and r["window_layers"] == 0
    for key in ("link", "decode_flops", "kv_per_layer", "expert_size_efficiency", "alltoall_s_per_value"):
        if isinstance(r[key], np.ndarray) and not r[key].ndim:  # np.where's 0-d arrays back to scalars
            r[key] = r[key][()]
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
    Attention data-parallel ("dep") keeps each sequence's cache on one chip: no copies.
    """
    if r["parallel"] == "dep":
        return 1.0
    kv_heads = r["n_kv_heads"]
    return np.where(kv_heads > 0, np.maximum(kv_heads, r["n_units"]) / np.where(kv_heads > 0, kv_heads, 1.0), 1.0)


# The helpers below take the dict _replica checked and completed, and check nothing again:
# a scalar call stays a few dozen float operations (benchmarks/fig7_serving.py).


def _min(a, b):
    return np.minimum(a, b) if isinstance(a, np.ndarray) or isinstance(b, np.ndarray) else (a if a < b else b)


def _max(a, b):
    return np.maximum(a, b) if isinstance(a, np.ndarray) or isinstance(b, np.ndarray) else (a if a > b else b)


def _attended(context, r):
    """Cached tokens a sequence at ``context`` attends to, summed over layers (:func:`attended_token_layers`)."""
    if r["full_attention"]:  # no window (its term would add 0.0)
        return r["full_layers"] * context
    return r["full_layers"] * context + r["window_layers"] * _min(context, r["window"])


def _kv_sequence(context, r):
    """Bytes of KV cache one sequence occupies on the whole replica (replicated KV heads included)."""
    return r["kv_per_layer"] * _attended(context, r)


def _touched(tokens, r):
    """Experts per MoE layer that ``tokens`` tokens are routed to (:func:`weight_bytes_read`)."""
    e, k = r["n_experts"], r["experts_per_token"]
    return e * (1.0 - (1.0 - k / e) ** _min(tokens, 50.0 * e / k))


def _step(decode, prefill, context, prompt, r):
    """Seconds of one engine step of the replica.

    ``decode`` sequences at ``context`` tokens each make one token while ``prefill`` prompt
    tokens (of prompts of ``prompt`` tokens, attending on average to half of it) pass through
    the model in the same forward pass. The non-expert linear layers, the routed experts
    (:func:`expert_seconds`) and attention each take the slower of their bytes and their
    FLOPs; plus a fixed time per layer and the replica's communication: tensor parallel, two
    all-reduces per layer (:func:`allreduce_seconds`); "dep", every chip runs the non-expert
    layers on its own 1/n of the tokens with the whole non-expert weights, and the MoE
    layers all-to-all (:func:`alltoall_seconds`).
    """
    tokens = decode + prefill
    n = r["n_units"]
    flops_per_s, bytes_per_s = r["replica_flops_per_s"], r["replica_bytes_per_s"]
    linear_s = _max(r["shared_read_s"], tokens * r["dense_flops_per_token"] / flops_per_s)
    if r["dense"]:  # no routed experts (their term would add 0.0)
        experts_s = 0.0
    else:
        touched = _touched(tokens, r)
        rows = tokens * r["experts_per_token"] / touched  # per expert the step touches
        efficiency = rows / (rows / r["expert_size_efficiency"] + r["expert_tokens_half"])
        experts_s = _max(r["moe_layers"] * touched * r["expert_weight_bytes"] / bytes_per_s,
                         tokens * r["expert_flops_per_token"] / (flops_per_s * efficiency))
    attention_flops = (decode * _attended(context, r) * r["decode_flops"]
                       + prefill * _attended(prompt / 2.0, r) * r["attention_flops_per_attended"])
    kv_bytes = decode * _kv_sequence(context, r) + prefill / prompt * _kv_sequence(prompt, r)
    attention_s = _max(kv_bytes / bytes_per_s, attention_flops / flops_per_s)
    if r["parallel"] == "dep":  # each chip sends its tokens' activations to their k experts' chips and back
        per_layer = 2.0 * r["allreduce_latency_s"] + 2.0 * tokens / n * r["experts_per_token"] * r["d_model"] * (
            r["alltoall_s_per_value"])
        comm_s = r["moe_layers"] * per_layer
    else:  # two ring all-reduces of the activations per layer
        per_layer = r["allreduce_latency_s"] + r["ring_share"] * tokens * r["d_model"] * ACTIVATION_BYTES / r["link"]
        comm_s = 2.0 * r["n_layers"] * per_layer
    comm_s = np.where(n > 1, comm_s, 0.0) if isinstance(n, np.ndarray) else (comm_s if n > 1 else 0.0)
    return linear_s + experts_s + attention_s + r["fixed_s"] + comm_s


_BYTES_PER_S = "({n_units}*{memory_bandwidth_bytes_per_s}*{bandwidth_efficiency})"
_FLOPS_PER_S = "({n_units}*{peak_flops_per_s}*{compute_efficiency})"
_TOKENS = "{decode}+{prefill}"
# one engine step of a tensor-parallel replica, over {decode}, {prefill}, {context} and {prompt} (see _step)
_STEP_EXCEL = "(" + (
    "MAX({shared_weight_bytes}/" + _BYTES_PER_S + ",(" + _TOKENS + ")*({linear_flops_per_token}"
    "-{expert_flops_per_token})/" + _FLOPS_PER_S + ")+"
    + _fill(expert_seconds.excel, tokens=_TOKENS,
            expert_weight_bytes_read=_fill(weight_bytes_read.excel, tokens=_TOKENS) + "-{shared_weight_bytes}")
    + "+MAX(({decode}*" + _fill(kv_bytes_per_sequence.excel, context="{context}") + "+{prefill}/{prompt}*"
    + _fill(kv_bytes_per_sequence.excel, context="{prompt}") + ")/" + _BYTES_PER_S + ",({decode}*("
    + attended_token_layers.excel + ")*IF({decode_attention_flops_per_attended}>0,"
    "{decode_attention_flops_per_attended},{attention_flops_per_attended})+{prefill}*("
    + _fill(attended_token_layers.excel, context="{prompt}/2") + ")*{attention_flops_per_attended})/"
    + _FLOPS_PER_S + ")+{n_layers}*{layer_overhead_s}+"
    + _fill(allreduce_seconds.excel, tokens=_TOKENS, activation_bytes=repr(ACTIVATION_BYTES))) + ")"


def _step_excel(decode, prefill, context, prompt):
    return _fill(_STEP_EXCEL, decode=decode, prefill=prefill, context=context, prompt=prompt)


_PREFILL_EXCEL = _step_excel("0", "{batch}*{input_tokens}", "0", "{input_tokens}")
_DECODE_EXCEL = _step_excel("{batch}", "0", "{context}", "1")
# continuous batching: the step's tokens, of which decode and prompt tokens, at the mean context
_MEAN_CONTEXT = "{input_tokens}+{output_tokens}/2"
_STEP_TOKENS = "MIN({batch}*({input_tokens}+{output_tokens})/{output_tokens},{max_tokens_per_step})"
_STEP_DECODE = "(" + _STEP_TOKENS + ")*{output_tokens}/({input_tokens}+{output_tokens})"
_STEP_PROMPT = "(" + _STEP_TOKENS + ")*{input_tokens}/({input_tokens}+{output_tokens})"
_RUNNING_EXCEL = _step_excel(_STEP_DECODE, _STEP_PROMPT, _MEAN_CONTEXT, "{input_tokens}")
_RUNNING_DECODE_EXCEL = _step_excel(_STEP_DECODE, "0", _MEAN_CONTEXT, "{input_tokens}")
_TTFT_EXCEL = ("(ROUNDUP({input_tokens}/MAX({max_tokens_per_step}-{batch},1),0)+0.5)*"
               + _step_excel("{batch}", "MIN({input_tokens},{max_tokens_per_step})", _MEAN_CONTEXT, "{input_tokens}"))
_TPOT_EXCEL = _fill(_DECODE_EXCEL, context=_MEAN_CONTEXT)
_REQUEST_EXCEL = _PREFILL_EXCEL + "+({output_tokens}-1)*" + _TPOT_EXCEL
_USD_PER_S = "{price_usd_per_hour}*{n_units}/3600"
_INPUT_USD = "(" + _RUNNING_EXCEL + "-" + _RUNNING_DECODE_EXCEL + ")/(" + _STEP_PROMPT + ")"  # per input token
_OUTPUT_USD = _RUNNING_DECODE_EXCEL + "/(" + _STEP_DECODE + ")"  # per output token, times USD per second
# The renderings take the batch as an input: for maximum load give them max_batch's value at
# context input_tokens + output_tokens (continuous: no more than max_sequences), a cell of its own.
# They render a tensor-parallel replica; a "dep" one is forward_seconds, expert_seconds and
# alltoall_seconds composed (docs/serving.md).


@_replica_quantity(_PREFILL_EXCEL)
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
    return _step(0.0, batch * input_tokens, 0.0, input_tokens, r)


@_replica_quantity(_DECODE_EXCEL)
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
    return _step(batch, 0.0, context, 1.0, r)


def _held_weights(r):
    """Bytes of weights the replica holds, and bytes one chip holds."""
    total = weight_bytes.__wrapped__(r["shared_weight_bytes"], r["expert_weight_bytes"], r["moe_layers"],
                                     r["n_experts"])
    if r["parallel"] == "dep":
        return total, r["shared_weight_bytes"] + (total - r["shared_weight_bytes"]) / r["n_units"]
    return total, total / r["n_units"]


def _first(values, where):
    """The first element of ``values`` where ``where`` holds, as a float."""
    return float(np.ravel(np.broadcast_to(values, np.shape(where)))[np.argmax(np.ravel(where))]) if np.ndim(
        where) else float(values)


def _fit_error(what, needed, where, r, argument="n_units"):
    return FitError(what, _first(needed, where), _first(r["n_units"], where), _first(r["memory_bytes"], where),
                    _first(r["memory_reserve"], where), argument=argument)


@_replica_quantity("INT(({n_units}*{memory_bytes}-(" + weight_bytes.excel + "))*(1-{memory_reserve})/("
          + kv_bytes_per_sequence.excel + "))")
def max_batch(context, **replica):
    """Sequences of ``context`` tokens whose KV cache fits beside the weights (a whole number).

    (n_units x memory_bytes - weights) x (1 - memory_reserve) / KV bytes per sequence,
    rounded down: the reserve (activations, workspace, fragmentation) is a share of the
    memory left after the weights, as TensorRT-LLM's kv_cache_free_gpu_mem_fraction is.
    With ``parallel="dep"`` each chip holds the non-expert weights, 1/n of the experts and
    its own sequences' cache: n x the sequences one chip fits. Memory only: the engine's
    ``max_sequences`` caps what runs (:func:`output_tokens_per_s`). Raises FitError when the
    weights, or one sequence's cache, do not fit.

    >>> r = dict(LLAMA2_7B_EXAMPLE, n_units=1, peak_flops_per_s=312e12, memory_bytes=80e9,
    ...          memory_bandwidth_bytes_per_s=2.039e12, interconnect_bytes_per_s=300e9)
    >>> max_batch(4096, **r)   # (72 GB - 13.5 GB) / 2 GiB
    27.0
    """
    return _max_batch(context, _replica(replica))


def _max_batch(context, r):
    context = _check.positive("context", context)
    total, per_chip = r["held_bytes"]
    short = per_chip >= r["memory_bytes"]
    if _any(short):
        raise _fit_error("weights", total, short, r)
    per_sequence = _kv_sequence(context, r)
    free = 1.0 - r["memory_reserve"]
    if r["parallel"] == "dep":
        fits = r["n_units"] * np.floor((r["memory_bytes"] - per_chip) * free / per_sequence)
    else:
        fits = np.floor((r["n_units"] * r["memory_bytes"] - total) * free / per_sequence)
    short = fits < 1
    if _any(short):
        raise _fit_error(f"weights and one sequence's KV cache at {_first(context, short):,.0f} tokens",
                         total + per_sequence * (r["n_units"] if r["parallel"] == "dep" else 1.0), short, r)
    return fits


def _check_lengths(input_tokens, output_tokens):
    return _check.positive("input_tokens", input_tokens), _check.positive("output_tokens", output_tokens)


def _batch(batch, input_tokens, output_tokens, r, capped):
    """The batch given (checked to fit), or the largest that fits (and, ``capped``, that the engine admits)."""
    fits = _max_batch(input_tokens + output_tokens, r)
    if capped:
        fits = np.minimum(fits, r["schedulers"] * r["max_sequences"])
    if batch is None:
        return fits
    batch = _whole("batch", batch)
    short = batch > fits
    if _any(short):
        needed = r["held_bytes"][0] + batch * _kv_sequence(input_tokens + output_tokens, r)
        limit = "fit or the engine admits (max_sequences)" if capped else "fit"
        raise _fit_error(f"weights and KV cache for a batch of {_first(batch, short):,.0f} "
                         f"(at most {_first(fits, short):,.0f} {limit})", needed, short, r, argument="batch")
    return batch


def _static_parts(batch, input_tokens, output_tokens, r):
    """(batch, prefill seconds of the batch, seconds of one decode step at the mean context)."""
    batch = _batch(batch, input_tokens, output_tokens, r, capped=False)
    return batch, _prefill(batch, input_tokens, r), _decode(batch, input_tokens + output_tokens / 2.0, r)


def _continuous_parts(batch, input_tokens, output_tokens, r, decode_only=False):
    """Steady continuous batching with ``batch`` requests in flight (None: as many as fit and the engine admits).

    Returns (decode sequences per step, prompt tokens per step, step seconds), and with
    ``decode_only`` the seconds of the same step without its prompt tokens. Every step decodes
    one token of each running sequence and prefills prompt tokens at the rate requests arrive
    (input / output prompt tokens per decoded token), all within the engine's
    ``max_tokens_per_step`` (per scheduler); past that budget the prompts wait and fewer
    sequences decode.
    """
    batch = _batch(batch, input_tokens, output_tokens, r, capped=True)
    budget = r["schedulers"] * r["max_tokens_per_step"]
    tokens = _min(batch * (input_tokens + output_tokens) / output_tokens, budget)
    decode = tokens * output_tokens / (input_tokens + output_tokens)
    prompt = tokens * input_tokens / (input_tokens + output_tokens)
    context = input_tokens + output_tokens / 2.0
    parts = (decode, prompt, _step(decode, prompt, context, input_tokens, r))
    return (*parts, _step(decode, 0.0, context, input_tokens, r)) if decode_only else parts


def _continuous_ttft(batch, input_tokens, output_tokens, r):
    """Seconds to the first token of a request joining ``batch`` others under continuous batching.

    Its prompt is prefilled in chunks of the token budget the running sequences leave
    (``max_tokens_per_step`` less one token per sequence of its scheduler), each chunk one step
    beside their decode tokens; it first waits on average half a step for the running one.
    """
    batch = _batch(batch, input_tokens, output_tokens, r, capped=True)
    per_scheduler = batch / r["schedulers"]
    chunk = np.maximum(r["max_tokens_per_step"] - per_scheduler, 1.0)
    chunks = np.ceil(input_tokens / chunk)
    step_s = _step(batch, r["schedulers"] * np.minimum(input_tokens, r["max_tokens_per_step"]),
                   input_tokens + output_tokens / 2.0, input_tokens, r)
    return (chunks + 0.5) * step_s


def _batching(batching):
    return _check.choice("batching", batching)


@_replica_quantity({"static": "{batch}*{output_tokens}/(" + _REQUEST_EXCEL + ")",
           "continuous": "(" + _STEP_DECODE + ")/" + _RUNNING_EXCEL}, choice="batching")
def output_tokens_per_s(input_tokens, output_tokens, batch=None, batching="continuous", **replica):
    """Output tokens/s of one replica serving requests of ``input_tokens`` in, ``output_tokens`` out.

    ``batching="continuous"`` (the default; in-flight batching as engines run it): ``batch``
    requests in flight (None: as many as fit in memory and the engine's ``max_sequences``
    admits); each step decodes one token per sequence and prefills the prompts of the
    requests that replace finished ones, within ``max_tokens_per_step``: throughput =
    sequences decoding / step seconds. ``"static"``: ``batch`` requests start and end
    together, their prefill inside the time: B x output_tokens / (prefill of B prompts +
    (output_tokens - 1) decode steps at the mean context).

    >>> r = dict(LLAMA2_7B_EXAMPLE, n_units=1, peak_flops_per_s=312e12, memory_bytes=80e9,
    ...          memory_bandwidth_bytes_per_s=2.039e12, interconnect_bytes_per_s=300e9)
    >>> output_tokens_per_s(128, 128, 1, **r) < output_tokens_per_s(128, 128, 64, **r)
    True
    """
    r = _replica(replica)
    input_tokens, output_tokens = _check_lengths(input_tokens, output_tokens)
    if _batching(batching) == "static":
        batch, prefill_s, step_s = _static_parts(batch, input_tokens, output_tokens, r)
        return batch * output_tokens / (prefill_s + (output_tokens - 1.0) * step_s)
    decode, _, step_s = _continuous_parts(batch, input_tokens, output_tokens, r)
    return decode / step_s


@_replica_quantity({"static": _PREFILL_EXCEL, "continuous": _TTFT_EXCEL}, choice="batching")
def ttft_seconds(input_tokens, output_tokens, batch=1, batching="continuous", **replica):
    """Seconds to the first token.

    ``"continuous"``: a request joining ``batch`` - 1 others in flight: its prompt in chunks
    beside their decode steps, after half a step's wait. ``"static"``: the prefill of
    ``batch`` prompts arriving together. ``output_tokens`` checks that the batch fits at
    input + output tokens; ``batch`` None: the largest batch that fits.

    >>> r = dict(LLAMA2_7B_EXAMPLE, n_units=1, peak_flops_per_s=312e12, memory_bytes=80e9,
    ...          memory_bandwidth_bytes_per_s=2.039e12, interconnect_bytes_per_s=300e9)
    >>> ttft_seconds(2048, 1, 1, "static", **r) == prefill_seconds(1, 2048, **r)
    True
    """
    r = _replica(replica)
    input_tokens, output_tokens = _check_lengths(input_tokens, output_tokens)
    if _batching(batching) == "static":
        return _static_parts(batch, input_tokens, output_tokens, r)[1]
    return _continuous_ttft(batch, input_tokens, output_tokens, r)


@_replica_quantity({"static": _TPOT_EXCEL, "continuous": _RUNNING_EXCEL}, choice="batching")
def tpot_seconds(input_tokens, output_tokens, batch=1, batching="continuous", **replica):
    """Seconds per output token while decoding.

    ``"static"``: one decode step of ``batch`` sequences at the mean context.
    ``"continuous"``: one step of the ``batch`` sequences in flight, with the prompts of the
    requests joining them prefilled in the same step.

    >>> r = dict(LLAMA2_7B_EXAMPLE, n_units=1, peak_flops_per_s=312e12, memory_bytes=80e9,
    ...          memory_bandwidth_bytes_per_s=2.039e12, interconnect_bytes_per_s=300e9)
    >>> tpot_seconds(100, 3800, 1, **r) > tpot_seconds(100, 200, 1, **r)   # KV reads grow with context
    True
    """
    r = _replica(replica)
    input_tokens, output_tokens = _check_lengths(input_tokens, output_tokens)
    if _batching(batching) == "static":
        return _static_parts(batch, input_tokens, output_tokens, r)[2]
    return _continuous_parts(batch, input_tokens, output_tokens, r)[2]


@_replica_quantity({"static": _REQUEST_EXCEL, "continuous": _TTFT_EXCEL + "+({output_tokens}-1)*" + _RUNNING_EXCEL},
          choice="batching")
def request_seconds(input_tokens, output_tokens, batch=1, batching="continuous", **replica):
    """Seconds from a request's arrival to its last token: ttft + (output_tokens - 1) x tpot.

    >>> r = dict(LLAMA2_7B_EXAMPLE, n_units=1, peak_flops_per_s=312e12, memory_bytes=80e9,
    ...          memory_bandwidth_bytes_per_s=2.039e12, interconnect_bytes_per_s=300e9)
    >>> request_seconds(512, 10, 1, **r) == ttft_seconds(512, 10, 1, **r) + 9 * tpot_seconds(512, 10, 1, **r)
    True
    """
    r = _replica(replica)
    input_tokens, output_tokens = _check_lengths(input_tokens, output_tokens)
    if _batching(batching) == "static":
        _, prefill_s, step_s = _static_parts(batch, input_tokens, output_tokens, r)
        return prefill_s + (output_tokens - 1.0) * step_s
    step_s = _continuous_parts(batch, input_tokens, output_tokens, r)[2]
    return _continuous_ttft(batch, input_tokens, output_tokens, r) + (output_tokens - 1.0) * step_s


def _usd_per_s(price_usd_per_hour, r):
    return _check.nonnegative("price_usd_per_hour", price_usd_per_hour) * r["n_units"] / 3600.0


def _cost_parts(input_tokens, output_tokens, price_usd_per_hour, batch, batching, r):
    """(USD per input token, USD per output token) of the replica's time.

    Static: the batch's prefill priced as input, its output_tokens - 1 decode steps shared over
    all output tokens (the first comes out of the prefill). Continuous: a step without its
    prompt tokens priced as output, what the prompt tokens add to it as input.
    """
    input_tokens, output_tokens = _check_lengths(input_tokens, output_tokens)
    usd_per_s = _usd_per_s(price_usd_per_hour, r)
    if _batching(batching) == "static":
        batch, prefill_s, step_s = _static_parts(batch, input_tokens, output_tokens, r)
        return (usd_per_s * prefill_s / (batch * input_tokens),
                usd_per_s * (output_tokens - 1.0) * step_s / (batch * output_tokens))
    decode, prefill, step_s, decode_s = _continuous_parts(batch, input_tokens, output_tokens, r, decode_only=True)
    return usd_per_s * (step_s - decode_s) / prefill, usd_per_s * decode_s / decode


@_replica_quantity({"static": _USD_PER_S + "*" + _PREFILL_EXCEL + "/({batch}*{input_tokens})*1E+6",
           "continuous": _USD_PER_S + "*" + _INPUT_USD + "*1E+6"}, choice="batching")
def input_usd_per_million(input_tokens, output_tokens, price_usd_per_hour, batch=None, batching="continuous",
                          **replica):
    """USD per 1M input tokens: the replica's cost for the time prompts take, over their tokens.

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
    return _cost_parts(input_tokens, output_tokens, price_usd_per_hour, batch, batching, r)[0] * 1e6


@_replica_quantity({"static": _USD_PER_S + "*({output_tokens}-1)*" + _TPOT_EXCEL + "/({batch}*{output_tokens})*1E+6",
           "continuous": _USD_PER_S + "*" + _OUTPUT_USD + "*1E+6"}, choice="batching")
def output_usd_per_million(input_tokens, output_tokens, price_usd_per_hour, batch=None, batching="continuous",
                           **replica):
    """USD per 1M output tokens: the replica's cost for the decode work, over the tokens generated.

    An ``output_tokens`` below 2 has no decode step to price and is refused.
    See :func:`input_usd_per_million`.
    """
    r = _replica(replica)
    output_tokens = _check.positive("output_tokens", output_tokens)
    one = output_tokens < 2
    if _any(one):
        raise _check.InputError("output_tokens", "must be at least 2 for a cost per output token: the first token "
                                "comes out of the prefill (priced as input), the decode steps make the rest",
                                _first(output_tokens, one))
    return _cost_parts(input_tokens, output_tokens, price_usd_per_hour, batch, batching, r)[1] * 1e6


@_replica_quantity({"static": _USD_PER_S + "*(" + _REQUEST_EXCEL + ")/{batch}",
           "continuous": _USD_PER_S + "*(" + _INPUT_USD + "*{input_tokens}+" + _OUTPUT_USD + "*{output_tokens})"},
          choice="batching")
def request_usd(input_tokens, output_tokens, price_usd_per_hour, batch=None, batching="continuous", **replica):
    """USD per request: input_tokens at the input price plus output_tokens at the output price.

    See :func:`input_usd_per_million`.
    """
    r = _replica(replica)
    per_input, per_output = _cost_parts(input_tokens, output_tokens, price_usd_per_hour, batch, batching, r)
    return per_input * input_tokens + per_output * output_tokens


UNIT_COUNTS = (1, 2, 4, 8)  # replica sizes tried: one 8-chip node at most


def load_plan(requests_per_s, input_tokens, output_tokens, ttft_s=None, tpot_s=None, **replica):
    """The cheapest way to serve ``requests_per_s``: replica size, concurrency and replicas (continuous batching).

    For each replica size in :data:`UNIT_COUNTS` that holds the model (and, tensor parallel,
    divides its heads), and each concurrency from 1 to what fits and the engine admits, a
    replica serves throughput / output_tokens requests per second with the TTFT and TPOT of
    :func:`ttft_seconds` and :func:`tpot_seconds`. The plan is the fewest chips over those
    meeting both targets (None: no target); ties go to the smaller replica. Queueing is not
    modelled: the load is steady. No closed form (a search), so no Excel rendering.
    ``replica`` is as for :func:`output_tokens_per_s` without ``n_units``.

    Returns a dict: replicas, chips_per_replica, chips, concurrency (per replica), ttft, tpot,
    requests_per_s_per_replica, output_tokens_per_s (per replica).

    >>> r = dict(LLAMA2_7B_EXAMPLE, peak_flops_per_s=989e12, memory_bytes=80e9,
    ...          memory_bandwidth_bytes_per_s=3.35e12, interconnect_bytes_per_s=450e9)
    >>> plan = load_plan(10, 1000, 200, **r)
    >>> plan["chips"] == plan["replicas"] * plan["chips_per_replica"]
    True
    """
    requests_per_s = float(_check.positive("requests_per_s", requests_per_s))
    input_tokens = float(_check.positive("input_tokens", input_tokens))
    output_tokens = float(_check.positive("output_tokens", output_tokens))
    ttft_target = np.inf if ttft_s is None else float(_check.positive("ttft_s", ttft_s))
    tpot_target = np.inf if tpot_s is None else float(_check.positive("tpot_s", tpot_s))
    best, fastest, last_error = None, None, None
    for n_units in UNIT_COUNTS:
        try:
            r = _replica({**replica, "n_units": n_units})
            most = float(_batch(None, input_tokens, output_tokens, r, capped=True))
        except (FitError, _check.InputError) as error:
            if isinstance(error, _check.InputError) and error.argument != "n_units":
                raise
            last_error = error
            continue
        batch = np.unique(np.round(np.geomspace(1.0, most, int(min(most, 256)))))
        decode, _, step_s = _continuous_parts(batch, input_tokens, output_tokens, r)
        ttft = _continuous_ttft(batch, input_tokens, output_tokens, r)
        rate = decode / step_s / output_tokens
        if fastest is None or (ttft[0], step_s[0]) < fastest[:2]:
            fastest = (float(ttft[0]), float(step_s[0]), n_units)
        ok = np.flatnonzero((ttft <= ttft_target) & (step_s <= tpot_target))
        if not ok.size:
            continue
        i = ok[np.argmax(rate[ok])]
        replicas = np.ceil(requests_per_s / rate[i])
        if best is None or n_units * replicas < best["chips"]:
            best = {"replicas": float(replicas), "chips_per_replica": float(n_units),
                    "chips": float(n_units * replicas), "concurrency": float(batch[i]), "ttft": float(ttft[i]),
                    "tpot": float(step_s[i]), "requests_per_s_per_replica": float(rate[i]),
                    "output_tokens_per_s": float(rate[i] * output_tokens)}
    if best is not None:
        return best
    if fastest is None:
        raise last_error
    ttft, tpot, n_units = fastest
    if ttft > ttft_target:
        raise _check.InputError("ttft_s", f"cannot be met: at best (concurrency 1, {n_units} chips) {ttft:.3g} s",
                                ttft_s)
    raise _check.InputError("tpot_s", f"cannot be met: at best (concurrency 1, {n_units} chips) {tpot:.3g} s", tpot_s)


def chips_for_load(requests_per_s, input_tokens, output_tokens, ttft_s=None, tpot_s=None, **replica):
    """Whole chips a load of ``requests_per_s`` needs: :func:`load_plan`'s replicas x chips per replica.

    Array arguments give an array (one plan per element).

    >>> r = dict(LLAMA2_7B_EXAMPLE, peak_flops_per_s=989e12, memory_bytes=80e9,
    ...          memory_bandwidth_bytes_per_s=3.35e12, interconnect_bytes_per_s=450e9)
    >>> chips_for_load(10, 1000, 200, **r) <= chips_for_load(10, 1000, 200, tpot_s=0.02, **r)
    True
    """
    arrays = [requests_per_s, input_tokens, output_tokens, ttft_s, tpot_s]
    if all(np.ndim(a) == 0 for a in arrays):
        return load_plan(requests_per_s, input_tokens, output_tokens, ttft_s, tpot_s, **replica)["chips"]

    def one(rps, i, o, ttft, tpot):
        return load_plan(rps, i, o, None if np.isnan(ttft) else ttft, None if np.isnan(tpot) else tpot,
                         **replica)["chips"]

    nan = float("nan")
    return np.vectorize(one, otypes=[float])(requests_per_s, input_tokens, output_tokens,
                                             nan if ttft_s is None else ttft_s, nan if tpot_s is None else tpot_s)



# a load's replicas are sized by the planner: every replica keyword but n_units, filled as the others
load_plan.needs = chips_for_load.needs = inputs.declare(
    load_plan, REPLICA_MODEL, REPLICA_HARDWARE, keywords={k: v for k, v in REPLICA_KEYWORDS.items() if k != "n_units"})

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
