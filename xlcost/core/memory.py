"""Bytes a model occupies: weights, training state, KV cache."""

from . import _check
from ._check import quantity
from .inputs import TOTAL_PARAMS


@quantity("{params}*{bytes_per_param}", model={"params": TOTAL_PARAMS})
def model_memory_bytes(params, bytes_per_param=2):
    """Bytes to hold ``params``: 2 per parameter for 16-bit weights, ~16-20 for
    mixed-precision Adam training state (weights, gradients, optimiser moments).

    >>> model_memory_bytes(340e6, 20)   # BERT-Large training state (seed 002, T12)
    6800000000.0
    """
    return (
        _check.positive("params", params) * _check.positive("bytes_per_param", bytes_per_param)
    )


# context is the workload's (tokens cached per sequence), not filled from the model's window
@quantity("2*{n_layers}*{kv_dim}*{context}*{batch}*{bytes_per_value}", model={"n_layers": "n_layers", "kv_dim": "kv_dim"})
def kv_cache_bytes(n_layers, kv_dim, context, batch=1, bytes_per_value=2):
    """Bytes of keys and values cached for ``batch`` sequences of ``context`` tokens.

    ``kv_dim`` = KV heads x head dimension (= d_model without grouped-query attention).
    >>> kv_cache_bytes(40, 5120, 1)   # LLaMA-13B, one token, 16-bit: ~0.8 MB
    819200.0
    """
    return (
        2.0
        * _check.positive("n_layers", n_layers)
        * _check.positive("kv_dim", kv_dim)
        * _check.nonnegative("context", context)
        * _check.nonnegative("batch", batch)
        * _check.positive("bytes_per_value", bytes_per_value)
    )
