"""``xlcost calc api_cost``: what an API charges for a request, by catalog name (as Excel's API_COST).

>>> from xlcost.cli import main
>>> main(["calc", "api_cost", "--api-model", "gpt-4o", "--input-tokens", "1M", "--output-tokens", "1M"])
api_cost = 12.5 USD per request
0
"""

import json

from . import catalog
from .units import parse_quantity

NAME = "api_cost"
_COUNTS = {
    "input_tokens": "prompt tokens (required), cached and cache-written ones included; over a tier's threshold "
                    "(Gemini 2.5 Pro, Claude Sonnet 4: 200k) the whole request bills at that tier",
    "output_tokens": "output tokens (required); add reasoning (thinking) tokens, billed as output",
    "cached_input_tokens": "the part of the input read from the prompt cache (default 0)",
    "cache_write_tokens": "the part of the input written to the prompt cache, at the cache-write price where the "
                          "provider bills writes (Anthropic); elsewhere input (default 0)",
}


def add_parser(quantities):
    """Add the ``calc api_cost`` subcommand to the ``quantities`` subparsers."""
    summary = "USD an API charges for one request, as billed (catalog list prices per 1M tokens)"
    sub = quantities.add_parser(NAME, help=summary, description=summary)
    sub.add_argument("--api-model", required=True, help="catalog API model, e.g. gpt-4o (xlcost catalog api)")
    for option, text in _COUNTS.items():
        sub.add_argument("--" + option.replace("_", "-"), dest=option, required=option in ("input_tokens", "output_tokens"),
                         metavar="N", help=text)
    sub.add_argument("--as-of", metavar="DATE", help="the price in force on DATE (YYYY-MM-DD; default: the newest)")
    sub.add_argument("--service", choices=list(catalog.SERVICES), default="standard", type=str.lower,
                     help="standard (default) or batch: the provider's batch service, about half price")
    sub.add_argument("--json", action="store_true", help="print JSON")


def run(args):
    """Compute and print one request's API cost from parsed ``args``."""
    counts = {option: parse_quantity(getattr(args, option), option, "count")
              for option in _COUNTS if getattr(args, option) is not None}
    result = float(catalog.api_request_cost_usd(args.api_model, counts["input_tokens"], counts["output_tokens"],
                                                counts.get("cached_input_tokens", 0.0), args.as_of, args.service,
                                                counts.get("cache_write_tokens", 0.0)))
    if args.json:
        print(json.dumps({"quantity": NAME, "value": result, "unit": "USD per request",
                          "inputs": {"api_model": args.api_model, **counts, "as_of": args.as_of, "service": args.service}}))
    else:
        print(f"{NAME} = {result:.6g} USD per request")
