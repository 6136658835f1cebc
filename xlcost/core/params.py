"""Parameter counts of a transformer's blocks: attention (multi-head, grouped-query, latent) and feed-forward (dense, MoE).

Each block is one core quantity with its Excel rendering; ``transformer_params``
(dense decoders, in ``flops``) adds them up with norms and embeddings, and
``xlcost.catalog.Model`` adds them up for mixture-of-experts and latent-attention
models, whose layers are not all alike. Switches (``gated_ffn``, ``biases``,
``active``) broadcast like numbers: true is any value > 0.5.
"""

import numpy as np

from . import _check
from ._check import quantity


_SCALARS = frozenset((bool, int, float, np.bool_, np.float64))


def _switch(values):
    """A switch: TRUE/FALSE, 1/0; a plain bool for a scalar (the fast path), else a boolean array."""
    if type(values) in _SCALARS:
        return bool(values > 0.5)
    return np.asarray(values, dtype=float) > 0.5


def _where(condition, yes, no):
    """``yes`` where ``condition`` holds, else ``no``; plain Python for a scalar switch."""
    if type(condition) is bool:
        return yes if condition else no
    return np.where(condition, yes, no)


@quantity(
    "2*{d_model}*({n_heads}+{n_kv_heads})*{head_dim}"
    "+IF({biases},({n_heads}+2*{n_kv_heads})*{head_dim}+{d_model},0)",
    model={**{f: f for f in ("d_model", "n_heads", "head_dim", "biases")}, "n_kv_heads": "kv_heads"},
)
def attention_params(d_model, n_heads, n_kv_heads, head_dim, biases=False):
    """Parameters of one attention block: Q, K, V and output projections.

    Q maps d_model to n_heads x head_dim and the output projection maps it back; K and
    V map d_model to n_kv_heads x head_dim each (multi-head: n_kv_heads = n_heads;
    grouped-query: fewer; multi-query: 1). ``biases`` adds one per output of each
    projection. The attention width n_heads x head_dim need not equal d_model
    (PaLM: 48 x 256 = 12,288 against d_model 18,432).

    Parameters
    ----------
    d_model : float or array, model width.
    n_heads, n_kv_heads : float or array, query heads and key/value heads (n_kv_heads <= n_heads).
    head_dim : float or array, width of each head.
    biases : bool or array, projections carry biases.

    Returns
    -------
    float or ndarray : parameters (a count).

    >>> attention_params(18432, 48, 1, 256)   # PaLM 540B, one layer: 2 x 18432 x 49 x 256
    462422016.0
    """
    d_model = _check.positive("d_model", d_model)
    n_heads = _check.positive("n_heads", n_heads)
    n_kv_heads = _kv_heads(n_heads, n_kv_heads)
    head_dim = _check.positive("head_dim", head_dim)
    weights = 2 * d_model * (n_heads + n_kv_heads) * head_dim
    return weights + _where(_switch(biases), (n_heads + 2 * n_kv_heads) * head_dim + d_model, 0.0)


def _kv_heads(n_heads, n_kv_heads):
    n_kv_heads = _check.positive("n_kv_heads", n_kv_heads)
    too_many = n_kv_heads > n_heads
    if too_many if type(too_many) in _SCALARS else np.any(too_many):
        raise _check.InputError("n_kv_heads", "must not exceed n_heads", float(np.max(n_kv_heads)))
    return n_kv_heads


@quantity(
    "IF({q_lora_rank}>0,({d_model}+1+{n_heads}*({qk_nope_head_dim}+{qk_rope_head_dim}))*{q_lora_rank},"
    "{d_model}*{n_heads}*({qk_nope_head_dim}+{qk_rope_head_dim}))"
    "+{d_model}*({kv_lora_rank}+{qk_rope_head_dim})+{kv_lora_rank}*(1+{n_heads}*({qk_nope_head_dim}+{v_head_dim}))"
    "+{n_heads}*{v_head_dim}*{d_model}",
    model={f: f for f in ("d_model", "n_heads", "kv_lora_rank", "qk_rope_head_dim", "qk_nope_head_dim", "v_head_dim",
                          "q_lora_rank")},
)
def mla_attention_params(d_model, n_heads, kv_lora_rank, qk_rope_head_dim, qk_nope_head_dim, v_head_dim, q_lora_rank=0):
    """Parameters of one multi-head latent attention block (DeepSeek-V2/V3).

    Keys and values are compressed to a latent of ``kv_lora_rank`` (plus a shared
    rotary key of ``qk_rope_head_dim``): d_model x (kv_lora_rank + qk_rope_head_dim), a
    norm of kv_lora_rank, and an up-projection kv_lora_rank x n_heads x (qk_nope_head_dim
    + v_head_dim). Queries go through a latent of ``q_lora_rank`` the same way (0: a
    plain d_model x n_heads x (qk_nope_head_dim + qk_rope_head_dim) projection). The
    output projection is n_heads x v_head_dim x d_model. No biases (DeepSeek-V2 paper,
    arXiv 2405.04434, Sec. 2.1; DeepSeek-V3 config.json).

    Parameters
    ----------
    d_model, n_heads : float or array, model width and attention heads.
    kv_lora_rank, q_lora_rank : float or array, latent widths (q_lora_rank 0: no query latent).
    qk_rope_head_dim, qk_nope_head_dim, v_head_dim : float or array, per-head widths.

    Returns
    -------
    float or ndarray : parameters (a count).

    >>> round(mla_attention_params(7168, 128, 512, 64, 128, 128, 1536) / 1e6, 2)   # DeepSeek-V3, one layer
    187.11
    """
    d_model = _check.positive("d_model", d_model)
    n_heads = _check.positive("n_heads", n_heads)
    kv_rank = _check.positive("kv_lora_rank", kv_lora_rank)
    rope = _check.nonnegative("qk_rope_head_dim", qk_rope_head_dim)
    nope = _check.nonnegative("qk_nope_head_dim", qk_nope_head_dim)
    v_dim = _check.positive("v_head_dim", v_head_dim)
    q_rank = _check.nonnegative("q_lora_rank", q_lora_rank)
    empty = rope + nope <= 0
    if empty if type(empty) in _SCALARS else np.any(empty):
        raise _check.InputError("qk_nope_head_dim", "plus qk_rope_head_dim must be > 0")
    q_width = n_heads * (nope + rope)
    query = _where(_switch(q_rank > 0), (d_model + 1 + q_width) * q_rank, d_model * q_width)
    key_value = d_model * (kv_rank + rope) + kv_rank * (1 + n_heads * (nope + v_dim))
    return query + key_value + n_heads * v_dim * d_model


@quantity(
    "IF({gated_ffn},3,2)*{d_model}*{d_ff}+IF({biases},IF({gated_ffn},2,1)*{d_ff}+{d_model},0)",
    model={f: f for f in ("d_model", "d_ff", "gated_ffn", "biases")},
)
def ffn_params(d_model, d_ff, gated_ffn=False, biases=False):
    """Parameters of one feed-forward block (one dense layer's MLP, or one expert).

    Two matrices d_model x d_ff (up and down), three if gated (SwiGLU, GeGLU: gate, up,
    down). Biases: one per output of each matrix, so d_ff + d_model, or 2 x d_ff +
    d_model when gated.

    Parameters
    ----------
    d_model, d_ff : float or array, model width and hidden width.
    gated_ffn, biases : bool or array.

    Returns
    -------
    float or ndarray : parameters (a count).

    >>> ffn_params(4096, 14336, gated_ffn=True)   # Llama-3-8B: 3 x 4096 x 14336
    176160768.0
    >>> ffn_params(2880, 2880, gated_ffn=True, biases=True)   # one gpt-oss expert
    24891840.0
    """
    d_model = _check.positive("d_model", d_model)
    d_ff = _check.positive("d_ff", d_ff)
    gated = _switch(gated_ffn)
    return _where(gated, 3.0, 2.0) * d_model * d_ff + _where(_switch(biases), _where(gated, 2.0, 1.0) * d_ff + d_model, 0.0)


@quantity(
    "(IF({active},{experts_per_token},{n_experts})+{n_shared_experts})"
    "*(IF({gated_ffn},3,2)*{d_model}*{expert_d_ff}+IF({biases},IF({gated_ffn},2,1)*{expert_d_ff}+{d_model},0))"
    "+{d_model}*{n_experts}+IF({biases},{n_experts},0)",
    model={f: f for f in ("d_model", "expert_d_ff", "n_experts", "experts_per_token", "n_shared_experts",
                          "gated_ffn", "biases")},
)
def moe_ffn_params(d_model, expert_d_ff, n_experts, experts_per_token, n_shared_experts=0, gated_ffn=True,
                   biases=False, active=False):
    """Parameters of one mixture-of-experts feed-forward layer: experts, shared experts, router.

    ``n_experts`` routed experts and ``n_shared_experts`` always-used ones, each a
    feed-forward block of width ``expert_d_ff`` (see ``ffn_params``), and a router of
    d_model x n_experts (+ n_experts biases). ``active=True`` counts what one token
    uses: ``experts_per_token`` routed experts, the shared ones and the router.

    Parameters
    ----------
    d_model, expert_d_ff : float or array, model width and each expert's hidden width.
    n_experts, experts_per_token, n_shared_experts : float or array, expert counts
        (experts_per_token <= n_experts).
    gated_ffn, biases, active : bool or array.

    Returns
    -------
    float or ndarray : parameters (a count).

    >>> moe_ffn_params(4096, 14336, 8, 2)   # Mixtral-8x7B, one layer: 8 x 3 x 4096 x 14336 + 4096 x 8
    1409318912.0
    """
    n_experts = _check.positive("n_experts", n_experts)
    experts_per_token = _check.positive("experts_per_token", experts_per_token)
    too_many = experts_per_token > n_experts
    if too_many if type(too_many) in _SCALARS else np.any(too_many):
        raise _check.InputError("experts_per_token", "must not exceed n_experts", float(np.max(experts_per_token)))
    n_shared = _check.nonnegative("n_shared_experts", n_shared_experts)
    expert = ffn_params.__wrapped__(d_model, expert_d_ff, gated_ffn, biases)
    experts = _where(_switch(active), experts_per_token, n_experts) + n_shared
    return experts * expert + _check.positive("d_model", d_model) * n_experts + _where(_switch(biases), n_experts, 0.0)
