"""Command line: ``xlcost calc <quantity> ...``, ``xlcost catalog [table]``, ``xlcost build``.

Every core quantity is a ``calc`` subcommand. Its options are its arguments, read with
their units ("175B", "80GB", "21.3%"); ``--model`` and ``--hardware`` fill the arguments
the quantity's declaration (``xlcost.core.inputs``) says they may, and an omitted
argument takes the same default as the Excel function. Errors print ``xlcost: ...`` and
exit with status 2.

>>> main(["calc", "train_cost_usd", "--params", "175B", "--tokens", "300B",
...       "--peak-flops-per-s", "275T", "--utilization", "46.2%", "--price-usd-per-hour", "2.03"])
train_cost_usd = 1,398,072 USD
0
"""

import argparse
import inspect
import json
import os
import sys

from . import __version__, core
from .core.inputs import ARGUMENTS, CHOICES, HARDWARE_FIELDS, MODEL_FIELDS
from .errors import XlcostError
from .helptext import plain
from .units import NUMBER_START, parse_quantity

_UNITS = (("_usd", "USD"), ("_bytes", "bytes"), ("_flops", "FLOPs"), ("_per_s", "per second"), ("_days", "days"))


def _describe(value, quantity):
    unit = next((u for suffix, u in _UNITS if quantity.endswith(suffix) or suffix + "_" in quantity), "")
    if abs(value) >= 1e15 or (value and abs(value) < 1e-3):
        text = f"{value:.6g}"
    elif abs(value) >= 1000:
        text = f"{value:,.0f}"
    else:
        text = f"{value:.6g}"
    return f"{quantity} = {text} {unit}".rstrip()


def _option_help(function, parameter):
    name = parameter.name
    argument = ARGUMENTS[name]
    needs = function.needs
    parts = [argument.unit]
    if name in needs.defaults:
        parts.append(f"default {needs.defaults[name]:g}")
    elif parameter.default is not inspect.Parameter.empty and argument.dimension != "choice":
        default = parameter.default
        parts.append(f"default {default:g}" if isinstance(default, (int, float)) and not isinstance(default, bool)
                     else f"default {default}")
    else:
        parts.append("required")
    if name in needs.model:
        parts.append(f"--model gives its {MODEL_FIELDS[needs.model[name]]}")
    if name in needs.hardware:
        parts.append(f"--hardware gives its {HARDWARE_FIELDS[needs.hardware[name]]}")
    if argument.dimension == "choice":
        described = "; ".join(f"{option}: {meaning}" for option, meaning in CHOICES[name].items())
        parts.append(f"default {parameter.default}. {described}")
    return "; ".join(parts).replace("%", "%%")


def _calc_parser(subparsers):
    calc = subparsers.add_parser("calc", help="compute one quantity", description="Compute one quantity.")
    quantities = calc.add_subparsers(dest="quantity", required=True, metavar="QUANTITY")
    for name in core.__all__:
        function = getattr(core, name)
        text = plain(function.__doc__)
        sub = quantities.add_parser(
            name, help=text.splitlines()[0] if text else "", description=text.replace("%", "%%"),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if function.needs.hardware:
            sub.add_argument("--hardware", help="chip or instance name (or a number: peak FLOP/s of one unit) "
                             "filling the hardware arguments named below")
            sub.add_argument(
                "--price-term", choices=["on_demand", "1yr", "3yr", "spot"], default="on_demand", type=str.lower,
                help="which catalog price --hardware supplies (default on_demand; the article uses 1yr)",
            )
        if function.needs.model:
            sub.add_argument("--model", help="catalog model filling the model arguments named below")
        if function.needs.hardware or function.needs.model:
            sub.add_argument("--as-of", metavar="DATE", help="use the catalog rows in force on DATE "
                             "(YYYY-MM-DD; default: the newest), e.g. a price before a cut")
        sub.add_argument("--json", action="store_true", help="print JSON")
        for parameter in inspect.signature(function).parameters.values():
            option = "--" + parameter.name.replace("_", "-")
            kind = ARGUMENTS[parameter.name].dimension
            help_text = _option_help(function, parameter)
            if kind == "flag":
                sub.add_argument(option, dest=parameter.name, action=argparse.BooleanOptionalAction,
                                 default=None, help=help_text)
            elif kind == "choice":
                sub.add_argument(option, dest=parameter.name, choices=list(CHOICES[parameter.name]),
                                 default=None, type=str.lower, help=help_text)
            else:
                sub.add_argument(option, dest=parameter.name, default=None, metavar="VALUE", help=help_text)
    from . import cli_api, cli_serving  # serving quantities by model and hardware name (issue 11)

    cli_serving.add_parsers(quantities)
    cli_api.add_parser(quantities)
    from . import cli_training

    cli_training.add_parsers(quantities)


def _hardware(text, as_of=None):
    """A catalog hardware unit (the row in force ``as_of``), or a number written as text:
    the peak FLOP/s of one unit (as in Excel)."""
    from . import catalog

    stripped = text.strip()
    if stripped[:1] in NUMBER_START:
        return parse_quantity(stripped, "hardware", "flop/s")
    return catalog.hardware(stripped, as_of)


def _run_calc(args):
    from . import catalog, cli_api, cli_serving, fill

    if args.quantity in cli_serving.QUANTITIES:
        return cli_serving.run(args)
    if args.quantity == cli_api.NAME:
        return cli_api.run(args)
    from . import cli_training

    if args.quantity in cli_training.QUANTITIES:
        return cli_training.run(args)

    function = getattr(core, args.quantity)
    as_of = getattr(args, "as_of", None)
    hardware = _hardware(args.hardware, as_of) if getattr(args, "hardware", None) else None
    model = catalog.model(args.model, as_of) if getattr(args, "model", None) else None
    given = {name for name in inspect.signature(function).parameters if getattr(args, name) is not None}
    filled = fill.from_catalog(function, model, hardware, getattr(args, "price_term", "on_demand"), skip=given)
    values = {}
    for name, parameter in inspect.signature(function).parameters.items():
        value = getattr(args, name)
        dimension = ARGUMENTS[name].dimension
        if isinstance(value, str) and dimension != "choice":
            value = parse_quantity(value, name, dimension)
        elif value is None and name in filled:
            value = filled[name]
        elif value is None and name in function.needs.defaults:
            value = function.needs.defaults[name]
        elif value is None and parameter.default is not inspect.Parameter.empty:
            value = parameter.default
        elif value is None:
            raise XlcostError(_missing(function, name))
        values[name] = value
    result = function(**values)
    if args.json:
        print(json.dumps({"quantity": args.quantity, "value": result, "inputs": values}))
    else:
        print(_describe(result, args.quantity))


def _missing(function, name):
    sources = [flag for flag, fields in (("--model", function.needs.model), ("--hardware", function.needs.hardware))
               if name in fields]
    hint = f" (or give {' / '.join(sources)})" if sources else ""
    return f"--{name.replace('_', '-')} is required{hint}"


def _run_catalog(args):
    from . import catalog
    from .catalog import report

    if args.table == "check":
        today = catalog.as_of_date(args.today) if args.today else None
        lines = report.check(today, args.older_than)
        print("\n".join(lines) if lines else "catalog check: no stale prices, no missing fields")
        return 1 if report.needs_action(lines) else 0  # like a linter: a script can act on what the check found
    for name in [args.table] if args.table else list(catalog.FILES):
        found = catalog.table(name)
        rows = found.all_rows() if args.history else found.at(args.as_of)
        if args.json:
            print(json.dumps({name: rows}))
            continue
        print(f"# {name} ({len(rows)} rows{', as of ' + args.as_of if args.as_of else ''})")
        print("\n".join(report.listing(name, args.as_of, args.history)))


def _run_build(args):
    from .workbook import build_all

    for path in build_all(args.out, force=args.force, template_dir=args.templates):
        print(path)


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors as one ``xlcost: ...`` line (exit status 2, as argparse's)."""

    def error(self, message):
        self.exit(2, f"xlcost: {message} (see {self.prog} --help)\n")


def main(argv=None):
    """Entry point of the ``xlcost`` command; returns the exit status."""
    parser = _Parser(prog="xlcost", description=__doc__.splitlines()[0].replace("``", ""))
    parser.add_argument("--version", action="version", version=f"xlcost {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True)
    _calc_parser(subparsers)
    listing = subparsers.add_parser(
        "catalog", help="catalog tables with their key figures and dates; 'check' lists stale or incomplete rows "
        "(exit status 1 when it lists any), and apart from them old prices checked since (no newer one found)"
    )
    listing.add_argument("table", nargs="?", choices=["chips", "instances", "models", "api", "check"],
                         type=str.lower)
    listing.add_argument("--as-of", metavar="DATE", help="the rows in force on DATE (YYYY-MM-DD); default: the newest")
    listing.add_argument("--history", action="store_true", help="every dated row, not only the one in force")
    listing.add_argument("--json", action="store_true", help="every column of every row (sources included) as JSON")
    listing.add_argument("--older-than", type=int, default=365, metavar="DAYS",
                         help="check: a price whose newest row is older than DAYS is stale (default 365)")
    listing.add_argument("--today", metavar="DATE", help="check: the date ages are counted to (default: today)")
    from . import cli_training

    cli_training.add_plan_parser(subparsers)
    build = subparsers.add_parser("build", help="write one workbook (.xlsx) per template")
    build.add_argument("--out", default="workbooks", help="output folder (default: workbooks, in the current folder)")
    build.add_argument(
        "--templates", metavar="DIR", help="build the templates (*.toml) in DIR instead of the ones xlcost ships",
    )
    build.add_argument("--force", action="store_true", help="overwrite workbooks edited since they were built")
    args = parser.parse_args(argv)
    try:
        status = {"calc": _run_calc, "catalog": _run_catalog, "build": _run_build,
                  "plan": lambda a: cli_training.run_plan(a)}[args.command](args)
        sys.stdout.flush()
    except BrokenPipeError:  # `xlcost catalog chips | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 1
    except XlcostError as error:
        print(f"xlcost: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # a missing overrides file, --out naming a file, a full disk ...
        where = f": {error.filename}" if error.filename else ""
        print(f"xlcost: {error.strerror or error}{where}", file=sys.stderr)
        return 2
    return status or 0


if __name__ == "__main__":
    sys.exit(main())
