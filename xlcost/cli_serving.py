"""``xlcost calc`` for the serving quantities: the Excel functions' names, arguments and defaults.

>>> from xlcost.cli import main
>>> main(["calc", "kv_cache_per_token", "--model", "Llama-2-7B"])
kv_cache_per_token = 524,288 bytes
0
"""

import json

from . import build_vs_buy, catalog, serving
from .core.inputs import ARGUMENTS
from .helptext import plain
from .units import parse_quantity

# quantity -> (function of xlcost.serving, its options beyond --model/--hardware/--precision, unit)
_COMMON = ("n_units", "input_tokens", "output_tokens")
_ENGINE = ("batching", "parallel")
_LOAD = ("requests_per_s", "input_tokens", "output_tokens", "ttft_s", "tpot_s")
QUANTITIES = {
    "serve_throughput": (serving.serve_throughput, (*_COMMON, "batch", *_ENGINE), "output tokens/s"),
    "serve_cost": (serving.serve_cost, ("price_per_hour", *_COMMON, "batch", "per", *_ENGINE), "USD"),
    "serve_latency": (serving.serve_latency, (*_COMMON, "batch", "which", *_ENGINE), "s"),
    "gpus_for_load": (serving.gpus_for_load, _LOAD, "chips"),
    "load_plan": (serving.load_plan, _LOAD, ""),
    "kv_cache_per_token": (serving.kv_cache_per_token, (), "bytes"),
    "break_even_load": (build_vs_buy.break_even_load, ("api_model", "price_per_hour", *_COMMON),
                        "of the replica's maximum load (above 1: self-hosting never pays)"),
    "max_batch": (serving.max_batch, ("n_units", "context", "parallel"), "sequences"),
}
_HELP = {
    "n_units": "chips in the tensor-parallel replica (default: 1 for a chip, an instance's chip count)",
    "input_tokens": f"prompt tokens per request (default {serving.DEFAULT_INPUT_TOKENS:.0f})",
    "output_tokens": f"generated tokens per request (default {serving.DEFAULT_OUTPUT_TOKENS:.0f})",
    "batch": "requests served together (default: the largest that fits; serve_latency: 1)",
    "price_per_hour": "USD per hour of --hardware as named: an instance's own price (shared by its chips), a chip's "
                      "per chip (default: the instance's catalog price for --price-term)",
    "per": "output (USD per 1M output tokens, default), input (per 1M input tokens) or request",
    "which": "ttft (default), tpot or request",
    "api_model": "catalog API model to compare with, e.g. gpt-4o (required)",
    "requests_per_s": "requests arriving per second (required)",
    "ttft_s": 'longest acceptable time to first token, e.g. 1 or "800ms" (default: no target)',
    "tpot_s": 'longest acceptable time per output token, e.g. 0.05 or "50ms" (default: no target)',
    "batching": "continuous (default: batch = requests in flight) or static (the batch starts and ends together)",
    "parallel": "tp (tensor parallel, default) or dep (attention data-parallel + expert parallel, for MoE)",
    "context": f"tokens per sequence (default {serving.DEFAULT_CONTEXT:.0f})",
}
_TEXT = {"per", "which", "api_model", "batching", "parallel"}
PRICED = ("serve_cost", "break_even_load")  # quantities that read a catalog price: --as-of and --price-term
_DIMENSION = {"price_per_hour": "usd"}  # the others are read by xlcost.core.inputs.ARGUMENTS


def add_parsers(quantities):
    """Add one ``calc`` subcommand per serving quantity to the ``quantities`` subparsers."""
    for name, (function, options, unit) in QUANTITIES.items():
        summary = plain(function.__doc__).splitlines()[0]
        sub = quantities.add_parser(name, help=summary, description=summary)
        sub.add_argument("--model", required=True, help="catalog model with its architecture")
        if name != "kv_cache_per_token":
            sub.add_argument("--hardware", required=True, help="chip or instance name")
        sub.add_argument("--precision", default=serving.DEFAULT_PRECISION, choices=list(serving.PRECISIONS), type=str.lower,
                         help=f"weights and math (default {serving.DEFAULT_PRECISION}); fp8/fp4 weights ship an 8-bit KV cache")
        sub.add_argument("--json", action="store_true", help="print JSON")
        if name in PRICED:
            sub.add_argument("--as-of", metavar="DATE", help="the catalog price in force on DATE (YYYY-MM-DD; default: "
                             "the newest), e.g. a price before a cut")
            sub.add_argument("--price-term", choices=list(catalog.PRICE_TERMS), default="on_demand", type=str.lower,
                             help="which catalog price of an instance (default on_demand)")
        for option in options:
            sub.add_argument("--" + option.replace("_", "-"), dest=option, required=option in ("requests_per_s", "api_model"),
                             help=_HELP[option])


def run(args):
    """Compute and print one serving quantity from parsed ``args``."""
    function, options, unit = QUANTITIES[args.quantity]
    values = {}
    for option in options:
        value = getattr(args, option)
        if value is not None and option not in _TEXT:
            value = parse_quantity(value, option, _DIMENSION.get(option) or ARGUMENTS[option].dimension)
        elif value is not None and option != "api_model":
            value = value.strip().lower()  # choices read as in Excel, whatever the case
        if value is not None:
            values[option] = value
    names = (args.model,) if args.quantity == "kv_cache_per_token" else (args.model, args.hardware)
    priced = {"as_of": args.as_of, "price_term": args.price_term} if args.quantity in PRICED else {}
    result = function(*names, precision_name=args.precision, **values, **priced)
    if args.quantity == "serve_cost":
        per = values.get("per", "output")
        unit = "USD per request" if per == "request" else f"USD per 1M {per} tokens"
    if isinstance(result, dict):  # load_plan: every field of the plan
        if args.json:
            print(json.dumps({"quantity": args.quantity, "value": result, "inputs": values}))
        else:
            for key in serving.PLAN_FIELDS:
                print(f"{key} = {result[key]:.4g}")
    elif args.json:
        print(json.dumps({"quantity": args.quantity, "value": result, "unit": unit, "inputs": values}))
    elif abs(result) >= 1000:
        print(f"{args.quantity} = {result:,.0f} {unit}")
    else:
        print(f"{args.quantity} = {result:.4g} {unit}")
