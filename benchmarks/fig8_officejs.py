"""Figure 8: the Office.js path (xlwings Server and Lite): full ranges, a whole column, HTTP.

xlwings 0.37 checks every input cell with ``xlwings.utils.is_jsnull``, which retries a
failing ``from pyodide.ffi import JsNull`` each time on ordinary Python; xlcost replaces
that check where Pyodide is absent (``xlcost.jsnull_workaround``). Each row times
``custom_functions_call`` in the Office.js worker process with the workaround ("after")
against the same call with xlwings' check as shipped ("before"), measured in the same run:

- INFER_COST over 1,000 x 100 full ranges: parameter counts and utilisations are both
  1,000 x 100 ranges (200,000 input cells), hardware and price single cells.
  Target: within 0.5 s after the workaround.
- INFER_COST over a whole column (A:A, 1,048,576 cells) of parameter counts.
- The HTTP round trip of a 1,000 x 100 spill (a 1,000-cell column against a 100-cell
  row) through the real xlwings Server on 127.0.0.1, client to client (JSON both ways),
  against the same call inside the worker.

The "before" whole column takes about a minute: ``--quick`` leaves it out.
"""

import statistics
import sys
import time
from pathlib import Path

import numpy as np

from harness import Row

ROWS, COLUMNS, EXCEL_ROWS = 1000, 100, 1_048_576
TARGET_S = 0.5
TESTS = Path(__file__).resolve().parents[1] / "tests"


def _full_ranges():
    params = np.geomspace(1e9, 1e12, ROWS * COLUMNS).reshape(ROWS, COLUMNS).tolist()
    utilizations = np.tile(np.linspace(0.01, 1.0, COLUMNS), (ROWS, 1)).tolist()
    return ["INFER_COST", [params, "A100", utilizations, 2.5]]


def _column():
    return ["INFER_COST", [np.geomspace(1e9, 1e12, EXCEL_ROWS)[:, None].tolist(), "A100", 0.213, 2.5]]


def _spill():
    params = np.geomspace(1e9, 1e12, ROWS)[:, None].tolist()
    utilizations = np.linspace(0.01, 1.0, COLUMNS)[None, :].tolist()
    return ["INFER_COST", [params, "A100", utilizations, 2.5]]


def _officejs(name, args, **options):
    """One case in the worker: its result dict (or raises with the worker's error)."""
    import json
    import subprocess

    from harness import PYTHON, python_env

    request = [dict({"func_name": name, "args": args}, **options)]
    done = subprocess.run(
        [PYTHON, str(Path(__file__).with_name("officejs_worker.py"))], input=json.dumps(request),
        capture_output=True, text=True, env=python_env(PYTHONWARNINGS="ignore"), timeout=900,
    )
    if done.returncode:
        raise RuntimeError((done.stderr.strip().splitlines() or ["worker failed"])[-1])
    (result,) = json.loads(done.stdout)
    if "error" in result:
        raise RuntimeError(result["error"])
    return result


def _http_round_trip(name, args, repeat):
    """Median seconds of one POST to a real xlwings Server on 127.0.0.1, and the result's shape."""
    sys.path.insert(0, str(TESTS))
    import tempfile

    import httpx
    from _xlwings_server import payload, running_server

    cells = [a if isinstance(a, list) else [[a]] for a in args]
    with tempfile.TemporaryDirectory() as folder, running_server(Path(folder) / "server") as url:
        with httpx.Client(base_url=url, timeout=300) as client:
            times, shape = [], None
            for _ in range(repeat + 1):  # the first call warms up
                start = time.perf_counter()
                response = client.post("/xlwings/custom-functions-call", json=payload(name, cells))
                response.raise_for_status()
                result = response.json()["result"]
                times.append(time.perf_counter() - start)
                shape = [len(result), len(result[0])]
            return statistics.median(times[1:]), shape, len(response.content)


def run(quick=False):
    repeat = 2 if quick else 3
    rows = []
    for label, (name, args), shipped_too in (
        (f"INFER_COST {ROWS:,} x {COLUMNS} full ranges (2 x 100,000 cells)", _full_ranges(), True),
        (f"INFER_COST whole column ({EXCEL_ROWS:,} cells)", _column(), not quick),
    ):
        after = _officejs(name, args, repeat=repeat, in_loop=False)
        rows.append(Row(
            "8", f"{label}, Office.js, after", after["asyncio_run_s"],
            "xlwings' check as shipped" if shipped_too else "", None, target=f"≤ {TARGET_S} s" if "full" in label else
            "reported", met=after["asyncio_run_s"] <= TARGET_S if "full" in label else None,
            note=f"shape {after['shape']}",
        ))
        if shipped_too:
            before = _officejs(name, args, repeat=1, in_loop=False, jsnull="shipped", warmup=False)
            rows[-1].baseline_value = before["asyncio_run_s"]
            rows[-1].ratio = after["asyncio_run_s"] / before["asyncio_run_s"]
            cells = sum(len(a) * len(a[0]) for a in args if isinstance(a, list)) + sum(
                not isinstance(a, list) for a in args)
            rows[-1].note += (f"; before {before['asyncio_run_s']:.2f} s, "
                              f"{(before['asyncio_run_s'] - after['asyncio_run_s']) / cells * 1e6:.0f} µs per input cell saved")
    name, args = _spill()
    label = f"INFER_COST {ROWS:,} x {COLUMNS} spill, HTTP round trip via xlwings Server"
    in_process = _officejs(name, args, repeat=repeat, in_loop=True)
    try:
        http_s, shape, size = _http_round_trip(name, args, repeat)
    except ImportError as error:  # xlwings-server and httpx come with the test extra
        rows.append(Row("8", label, None, note=f"unavailable: {error} (pip install -e '.[test]')"))
        return rows
    rows.append(Row(
        "8", label, http_s,
        "same call in process (custom_functions_call)", in_process["in_loop_s"],
        ratio=http_s / in_process["in_loop_s"], target="reported",
        note=f"shape {shape}; response {size / 1e6:.1f} MB of JSON",
    ))
    return rows
