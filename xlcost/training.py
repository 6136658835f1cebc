"""Training by name: a catalog model on catalog chips, through ``xlcost.core.training``.

The one place that says which model and chip fields the training quantities take (the
Excel functions, ``xlcost calc``, ``xlcost plan train`` and the sweep call it):

- model: the serving adapter's architecture (shared weights and routed experts, the
  parameters a token multiplies, attention FLOPs per attended token) plus the stored
  activation widths: KV width (n_kv_heads x head_dim; latent attention decompresses
  keys and values, n_heads x (qk + v head dim) / 2), the FFN width a token passes
  (MoE: routed + shared experts, averaged with the dense layers), gated or not, vocab;
- chip: dense peak at the training precision (attention at the 16-bit peak), memory,
  HBM bandwidth, scale-up link and domain, scale-out bandwidth, the catalog's measured
  GEMM and HBM efficiencies (global defaults where it has none);
- precision: bf16 (Megatron mixed precision: bf16 weights, fp32 gradients, fp32 master
  weights and Adam moments: 2 + 4 + 12 bytes per parameter), fp8 / mxfp8 (the same plus
  an 8-bit weight copy: 3 + 4 + 12), fp4 (plus a 4-bit copy with scales); activations
  16-bit in every case; refused where the chip does not train in it;
- MFU: on ``TRAIN_COST``'s count, 6 x active parameters per token, over the chip's 16-bit
  peak (TRAIN_COST's peak), so ``TRAIN_COST(model, tokens, hw, TRAIN_MFU(...), price)``
  prices the planned run.

>>> p = plan("Llama-3-8B", "H100", 8, precision="bf16")
>>> p["text"].startswith("TP")
True
"""

import numpy as np

from . import catalog
from . import serving as _serving
from .core import training as core
from .core.inputs import FP4_BYTES_PER_PARAM
from .errors import InputError

DEFAULT_PRECISION = "bf16"
DEFAULT_SEQ_LEN = 4096.0  # Llama 3 405B pre-training: sequences of 4,096 tokens ...
DEFAULT_BATCH_TOKENS = 4.0 * 2**20  # ... in batches of 4M tokens at the start (Dubey et al. 2024, 3.4.1)
SECONDS_PER_DAY = 86400.0

# precision -> (bytes per weight held, peak column, efficiency dtype)
PRECISIONS = {
    "bf16": (2.0, "bf16", "bf16"),
    "fp8": (3.0, "fp8", "fp8"),  # bf16 weights + the fp8 copy Transformer Engine keeps
    "mxfp8": (3.0, "fp8", "mxfp8"),
    "fp4": (2.0 + FP4_BYTES_PER_PARAM, "fp4", "fp4"),  # bf16 + an NVFP4 copy with its scales
}
GRAD_BYTES = 4.0  # fp32 gradient accumulation and reduction (Megatron-LM's default with bf16)
OPTIMIZER_BYTES = 12.0  # fp32 master weights + Adam's two fp32 moments
CAST_BYTES = 4.0  # an 8-bit GEMM's operand cast: read 2 bytes, write 1 and a 1-byte transpose (Transformer Engine)


CHIPS_PER_SEQUENCE = 8.0  # ... growing to 16M tokens of 8,192 on 16,384 GPUs: a sequence per 8 chips (same source)


def default_global_batch(seq_len, n_units=1.0):
    """Sequences in the default batch: 4M tokens of ``seq_len``, or one per 8 chips when that is more."""
    return max(1.0, np.floor(DEFAULT_BATCH_TOKENS / seq_len), np.floor(n_units / CHIPS_PER_SEQUENCE))


def _precision(name, chip):
    key = str(name).strip().lower()
    if key not in PRECISIONS:
        raise InputError("precision", f"must be one of {', '.join(PRECISIONS)}", name)
    trains = chip.train_dtypes
    if key not in trains:
        raise InputError("precision", f"{chip.chip['name']} does not train in {key} (catalog: {', '.join(trains)})", name)
    return PRECISIONS[key]


def model_arguments(name):
    """The model dict of ``core.training`` for a catalog model."""
    a = _serving.model_arguments(name, "bf16")  # bytes at 2 per weight
    model = _serving.generator(name)
    row = model.row
    n_layers, d_model, n_heads = a["n_layers"], a["d_model"], row["n_heads"]
    if row.get("kv_lora_rank"):
        kv_dim = n_heads * (row["qk_nope_head_dim"] + row["qk_rope_head_dim"] + row["v_head_dim"]) / 2
    else:
        kv_dim = model.kv_heads * model.head_dim
    if model.is_moe:
        k, shared = a["experts_per_token"], row.get("n_shared_experts") or 0
        dense_layers = n_layers - a["moe_layers"]
        ffn = (a["moe_layers"] * (k + shared) * row["expert_d_ff"] + dense_layers * (row.get("d_ff") or 0)) / n_layers
    else:
        ffn = row["d_ff"]
    return {
        "n_layers": n_layers, "d_model": d_model, "n_heads": n_heads, "kv_dim": kv_dim, "ffn_width": ffn,
        "gated": 1.0 if row.get("gated_ffn") else 0.0, "vocab": row["vocab"], "params": model.params,
        "expert_params": a["moe_layers"] * a["n_experts"] * a["expert_weight_bytes"] / 2.0,
        "matmul_params": model.matmul_params_per_token, "head_params": row["vocab"] * d_model,
        "attention_flops_per_attended": a["attention_flops_per_attended"],
        "moe_layers": a["moe_layers"], "n_experts": a["n_experts"], "experts_per_token": a["experts_per_token"],
    }


def hardware_arguments(name, precision=DEFAULT_PRECISION):
    """The hardware dict of ``core.training``: one chip's figures at ``precision``."""
    unit = _serving._named("hardware", catalog.hardware, name)
    chip = catalog.hardware(unit.chip["name"])
    weight_bytes, column, dtype = _precision(precision, chip)
    gemm, gemm16 = chip.compute_efficiency(dtype), chip.compute_efficiency("bf16")
    hbm = chip.bandwidth_efficiency
    return {
        "peak_flops_per_s": chip.peak(column), "compute_efficiency": _or(gemm, core.COMPUTE_EFFICIENCY),
        "peak16_flops_per_s": chip.peak_flops_per_s, "compute_efficiency16": _or(gemm16, core.COMPUTE_EFFICIENCY),
        "mfu_peak_flops_per_s": chip.peak_flops_per_s, "cast_bytes": 0.0 if column == "bf16" else CAST_BYTES,
        "memory_bytes": chip.memory_bytes, "memory_bandwidth_bytes_per_s": chip.memory_bandwidth_bytes_per_s,
        "scale_up_bytes_per_s": chip.interconnect_bytes_per_s, "scale_out_bytes_per_s": chip.scale_out_bytes_per_s,
        "scale_up_domain": chip.scale_up_domain,
        "bandwidth_efficiency": _or(hbm, core.BANDWIDTH_EFFICIENCY),
        "weight_bytes": weight_bytes, "grad_bytes": GRAD_BYTES, "optimizer_bytes": OPTIMIZER_BYTES,
        "grad_comm_bytes": GRAD_BYTES,
    }


def _or(value, default):
    return default if value is None else value


def _given(value):
    return None if value is None or value != value else float(value)


def plan(model, hardware, n_units, seq_len=None, global_batch=None, precision=DEFAULT_PRECISION, tp=None, pp=None,
         cp=None, ep=None, micro_batch=None, zero=None, recompute=None, virtual=None, factors=None,
         memory_only=False):
    """The fastest layout that fits (or the stated one), with memory and time parts, tokens/s and MFU.

    Returns a dict: the layout fields (tp, pp, cp, ep, dp, micro_batch, zero, recompute,
    virtual), ``text``, ``memory`` (bytes per chip: weights, gradients, optimizer,
    activations, total), ``time`` (seconds per step by part, ``bubble`` a share),
    ``step_seconds``, ``tokens_per_s`` (whole job), ``mfu`` (TRAIN_COST's convention),
    ``mfu_palm`` (attention FLOPs included, PaLM's convention).
    """
    m = model_arguments(model)
    h = hardware_arguments(hardware, precision)
    seq_len = DEFAULT_SEQ_LEN if _given(seq_len) is None else float(seq_len)
    global_batch = default_global_batch(seq_len, float(n_units)) if _given(global_batch) is None else float(global_batch)
    limit = _serving.generator(model).row.get("context")
    if limit and seq_len > limit:
        raise InputError("seq_len", f"must not exceed {_serving.generator(model).name}'s context of {limit:,.0f} tokens",
                         seq_len)
    if isinstance(recompute, str):
        key = recompute.strip().lower()
        if key not in core.RECOMPUTE:
            raise InputError("recompute", f"must be one of {', '.join(core.RECOMPUTE)}", recompute)
        recompute = core.RECOMPUTE[key]
    if zero is not None and _given(zero) not in (0.0, 1.0, 2.0, 3.0):
        raise InputError("zero", "must be 0, 1, 2 or 3", zero)
    fixed = {"tp": tp, "pp": pp, "cp": cp, "ep": ep, "micro_batch": micro_batch, "zero": zero,
             "recompute": recompute, "virtual": virtual}
    fixed = {k: _given(v) for k, v in fixed.items()}
    if memory_only:  # TRAIN_MEMORY: a micro-batch, no global batch; the batch is one micro-batch per rank
        global_batch = float(n_units) * (fixed["micro_batch"] or 1.0)
    result = core.plan(float(n_units), seq_len, global_batch, m, h, fixed, factors)
    flops_6n = 6.0 * catalog.model(model).active_params
    palm = flops_6n + 3.0 * m["n_layers"] * seq_len / 2.0 * m["attention_flops_per_attended"]
    peak = float(n_units) * h["mfu_peak_flops_per_s"]
    result.update(model=model, hardware=hardware, precision=precision, seq_len=seq_len, global_batch=global_batch,
                  mfu=result["tokens_per_s"] * flops_6n / peak, mfu_palm=result["tokens_per_s"] * palm / peak)
    return result


def memory_bytes(model, hardware, n_units, seq_len=None, micro_batch=None, precision=DEFAULT_PRECISION, tp=None,
                 pp=None, cp=None, ep=None, zero=None, recompute=None):
    """Bytes per chip of the layout (the planner's choice where a field is not given); see :func:`plan`."""
    p = plan(model, hardware, n_units, seq_len=seq_len, global_batch=None, precision=precision, tp=tp, pp=pp, cp=cp,
             ep=ep, micro_batch=micro_batch, zero=zero, recompute=recompute, memory_only=True)
    return p["memory"]["total"]


def train_days(model, tokens, hardware, n_units, precision=DEFAULT_PRECISION, seq_len=None, global_batch=None,
               goodput=core.GOODPUT, **layout):
    """Days to train on ``tokens``: tokens / planned tokens per second / 86,400 / goodput."""
    if not 0 < goodput <= 1:
        raise InputError("goodput", "must be in (0, 1]", goodput)
    if not tokens > 0:
        raise InputError("tokens", "must be > 0", tokens)
    p = plan(model, hardware, n_units, seq_len=seq_len, global_batch=global_batch, precision=precision, **layout)
    return tokens / p["tokens_per_s"] / SECONDS_PER_DAY / goodput


CHIP_STEPS = (1.0, 1.25, 1.5, 1.75)  # chip counts tried: 1, 2, 4, then 8 x these x 2^k (whole 8-chip nodes)


def chip_counts(start):
    """The chip counts tried by :func:`gpus_for_training`, from the first >= ``start`` upward (a generator)."""
    for n in (1.0, 2.0, 4.0):
        if n >= start:
            yield n
    scale = 8.0
    while True:
        for step in CHIP_STEPS:
            if scale * step >= start:
                yield scale * step
        scale *= 2.0


def gpus_for_training(model, tokens, hardware, days, precision=DEFAULT_PRECISION, seq_len=None, global_batch=None,
                      goodput=core.GOODPUT, max_tries=64):
    """The fewest chips (1, 2, 4, or 8 x {1, 1.25, 1.5, 1.75} x 2^k) whose planned layout finishes in ``days``.

    The search starts at the chips that would finish at the training precision's peak
    (a lower bound) and walks up the list; a count that admits no layout is skipped.
    Returns (chips, plan).
    """
    if not days > 0:
        raise InputError("days", "must be > 0", days)
    h = hardware_arguments(hardware, precision)
    flops = 6.0 * catalog.model(model).active_params * tokens
    bound = flops / (days * SECONDS_PER_DAY * h["peak_flops_per_s"])
    last = None
    for i, n in enumerate(chip_counts(bound)):
        if i >= max_tries:
            break
        try:
            p = plan(model, hardware, n, seq_len=seq_len, global_batch=global_batch, precision=precision)
        except InputError as error:
            last = error
            continue
        if tokens / p["tokens_per_s"] / SECONDS_PER_DAY / goodput <= days:
            return n, p
    raise InputError("days", f"cannot be met within {max_tries} chip counts from {bound:,.0f} up"
                     + (f" (last refusal: {last})" if last else ""), days)


def summary(model, hardware, n_units, **options):
    """:func:`plan` as one flat row (for sweeps): layout fields, bytes and seconds by part, throughput, MFU.

    A layout that does not fit or divide gives a row whose ``error`` says why (its numbers NaN).
    """
    try:
        p = plan(model, hardware, n_units, **options)
    except InputError as error:
        return {"error": str(error)}
    row = {k: p[k] for k in (*core.LAYOUT_FIELDS, "text", "global_batch", "seq_len")}
    row.update({f"memory_{k}_bytes": v for k, v in p["memory"].items()})
    row.update({f"time_{k}_s": v for k, v in p["time"].items() if k != "bubble"})
    row.update(bubble_share=p["time"]["bubble"], tokens_per_s=p["tokens_per_s"],
               tokens_per_s_per_chip=p["tokens_per_s"] / p["n_units"], mfu=p["mfu"], mfu_palm=p["mfu_palm"],
               error="")
    return row
