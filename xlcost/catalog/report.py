"""Catalog tables as text for the command line: key figures, and a check for stale or incomplete rows.

``xlcost catalog chips`` prints peaks, memory and bandwidth; ``instances`` and ``api``
print prices with the date each took effect; ``xlcost catalog check`` lists prices
older than an age and rows missing a field the functions need.

>>> print(listing("api", names=["gpt-4o"], history=True)[1])
gpt-4o               2024-05-13      5.00       -     15.00
"""

import datetime

from . import FILES, hardware, model, table
from ..errors import XlcostError

# table -> [(heading, width, value of a row -> text)]
_T, _G, _M = 1e12, 1e9, 1e6


def _num(scale, digits=0):
    def show(value):
        return "-" if value is None else f"{value / scale:,.{digits}f}"
    return show


def _column(name, width, key, show):
    return name, width, lambda row: show(row.get(key))


COLUMNS = {
    "chips": [
        ("name", 24, lambda r: r["name"]),
        _column("bf16 TF/s", 9, "peak_bf16_flops", _num(_T)),
        _column("fp16 TF/s", 9, "peak_fp16_flops", _num(_T)),
        _column("fp8 TF/s", 9, "peak_fp8_flops", _num(_T)),
        _column("fp4 TF/s", 9, "peak_fp4_flops", _num(_T)),
        _column("mem GB", 7, "memory_bytes", _num(_G, 1)),
        _column("HBM TB/s", 8, "memory_bandwidth_bytes_per_s", _num(_T, 2)),
        _column("link GB/s", 9, "interconnect_bytes_per_s", _num(_G)),
        _column("TDP W", 6, "tdp_watts", _num(1)),
        ("date", 10, lambda r: r["date"]),
    ],
    "instances": [
        ("name", 28, lambda r: r["name"]),
        ("chips", 24, lambda r: f"{r['chip_count']:g} x {r['chip']}"),
        _column("$/h", 9, "price_on_demand_usd_per_hour", _num(1, 2)),
        _column("1yr $/h", 8, "price_1yr_usd_per_hour", _num(1, 2)),
        _column("3yr $/h", 8, "price_3yr_usd_per_hour", _num(1, 2)),
        _column("spot $/h", 8, "price_spot_usd_per_hour", _num(1, 2)),
        ("since", 10, lambda r: r["date"]),
    ],
    "models": [
        ("name", 22, lambda r: r["name"]),
        _column("params B", 8, "params", _num(_G, 1)),
        _column("active B", 8, "active_params", _num(_G, 1)),
        _column("layers", 6, "n_layers", _num(1)),
        _column("d_model", 7, "d_model", _num(1)),
        _column("heads", 5, "n_heads", _num(1)),
        _column("kv", 4, "n_kv_heads", _num(1)),
        _column("context", 8, "context", _num(1)),
        ("date", 10, lambda r: r["date"]),
    ],
    "api": [
        ("name", 20, lambda r: r["name"]),
        ("since", 10, lambda r: r["date"]),
        _column("in $/1M", 9, "price_input_usd_per_1m_tokens", _num(1, 2)),
        _column("cached", 7, "price_cached_input_usd_per_1m_tokens", _num(1, 3)),
        _column("out $/1M", 9, "price_output_usd_per_1m_tokens", _num(1, 2)),
        ("retired", 10, lambda r: r.get("retired") or ""),
    ],
}


def listing(table_name, as_of=None, history=False, names=None):
    """Lines of a table: a heading, then one line per row (``history``: every dated row)."""
    found = table(table_name)
    rows = found.all_rows() if history else found.at(as_of)
    if names is not None:
        wanted = {found.index.get(_key(n)) for n in names}
        rows = [r for r in rows if found.index.get(_key(r["name"])) in wanted]
    columns = COLUMNS[table_name]
    lines = [_line([(heading, width) for heading, width, _ in columns])]
    for row in rows:
        lines.append(_line([(show(row), width) for _, width, show in columns]))
    return lines


def needs_action(lines):
    """Whether a check found something to act on: a stale price or a missing field (not a recent
    check, not a retired model)."""
    return any(not line.startswith(("checked", "retired")) for line in lines)


def _key(name):
    from . import normalize

    return normalize(name)


def _line(cells):
    first, *rest = cells
    return (f"{first[0]:<{first[1]}}" + "".join(f" {text:>{width}}" for text, width in rest)).rstrip()


# what the functions read, per table: (field, how to read it from a name)
def _chip_fields(name):
    unit = hardware(name)
    return {field: (lambda f=field: getattr(unit, f)) for field in
            ("peak_flops_per_s", "memory_bytes", "memory_bandwidth_bytes_per_s", "interconnect_bytes_per_s", "tdp_watts",
             "scale_up_domain", "scale_out_bytes_per_s")}


def _instance_fields(name):
    unit = hardware(name)
    return {"price_usd_per_hour (on demand)": unit.price_usd_per_hour}


def _model_fields(name):
    found = model(name)
    return {field: (lambda f=field: getattr(found, f)) for field in
            ("params", "params_per_token", "n_layers", "d_model", "n_heads", "head_dim", "kv_dim", "vocab", "context")}


def _api_fields(name):
    row = table("api").find(name)
    return {field: (lambda f=field: row[f]) for field in ("price_input_usd_per_1m_tokens", "price_output_usd_per_1m_tokens")}


_FIELDS = {"chips": _chip_fields, "instances": _instance_fields, "models": _model_fields, "api": _api_fields}
PRICED = ("instances", "api")  # tables whose figures go stale; chip and model specs do not


def check(today=None, older_than_days=365):
    """Lines naming stale prices, rows checked since, and missing fields; empty when the catalog is clean.

    A price is old when the newest row of its name took effect more than
    ``older_than_days`` before ``today`` (default: the system date). An old price whose
    row records a ``checked`` date within that age (someone compared it with the
    provider's page then and found no newer price) is listed apart, as ``checked``; one
    nobody checked since is ``stale``. An API model shut down by ``today`` is listed as
    ``retired``: its last price stays as history and needs no check. A field is missing
    when a function reading it would refuse (empty cell, or no 16-bit peak).
    """
    from . import effective_date, today as system_today

    today = today or system_today()
    lines, checked, retired = [], [], []
    for name in PRICED:
        found = table(name)
        for row in found.rows:
            if found.retired_by(row["name"], today):
                retired.append(f"retired {name:<9} {row['name']:<28} shut down {row['retired']}; "
                               f"its last price (row {row['date']}) stays as history")
                continue
            age = (today - effective_date(row["date"])).days
            if age <= older_than_days:
                continue
            seen = effective_date(row.get("checked") or "")
            ending = f"; shuts down {row['retired']}" if found.retired(row["name"]) else ""
            if seen is not None and (today - seen).days <= older_than_days:
                checked.append(f"checked {name:<9} {row['name']:<28} newest row {row['date']} ({age} days old); "
                               f"no newer price found on {row['checked']}{ending}")
            else:
                last = f"; last checked {row['checked']}" if seen else ""
                lines.append(f"stale   {name:<9} {row['name']:<28} newest row {row['date']} ({age} days old){last}{ending}")
    lines += checked + retired
    for name in FILES:
        for row in table(name).rows:
            missing = []
            for field, read in _FIELDS[name](row["name"]).items():
                try:
                    if read() is None:
                        missing.append(field)
                except XlcostError:
                    missing.append(field)
            if missing:
                lines.append(f"missing {name:<9} {row['name']:<28} {', '.join(missing)}")
    return lines
