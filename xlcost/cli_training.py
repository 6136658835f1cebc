"""``xlcost calc`` for the training quantities and ``xlcost plan train``: the Excel functions' names and defaults.

>>> from xlcost.cli import main
>>> main(["calc", "train_layout", "--model", "Llama-2-7B", "--hardware", "H100", "--n-units", "8"])  # doctest: +ELLIPSIS
train_layout = TP... · micro-batch ...
0
"""

import json

from . import training
from .core import training as core
from .units import parse_quantity

_LAYOUT = ("seq_len", "global_batch", "tp", "pp", "cp", "ep")
# quantity -> (options beyond --model/--hardware/--precision, unit)
QUANTITIES = {
    "train_throughput": (("n_units", *_LAYOUT), "tokens/s (whole job)"),
    "train_mfu": (("n_units", *_LAYOUT), "of the 16-bit peak on 6 x active parameters per token"),
    "train_memory": (("n_units", "seq_len", "micro_batch", "tp", "pp", "cp", "ep", "zero", "recompute"), "bytes per chip"),
    "train_layout": (("n_units", "seq_len", "global_batch"), ""),
    "train_time": (("tokens", "n_units", "seq_len", "global_batch", "goodput"), "days"),
    "gpus_for_training": (("tokens", "days", "seq_len", "global_batch"), "chips"),
}
_HELP = {
    "n_units": "chips in the job (required)",
    "tokens": "training tokens of the whole run, e.g. 15T (required)",
    "days": "days the run may take (required)",
    "seq_len": f"tokens per sequence (default {training.DEFAULT_SEQ_LEN:,.0f})",
    "global_batch": "sequences per step (default: 4M tokens, or a sequence per 8 chips when more)",
    "micro_batch": "sequences per micro-batch (default: the planner's choice)",
    "zero": "ZeRO stage 0-3 (default: the planner's choice)",
    "recompute": "none, selective or full (default: the planner's choice)",
    "goodput": f"share of wall time spent training (default {core.GOODPUT})",
    **{k: f"{k.upper()} size (default: the planner's choice)" for k in ("tp", "pp", "cp", "ep")},
}
_REQUIRED = {"n_units", "tokens", "days"}


def _add_common(sub, options):
    sub.add_argument("--model", required=True, help="catalog model with its architecture")
    sub.add_argument("--hardware", required=True, help="chip or instance name")
    sub.add_argument("--precision", default=training.DEFAULT_PRECISION, choices=list(training.PRECISIONS),
                     type=str.lower, help=f"training precision (default {training.DEFAULT_PRECISION})")
    sub.add_argument("--json", action="store_true", help="print JSON")
    for option in options:
        if option == "recompute":
            sub.add_argument("--recompute", choices=list(core.RECOMPUTE), type=str.lower, help=_HELP[option])
        else:
            sub.add_argument("--" + option.replace("_", "-"), dest=option, required=option in _REQUIRED,
                             help=_HELP[option])


def add_parsers(quantities):
    """One ``calc`` subcommand per training quantity."""
    for name, (options, _) in QUANTITIES.items():
        summary = f"{name}: as the Excel function {name.upper()} (docs/training.md)"
        _add_common(quantities.add_parser(name, help=summary, description=summary), options)


_PLAN_OPTIONS = ("n_units", "seq_len", "global_batch", "tp", "pp", "cp", "ep", "micro_batch", "zero", "recompute")


def add_plan_parser(subparsers):
    """``xlcost plan train``: the chosen layout with its memory and time breakdown."""
    plan = subparsers.add_parser("plan", help="plan a training run: layout, memory and time per step")
    kinds = plan.add_subparsers(dest="kind", required=True, metavar="KIND")
    train = kinds.add_parser("train", help="the fastest layout that fits on --n-units chips (or the stated one)")
    _add_common(train, _PLAN_OPTIONS)


def _values(args, options):
    values = {}
    for option in options:
        value = getattr(args, option)
        if value is not None and option != "recompute":
            value = parse_quantity(value, option, "fraction" if option == "goodput" else "count")
        values[option] = value
    return values


def run(args):
    """Compute and print one training quantity."""
    options, unit = QUANTITIES[args.quantity]
    v = _values(args, options)
    name, hw, precision = args.model, args.hardware, args.precision
    q = args.quantity
    if q == "train_memory":
        result = training.memory_bytes(name, hw, precision=precision, **v)
    elif q == "train_time":
        goodput = core.GOODPUT if v.pop("goodput") is None else v["goodput"]
        v.pop("goodput", None)
        result = training.train_days(name, v.pop("tokens"), hw, v.pop("n_units"), precision, goodput=goodput, **v)
    elif q == "gpus_for_training":
        result, _ = training.gpus_for_training(name, v.pop("tokens"), hw, v.pop("days"), precision, **v)
    else:
        field = {"train_throughput": "tokens_per_s", "train_mfu": "mfu", "train_layout": "text"}[q]
        result = training.plan(name, hw, v.pop("n_units"), precision=precision, **v)[field]
    if args.json:
        print(json.dumps({"quantity": q, "value": result, "unit": unit, "inputs": v}))
    elif isinstance(result, str):
        print(f"{q} = {result}")
    else:
        print(f"{q} = {result:,.0f} {unit}" if abs(result) >= 1000 else f"{q} = {result:.4g} {unit}")


def run_plan(args):
    """Print the plan of ``xlcost plan train``."""
    v = _values(args, _PLAN_OPTIONS)
    p = training.plan(args.model, args.hardware, v.pop("n_units"), precision=args.precision, **v)
    if args.json:
        print(json.dumps(p))
        return
    print(f"{p['model']} on {p['n_units']:,.0f} x {p['hardware']}, {p['precision']}, sequences of {p['seq_len']:,.0f} "
          f"tokens, global batch {p['global_batch']:,.0f}")
    print(f"layout: {p['text']}")
    print("memory per chip:")
    for part, value in p["memory"].items():
        print(f"  {part:12} {value / 1e9:9.2f} GB")
    print(f"time per step ({p['step_seconds']:.3f} s; pipeline bubble {p['time']['bubble']:.1%} of the pipelined part):")
    for part, value in p["time"].items():
        if part not in ("bubble", "total"):
            print(f"  {part:12} {value:9.3f} s  {value / p['step_seconds']:6.1%}")
    print(f"throughput: {p['tokens_per_s']:,.0f} tokens/s ({p['tokens_per_s'] / p['n_units']:,.0f} per chip)")
    print(f"MFU: {p['mfu']:.1%} on 6 x active parameters per token (TRAIN_COST's count); {p['mfu_palm']:.1%} with "
          "attention FLOPs (PaLM's)")
