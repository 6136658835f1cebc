"""Read numbers written the way analysts write them: "175B", "80GB", "3.35TB/s", "21.3%".

Counts take SI-style suffixes (K, M, B or G, T, P; case-insensitive), bytes take
KB/MB/GB/TB/PB (decimal) or KiB/MiB/GiB/TiB (binary), rates end in "/s", FLOPs
may be written "312 TFLOPS" or "624 TOPS", a percentage is divided by 100, and a
duration is in s, ms, us (or µs) or min ("50ms" is 0.05 where seconds are expected).

>>> parse_quantity("175B", "params")
175000000000.0
>>> parse_quantity("3.35TB/s", "bandwidth", "bytes/s")
3350000000000.0
"""

import math
import re

from .errors import UnitError

_SCALE = {"": 1.0, "K": 1e3, "M": 1e6, "B": 1e9, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}
NUMBER_START = frozenset("0123456789+-.$")  # text starting with one of these is a number, not a name
_BINARY = {"KI": 2.0**10, "MI": 2.0**20, "GI": 2.0**30, "TI": 2.0**40, "PI": 2.0**50}

# thousands grouped "1,000" ("0,213" is a European decimal, not 213: refused as ambiguous)
_NUMBER = r"(?P<number>[+-]?(?:[1-9]\d{0,2}(?:,\d{3})+|\d+)(?:\.\d*)?(?:[eE][+-]?\d+)?|[+-]?\.\d+(?:[eE][+-]?\d+)?)"
_PATTERN = re.compile(
    r"^(?P<dollar>\$?)\s*" + _NUMBER + r"\s*(?P<unit>[A-Za-z\u00b5%/\-]*(?:/s)?)$"
)

# unit text (upper-cased, spaces removed) -> (dimension, scale); a bare prefix is a count
_UNITS = {}
for _p, _s in _SCALE.items():
    _UNITS[_p] = ("count", _s)
    _UNITS[_p + "FLOPS"] = ("flop/s", _s)
    _UNITS[_p + "FLOP/S"] = ("flop/s", _s)
    _UNITS[_p + "OPS"] = ("flop/s", _s)
    _UNITS[_p + "FLOPS/S"] = ("flop/s", _s)
    _UNITS[_p + "FLOP"] = ("flops", _s)
    if _p not in ("B", ""):
        _UNITS[_p + "B"] = ("bytes", _s)
        _UNITS[_p + "B/S"] = ("bytes/s", _s)
for _p, _s in _BINARY.items():
    _UNITS[_p + "B"] = ("bytes", _s)
    _UNITS[_p + "B/S"] = ("bytes/s", _s)
del _UNITS["E"]  # a bare "1.5e" is an unfinished exponent, not 1.5 x 10^18 (exa stays in "EFLOP", "EB")
_UNITS["%"] = ("fraction", 0.01)
_UNITS["USD"] = ("usd", 1.0)
_UNITS["BYTES"] = ("bytes", 1.0)
_UNITS["PF-DAYS"] = ("flops", 1e15 * 86400)
# durations (latency targets): "1 s", "50ms", "800 us", "2 min"
_UNITS.update({"S": ("seconds", 1.0), "MS": ("seconds", 1e-3), "US": ("seconds", 1e-6), "\u039cS": ("seconds", 1e-6),
               "SEC": ("seconds", 1.0), "MIN": ("seconds", 60.0)})
_UNITS["PFLOPS-DAYS"] = ("flops", 1e15 * 86400)

_BITS = re.compile(r"^[KMGTP]I?b(/s)?$")  # "Gb", "Mb/s": bits, not bytes

# which written dimensions an argument expecting `expect` accepts
_ACCEPTS = {
    None: {"count", "flops", "flop/s", "bytes", "bytes/s", "fraction", "usd", "seconds"},
    "count": {"count"},
    "fraction": {"count", "fraction"},
    "flops": {"count", "flops"},
    "flop/s": {"count", "flop/s"},
    "bytes": {"count", "bytes"},
    "bytes/s": {"count", "bytes/s"},
    "usd": {"count", "usd"},
    "seconds": {"count", "seconds"},
}
DIMENSIONS = tuple(d for d in _ACCEPTS if d)


def _in_context(key, dimension, scale, expect):
    """Read a unit by the argument's dimension where the text alone is ambiguous.

    - "B" is bytes where bytes are expected ("2B" bytes per parameter is 2, not 2e9);
    - "FLOPS"/"FLOPs" without "/s" is a count of FLOPs where FLOPs are expected
      ("5.76e23 FLOPs"), a rate otherwise ("312 TFLOPS").
    """
    if expect in ("bytes", "bytes/s") and key == "B":
        return "bytes", 1.0
    if expect == "flops" and dimension == "flop/s" and "/" not in key and key.endswith("FLOPS"):
        return "flops", scale
    return dimension, scale


def parse_quantity(text, argument, expect=None):
    """Read one number from ``text``; ``argument`` names it in any error.

    ``expect`` is the dimension the argument wants ("count", "fraction", "flops",
    "flop/s", "bytes", "bytes/s", "usd"); a plain number or a bare suffix ("312T") fits
    any, a unit of another dimension ("80GB" for params) is an error.

    >>> parse_quantity("21.3%", "utilization", "fraction")
    0.213
    >>> parse_quantity("2B", "bytes_per_param", "bytes")   # bytes, where bytes are expected
    2.0
    >>> parse_quantity("5.76e23 FLOPs", "flops", "flops")
    5.76e+23
    >>> parse_quantity("$2.03", "price_per_hour", "usd")
    2.03
    """
    raw = str(text).strip()
    match = _PATTERN.match(raw)
    if not match:
        raise UnitError(argument, "is not a number or a quantity like 175B, 80GB, 21.3%", text)
    unit = match["unit"]
    if _BITS.match(unit):
        raise UnitError(argument, "is in bits (b); write bytes as B, e.g. 80GB", text)
    key = unit.upper().replace(" ", "")
    if key == "E":
        raise UnitError(argument, "ends in an unfinished exponent: write e.g. 1.5e18", text)
    if key not in _UNITS:
        raise UnitError(argument, f"has an unknown unit {unit!r}", text)
    dimension, scale = _UNITS[key]
    dimension, scale = _in_context(key, dimension, scale, expect)
    if match["dollar"]:  # "$2.03" is money, whatever the argument: never a count of tokens or FLOPs
        if dimension not in ("count", "usd"):  # "$1.5M" is fine, "$80GB" is not
            raise UnitError(argument, f"mixes a $ sign with the unit {unit!r}", text)
        dimension = "usd"
    if dimension not in _ACCEPTS[expect]:
        raise UnitError(argument, f"should be {expect}, not {dimension}", text)
    number = float(match["number"].replace(",", ""))
    if not math.isfinite(number * scale):  # "1e400", "1e308T": too large for a float
        raise UnitError(argument, "is too large to be a number", text)
    if unit == "%":
        return round(number * scale, 15)
    return number * scale
