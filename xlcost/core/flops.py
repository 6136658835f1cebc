"""FLOPs per token and parameter counts of dense and MoE transformers.

Conventions follow Kaplan et al. 2020 (arXiv 2001.08361), Table 1: a forward pass
costs 2 FLOPs per parameter per token plus ``2 * n_layers * context * d_attn`` for
attention, where ``d_attn`` is the attention width, n_heads x head_dim (equal to d_model
in GPT-3, not in PaLM: 48 x 256 = 12,288 against d_model 18,432); training (forward +
backward) costs 3x the forward pass.

The attention term depends on which token is costed (the ``attention`` argument):

- "causal" (the default, Kaplan's): the average token of a causal sequence of
  ``context`` tokens, which attends to context / 2 positions at 4 x d_attn FLOPs each
  per layer (QK^T and AV): 2 x n_layers x context x d_attn;
- "full": the whole context x context matrix, as PaLM's MFU counts it (Chowdhery et
  al. 2022, Appendix B: 6N + 12 L H Q T training FLOPs per token): 4 x n_layers x
  context x d_attn;
- "decode": one new token attending to ``context`` cached tokens, the cost of a
  decode step at that context: 4 x n_layers x context x d_attn.
"""

import numpy as np

from . import _check, params
from ._check import quantity
from .inputs import ACTIVE_PARAMS

# attention FLOPs per layer per token, in units of context x d_attn
_ATTENTION_FACTOR = {"causal": 2.0, "full": 4.0, "decode": 4.0}
_SHAPE = {"n_layers": "n_layers", "d_attn": "attention_width"}


@quantity(
    {a: f"{f:g}*{{n_layers}}*{{context}}*{{d_attn}}" for a, f in _ATTENTION_FACTOR.items()},
    model=_SHAPE, choice="attention",
)
def attention_flops_per_token(n_layers, context, d_attn, attention="causal"):
    """Forward FLOPs per token of attention over ``context`` tokens.

    ``d_attn`` = n_heads x head_dim; ``attention`` = "causal" (Kaplan: sequence
    average), "full" (PaLM: non-causal, twice Kaplan's) or "decode" (one token against
    ``context`` cached tokens, twice Kaplan's).

    >>> attention_flops_per_token(96, 2048, 12288)   # GPT-3: 2 x 96 x 2048 x 12288
    4831838208.0
    >>> attention_flops_per_token(96, 2048, 12288, attention="decode")
    9663676416.0
    """
    factor = _ATTENTION_FACTOR[_check.choice("attention", attention)]
    return (
        factor
        * _check.nonnegative("n_layers", n_layers)
        * _check.nonnegative("context", context)
        * _check.nonnegative("d_attn", d_attn)
    )


@quantity(
    {a: f"2*{{params}}+{f:g}*{{n_layers}}*{{context}}*{{d_attn}}" for a, f in _ATTENTION_FACTOR.items()},
    model={"params": ACTIVE_PARAMS, **_SHAPE}, choice="attention",
)
def forward_flops_per_token(params, n_layers=0, context=0, d_attn=0, attention="causal"):
    """Inference (forward) FLOPs per token: 2 x params, plus attention when the shape is given.

    ``params`` are the parameters a token passes through: all of a dense decoder's,
    the active ones of an MoE, half of an encoder-decoder's. ``attention`` as for
    :func:`attention_flops_per_token`; "decode" costs a generated token at ``context``.

    >>> forward_flops_per_token(175e9)
    350000000000.0
    """
    weights = 2.0 * _check.positive("params", params)
    return _plus_attention(weights, 1.0, n_layers, context, d_attn, attention)


def _plus_attention(weight_flops, passes, n_layers, context, d_attn, attention):
    """``weight_flops`` plus ``passes`` x the attention term (skipped when it is a plain 0)."""
    # the unguarded body: the caller's guard already covers it (one np.errstate per call)
    term = attention_flops_per_token.__wrapped__(n_layers, context, d_attn, attention)
    if getattr(term, "ndim", 0) == 0 and term == 0:
        return weight_flops
    return weight_flops + passes * term


@quantity(
    {a: f"3*(2*{{params}}+{f:g}*{{n_layers}}*{{context}}*{{d_attn}})" for a, f in _ATTENTION_FACTOR.items()},
    model={"params": ACTIVE_PARAMS, **_SHAPE, "context": "context"}, choice="attention",
)
def training_flops_per_token(params, n_layers=0, context=0, d_attn=0, attention="causal"):
    """Training FLOPs per token: forward + backward = 3 x forward (6 x params without attention).

    ``context`` is the training sequence length (``--model`` fills the model's context
    window).

    >>> training_flops_per_token(175e9)
    1050000000000.0
    >>> round(training_flops_per_token(540.35e9, 118, 2048, 48 * 256, attention="full") / 1e12, 2)  # PaLM
    3.28
    """
    return _plus_attention(6.0 * _check.positive("params", params), 3.0, n_layers, context, d_attn, attention)


@quantity("6*{params}*{tokens}", model={"params": ACTIVE_PARAMS, "tokens": "training_tokens"})
def training_flops(params, tokens):
    """Total training FLOPs, 6 x params x tokens (Brown et al. 2020, Table D.1).

    >>> training_flops(175e9, 300e9)
    3.15e+23
    """
    return (
        6.0 * _check.positive("params", params) * _check.positive("tokens", tokens)
    )


_HEAD_DIM = "IF({head_dim}>0,{head_dim},{d_model}/{n_heads})"


@quantity(
    "{n_layers}*(2*{d_model}*({n_heads}+{n_kv_heads})*" + _HEAD_DIM
    + "+IF({biases},({n_heads}+2*{n_kv_heads})*" + _HEAD_DIM + "+{d_model},0)"
    "+IF({gated_ffn},3,2)*{d_model}*{d_ff}+IF({biases},IF({gated_ffn},2,1)*{d_ff}+{d_model},0)"
    "+IF({biases},4,2)*{d_model})"
    "+{vocab}*{d_model}*IF({tied_embeddings},1,2)+{context}*{d_model}+IF({biases},2,1)*{d_model}",
    # context counts learned position embeddings: the model's window only where positions are learned
    model={**{f: f for f in ("n_layers", "d_model", "vocab", "n_heads", "head_dim", "gated_ffn", "tied_embeddings",
                             "biases")}, "d_ff": "dense_d_ff", "n_kv_heads": "kv_heads", "context": "learned_context"},
)
def transformer_params(
    n_layers,
    d_model,
    vocab,
    context=0,
    d_ff=None,
    n_heads=1,
    n_kv_heads=None,
    gated_ffn=False,
    tied_embeddings=True,
    biases=True,
    head_dim=0,
):
    """Parameter count of a dense decoder-only transformer from its shape.

    Per layer: attention (``params.attention_params``: Q and output projections
    d_model x n_heads x head_dim, K and V d_model x n_kv_heads x head_dim, grouped-query
    when n_kv_heads < n_heads), a feed-forward (``params.ffn_params``: 2 matrices
    d_model x d_ff, 3 if gated, e.g. SwiGLU; d_ff defaults to 4 x d_model) and two norms.
    Embeddings: vocab x d_model, again for an untied output layer, plus context x
    d_model learned positions (context=0 for rotary, ALiBi or relative positions).
    ``biases`` adds linear-layer biases (Q, K, V and output projections; d_ff + d_model
    per feed-forward, 2 x d_ff + d_model when gated) and LayerNorm shifts (GPT-style);
    without them norms are RMSNorm-style (Llama). ``head_dim`` 0 means d_model / n_heads.
    Mixture-of-experts and latent-attention models: ``xlcost.catalog.Model.counted_params``.

    Parameters
    ----------
    n_layers, d_model, vocab : float or array, layers, model width, vocabulary size.
    context : float or array, learned position embeddings (0: none).
    d_ff : float or array, feed-forward width (None: 4 x d_model).
    n_heads, n_kv_heads : float or array, query heads and key/value heads (None: n_heads).
    gated_ffn, tied_embeddings, biases : bool.
    head_dim : float or array, width of each attention head (0: d_model / n_heads).

    Returns
    -------
    float or ndarray : parameters (a count).

    >>> round(transformer_params(96, 12288, 50257, 2048) / 1e9, 1)   # GPT-3 175B (Table D.1: 174.6B)
    174.6
    >>> round(transformer_params(118, 18432, 256000, d_ff=73728, n_heads=48, n_kv_heads=1, gated_ffn=True,
    ...                          biases=False, head_dim=256) / 1e9, 2)   # PaLM 540B (Table 1: 540.35B)
    540.36
    """
    n_layers = _check.positive("n_layers", n_layers)
    d_model = _check.positive("d_model", d_model)
    vocab = _check.positive("vocab", vocab)
    context = _check.nonnegative("context", context)
    d_ff = 4.0 * d_model if d_ff is None else _check.positive("d_ff", d_ff)
    n_heads = _check.positive("n_heads", n_heads)
    n_kv_heads = n_heads if n_kv_heads is None else n_kv_heads
    head_dim = _check.nonnegative("head_dim", head_dim)
    head_dim = params._where(params._switch(head_dim > 0), head_dim, d_model / n_heads)
    attention = params.attention_params.__wrapped__(d_model, n_heads, n_kv_heads, head_dim, biases)
    ffn = params.ffn_params.__wrapped__(d_model, d_ff, gated_ffn, biases)
    norms = (4 if biases else 2) * d_model  # two norms per layer
    embeddings = vocab * d_model * (1 if tied_embeddings else 2) + context * d_model
    final_norm = (2 if biases else 1) * d_model
    return n_layers * (attention + ffn + norms) + embeddings + final_norm
