"""What each core quantity takes: every argument's dimension, and which catalog fields may fill it.

This is the one place the rule lives. The CLI (``xlcost calc --model/--hardware``), the
Excel functions (``xlcost.udfs``: a model or hardware name typed into a cell) and the
workbook generator all read it through :func:`needs`; none keeps its own copy.

How a quantity declares its needs (for developers adding one)
--------------------------------------------------------------
Write the function in ``xlcost/core`` and mark it with :func:`xlcost.core._check.quantity`::

    @quantity(
        "{params}*{bytes_per_param}",             # its native Excel rendering
        model={"params": TOTAL_PARAMS},           # argument -> field of a catalog model
        hardware={"memory_bytes": "memory_bytes"},  # argument -> field of a chip/instance
    )
    def model_memory_bytes(params, bytes_per_param=2): ...

1. Every argument name must have a dimension in :data:`ARGUMENTS` (the CLI and Excel
   read text such as "80GB" or "2B" by it, and refuse "80GB" where a count belongs).
   Reuse a name whose meaning and unit match; otherwise add one. Import fails, naming
   the argument, when one is missing.
2. ``model`` maps an argument to a field of :data:`MODEL_FIELDS` *only* when the field
   means exactly what the argument means. Training tokens are not a prompt: a serving
   quantity's ``prompt_tokens`` must not be filled from ``training_tokens``. Memory
   takes :data:`TOTAL_PARAMS` (an MoE holds all experts), compute takes
   :data:`ACTIVE_PARAMS` (a token passes through the routed experts only).
3. ``hardware`` maps an argument to a field of :data:`HARDWARE_FIELDS` the same way.
4. ``defaults`` gives the value the CLI and the Excel functions use when an argument
   that Python requires is omitted (e.g. ``utilization``: :data:`TRAINING_UTILIZATION`),
   so both front ends agree; an argument with a Python default needs no entry.
5. An argument that picks a convention (a text choice) lists its options in
   :data:`CHOICES`; the Excel rendering is then a dict ``{option: pattern}``.

Nothing else is needed: ``xlcost calc <name>`` gets options with units and defaults,
``--model``/``--hardware`` fill what is declared, and the Excel helpers
(``xlcost.excel_values.declared``) accept a catalog name wherever a field is declared.
The tests check every declaration against the catalog and every Excel rendering
against the Python function on random inputs, discovering new quantities by themselves.
"""

from typing import NamedTuple

from ..errors import InputError


class Argument(NamedTuple):
    """How an argument is read and shown: ``dimension`` for parsing text, ``unit`` for help."""

    dimension: str  # one of xlcost.units.DIMENSIONS, "flag" or "choice"
    unit: str


_COUNT = "count"
# argument name -> how it is read; one entry per meaning, shared by every quantity
ARGUMENTS = {
    # model size and shape
    "params": Argument(_COUNT, "parameters"),
    "memory_params": Argument(_COUNT, "parameters held in memory"),
    "n_layers": Argument(_COUNT, "layers"),
    "d_model": Argument(_COUNT, "model width"),
    "d_attn": Argument(_COUNT, "attention width = n_heads x head_dim"),
    "d_ff": Argument(_COUNT, "feed-forward width"),
    "n_heads": Argument(_COUNT, "attention heads"),
    "n_kv_heads": Argument(_COUNT, "key/value heads"),
    "head_dim": Argument(_COUNT, "width of one attention head"),
    "kv_dim": Argument(_COUNT, "key/value width = n_kv_heads x head_dim"),
    "vocab": Argument(_COUNT, "tokens in the vocabulary"),
    "n_experts": Argument(_COUNT, "routed experts per MoE layer"),
    "experts_per_token": Argument(_COUNT, "routed experts a token uses"),
    "n_shared_experts": Argument(_COUNT, "experts every token uses"),
    "expert_d_ff": Argument(_COUNT, "feed-forward width of one expert"),
    "q_lora_rank": Argument(_COUNT, "query latent width (MLA)"),
    "kv_lora_rank": Argument(_COUNT, "key/value latent width (MLA)"),
    "qk_rope_head_dim": Argument(_COUNT, "rotary part of a query/key head (MLA)"),
    "qk_nope_head_dim": Argument(_COUNT, "non-rotary part of a query/key head (MLA)"),
    "v_head_dim": Argument(_COUNT, "width of a value head (MLA)"),
    "active": Argument("flag", "true/false"),
    "gated_ffn": Argument("flag", "true/false"),
    "tied_embeddings": Argument("flag", "true/false"),
    "biases": Argument("flag", "true/false"),
    # tokens and work
    "tokens": Argument(_COUNT, "tokens"),
    "context": Argument(_COUNT, "tokens of context"),
    "batch": Argument(_COUNT, "sequences"),
    "tokens_per_s": Argument(_COUNT, "tokens per second"),
    "words": Argument(_COUNT, "words"),
    "words_per_1k_tokens": Argument(_COUNT, "words per 1,000 tokens"),
    "flops": Argument("flops", "FLOPs"),
    "flops_per_token": Argument("flops", "FLOPs per token"),
    "flops_per_param": Argument(_COUNT, "FLOPs per parameter per token"),
    "causal": Argument("flag", "true/false"),
    "attention": Argument("choice", "convention"),
    "method": Argument("choice", "estimate"),
    "fit": Argument("choice", "fit"),
    # hardware
    "n_units": Argument(_COUNT, "hardware units"),
    "peak_flops_per_s": Argument("flop/s", "FLOP/s"),
    "utilization": Argument("fraction", "fraction of peak"),
    "memory_bytes": Argument("bytes", "bytes"),
    "memory_bandwidth_bytes_per_s": Argument("bytes/s", "bytes/s"),
    "bytes_per_param": Argument("bytes", "bytes per parameter"),
    "bytes_per_value": Argument("bytes", "bytes per cached number"),
    "kv_bytes_per_token": Argument("bytes", "bytes per cached token"),
    "watts": Argument(_COUNT, "W"),
    # serving (xlcost.core.serving)
    "input_tokens": Argument(_COUNT, "prompt tokens per request"),
    "output_tokens": Argument(_COUNT, "generated tokens per request"),
    "requests_per_s": Argument(_COUNT, "requests per second"),
    "ttft_s": Argument("seconds", "seconds to first token"),
    "tpot_s": Argument("seconds", "seconds per output token"),
    "latent_dim": Argument(_COUNT, "cached latent width per token per layer (MLA)"),
    "window": Argument(_COUNT, "sliding-window tokens"),
    "window_layers": Argument(_COUNT, "layers with a sliding window"),
    "moe_layers": Argument(_COUNT, "layers with routed experts"),
    "attended_per_token": Argument(_COUNT, "cached tokens attended, summed over layers"),
    "shared_weight_bytes": Argument("bytes", "bytes"),
    "expert_weight_bytes": Argument("bytes", "bytes"),
    "weight_bytes": Argument("bytes", "bytes of weights held"),
    "kv_bytes_per_sequence": Argument("bytes", "bytes of KV cache per sequence"),
    "weight_bytes_read": Argument("bytes", "bytes"),
    "kv_bytes_moved": Argument("bytes", "bytes"),
    "activation_bytes": Argument("bytes", "bytes per activation value"),
    "interconnect_bytes_per_s": Argument("bytes/s", "bytes/s, one direction per chip"),
    "linear_flops_per_token": Argument("flops", "FLOPs per token"),
    "attention_flops_per_attended": Argument("flops", "FLOPs per attended token per layer"),
    "compute_efficiency": Argument("fraction", "fraction of peak FLOP/s"),
    "gemm_efficiency": Argument("fraction", "fraction of peak FLOP/s the chip's large GEMMs reach (0: not measured)"),
    "bandwidth_efficiency": Argument("fraction", "fraction of memory bandwidth"),
    "memory_reserve": Argument("fraction", "fraction of memory"),
    "layer_overhead_s": Argument(_COUNT, "seconds per layer"),
    "allreduce_latency_s": Argument(_COUNT, "seconds per all-reduce"),
    # training layouts (xlcost.core.training)
    "tp": Argument(_COUNT, "tensor-parallel chips"),
    "pp": Argument(_COUNT, "pipeline stages"),
    "cp": Argument(_COUNT, "context-parallel chips"),
    "ep": Argument(_COUNT, "expert-parallel chips"),
    "dp": Argument(_COUNT, "data-parallel replicas"),
    "zero": Argument(_COUNT, "ZeRO stage 0-3"),
    "recompute": Argument(_COUNT, "0 none, 1 selective, 2 full"),
    "virtual": Argument(_COUNT, "interleaved stages per pipeline rank"),
    "micro_batch": Argument(_COUNT, "sequences per micro-batch"),
    "seq_len": Argument(_COUNT, "tokens per training sequence"),
    "expert_params": Argument(_COUNT, "parameters in routed experts"),
    "ffn_width": Argument(_COUNT, "feed-forward width a token passes (MoE: routed + shared experts)"),
    "gated": Argument("flag", "true/false"),
    "grad_bytes": Argument("bytes", "bytes per gradient"),
    "optimizer_bytes": Argument("bytes", "bytes of optimizer state per parameter"),
    "global_batch": Argument(_COUNT, "sequences per training step"),
    "matmul_params": Argument(_COUNT, "parameters a token multiplies (active, no input embedding)"),
    "head_params": Argument(_COUNT, "parameters of the output layer (vocab x d_model)"),
    "peak16_flops_per_s": Argument("flop/s", "16-bit dense peak FLOP/s"),
    "compute_efficiency16": Argument("fraction", "fraction of the 16-bit peak in GEMMs"),
    "scale_up_bytes_per_s": Argument("bytes/s", "bytes/s, scale-up link, one direction per chip"),
    "scale_out_bytes_per_s": Argument("bytes/s", "bytes/s, cluster network, one direction per chip"),
    "scale_up_domain": Argument(_COUNT, "chips joined by the scale-up link"),
    "grad_comm_bytes": Argument("bytes", "bytes per gradient reduced"),
    "cast_bytes": Argument("bytes", "HBM bytes per value cast for an 8-bit GEMM"),
    "gemm_share": Argument("fraction", "share of the large-GEMM rate training GEMMs sustain"),
    "attention_efficiency": Argument("fraction", "fraction of the 16-bit peak in attention"),
    "collective_efficiency": Argument("fraction", "bus bandwidth over link bandwidth"),
    "dp_overlap": Argument("fraction", "share of data-parallel traffic hidden"),
    "ep_overlap": Argument("fraction", "share of expert all-to-all hidden"),
    "elementwise_passes": Argument(_COUNT, "HBM passes over each stored activation"),
    "expert_tokens_half": Argument(_COUNT, "tokens per expert per step at half grouped-GEMM efficiency"),
    "expert_params_half": Argument(_COUNT, "parameters of one expert at half grouped-GEMM efficiency"),
    "tokens_per_expert": Argument(_COUNT, "tokens (rows) one expert gets in a step"),
    "params_per_expert": Argument(_COUNT, "parameters of one routed expert of one layer"),
    "expert_weight_bytes_read": Argument("bytes", "bytes of routed experts read"),
    "decode_attention_flops_per_attended": Argument("flops", "FLOPs per attended token per layer, decode"),
    "max_sequences": Argument(_COUNT, "sequences in flight per scheduler (engine cap)"),
    "max_tokens_per_step": Argument(_COUNT, "tokens per engine step per scheduler (engine cap)"),
    "expert_flops_per_token": Argument("flops", "FLOPs per token in routed experts"),
    "scale_up_domain": Argument(_COUNT, "chips one scale-up link joins"),
    "scale_out_bytes_per_s": Argument("bytes/s", "bytes/s, one direction per chip"),
    "batching": Argument("choice", "batching"),
    "parallel": Argument("choice", "parallelism"),
    # money
    "price_usd_per_hour": Argument("usd", "USD per unit-hour"),
    "price_usd_per_1k_tokens": Argument("usd", "USD per 1,000 tokens"),
    # API list prices (xlcost.core.api_prices; catalog api_prices.csv)
    "cached_input_tokens": Argument(_COUNT, "prompt tokens per request read from the provider's cache"),
    "price_input_usd_per_1m_tokens": Argument("usd", "USD per 1M input tokens"),
    "price_cached_input_usd_per_1m_tokens": Argument("usd", "USD per 1M cached input tokens"),
    "price_output_usd_per_1m_tokens": Argument("usd", "USD per 1M output tokens"),
    "cache_write_tokens": Argument(_COUNT, "prompt tokens per request written to the provider's cache"),
    "price_cache_write_usd_per_1m_tokens": Argument("usd", "USD per 1M tokens written to the cache"),
    "price_usd": Argument("usd", "USD"),
    "usd": Argument("usd", "USD"),
    "revenue_usd": Argument("usd", "USD"),
    "cache_hit_rate": Argument("fraction", "fraction"),
    "gross_margin": Argument("fraction", "fraction"),
    "busy": Argument(_COUNT, "hours (or any time unit)"),
    "idle": Argument(_COUNT, "hours (same unit as busy)"),
}

# text arguments that pick a convention: argument -> {option: what it means}
CHOICES = {
    "attention": {
        "causal": "average over a causal training sequence of `context` tokens: 2 x n_layers x context x "
        "d_attn (Kaplan et al. 2020, Table 1)",
        "full": "the whole context x context matrix, non-causal: 4 x n_layers x context x d_attn (PaLM, "
        "Chowdhery et al. 2022, Appendix B)",
        "decode": "one new token attending to `context` cached tokens: 4 x n_layers x context x d_attn "
        "(QK^T and AV, 2 FLOPs per multiply-add each)",
    },
    "fit": {
        "approach3": "Hoffmann et al. 2022 (arXiv 2203.15556) eq. (10), as printed: E 1.69, A 406.4, B 410.7, "
        "alpha 0.34, beta 0.28",
        "besiroglu": "Besiroglu et al. 2024 (arXiv 2404.10102) refit: E 1.8172, A 482.01, B 2085.43, "
        "alpha 0.3478, beta 0.3658",
    },
    "batching": {
        "continuous": "in-flight batching: batch = requests in flight; prompts of joining requests are prefilled "
        "in the same steps as the others' decode tokens (TensorRT-LLM, vLLM, SGLang)",
        "static": "the batch starts and ends together, its prefill before any decode step (TensorRT-LLM's "
        "gptSessionBenchmark tables of 2023-2024)",
    },
    "parallel": {
        "tp": "tensor parallel: every chip holds 1/n of every weight matrix; two all-reduces per layer",
        "dep": "attention data-parallel + expert parallel: every chip serves its own sequences with the whole "
        "non-expert weights and its own KV cache, the routed experts spread over the chips (all-to-all per MoE layer)",
    },
    "method": {
        "approach1": "Hoffmann et al. 2022 Approach 1, Table 3: N ∝ C^0.50, 67B at 5.76e23 FLOPs",
        "approach2": "Hoffmann et al. 2022 Approach 2, Table A3: N ∝ C^0.49, 67B at 6.88e23 FLOPs",
        "approach3": "Hoffmann et al. 2022 Approach 3: argmin of eq. (10) as printed (32B at 5.76e23)",
        "besiroglu": "Besiroglu et al. 2024 refit of Approach 3 (73B at 5.76e23)",
    },
}

TOTAL_PARAMS = "params"  # every parameter: what memory holds (an MoE: all experts)
ACTIVE_PARAMS = "params_per_token"  # what one token passes through (an MoE: routed experts only)
DENSE_PARAMS = "dense_params"  # params of a dense model; an MoE is refused (a law fitted on dense models)

# the fields a declaration may name: attribute of xlcost.catalog.Model -> meaning
MODEL_FIELDS = {
    TOTAL_PARAMS: "all parameters",
    ACTIVE_PARAMS: "parameters one token passes through (MoE: active; encoder-decoder: half)",
    DENSE_PARAMS: "parameters of a dense model (refused for a mixture of experts)",
    "training_tokens": "tokens the model was trained on",
    "context": "the model's context window (tokens)",
    "n_layers": "layers",
    "d_model": "model width",
    "n_heads": "attention heads",
    "kv_heads": "key/value heads (n_heads without grouped-query attention)",
    "head_dim": "width of one head",
    "attention_width": "n_heads x head_dim",
    "kv_dim": "n_kv_heads x head_dim",
    "d_ff": "feed-forward width",
    "dense_d_ff": "feed-forward width of a dense decoder (refused for MoE and latent attention)",
    "vocab": "vocabulary",
    "gated_ffn": "gated feed-forward (SwiGLU)",
    "tied_embeddings": "output layer shares the input embedding",
    "biases": "linear biases and LayerNorm shifts",
    "learned_context": "positions with learned embeddings (the context window if positions are learned, else 0)",
    "n_experts": "routed experts per MoE layer",
    "experts_per_token": "routed experts a token uses",
    "n_shared_experts": "experts every token uses",
    "expert_d_ff": "feed-forward width of one expert",
    "q_lora_rank": "query latent width (MLA)",
    "kv_lora_rank": "key/value latent width (MLA)",
    "qk_rope_head_dim": "rotary part of a query/key head (MLA)",
    "qk_nope_head_dim": "non-rotary part of a query/key head (MLA)",
    "v_head_dim": "width of a value head (MLA)",
    "sliding_window": "sliding-window tokens",
    "sliding_window_layers": "layers with a sliding window",
    "moe_layers": "layers with routed experts",
    # what the serving core takes (xlcost.core.serving), derived from the architecture
    "shared_params": "parameters outside the routed experts (attention, dense FFN, shared experts, embeddings)",
    "params_per_expert": "parameters of one routed expert of one layer (0: dense)",
    "kv_values_per_token": "numbers cached per token, all layers (2 x KV heads x head_dim, or MLA's latent + rope key)",
    "kv_cache_heads": "KV heads each token's cache holds (MLA: 1, its latent, which every tensor-parallel chip holds)",
    "linear_flops_per_token": "2 x the parameters a token multiplies (active, less an untied input embedding)",
    "expert_flops_per_token": "the part of linear_flops_per_token in routed experts (0: dense)",
    "attention_flops_per_attended": "2 x n_heads x (qk + v head dim): attention FLOPs per cached token and layer",
    "decode_attention_flops_per_attended": "the same in a decode step (MLA absorbed: 2 x n_heads x (2 x latent + rope))",
    # in bytes at a precision (PRECISIONS; MODEL_BYTES_FIELDS says which field each scales)
    "shared_weight_bytes": "bytes of shared_params at the precision's bytes per weight",
    "expert_weight_bytes": "bytes of params_per_expert at the precision's bytes per weight",
    "kv_bytes_per_token": "bytes of kv_values_per_token at the precision's bytes per cached value",
}

# attribute of xlcost.catalog.Hardware (one chip, or one whole instance) -> meaning
HARDWARE_FIELDS = {
    "peak_flops_per_s": "dense 16-bit peak FLOP/s of one unit",
    "memory_bytes": "memory of one unit",
    "memory_bandwidth_bytes_per_s": "memory bandwidth of one unit",
    "interconnect_bytes_per_s": "scale-up bandwidth of one chip, one direction",
    "price_usd_per_hour": "hourly price of one unit (instances; --price-term picks the term)",
    "tdp_watts": "board power of one unit",
    "list_price_usd": "purchase price of one unit",
    "scale_up_domain": "chips the scale-up link joins (1: a card with none; its interconnect figure is PCIe)",
    "scale_out_bytes_per_s": "cluster-network bandwidth of one chip, one direction",
    "bandwidth_efficiency": "achieved fraction of the memory bandwidth, measured (empty: not measured)",
    # at a precision's math (PRECISIONS; HARDWARE_DTYPE_FIELDS says how each is read)
    "dtype_peak_flops_per_s": "dense peak FLOP/s of one unit in the precision's math (fp8 at fp8; int4 at bf16)",
    "gemm_efficiency": "achieved fraction of that peak in large GEMMs, measured (empty: not measured)",
}


class Precision(NamedTuple):
    """What a serving precision means: bytes per weight (scales included), bytes per cached KV
    value, and the chip's math (its peak and GEMM-efficiency column)."""

    weight_bytes: float
    kv_bytes: float
    dtype: str


FP4_BYTES_PER_PARAM = 0.5 + 1 / 16  # NVFP4: one 8-bit (E4M3) scale per block of 16 values
INT4_BYTES_PER_PARAM = 0.5 + 4 / 128  # GPTQ/AWQ, group 128: a 16-bit scale and zero point per group
# the serving functions' precision argument: weights, KV cache and math
PRECISIONS = {
    "bf16": Precision(2.0, 2.0, "bf16"),
    "fp16": Precision(2.0, 2.0, "fp16"),
    "fp8": Precision(1.0, 1.0, "fp8"),
    "int8": Precision(1.0, 2.0, "int8"),  # W8A8 (SmoothQuant-style): int8 math, 16-bit KV
    "fp4": Precision(FP4_BYTES_PER_PARAM, 1.0, "fp4"),
    "int4": Precision(INT4_BYTES_PER_PARAM, 2.0, "bf16"),  # W4A16 (AWQ/GPTQ): 16-bit math
}
DEFAULT_PRECISION = "bf16"
# model fields in bytes at a precision: field -> (the field it scales, the Precision part per unit)
MODEL_BYTES_FIELDS = {
    "shared_weight_bytes": ("shared_params", "weight_bytes"),
    "expert_weight_bytes": ("params_per_expert", "weight_bytes"),
    "kv_bytes_per_token": ("kv_values_per_token", "kv_bytes"),
}
# hardware fields at a precision's math: field -> the xlcost.catalog.Hardware method taking the dtype
HARDWARE_DTYPE_FIELDS = {"dtype_peak_flops_per_s": "peak", "gemm_efficiency": "compute_efficiency"}


def precision(name):
    """The :class:`Precision` of a precision name ("bf16", "FP8", ...), else InputError listing them.

    >>> precision("fp8").weight_bytes
    1.0
    """
    found = PRECISIONS.get(name) or PRECISIONS.get(str(name).strip().lower())
    if found is None:
        raise InputError("precision", f"must be one of {', '.join(PRECISIONS)}", name)
    return found


# defaults the front ends apply (seed article: /work/shared/article-tables.md)
INFERENCE_UTILIZATION = 0.213  # T4: FLOPs utilisation when serving
TRAINING_UTILIZATION = 0.462  # T5, T11: PaLM's MFU on TPU v4
INFERENCE_BYTES_PER_PARAM = 2.0  # 16-bit weights
TRAINING_BYTES_PER_PARAM = 20.0  # T12: mixed-precision Adam state
CACHE_HIT_RATE = 0.30  # T2
GROSS_MARGIN = 0.75  # T2


class Needs(NamedTuple):
    """A quantity's declaration: argument -> model field, argument -> hardware field, argument -> default,
    and the keyword arguments it takes through ``**`` (argument -> its default, None: required)."""

    model: dict
    hardware: dict
    defaults: dict
    keywords: dict = {}


def declare(function, model=None, hardware=None, defaults=None, keywords=None):
    """Check a quantity's declaration against the vocabularies above and return its Needs.

    ``keywords`` lists the arguments a function taking ``**replica`` accepts there (each
    with its default, None where required); a declaration may fill them like named ones.
    Raises TypeError at import, naming the quantity and the argument, so a mistake in a
    new quantity cannot ship.
    """
    import inspect

    name = function.__name__
    parameters = inspect.signature(function).parameters
    starred = {a for a, p in parameters.items() if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
    if keywords and not any(parameters[a].kind == parameters[a].VAR_KEYWORD for a in starred):
        raise TypeError(f"{name}: keywords declared, but it takes no **keywords")
    arguments = [a for a in parameters if a not in starred] + list(keywords or {})
    for argument in arguments:
        if argument not in ARGUMENTS:
            raise TypeError(f"{name}: argument {argument!r} has no entry in xlcost.core.inputs.ARGUMENTS")
        if ARGUMENTS[argument].dimension == "choice" and argument not in CHOICES:
            raise TypeError(f"{name}: choice argument {argument!r} has no options in CHOICES")
    for kind, fields, vocabulary in (("model", model or {}, MODEL_FIELDS), ("hardware", hardware or {}, HARDWARE_FIELDS)):
        for argument, field in fields.items():
            if argument not in arguments:
                raise TypeError(f"{name}: {kind} declaration names {argument!r}, which is not an argument")
            if field not in vocabulary:
                raise TypeError(f"{name}: {kind} field {field!r} is not in xlcost.core.inputs")
    for argument in defaults or {}:
        if argument not in arguments:
            raise TypeError(f"{name}: default given for {argument!r}, which is not an argument")
    return Needs(dict(model or {}), dict(hardware or {}), dict(defaults or {}), dict(keywords or {}))


def needs(function):
    """The declaration of a core quantity: ``needs(core.units_needed).model["memory_params"]``.

    >>> from xlcost import core
    >>> needs(core.model_memory_bytes).model
    {'params': 'params'}
    >>> needs(core.prefill_seconds).model.get("tokens") is None   # a prompt is not training data
    True
    """
    return function.needs
