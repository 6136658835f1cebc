"""Excel number formats: the presets templates name, and how wide a number shows under a format
(columns are sized so no cell shows #####).

A small reader of the format codes the templates use (sections, quoted literals,
thousands separators and trailing-comma scaling, percent, decimals, scientific).

>>> display('"$"#,##0.0,,"M"', 11216529.0)
'$11.2M'
>>> [display(FORMATS["adaptive"], v) for v in (56528.0, 2.5, 0.0071)]
['56,528', '2.50', '0.0071']
>>> display("0.0%", 0.213)
'21.3%'
>>> display("0.00E+00", 3.675e14)
'3.68E+14'
>>> display(number_format(for_unit("FLOP/s", "0.00E+00")), 1.55e14)
'155.0 TFLOP/s'
>>> display(number_format(for_unit("bytes", "flops")), 2.6e10)
'26.00 GB'
"""

import re

FORMATS = {
    "usd": '"$"#,##0.00', "usd0": '"$"#,##0', "usd3": '"$"0.000', "usd4": '"$"0.0000', "usd5": '"$"0.00000',
    "usd_m": '"$"#,##0.0,,"M"', "usd_b": '"$"#,##0.0,,,"B"',
    "cny": '"¥"#,##0.00', "cny0": '"¥"#,##0',
    "pct": "0.0%", "pct0": "0%", "pct1": "0.0%", "pct2": "0.00%",
    "flops": "0.00E+00", "sci": "0.000E+00",
    "int": "#,##0", "num1": "#,##0.0", "num2": "#,##0.00", "num3": "0.000", "num4": "0.0000",
    "x": '0.00"x"', "x1": '0.0"x"',
    "billions": '#,##0.0,,,"B"', "billions0": '#,##0,,,"B"', "trillions": '#,##0.0,,,,"T"',
    "trillions0": '#,##0,,,,"T"', "millions": '#,##0.0,,"M"',
    "gb": '#,##0.0,,," GB"', "tb": '#,##0.00,,,," TB"', "gbs": '#,##0,,," GB/s"',
    "tflops": '#,##0.0,,,," TFLOP/s"', "tops": '#,##0,,,," TOPS"', "gb2": '#,##0.00,,," GB"',
    "adaptive": "[>=100]#,##0;[>=1]#,##0.00;0.0000",  # a column of mixed units (seconds and tokens/s)
    "year": "0", "dash": '#,##0;-#,##0;"–"', "text": "@",
}


# a scientific format on a quantity whose unit reads better: the unit's own format (issue 19)
_BY_UNIT = {"FLOP/s": "tflops", "OP/s": "tops", "bytes": "gb2", "bytes/s": "gbs", "parameters": "billions", "tokens": "billions"}


def for_unit(unit, fmt):
    """The format a field shows: its own, unless that is scientific and its ``unit`` has a readable one
    (FLOP/s as TFLOP/s, bytes as GB, bytes/s as GB/s, parameters and tokens in billions)."""
    code = FORMATS.get(fmt, fmt) or ""
    if "E+" in code and unit in _BY_UNIT:
        return _BY_UNIT[unit]
    return fmt


def number_format(fmt):
    """The Excel number format of a preset name or a raw format string."""
    if not fmt:
        return None
    if fmt in FORMATS:
        return FORMATS[fmt]
    if not any(c in fmt for c in "0#@?"):
        raise ValueError(f"unknown number format {fmt!r}; presets: {', '.join(FORMATS)}")
    return fmt


_QUOTED = re.compile(r'"([^"]*)"|\\(.)')


_CONDITION = re.compile(r"^\[(<=|>=|<>|<|>|=)(-?[0-9.E+]+)\]")
_TESTS = {"<": float.__lt__, "<=": float.__le__, ">": float.__gt__, ">=": float.__ge__, "=": float.__eq__,
          "<>": float.__ne__}


def _section(fmt, value):
    sections = fmt.split(";")
    if _CONDITION.match(sections[0]):  # [>=100]#,##0;[>=1]0.00;0.0000: the first section whose test holds
        for section in sections:
            test = _CONDITION.match(section)
            if not test or _TESTS[test.group(1)](float(value), float(test.group(2))):
                return _CONDITION.sub("", section), False
        return _CONDITION.sub("", sections[-1]), False
    if value < 0 and len(sections) > 1:
        return sections[1], True
    if value == 0 and len(sections) > 2:
        return sections[2], False
    return sections[0], False


def display(fmt, value):
    """The text Excel shows for ``value`` under ``fmt`` (general format when ``fmt`` is None)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if not isinstance(value, (int, float)):
        return str(value)
    if not fmt or fmt == "General":
        text = f"{value:.10g}"
        return text if len(text) <= 11 else f"{value:.5E}"
    section, negative_section = _section(fmt, value)
    literals = []
    code = _QUOTED.sub(lambda m: literals.append(m.group(1) or m.group(2)) or "\x00", section)
    code = code.replace("_)", " ").replace("*", "")
    if "@" in code:
        return str(value)
    number = abs(value) if negative_section else value
    if "%" in code:
        number *= 100
    digits = re.search(r"[0#?][0#?,]*(\.[0#?]+)?(,*)(E[+-][0#]+)?", code)
    if not digits:
        return code.replace("\x00", "".join(literals))
    integer = digits.group(0).split(".")[0].split("E")[0]
    scaling = len(digits.group(2)) if digits.group(1) else len(integer) - len(integer.rstrip(","))
    grouping = "," in integer.rstrip(",")
    number /= 1000 ** scaling
    decimals = len(digits.group(1)) - 1 if digits.group(1) else 0
    if digits.group(3):
        text = f"{number:.{decimals}E}"
        mantissa, exponent = text.split("E")
        text = f"{mantissa}E{exponent[0]}{abs(int(exponent)):0{len(digits.group(3)) - 2}d}"
    else:
        text = f"{number:{',' if grouping else ''}.{decimals}f}"
    out = code[: digits.start()] + text + code[digits.end():]
    for literal in literals:
        out = out.replace("\x00", literal, 1)
    return out


def width_chars(fmt, value):
    """Column width (in Excel's character units) the value needs, with a margin for padding."""
    return len(display(fmt, value)) + 2
