"""Training a model on ``n_units`` chips in a parallel layout: memory per chip, step time, a planner.

One training step of a layout (tensor, pipeline, context, expert and data parallel; a
ZeRO stage; recompute; micro-batch), in the spirit of Megatron-LM and of the
llm-analysis and Calculon models (docs/training.md states every equation and source):

- memory per chip: weights, gradients and optimizer state (mixed-precision Adam), the
  model-parallel shard of them, sharded again over data parallel by the ZeRO stage; the
  activations of the first pipeline stage after Korthikanti et al. 2022 (sequence
  parallel with TP; no / selective / full recompute), which under 1F1B holds the whole
  model's worth of one micro-batch; the output logits when there is one stage; a reserve;
- step time: GEMMs at the chip's achieved GEMM efficiency at the training precision;
  causal attention at the 16-bit peak times an attention efficiency; the element-wise
  kernels' HBM traffic; per layer, the tensor-parallel collectives over the scale-up
  link, the expert-parallel all-to-all (scale-out for the peers outside the scale-up
  domain) and the context-parallel key/value exchange (hidden behind attention as far
  as it lasts); the pipeline bubble (pp - 1) / virtual stages micro-batch times; the
  data-parallel gradient reduce-scatter and parameter all-gather, of which a stated
  share overlaps the backward pass.

Every function takes plain numbers or numpy arrays (broadcasting), SI units. Layout
codes are numbers so that ranges and spreadsheets can carry them: ``zero`` 0-3,
``recompute`` 0 none, 1 selective, 2 full.
"""

import numpy as np

from . import _check
from ._check import quantity

# ---------------------------------------------------------------- named, overridable factors
# (sources in docs/training.md; per-chip GEMM and HBM efficiencies come from the catalog)
COMPUTE_EFFICIENCY = 0.70  # achieved share of dense peak in large GEMMs when the catalog has no measurement
BANDWIDTH_EFFICIENCY = 0.80  # achieved share of HBM bandwidth when the catalog has no measurement
GEMM_SHARE = 0.75  # share of the catalog's large-GEMM rate a training step's GEMMs sustain (calibrated, docs)
ATTENTION_EFFICIENCY = 0.50  # fused causal attention, forward + backward, as a share of the 16-bit dense peak
COLLECTIVE_EFFICIENCY = 0.80  # NCCL bus bandwidth over the link's one-direction bandwidth (nccl-tests busbw)
DP_OVERLAP = 0.80  # share of the data-parallel gradient/parameter traffic hidden behind the backward pass
EP_OVERLAP = 0.0  # share of the expert all-to-all hidden behind compute (0: cautious; DualPipe-like schedules hide more)
ELEMENTWISE_PASSES = 4.0  # HBM passes over each stored activation: written, read back, gradient written and read
MEMORY_RESERVE = 0.10  # share of a chip's memory kept free: CUDA context, NCCL buffers, allocator fragmentation
ACTIVATION_BYTES = 2.0  # bytes per activation value stored or communicated (16-bit, also in fp8 training)
GATHER_BYTES = 2.0  # bytes per parameter all-gathered after the optimizer step (the 16-bit weights)

RECOMPUTE = {"none": 0, "selective": 1, "full": 2}
GOODPUT = 0.90  # Llama 3 405B: 466 interruptions in 54 days, ~90% effective training time (Dubey et al. 2024, 3.3.4)

# ---------------------------------------------------------------- memory
_STATE_EXCEL = (
    "(({params}-{expert_params})/({tp}*{pp})*({weight_bytes}/IF({zero}>=3,{dp}*{cp},1)"
    "+{grad_bytes}/IF({zero}>=2,{dp}*{cp},1)+{optimizer_bytes}/IF({zero}>=1,{dp}*{cp},1))"
    "+{expert_params}/({tp}*{pp}*{ep})*({weight_bytes}/IF({zero}>=3,{dp}*{cp}/{ep},1)"
    "+{grad_bytes}/IF({zero}>=2,{dp}*{cp}/{ep},1)+{optimizer_bytes}/IF({zero}>=1,{dp}*{cp}/{ep},1)))"
)


def _sharded(zero, stage, group):
    return np.where(zero >= stage, group, 1.0)


@quantity(_STATE_EXCEL)
def state_bytes(params, tp, pp, dp, zero=1, cp=1, ep=1, expert_params=0, weight_bytes=2, grad_bytes=4,
                optimizer_bytes=12):
    """Bytes per chip of weights, gradients and optimizer state.

    A chip holds 1 / (tp x pp) of the dense parameters and 1 / (tp x pp x ep) of the
    routed experts; ZeRO stage 1 (Megatron's distributed optimizer) shards the optimizer
    state over the data-parallel group (dp x cp chips; dp x cp / ep for experts), stage 2
    the gradients too, stage 3 (FSDP) the weights too. Defaults: bf16 weights, fp32
    gradient accumulation, fp32 master weights and two Adam moments (Megatron-LM:
    18 bytes per parameter without sharding).

    Parameters
    ----------
    params : all parameters.
    tp, pp, dp, cp, ep : tensor, pipeline, data, context and expert parallel sizes.
    zero : ZeRO stage 0-3.
    expert_params : parameters in routed experts (0 for a dense model).
    weight_bytes, grad_bytes, optimizer_bytes : bytes per parameter of each.

    Returns
    -------
    bytes per chip.

    >>> round(state_bytes(70e9, 8, 1, 1, zero=0) / 1e9, 1)   # 70B on 8 chips, nothing sharded: 18 B/param
    157.5
    >>> round(state_bytes(70e9, 4, 4, 8, zero=1) / 1e9, 2)   # ZeRO-1 over 8: (2 + 4 + 12/8) B/param / 16
    32.81
    """
    tp, pp, dp, cp, ep = (_check.positive(n, v) for n, v in (("tp", tp), ("pp", pp), ("dp", dp), ("cp", cp), ("ep", ep)))
    zero = _check.nonnegative("zero", zero)
    experts = _check.nonnegative("expert_params", expert_params)
    dense = _check.positive("params", params) - experts
    w, g, o = (_check.nonnegative(n, v) for n, v in (("weight_bytes", weight_bytes), ("grad_bytes", grad_bytes),
                                                       ("optimizer_bytes", optimizer_bytes)))

    def per_param(group):
        return w / _sharded(zero, 3, group) + g / _sharded(zero, 2, group) + o / _sharded(zero, 1, group)

    return dense / (tp * pp) * per_param(dp * cp) + experts / (tp * pp * ep) * per_param(dp * cp / ep)


_PER_TOKEN_LAYER_EXCEL = "(6*{d_model}+2*{kv_dim}+IF({gated},3,2)*{ffn_width})"


@quantity(_PER_TOKEN_LAYER_EXCEL)
def stored_values_per_token_layer(d_model, kv_dim, ffn_width, gated=1):
    """Activation values one token keeps per layer for the backward pass (attention core not stored).

    Korthikanti et al. 2022 (Table 2, without dropout masks): the inputs of the two
    norms, of the QKV projection, of the output projection and of the first MLP GEMM
    (5 x d_model), the query, key and value (d_model + 2 x kv_dim), the MLP's
    intermediate: gate, up and activation output (3 x ffn_width) or pre- and
    post-activation (2 x ffn_width). GPT-3 shapes (kv_dim = d_model, ffn 4 x d_model)
    give 16 d_model values = 32 d_model bytes, Korthikanti's 34 less the 2 of dropout masks.

    >>> stored_values_per_token_layer(12288, 12288, 4 * 12288, gated=0) / 12288
    16.0
    """
    width = np.where(np.asarray(gated) > 0, 3.0, 2.0)
    return 6.0 * _check.positive("d_model", d_model) + 2.0 * _check.positive("kv_dim", kv_dim) + width * (
        _check.positive("ffn_width", ffn_width))


_ACTIVATION_EXCEL = (
    "{seq_len}*{micro_batch}/{cp}*{activation_bytes}/{tp}*{n_layers}"
    "*IF({recompute}>=2,{d_model},IF({recompute}>=1,0,{n_heads}*{seq_len})+" + _PER_TOKEN_LAYER_EXCEL + ")"
    "*(1+IF({virtual}>1,({pp}-1)/({pp}*{virtual}),0))"
    "+IF({pp}=1,{seq_len}*{micro_batch}/{cp}*{vocab}/{tp}*4,0)"
)


@quantity(_ACTIVATION_EXCEL)
def activation_bytes(seq_len, micro_batch, n_layers, d_model, n_heads, kv_dim, ffn_width, vocab, tp=1, pp=1, cp=1,
                     recompute=1, virtual=1, gated=1, activation_bytes=ACTIVATION_BYTES):
    """Bytes of activations on the first pipeline stage (the most loaded) of one chip.

    Per token and layer (sequence parallel: every value split over ``tp``; context
    parallel: the sequence over ``cp``), Korthikanti et al. 2022: selective recompute
    keeps :func:`stored_values_per_token_layer`; no recompute also keeps the softmax
    (n_heads x seq_len values per token); full recompute only the layer's input
    (d_model). Under 1F1B the first of ``pp`` stages holds ``pp`` micro-batches of
    n_layers / pp layers, one micro-batch's worth of the whole model, times
    1 + (pp - 1) / (pp x virtual) when interleaved. With one stage the chip also holds
    the fp32 logits (vocab parallel over ``tp``).

    >>> round(activation_bytes(2048, 1, 96, 12288, 96, 12288, 49152, 50257, tp=8, pp=8) / 1e9, 2)  # GPT-3, selective
    12.08
    """
    tokens = _check.positive("seq_len", seq_len) * _check.positive("micro_batch", micro_batch) / _check.positive("cp", cp)
    tp, pp, virtual = _check.positive("tp", tp), _check.positive("pp", pp), _check.positive("virtual", virtual)
    recompute = _check.nonnegative("recompute", recompute)
    selective = stored_values_per_token_layer.__wrapped__(d_model, kv_dim, ffn_width, gated)
    per_token_layer = np.where(recompute >= 2, d_model,
                               np.where(recompute >= 1, 0.0, _check.positive("n_heads", n_heads) * seq_len) + selective)
    interleave = 1.0 + np.where(virtual > 1, (pp - 1) / (pp * virtual), 0.0)
    layers = tokens * _check.positive("activation_bytes", activation_bytes) / tp * _check.positive(
        "n_layers", n_layers) * per_token_layer * interleave
    return layers + np.where(pp == 1, tokens * _check.positive("vocab", vocab) / tp * 4.0, 0.0)


# ---------------------------------------------------------------- step time
def _ring(n):
    """Share of a collective's bytes each chip sends in a ring of ``n``: (n - 1) / n."""
    return (n - 1.0) / n


def _link(group_span, scale_up_domain, scale_up_bytes_per_s, scale_out_bytes_per_s):
    """Bandwidth of a collective whose group spans ``group_span`` consecutive chips: scale-up inside the domain."""
    return np.where(group_span <= scale_up_domain, scale_up_bytes_per_s, scale_out_bytes_per_s)


def step_parts(seq_len, global_batch, n_units, tp, pp, cp, ep, micro_batch, zero, recompute, virtual,
               model, hardware, factors=None):
    """Seconds of one training step, by part, for a layout (dict of arrays; ``total`` their sum).

    The factors: ``gemm_share`` (of the catalog's GEMM efficiency), ``attention_efficiency``,
    ``collective_efficiency``, ``dp_overlap``, ``ep_overlap``, ``elementwise_passes``.
    ``model``: dict with n_layers, d_model, n_heads, kv_dim, ffn_width, gated, vocab,
    params, expert_params, matmul_params (the parameters a token multiplies: active,
    no input embedding), head_params (the output layer's), attention_flops_per_attended
    (2 x n_heads x (qk + v head dim)), moe_layers, experts_per_token. ``hardware``:
    peak_flops_per_s and compute_efficiency (GEMMs at the training precision),
    peak16_flops_per_s and compute_efficiency16 (16-bit: output layer; attention at
    the 16-bit peak), memory_bandwidth_bytes_per_s, bandwidth_efficiency,
    scale_up_bytes_per_s, scale_out_bytes_per_s, scale_up_domain, grad_comm_bytes,
    cast_bytes (HBM bytes per value cast for 8-bit GEMMs; 0 in bf16). ``factors`` overrides the named
    module defaults (attention_efficiency, collective_efficiency, dp_overlap, ep_overlap,
    elementwise_passes).

    Parts: ``gemm``, ``attention``, ``elementwise``, ``tp_comm``, ``ep_comm``, ``cp_comm``,
    ``pp_comm`` (one micro-batch through one stage, times micro-batches plus the bubble),
    ``bubble`` (its share), ``dp_comm`` (exposed), ``total``.
    """
    f = {"gemm_share": GEMM_SHARE, "attention_efficiency": ATTENTION_EFFICIENCY, "collective_efficiency": COLLECTIVE_EFFICIENCY,
         "dp_overlap": DP_OVERLAP, "ep_overlap": EP_OVERLAP, "elementwise_passes": ELEMENTWISE_PASSES,
         **(factors or {})}
    m, h = model, hardware
    seq_len, global_batch = np.asarray(seq_len, float), np.asarray(global_batch, float)
    n_units, tp, pp, cp, ep = (np.asarray(v, float) for v in (n_units, tp, pp, cp, ep))
    micro_batch, zero, recompute, virtual = (np.asarray(v, float) for v in (micro_batch, zero, recompute, virtual))
    dp = n_units / (tp * pp * cp)
    micro_batches = global_batch / (dp * micro_batch)
    tokens = seq_len * micro_batch / cp  # one chip's tokens in one micro-batch
    layers = np.ceil(m["n_layers"] / pp)  # layers of the fullest stage (uneven stages: the slowest sets the pace)
    stage_share = layers * pp / m["n_layers"]
    extra_forward = np.where(recompute >= 2, 1.0, 0.0)  # full recompute runs the forward twice
    passes = 3.0 + extra_forward  # forward 1, backward 2 (input and weight gradients)
    # the output layer (vocab x d_model) multiplies at 16 bits also in fp8 training (Megatron's output layer is
    # not a Transformer Engine module); the transformer layers at the training precision
    gemm_seconds_per_flop = (m["matmul_params"] * stage_share - m["head_params"]) / (
        h["peak_flops_per_s"] * h["compute_efficiency"]) + m["head_params"] / (
        h["peak16_flops_per_s"] * h["compute_efficiency16"])
    gemm = tokens * 2.0 * gemm_seconds_per_flop / (tp * pp) * passes / f["gemm_share"]
    attention_passes = 3.0 + np.where(recompute >= 1, 1.0, 0.0)  # selective recompute redoes the attention core
    attention = tokens * layers * seq_len / 2.0 * m["attention_flops_per_attended"] / tp * attention_passes / (
        h["peak16_flops_per_s"] * f["attention_efficiency"])
    stored = stored_values_per_token_layer.__wrapped__(m["d_model"], m["kv_dim"], m["ffn_width"], m["gated"])
    # 8-bit GEMMs first cast their inputs (forward) and output gradients (backward): read 16 bits, write 8 bits
    # and an 8-bit transpose, cast_bytes = 4 per value (0 in bf16)
    cast_values = 4.0 * m["d_model"] + 2.0 * m["kv_dim"] + np.where(np.asarray(m["gated"]) > 0, 3.0, 2.0) * m["ffn_width"]
    elementwise = tokens * layers / tp * (stored * ACTIVATION_BYTES * (f["elementwise_passes"] + extra_forward)
                                          + cast_values * h["cast_bytes"]) / (
        h["memory_bandwidth_bytes_per_s"] * h["bandwidth_efficiency"])
    eff = f["collective_efficiency"]
    up, out, domain = h["scale_up_bytes_per_s"], h["scale_out_bytes_per_s"], h["scale_up_domain"]
    # tensor parallel with sequence parallel: per layer an all-gather and a reduce-scatter around attention and
    # around the MLP in the forward pass, the same in the backward: 4 all-reduce volumes (5 with full recompute)
    allreduce = 2.0 * _ring(tp) * tokens * m["d_model"] * ACTIVATION_BYTES
    tp_comm = layers * (4.0 + 2.0 * extra_forward) / 2.0 * allreduce / (_link(tp, domain, up, out) * eff)
    # expert parallel: dispatch and combine, forward and backward, each token's k copies of d_model values;
    # the peers outside this chip's scale-up domain are reached over scale-out
    moe_share = m["moe_layers"] / m["n_layers"]
    a2a_bytes = tokens * m["experts_per_token"] * m["d_model"] * ACTIVATION_BYTES * _ring(ep) * (4.0 + 2.0 * extra_forward)
    inside = np.minimum(ep, np.maximum(domain / (tp * cp), 1.0)) / ep  # EP group members sharing the domain
    ep_comm = layers * moe_share * np.maximum(a2a_bytes * inside / (up * eff), a2a_bytes * (1.0 - inside) / (out * eff))
    ep_comm = np.where(ep > 1, ep_comm * (1.0 - f["ep_overlap"]), 0.0)
    # context parallel (ring attention): keys and values of the other cp - 1 chunks pass by, forward; twice in backward
    kv_bytes = tokens * 2.0 * m["kv_dim"] / tp * ACTIVATION_BYTES * (cp - 1.0) * 3.0
    cp_comm = np.maximum(layers * kv_bytes / (_link(tp * cp, domain, up, out) * eff) - attention, 0.0)
    # pipeline: the activation (sequence-parallel shard) crosses each of the virtual stage boundaries, both ways
    # (stages are n / pp chips apart: a share min(1, (n / pp) / domain) of the boundaries crosses scale-out)
    crossing = np.minimum(1.0, n_units / pp / domain)
    pp_link = 1.0 / (crossing / out + (1.0 - crossing) / up)
    pp_comm = np.where(pp > 1, 2.0 * virtual * tokens * m["d_model"] * ACTIVATION_BYTES / tp / (pp_link * eff), 0.0)
    per_micro_batch = gemm + attention + elementwise + tp_comm + ep_comm + cp_comm + pp_comm
    schedule = micro_batches + (pp - 1.0) / virtual
    # data parallel: reduce-scatter the gradients, all-gather the weights (ZeRO-3: every micro-batch, twice)
    shard = state_bytes.__wrapped__(m["params"], tp, pp, dp, 0, cp, ep, m["expert_params"], 1.0, 0.0, 0.0)
    volume = shard * _ring(dp * cp) * (h["grad_comm_bytes"] + GATHER_BYTES * np.where(zero >= 3, 2.0 * micro_batches, 1.0))
    dp_seconds = volume / (_link(n_units / pp, domain, up, out) * eff)
    busy = schedule * per_micro_batch
    dp_exposed = np.where(dp * cp > 1, np.maximum(dp_seconds * (1.0 - f["dp_overlap"]), dp_seconds - busy), 0.0)
    parts = {name: value * schedule for name, value in (
        ("gemm", gemm), ("attention", attention), ("elementwise", elementwise), ("tp_comm", tp_comm),
        ("ep_comm", ep_comm), ("cp_comm", cp_comm), ("pp_comm", pp_comm))}
    parts["bubble"] = (pp - 1.0) / virtual / schedule  # share of the pipelined time (included above)
    parts["dp_comm"] = dp_exposed
    parts["total"] = busy + dp_exposed
    return parts


_STEP_MODEL = ("n_layers", "d_model", "kv_dim", "ffn_width", "gated", "params", "expert_params", "matmul_params",
               "head_params", "attention_flops_per_attended", "moe_layers", "experts_per_token")
_STEP_HARDWARE = ("peak_flops_per_s", "compute_efficiency", "peak16_flops_per_s", "compute_efficiency16",
                  "memory_bandwidth_bytes_per_s", "bandwidth_efficiency", "scale_up_bytes_per_s",
                  "scale_out_bytes_per_s", "scale_up_domain", "grad_comm_bytes", "cast_bytes")
_STEP_FACTORS = ("gemm_share", "attention_efficiency", "collective_efficiency", "dp_overlap", "ep_overlap",
                 "elementwise_passes")


def _step_excel():
    """The Excel rendering of :func:`step_seconds`, built from named pieces (no LET: LibreOffice 7 lacks it)."""
    x = {
        "dp": "{n_units}/({tp}*{pp}*{cp})",
        "tokens": "{seq_len}*{micro_batch}/{cp}",
        "layers": "ROUNDUP({n_layers}/{pp},0)",
        "xf": "IF({recompute}>=2,1,0)",
        "wide": "IF({gated},3,2)",
    }
    x["m"] = "{global_batch}/(({dp})*{micro_batch})"
    x["gemm"] = ("({tokens})*2*((({matmul_params})*({layers})*{pp}/{n_layers}-{head_params})/({peak_flops_per_s}"
                 "*{compute_efficiency})+{head_params}/({peak16_flops_per_s}*{compute_efficiency16}))/({tp}*{pp})"
                 "*(3+({xf}))/{gemm_share}")
    x["attention"] = ("({tokens})*({layers})*{seq_len}/2*{attention_flops_per_attended}/{tp}*(3+IF({recompute}>=1,1,0))"
                      "/({peak16_flops_per_s}*{attention_efficiency})")
    x["elementwise"] = ("({tokens})*({layers})/{tp}*((6*{d_model}+2*{kv_dim}+({wide})*{ffn_width})*2"
                        "*({elementwise_passes}+({xf}))+(4*{d_model}+2*{kv_dim}+({wide})*{ffn_width})*{cast_bytes})"
                        "/({memory_bandwidth_bytes_per_s}*{bandwidth_efficiency})")
    x["tp_comm"] = ("({layers})*(4+2*({xf}))/2*2*({tp}-1)/{tp}*({tokens})*{d_model}*2/(IF({tp}<={scale_up_domain},"
                    "{scale_up_bytes_per_s},{scale_out_bytes_per_s})*{collective_efficiency})")
    x["a2a"] = "({tokens})*{experts_per_token}*{d_model}*2*({ep}-1)/{ep}*(4+2*({xf}))"
    x["inside"] = "MIN({ep},MAX({scale_up_domain}/({tp}*{cp}),1))/{ep}"
    x["ep_comm"] = ("IF({ep}>1,({layers})*{moe_layers}/{n_layers}*MAX(({a2a})*({inside})/({scale_up_bytes_per_s}"
                    "*{collective_efficiency}),({a2a})*(1-({inside}))/({scale_out_bytes_per_s}*{collective_efficiency}))"
                    "*(1-{ep_overlap}),0)")
    x["cp_comm"] = ("MAX(({layers})*({tokens})*2*{kv_dim}/{tp}*2*({cp}-1)*3/(IF({tp}*{cp}<={scale_up_domain},"
                    "{scale_up_bytes_per_s},{scale_out_bytes_per_s})*{collective_efficiency})-({attention}),0)")
    x["crossing"] = "MIN(1,{n_units}/{pp}/{scale_up_domain})"
    x["pp_comm"] = ("IF({pp}>1,2*{virtual}*({tokens})*{d_model}*2/{tp}*(({crossing})/{scale_out_bytes_per_s}"
                    "+(1-({crossing}))/{scale_up_bytes_per_s})/{collective_efficiency},0)")
    x["busy"] = ("(({m})+({pp}-1)/{virtual})*(({gemm})+({attention})+({elementwise})+({tp_comm})+({ep_comm})"
                 "+({cp_comm})+({pp_comm}))")
    x["dp_s"] = ("(({params}-{expert_params})/({tp}*{pp})+{expert_params}/({tp}*{pp}*{ep}))*(({dp})*{cp}-1)"
                 "/(({dp})*{cp})*({grad_comm_bytes}+" + repr(GATHER_BYTES) + "*IF({zero}>=3,2*({m}),1))"
                 "/(IF({n_units}/{pp}<={scale_up_domain},{scale_up_bytes_per_s},{scale_out_bytes_per_s})"
                 "*{collective_efficiency})")
    x["total"] = "({busy})+IF(({dp})*{cp}>1,MAX(({dp_s})*(1-{dp_overlap}),({dp_s})-({busy})),0)"
    order = ["total", "busy", "dp_s", "pp_comm", "crossing", "cp_comm", "ep_comm", "inside", "a2a", "tp_comm",
             "elementwise", "attention", "gemm", "m", "wide", "xf", "layers", "tokens", "dp"]
    pattern = x["total"]
    for name in order[1:]:  # expand the pieces, outermost first
        pattern = pattern.replace("{" + name + "}", x[name])
    return pattern


@quantity(_step_excel())
def step_seconds(seq_len, global_batch, n_units, tp, pp, cp, ep, micro_batch, zero, recompute, virtual, n_layers,
                 d_model, kv_dim, ffn_width, gated, params, expert_params, matmul_params, head_params,
                 attention_flops_per_attended, moe_layers, experts_per_token, peak_flops_per_s, compute_efficiency,
                 peak16_flops_per_s, compute_efficiency16, memory_bandwidth_bytes_per_s, bandwidth_efficiency,
                 scale_up_bytes_per_s, scale_out_bytes_per_s, scale_up_domain, grad_comm_bytes, cast_bytes,
                 gemm_share=GEMM_SHARE, attention_efficiency=ATTENTION_EFFICIENCY,
                 collective_efficiency=COLLECTIVE_EFFICIENCY, dp_overlap=DP_OVERLAP, ep_overlap=EP_OVERLAP,
                 elementwise_passes=ELEMENTWISE_PASSES):
    """Seconds of one training step of a stated layout: :func:`step_parts`'s total with every input explicit.

    The closed form a spreadsheet can hold (``step_seconds.excel``); the arguments are the
    dict entries :func:`step_parts` documents.

    >>> round(step_seconds(4096, 1024, 64, 4, 1, 1, 1, 1, 1, 1, 1, 32, 4096, 1024, 14336, 1, 8.03e9, 0, 7.5e9,
    ...                    5.25e8, 2 * 32 * 256, 0, 1, 989e12, 0.795, 989e12, 0.795, 3.35e12, 0.887, 450e9, 50e9,
    ...                    8, 4, 0), 2)   # Llama-3-8B, bf16, TP4 on 64 H100s: ~9,900 tokens/s per chip
    6.59
    """
    values = locals()
    model = {k: values[k] for k in _STEP_MODEL}
    hardware = {k: values[k] for k in _STEP_HARDWARE}
    factors = {k: values[k] for k in _STEP_FACTORS}
    return step_parts(seq_len, global_batch, n_units, tp, pp, cp, ep, micro_batch, zero, recompute, virtual, model,
                      hardware, factors)["total"]


def memory_parts(seq_len, n_units, tp, pp, cp, ep, micro_batch, zero, recompute, virtual, model, hardware):
    """Bytes per chip of a layout by part: weights, gradients, optimizer, activations, total (dict of arrays)."""
    m, h = model, hardware
    dp = np.asarray(n_units, float) / (np.asarray(tp, float) * pp * cp)
    args = (m["params"], tp, pp, dp, zero, cp, ep, m["expert_params"])
    parts = {
        "weights": state_bytes.__wrapped__(*args, h["weight_bytes"], 0.0, 0.0),
        "gradients": state_bytes.__wrapped__(*args, 0.0, h["grad_bytes"], 0.0),
        "optimizer": state_bytes.__wrapped__(*args, 0.0, 0.0, h["optimizer_bytes"]),
        "activations": activation_bytes.__wrapped__(seq_len, micro_batch, m["n_layers"], m["d_model"], m["n_heads"],
                                                    m["kv_dim"], m["ffn_width"], m["vocab"], tp, pp, cp, recompute,
                                                    virtual, m["gated"]),
    }
    parts["total"] = parts["weights"] + parts["gradients"] + parts["optimizer"] + parts["activations"]
    return parts


def usable_bytes(hardware, memory_reserve=MEMORY_RESERVE):
    """Bytes a chip offers a training step: its memory less the reserve."""
    return hardware["memory_bytes"] * (1.0 - memory_reserve)


def layout_text(layout):
    """A layout as one line: "TP8 PP16 CP1 EP1 DP128 · ZeRO-1 · selective recompute · micro-batch 1"."""
    names = {v: k for k, v in RECOMPUTE.items()}
    vp = f" VP{layout['virtual']:g}" if layout["virtual"] > 1 else ""
    return (f"TP{layout['tp']:g} PP{layout['pp']:g}{vp} CP{layout['cp']:g} EP{layout['ep']:g} DP{layout['dp']:g} · "
            f"ZeRO-{layout['zero']:g} · {names[int(layout['recompute'])]} recompute · micro-batch {layout['micro_batch']:g}")


# ---------------------------------------------------------------- layouts
LAYOUT_FIELDS = ("tp", "pp", "cp", "ep", "dp", "micro_batch", "zero", "recompute", "virtual")
TP_SIZES = (1, 2, 4, 8, 16, 32, 64)  # tensor-parallel sizes the planner tries (within the scale-up domain)
CP_SIZES = (1, 2, 4, 8)
MICRO_BATCHES = (1, 2, 4, 8)
ZERO_STAGES = (1, 3)  # distributed optimizer (Megatron, default) or FSDP
VIRTUAL_STAGES = (1, 2, 4, 8)


def check_layout(n_units, seq_len, global_batch, tp, pp, cp, ep, micro_batch, virtual, model):
    """Refuse a stated layout that does not divide: InputError naming the argument and why."""
    def bad(argument, problem, value):
        raise _check.InputError(argument, problem, float(value))

    for name, value in (("n_units", n_units), ("tp", tp), ("pp", pp), ("cp", cp), ("ep", ep),
                        ("micro_batch", micro_batch), ("virtual", virtual), ("global_batch", global_batch)):
        if not (value >= 1 and float(value).is_integer()):
            bad(name, "must be a whole number >= 1", value)
    if model["n_heads"] % tp:
        bad("tp", f"must divide the model's {model['n_heads']:g} attention heads "
                  "(tensor parallelism gives each chip the same number of heads)", tp)
    if pp > model["n_layers"]:
        bad("pp", f"must not exceed the model's {model['n_layers']:g} layers", pp)
    if n_units % (tp * pp * cp):
        bad("n_units", f"must be a multiple of tp x pp x cp = {tp * pp * cp:g} (data parallel takes the rest)", n_units)
    dp = n_units // (tp * pp * cp)
    if model["n_experts"] % ep or (dp * cp) % ep:
        bad("ep", f"must divide the model's {model['n_experts']:g} experts and dp x cp = {dp * cp:g}", ep)
    if global_batch % (dp * micro_batch):
        bad("global_batch", f"must be a multiple of dp x micro_batch = {dp * micro_batch:g} sequences", global_batch)
    if seq_len % cp:
        bad("cp", f"must divide seq_len {seq_len:g}", cp)
    return dp


def _divisors(n):
    return [d for d in range(1, int(n) + 1) if n % d == 0]


def candidates(n_units, seq_len, global_batch, model, scale_up_domain, fixed=None):
    """Every valid layout for ``n_units`` chips (dict of equal-length arrays), ``fixed`` fields held.

    TP divides the heads and stays inside the scale-up domain; PP divides the layers;
    CP divides the sequence; EP divides the experts and dp x cp; DP = n / (TP x PP x CP);
    micro-batches divide the global batch per data-parallel rank; a rank holds at least
    one layer per interleaved stage (stages may be uneven: the fullest sets the pace).
    """
    fixed = {k: v for k, v in (fixed or {}).items() if v is not None}
    grids = {
        "tp": [t for t in TP_SIZES if t <= scale_up_domain and model["n_heads"] % t == 0],
        "pp": [p for p in _divisors(model["n_layers"])],
        "cp": [c for c in CP_SIZES if seq_len % c == 0],
        "ep": [e for e in _divisors(model["n_experts"]) if e <= 256],
        "micro_batch": list(MICRO_BATCHES), "zero": list(ZERO_STAGES), "recompute": [0, 1, 2],
        "virtual": list(VIRTUAL_STAGES),
    }
    for key, value in fixed.items():
        grids[key] = [value]
    mesh = np.meshgrid(*(np.asarray(v, float) for v in grids.values()), indexing="ij")
    c = {k: g.ravel() for k, g in zip(grids, mesh)}
    c["dp"] = n_units / (c["tp"] * c["pp"] * c["cp"])
    ok = (np.mod(n_units, c["tp"] * c["pp"] * c["cp"]) == 0) & (c["dp"] >= 1)
    ok &= np.mod(c["dp"] * c["cp"], c["ep"]) == 0
    ok &= np.mod(global_batch, c["dp"] * c["micro_batch"]) == 0
    per_stage = model["n_layers"] / c["pp"]
    ok &= (c["virtual"] == 1) | ((c["pp"] > 1) & (c["virtual"] <= per_stage))  # uneven stages allowed
    ok &= (c["zero"] == 1) | (c["dp"] * c["cp"] > 1)
    return {k: v[ok] for k, v in c.items()}


def evaluate(n_units, seq_len, global_batch, layouts, model, hardware, factors=None):
    """Memory and step-time parts of ``layouts`` (dict of arrays as from :func:`candidates`)."""
    lay = layouts
    memory = memory_parts(seq_len, n_units, lay["tp"], lay["pp"], lay["cp"], lay["ep"], lay["micro_batch"],
                          lay["zero"], lay["recompute"], lay["virtual"], model, hardware)
    time = step_parts(seq_len, global_batch, n_units, lay["tp"], lay["pp"], lay["cp"], lay["ep"], lay["micro_batch"],
                      lay["zero"], lay["recompute"], lay["virtual"], model, hardware, factors)
    return memory, time


def plan(n_units, seq_len, global_batch, model, hardware, fixed=None, factors=None, memory_reserve=MEMORY_RESERVE):
    """The fastest layout that fits: a dict of its fields, ``text``, ``memory`` and ``time`` parts, tokens_per_s.

    ``fixed`` holds layout fields given by the caller (tp, pp, cp, ep, micro_batch, zero,
    recompute, virtual); a stated layout that does not divide is an InputError naming the
    field, one that does not fit an InputError naming the shortfall.
    """
    n_units = float(n_units)
    fixed = {k: v for k, v in (fixed or {}).items() if v is not None}
    stated = {k: fixed.get(k, 1) for k in ("tp", "pp", "cp", "ep", "micro_batch", "virtual")}
    if fixed.keys() & {"tp", "pp", "cp", "ep", "micro_batch", "virtual"}:
        check_layout(n_units, seq_len, global_batch, *(float(stated[k]) for k in
                                                        ("tp", "pp", "cp", "ep", "micro_batch", "virtual")), model)
    domain = max(hardware["scale_up_domain"], fixed.get("tp", 1))
    layouts = candidates(n_units, seq_len, global_batch, model, domain, fixed)
    if not layouts["tp"].size:
        raise _check.InputError("n_units", f"admits no layout for this model with global_batch {global_batch:g} "
                                "(dp x micro_batch must divide it; tp x pp x cp must divide n_units)", n_units)
    memory, time = evaluate(n_units, seq_len, global_batch, layouts, model, hardware, factors)
    room = usable_bytes(hardware, memory_reserve)
    fits = memory["total"] <= room
    if not fits.any():
        best = int(np.argmin(memory["total"]))
        parts = ", ".join(f"{k} {memory[k][best] / 1e9:.3g}" for k in ("weights", "gradients", "optimizer", "activations"))
        chosen = {k: layouts[k][best] for k in LAYOUT_FIELDS}
        raise _check.InputError(
            "n_units", f"is too few: {'the' if fixed else 'the smallest'} layout ({layout_text(chosen)}) needs "
            f"{memory['total'][best] / 1e9:.4g} GB per chip ({parts} GB); a chip offers {room / 1e9:.4g} GB "
            f"after the {memory_reserve:.0%} reserve, short by {(memory['total'][best] - room) / 1e9:.3g} GB", n_units)
    index = np.flatnonzero(fits)[int(np.argmin(time["total"][fits]))]
    return _plan_at(index, n_units, seq_len, global_batch, layouts, memory, time)


def _plan_at(i, n_units, seq_len, global_batch, layouts, memory, time):
    result = {k: float(layouts[k][i]) for k in LAYOUT_FIELDS}
    result["text"] = layout_text(result)
    result["memory"] = {k: float(np.ravel(v)[i] if np.ndim(v) else v) for k, v in memory.items()}
    result["time"] = {k: float(np.ravel(v)[i] if np.ndim(v) else v) for k, v in time.items()}
    result["step_seconds"] = result["time"]["total"]
    result["tokens_per_s"] = global_batch * seq_len / result["step_seconds"]
    result["n_units"] = n_units
    return result
