"""The economics: pure functions of numbers and numpy arrays, SI units, broadcasting.

Scalars in give a float out; arrays in give an array out. Each function carries its
native Excel rendering as ``function.excel`` (see ``xlcost.core._check.excel``).
"""

from .api_prices import api_tokens_cost_usd
from .cost import (
    compute_cost_usd,
    inference_cost_usd_per_1k_tokens,
    train_cost_usd,
    training_days,
    unit_hours,
    units_for_compute,
    units_for_memory,
    units_needed,
)
from .economics import (
    api_cost_usd,
    duty_cycle,
    flops_per_s_per_usd,
    flops_per_s_per_watt,
    serving_cost_usd,
    usd_per_1k_tokens_from_words,
    words_to_tokens,
)
from .flops import (
    attention_flops_per_token,
    forward_flops_per_token,
    training_flops,
    training_flops_per_token,
    transformer_params,
)
from .memory import kv_cache_bytes, model_memory_bytes
from .params import attention_params, ffn_params, mla_attention_params, moe_ffn_params
from .scaling import chinchilla_loss, compute_optimal_params, compute_optimal_tokens
from .serving import (
    allreduce_seconds,
    alltoall_seconds,
    attended_token_layers,
    expert_gemm_efficiency,
    expert_seconds,
    forward_seconds,
    kv_bytes_per_sequence,
    kv_bytes_per_token,
    kv_fit_batch,
    weight_bytes,
    weight_bytes_read,
)
from .throughput import decode_tokens_per_s, mfu, prefill_seconds
from .training import activation_bytes, state_bytes, stored_values_per_token_layer

__all__ = [
    "api_cost_usd", "api_tokens_cost_usd", "attention_flops_per_token", "chinchilla_loss", "compute_cost_usd",
    "compute_optimal_params", "compute_optimal_tokens", "decode_tokens_per_s", "duty_cycle",
    "flops_per_s_per_usd", "flops_per_s_per_watt", "forward_flops_per_token",
    "inference_cost_usd_per_1k_tokens", "kv_cache_bytes", "mfu", "model_memory_bytes",
    "prefill_seconds", "serving_cost_usd", "train_cost_usd", "training_days", "training_flops",
    "training_flops_per_token", "transformer_params", "unit_hours", "units_for_compute",
    "units_for_memory", "units_needed", "usd_per_1k_tokens_from_words", "words_to_tokens",
    # parameter counts of transformer blocks (xlcost.core.params)
    "attention_params", "ffn_params", "mla_attention_params", "moe_ffn_params",
    # serving building blocks with explicit arguments, for workbooks (xlcost.core.serving)
    "allreduce_seconds", "alltoall_seconds", "attended_token_layers", "expert_gemm_efficiency", "expert_seconds",
    "forward_seconds", "kv_bytes_per_sequence", "kv_bytes_per_token", "kv_fit_batch", "weight_bytes",
    "weight_bytes_read",
    # training memory per chip of a layout, for workbooks (xlcost.core.training)
    "activation_bytes", "state_bytes", "stored_values_per_token_layer",
]
