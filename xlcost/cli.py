"""Command line: ``xlcost calc <quantity> ...``, ``xlcost catalog [table]``, ``xlcost build``.

>>> main(["calc", "train_cost_usd", "--params", "175B", "--tokens", "300B",
...       "--peak-flops-per-s", "275T", "--utilization", "46.2%", "--price-usd-per-hour", "2.03"])
train_cost_usd = 1,398,072 USD
0
"""

import argparse
import inspect
import json
import sys

from . import core
from .errors import XlcostError
from .units import parse_quantity

# what a catalog entry supplies, by argument name
_FROM_HARDWARE = {
    "peak_flops_per_s": lambda h: h.peak_flops_per_s,
    "memory_bytes": lambda h: h.memory_bytes,
    "memory_bandwidth_bytes_per_s": lambda h: h.memory_bandwidth_bytes_per_s,
}
_FROM_MODEL = {
    "params": lambda m: m.params_per_token,
    "memory_params": lambda m: m.params,
    "tokens": lambda m: m.training_tokens,
    "n_layers": lambda m: m.n_layers,
    "d_model": lambda m: m.d_model,
    "d_attn": lambda m: m.n_heads * m.head_dim,
    "kv_dim": lambda m: m.kv_dim,
    "vocab": lambda m: m.vocab,
    "context": lambda m: m.context,
    "d_ff": lambda m: m.d_ff,
    "n_heads": lambda m: m.n_heads,
    "n_kv_heads": lambda m: m.n_kv_heads,
}
_UNITS = (("_usd", "USD"), ("_bytes", "bytes"), ("_flops", "FLOPs"), ("_per_s", "per second"), ("_days", "days"))
_FLAGS = {"gated_ffn", "tied_embeddings", "biases"}


def _describe(value, quantity):
    unit = next((u for suffix, u in _UNITS if quantity.endswith(suffix) or suffix + "_" in quantity), "")
    if abs(value) >= 1e15 or (value and abs(value) < 1e-3):
        text = f"{value:.6g}"
    elif abs(value) >= 1000:
        text = f"{value:,.0f}"
    else:
        text = f"{value:.6g}"
    return f"{quantity} = {text} {unit}".rstrip()


def _calc_parser(subparsers):
    calc = subparsers.add_parser("calc", help="compute one quantity")
    quantities = calc.add_subparsers(dest="quantity", required=True, metavar="QUANTITY")
    for name in core.__all__:
        function = getattr(core, name)
        summary = (function.__doc__ or "").strip().splitlines()[0]
        sub = quantities.add_parser(name, help=summary, description=function.__doc__)
        sub.add_argument("--hardware", help="chip or instance name supplying peak, memory, bandwidth, price")
        sub.add_argument("--model", help="model name supplying params, tokens and shape")
        sub.add_argument(
            "--price-term", choices=["on_demand", "1yr", "3yr"], default="on_demand",
            help="which catalog price --hardware supplies (default on_demand; the article uses 1yr)",
        )
        sub.add_argument("--json", action="store_true", help="print JSON")
        for parameter in inspect.signature(function).parameters.values():
            option = "--" + parameter.name.replace("_", "-")
            if parameter.name in _FLAGS:
                sub.add_argument(option, action=argparse.BooleanOptionalAction, default=parameter.default)
            else:
                default = None if parameter.default is inspect.Parameter.empty else parameter.default
                sub.add_argument(option, dest=parameter.name, default=default, help=f"default {default}")


def _run_calc(args):
    from . import catalog

    function = getattr(core, args.quantity)
    hardware = catalog.hardware(args.hardware) if args.hardware else None
    model = catalog.model(args.model) if args.model else None
    values = {}
    for name in inspect.signature(function).parameters:
        value = getattr(args, name)
        if value is None and hardware is not None and name in _FROM_HARDWARE:
            value = _FROM_HARDWARE[name](hardware)
        if value is None and hardware is not None and name == "price_usd_per_hour":
            value = hardware.price_usd_per_hour(args.price_term)
        if value is None and model is not None and name in _FROM_MODEL:
            value = _FROM_MODEL[name](model)
        if isinstance(value, str):
            value = parse_quantity(value, name)
        if value is None and inspect.signature(function).parameters[name].default is inspect.Parameter.empty:
            raise XlcostError(f"--{name.replace('_', '-')} is required (or give --hardware / --model)")
        values[name] = value
    result = function(**values)
    if args.json:
        print(json.dumps({"quantity": args.quantity, "value": result, "inputs": values}))
    else:
        print(_describe(result, args.quantity))


def _run_catalog(args):
    from . import catalog

    for name in [args.table] if args.table else list(catalog.FILES):
        rows = catalog.table(name).rows
        if args.json:
            print(json.dumps({name: rows}))
            continue
        print(f"# {name} ({len(rows)} rows)")
        for row in rows:
            print(f"{row['name']:<28} {row['date']:<11} {row['source']}")


def _run_build(args):
    from .workbook import build_all

    for path in build_all(args.out, force=args.force):
        print(path)


def main(argv=None):
    """Entry point of the ``xlcost`` command; returns the exit status."""
    parser = argparse.ArgumentParser(prog="xlcost", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True)
    _calc_parser(subparsers)
    listing = subparsers.add_parser("catalog", help="list catalog rows with their sources")
    listing.add_argument("table", nargs="?", choices=["chips", "instances", "models", "api"])
    listing.add_argument("--json", action="store_true")
    build = subparsers.add_parser("build", help="write workbooks/*.xlsx from templates/")
    build.add_argument("--out", default="workbooks", help="output directory (default: workbooks)")
    build.add_argument("--force", action="store_true", help="overwrite workbooks edited since they were built")
    args = parser.parse_args(argv)
    try:
        {"calc": _run_calc, "catalog": _run_catalog, "build": _run_build}[args.command](args)
    except XlcostError as error:
        print(f"xlcost: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
