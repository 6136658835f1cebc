"""Time Excel-function calls through xlwings' Office.js path, in a process of their own.

xlwings picks its Office.js (xlwings Server / Lite) mode from XLWINGS_ON_SERVER at
import, so this runs in a child process: the figures' own process stays in classic
mode. Reads a JSON list of {"func_name", "args", "repeat"} on stdin (optional:
"jsnull": "shipped" to time xlwings' own per-cell JsNull check instead of xlcost's
workaround, "in_loop": false to skip the in-loop timing, "warmup": false to time the first call too) (args as cell
values, None for omitted, 2-D lists for ranges) and prints a JSON list of results:
median seconds per call through ``asyncio.run(custom_functions_call(payload, module))``
(the call as the brief states it, a fresh event loop each time) and inside one running
event loop (as a server runs it), plus the first call's value.

The licence key "noncommercial" and XLWINGS_ON_SERVER are set here, for this process only.
"""

import os

os.environ["XLWINGS_ON_SERVER"] = "true"
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import asyncio  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import xlwings  # noqa: E402
import xlwings.server  # noqa: E402
import xlwings.utils  # noqa: E402
from xlwings.pro import _xlofficejs  # noqa: E402

# xlwings' per-cell JsNull checks as shipped, kept before xlcost.udfs replaces them
# (xlcost.jsnull_workaround): a case with "jsnull": "shipped" is timed with these
SHIPPED = {"utils": xlwings.utils.is_jsnull, "officejs": _xlofficejs._is_jsnull}

import xlcost.udfs as udfs  # noqa: E402

WORKAROUND = {"utils": xlwings.utils.is_jsnull, "officejs": _xlofficejs._is_jsnull}


def use_checks(checks):
    xlwings.utils.is_jsnull, _xlofficejs._is_jsnull = checks["utils"], checks["officejs"]


def payload(func_name, args):
    cells = [None if a is None else (a if isinstance(a, list) else [[a]]) for a in args]
    return {
        "client": "Office.js", "func_name": func_name, "args": cells,
        "caller_address": "[Book1]Sheet1!A1", "session_id": "s", "culture_info_name": "en-US",
        "date_format": "M/d/yyyy", "version": xlwings.__version__, "runtime": "1.4",
    }


def time_case(case):
    use_checks(SHIPPED if case.get("jsnull") == "shipped" else WORKAROUND)
    data = payload(case["func_name"], case["args"])
    repeat = case.get("repeat", 7)
    first = asyncio.run(xlwings.server.custom_functions_call(data, udfs)) if case.get("warmup", True) else None
    per_run = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = asyncio.run(xlwings.server.custom_functions_call(data, udfs))
        per_run.append(time.perf_counter() - start)
        first = result if first is None else first

    async def in_loop(n):
        times = []
        for _ in range(n):
            start = time.perf_counter()
            await xlwings.server.custom_functions_call(data, udfs)
            times.append(time.perf_counter() - start)
        return times

    loop_times = asyncio.run(in_loop(repeat)) if case.get("in_loop", True) else [float("nan")]
    shape = None
    if isinstance(first, list):
        shape = [len(first), len(first[0]) if first and isinstance(first[0], list) else 0]
    value = first[0][0] if shape and shape[0] and shape[1] else first
    return {
        "func_name": case["func_name"], "asyncio_run_s": statistics.median(per_run),
        "in_loop_s": statistics.median(loop_times), "shape": shape,
        "value": value if isinstance(value, (int, float, str)) or value is None else repr(value),
    }


def main():
    cases = json.load(sys.stdin)
    if not udfs.OFFICEJS:
        raise SystemExit("xlcost.udfs did not load in Office.js mode")
    out = []
    for case in cases:
        try:
            out.append(time_case(case))
        except Exception as error:  # report, do not crash the figure
            out.append({"func_name": case["func_name"], "error": f"{type(error).__name__}: {error}"})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
