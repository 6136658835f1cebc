"""Excel functions for training plans: bodies and wizard texts here, registered by ``xlcost.udfs`` (its end).

Registering there keeps one module that xlwings reads, in whichever mode (classic or
Office.js) that module was imported.

Thin, as the rest of ``xlcost.udfs``: cells in, :mod:`xlcost.training` called once per
cell, a number or a text out; every refusal names its argument. Layout arguments left
empty are the planner's choice (docs/training.md).
"""

import functools

from . import excel_values as ev
from . import training
from .core import training as core

_NOT_GIVEN = float("nan")  # an empty optional number

_PRECISION_CODES = {name: float(code) for code, name in enumerate(training.PRECISIONS)}
_PRECISION_NAMES = dict(enumerate(training.PRECISIONS))
_RECOMPUTE_CODES = {name: float(code) for name, code in core.RECOMPUTE.items()}

_MODEL = 'A catalog model ("Llama-3-70B", "DeepSeek-V3"): its architecture sets memory and FLOPs.'
_HARDWARE = 'A chip ("H100", "B200") or an instance (its chip is used).'
_N_UNITS = "Chips in the job, e.g. 1024."
_TOKENS = "Training tokens of the whole run, e.g. 15T."
_SEQ = f"Optional. Tokens per training sequence. Empty: {training.DEFAULT_SEQ_LEN:,.0f} (Llama 3 405B)."
_BATCH = ("Optional. Global batch in sequences. Empty: 4M tokens, or a sequence per 8 chips when more (Llama 3 405B: "
          "4M tokens at first, 16M of 8k on 16,384 GPUs).")
_PRECISION = ('Optional. "bf16" (default), "fp8", "mxfp8" or "fp4" where the chip trains in it; activations '
              "and optimizer state as docs/training.md says.")
_LAYOUT = "Optional. {0} size. Empty: the planner's choice."
_MICRO = "Optional. Sequences per micro-batch. Empty: the planner's choice."
_ZERO = "Optional. ZeRO stage 0-3 (1: Megatron's distributed optimizer). Empty: the planner's choice."
_RECOMPUTE = 'Optional. "none", "selective" or "full" activation recompute. Empty: the planner\'s choice.'
_GOODPUT = (f"Optional. Share of wall time spent training. Empty: {core.GOODPUT} (Llama 3 405B: 466 interruptions "
            "in 54 days, ~90% effective training time).")


@functools.lru_cache(maxsize=512)
def _plan(model, hardware, n_units, precision, **layout):
    return training.plan(model, hardware, n_units, precision=precision, **layout)


def _given(value):
    return None if value != value else float(value)  # NaN: empty


def _call(pick, model, hardware, precision, **values):
    numbers = {k: _given(v) for k, v in values.items()}
    result = pick(model, hardware, _PRECISION_NAMES[int(precision)], numbers)
    return result if isinstance(result, str) else float(result)


def _each(pick, model, hardware, precision, **values):
    return ev.evaluate_each(lambda model, hardware, precision, **v: _call(pick, model, hardware, precision, **v),
                            model=ev.text(model, "model"), hardware=ev.text(hardware, "hardware"),
                            precision=ev.choice(precision, "precision", _PRECISION_CODES, 0.0), **values)


def _optional(value, name):
    return ev.number(value, name, "count", default=_NOT_GIVEN)


def _layout_args(seq_len, global_batch, tp, pp, cp, ep):
    return dict(seq_len=_optional(seq_len, "seq_len"), global_batch=_optional(global_batch, "global_batch"),
                tp=_optional(tp, "tp"), pp=_optional(pp, "pp"), cp=_optional(cp, "cp"), ep=_optional(ep, "ep"))


# TRAIN_THROUGHPUT's and TRAIN_MFU's argument descriptions
_PLAN_DOCS = dict(
    model=_MODEL, hardware=_HARDWARE, n_units=_N_UNITS, seq_len=_SEQ, global_batch=_BATCH, precision=_PRECISION,
    tp=_LAYOUT.format("Tensor-parallel"), pp=_LAYOUT.format("Pipeline-parallel"), cp=_LAYOUT.format("Context-parallel"),
    ep=_LAYOUT.format("Expert-parallel"),
)


def _planned(field):
    def pick(model, hardware, precision, numbers):
        n_units = numbers.pop("n_units")
        return _plan(model, hardware, n_units, precision, **numbers)[field]
    return pick


_DOCS_TRAIN_THROUGHPUT = dict(
    description=("Training tokens per second of the whole job: the fastest layout that fits (or the stated one) on n_units chips, "
    "from a roofline of GEMMs, attention, memory traffic and collectives (docs/training.md)."),
    **_PLAN_DOCS,
)


def TRAIN_THROUGHPUT(model, hardware, n_units, seq_len=None, global_batch=None, precision=None, tp=None, pp=None,
                     cp=None, ep=None):
    return _each(_planned("tokens_per_s"), model, hardware, precision, n_units=ev.number(n_units, "n_units", "count"),
                 **_layout_args(seq_len, global_batch, tp, pp, cp, ep))


_DOCS_TRAIN_MFU = dict(
    description=("Utilisation of the planned layout on TRAIN_COST's FLOP count (6 x active parameters per token) over the chips' "
    "16-bit peak, so TRAIN_COST(model, tokens, hardware, TRAIN_MFU(...), price) prices the planned run."),
    **_PLAN_DOCS,
)


def TRAIN_MFU(model, hardware, n_units, seq_len=None, global_batch=None, precision=None, tp=None, pp=None, cp=None,
              ep=None):
    return _each(_planned("mfu"), model, hardware, precision, n_units=ev.number(n_units, "n_units", "count"),
                 **_layout_args(seq_len, global_batch, tp, pp, cp, ep))


def _memory(model, hardware, precision, numbers):
    return training.memory_bytes(model, hardware, precision=precision, **numbers)


_DOCS_TRAIN_MEMORY = dict(
    description=("Bytes per chip of a training layout: weights, gradients and optimizer state (sharded by ZeRO) plus activations "
    "(Korthikanti et al.); a layout that does not fit is an error naming the shortfall."),
    model=_MODEL, hardware=_HARDWARE, n_units=_N_UNITS, seq_len=_SEQ, micro_batch=_MICRO, precision=_PRECISION,
    tp=_LAYOUT.format("Tensor-parallel"), pp=_LAYOUT.format("Pipeline-parallel"), cp=_LAYOUT.format("Context-parallel"),
    ep=_LAYOUT.format("Expert-parallel"), zero=_ZERO, recompute=_RECOMPUTE,
)


def TRAIN_MEMORY(model, hardware, n_units, seq_len=None, micro_batch=None, precision=None, tp=None, pp=None, cp=None,
                 ep=None, zero=None, recompute=None):
    return _each(_memory, model, hardware, precision, n_units=ev.number(n_units, "n_units", "count"),
                 seq_len=_optional(seq_len, "seq_len"), micro_batch=_optional(micro_batch, "micro_batch"),
                 tp=_optional(tp, "tp"), pp=_optional(pp, "pp"), cp=_optional(cp, "cp"), ep=_optional(ep, "ep"),
                 zero=_optional(zero, "zero"), recompute=ev.choice(recompute, "recompute", _RECOMPUTE_CODES, _NOT_GIVEN))


_DOCS_TRAIN_LAYOUT = dict(
    description=('The layout the planner chooses, as text: "TP8 PP16 CP1 EP1 DP128 · ZeRO-1 · selective recompute · '
    'micro-batch 1" (VP: interleaved stages).'),
    model=_MODEL, hardware=_HARDWARE, n_units=_N_UNITS, seq_len=_SEQ, global_batch=_BATCH, precision=_PRECISION,
)


def TRAIN_LAYOUT(model, hardware, n_units, seq_len=None, global_batch=None, precision=None):
    return _each(_planned("text"), model, hardware, precision, n_units=ev.number(n_units, "n_units", "count"),
                 seq_len=_optional(seq_len, "seq_len"), global_batch=_optional(global_batch, "global_batch"))


def _days(model, hardware, precision, numbers):
    tokens, n_units, goodput = numbers.pop("tokens"), numbers.pop("n_units"), numbers.pop("goodput")
    throughput = _plan(model, hardware, n_units, precision, **numbers)["tokens_per_s"]
    return tokens / throughput / training.SECONDS_PER_DAY / (core.GOODPUT if goodput is None else goodput)


_DOCS_TRAIN_TIME = dict(
    description=("Days to train on tokens with n_units chips: tokens / TRAIN_THROUGHPUT / 86,400 / goodput."),
    model=_MODEL, tokens=_TOKENS, hardware=_HARDWARE, n_units=_N_UNITS, precision=_PRECISION, seq_len=_SEQ,
    global_batch=_BATCH, goodput=_GOODPUT,
)


def TRAIN_TIME(model, tokens, hardware, n_units, precision=None, seq_len=None, global_batch=None, goodput=None):
    return _each(_days, model, hardware, precision, tokens=ev.number(tokens, "tokens", "count"),
                 n_units=ev.number(n_units, "n_units", "count"), seq_len=_optional(seq_len, "seq_len"),
                 global_batch=_optional(global_batch, "global_batch"),
                 goodput=ev.number(goodput, "goodput", "fraction", default=_NOT_GIVEN))


def _chips(model, hardware, precision, numbers):
    chips, _ = training.gpus_for_training(model, numbers.pop("tokens"), hardware, numbers.pop("days"),
                                          precision=precision, **numbers)
    return chips


_DOCS_GPUS_FOR_TRAINING = dict(
    description=("The fewest chips (1, 2, 4, or 8 x 1, 1.25, 1.5, 1.75 x 2^k) whose planned layout trains on tokens within days, "
    "at the default goodput."),
    model=_MODEL, tokens=_TOKENS, hardware=_HARDWARE, days="Days the run may take, wall clock.",
    precision=_PRECISION, seq_len=_SEQ, global_batch=_BATCH,
)


def GPUS_FOR_TRAINING(model, tokens, hardware, days, precision=None, seq_len=None, global_batch=None):
    return _each(_chips, model, hardware, precision, tokens=ev.number(tokens, "tokens", "count"),
                 days=ev.number(days, "days", "count"), seq_len=_optional(seq_len, "seq_len"),
                 global_batch=_optional(global_batch, "global_batch"))


# name -> (body, description, argument descriptions): xlcost.udfs registers each
FUNCTIONS = {name: (globals()[name], globals()["_DOCS_" + name].pop("description"), globals()["_DOCS_" + name])
             for name in ("TRAIN_THROUGHPUT", "TRAIN_MFU", "TRAIN_MEMORY", "TRAIN_LAYOUT", "TRAIN_TIME",
                          "GPUS_FOR_TRAINING")}
