"""Figure 3: what an Excel function adds to one scalar call, above the bare core call.

Classic xlwings (desktop Excel) hands the function Python values, every single cell
as ``[[value]]`` (the functions declare ``ndim=2``); the overhead is the time of that
call minus the bare core call with the catalog values already looked up (so it counts
coercion, unit strings, the catalog lookup, defaults and shaping). Target: ≤ 50 µs.

Beside it, the same call through xlwings' Office.js path (xlwings Server / Lite),
``asyncio.run(xlwings.server.custom_functions_call(payload, xlcost.udfs))``, timed in a
child process because xlwings chooses that mode at import. Reported, no target: most
of that time is xlwings' own argument handling, which xlcost does not control.
"""

import json
import subprocess
from pathlib import Path

from harness import PYTHON, Row, paired_medians, python_env

TARGET_S = 50e-6
HERE = Path(__file__).resolve().parent


def _officejs(cases, repeat):
    """Office.js timings per case from the worker process, or an error text."""
    request = [{"func_name": name, "args": args, "repeat": repeat} for name, args in cases]
    done = subprocess.run(
        [PYTHON, str(HERE / "officejs_worker.py")], input=json.dumps(request), capture_output=True, text=True,
        env=python_env(PYTHONWARNINGS="ignore"), timeout=300,
    )
    if done.returncode:
        return (done.stderr.strip().splitlines() or ["worker failed"])[-1]
    return json.loads(done.stdout)


def run(quick=False):
    import xlcost.udfs as udfs
    from udf_cases import excel_args, scalar_cases, unwrap

    if udfs.OFFICEJS:
        raise RuntimeError("XLWINGS_ON_SERVER=true in this process: figure 3 needs classic mode here")
    repeat = 3 if quick else 9
    required, text, helpers = scalar_cases()
    rows, detail = [], []
    timed = []
    for group, cases in (("required", required), ("text", text), ("helper", helpers)):
        for name, cells, core_call in cases:
            function = getattr(udfs, name, None)
            if function is None:
                rows.append(Row("3", f"{name} scalar call", None, note=f"unavailable: xlcost.udfs has no {name}"))
                continue
            args = excel_args(cells)
            got, want = unwrap(function(*args)), core_call()
            if isinstance(want, float) and not (isinstance(got, float) and abs(got - want) <= 1e-12 * abs(want)):
                raise AssertionError(f"figure 3: {name}{tuple(cells)} gave {got!r}, core gives {want!r}")
            t_udf, t_core = paired_medians(lambda: function(*args), core_call, repeat=repeat, min_time=0.01)
            timed.append((group, name, cells, t_udf, t_core))

    officejs = _officejs([(name, cells) for group, name, cells, *_ in timed if group != "helper"],
                         repeat=5 if quick else 15)
    by_call = {}
    if isinstance(officejs, list):
        for (group, name, cells, *_), result in zip([t for t in timed if t[0] != "helper"], officejs):
            by_call[(name, json.dumps(cells))] = result

    for group, name, cells, t_udf, t_core in timed:
        overhead = t_udf - t_core
        shown = ", ".join("" if c is None else f"{c:g}" if isinstance(c, float) else repr(c) for c in cells)
        detail.append(f"{name}({shown}): call {t_udf * 1e6:.1f} µs, core {t_core * 1e6:.1f} µs, "
                      f"overhead {overhead * 1e6:.1f} µs")
        if group == "helper":
            continue
        rows.append(Row(
            "3", f"{name}({shown}) overhead above core", overhead, "bare core call", t_core,
            ratio=t_udf / t_core, target="overhead ≤ 50 µs", met=overhead <= TARGET_S,
            note=f"whole call {t_udf * 1e6:.1f} µs",
        ))
        result = by_call.get((name, json.dumps(cells)))
        if result is None:
            reason = officejs if isinstance(officejs, str) else "no result"
            rows.append(Row("3", "  same via Office.js custom_functions_call", None, note=f"unavailable: {reason}"))
        elif "error" in result:
            rows.append(Row("3", "  same via Office.js custom_functions_call", None,
                            note=f"unavailable: {result['error']}"))
        else:
            rows.append(Row(
                "3", "  same via Office.js custom_functions_call", result["asyncio_run_s"], "bare core call", t_core,
                ratio=result["asyncio_run_s"] / t_core, target="reported",
                note=f"asyncio.run per call (new event loop each time); inside one running loop "
                     f"{result['in_loop_s'] * 1e6:.0f} µs; value {result['value']!r}",
                extra=result,
            ))

    helper_rows = [t for t in timed if t[0] == "helper"]
    if helper_rows:
        worst = max(helper_rows, key=lambda t: t[3] - t[4])
        overheads = sorted((t[3] - t[4]) for t in helper_rows)
        rows.append(Row(
            "3", f"{len(helper_rows)} helper functions: worst overhead ({worst[1]})", worst[3] - worst[4],
            "bare core call", worst[4], ratio=worst[3] / worst[4], target="overhead ≤ 50 µs",
            met=all(o <= TARGET_S for o in overheads),
            note=f"median helper overhead {overheads[len(overheads) // 2] * 1e6:.1f} µs; every helper in the details",
        ))
    # issue 17: one serving cell (catalog names, maximum load, continuous batching) against one INFER_COST cell
    serve_args = [[["Llama-3.1-70B"]], [["H100"]], [[2.0]], [[1000.0]], [[1000.0]], [["fp8"]]]
    infer_args = [[[70e9]], [["H100"]], [[0.213]], [[2.5]]]
    t_serve, t_infer = paired_medians(lambda: udfs.SERVE_THROUGHPUT(*serve_args), lambda: udfs.INFER_COST(*infer_args),
                                      repeat=repeat, min_time=0.01)
    rows.append(Row("3", "SERVE_THROUGHPUT(Llama-3.1-70B, H100, 2, 1000, 1000, fp8) scalar call", t_serve,
                    "INFER_COST scalar call, same run", t_infer, ratio=t_serve / t_infer, target="≤ 3x INFER_COST",
                    met=t_serve <= 3 * t_infer, note=f"{t_serve * 1e6:.1f} µs against {t_infer * 1e6:.1f} µs"))
    return rows, {"text": "Figure 3, every function (classic call, Excel-shaped scalars):\n"
                          + "\n".join("  " + line for line in detail)}
