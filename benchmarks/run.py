"""Run every benchmark figure, print the table, write benchmarks/results/latest.json.

    python benchmarks/run.py                 # all figures (about 2 minutes)
    python benchmarks/run.py --figures 1 4   # some of them
    python benchmarks/run.py --quick         # fewer repeats, for a smoke test

Each figure is a median of several runs and a ratio against a baseline measured in
the same run. Nothing here asserts a time: the table reports, the reader judges.
See docs/performance.md for what each figure measures and why.
"""

import argparse
import datetime
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import Row, table  # noqa: E402

FIGURES = {
    "1": ("core functions on 10^6 arrays", "fig1_core"),
    "2": ("spilled 1,000 x 100 grid", "fig2_spill"),
    "3": ("scalar Excel-function call overhead", "fig3_scalar"),
    "4": ("start-up", "fig4_startup"),
    "5": ("xlcost build and LibreOffice recalculation", "fig5_build"),
    "6": ("side by side with llm-analysis", "fig6_llm_analysis"),
    "7": ("serving throughput, side by side with llm-analysis", "fig7_serving"),
    "8": ("Office.js path: full ranges, a whole column, HTTP round trip", "fig8_officejs"),
    "cells": ("a range with half its cells bad", "fig_bad_cells"),
    "build": ("xlcost build at 1k, 10k and 100k formula cells vs plain openpyxl", "fig9_build_scale"),
    "10": ("training planner: 16,384 chips", "fig10_training"),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figures", nargs="*", default=list(FIGURES), choices=list(FIGURES))
    parser.add_argument("--quick", action="store_true", help="fewer repeats (smoke test; noisier)")
    parser.add_argument("--out", default=str(HERE / "results" / "latest.json"))
    args = parser.parse_args(argv)

    started = time.perf_counter()
    rows, details = [], {}
    for number in args.figures:
        title, module_name = FIGURES[number]
        print(f"figure {number}: {title} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        try:
            module = __import__(module_name)
            result = module.run(quick=args.quick)
        except Exception as error:  # a figure that cannot run reports why, the others still run
            traceback.print_exc(file=sys.stderr)
            result = [Row(number, title, None, note=f"unavailable: {type(error).__name__}: {error}")]
        if isinstance(result, tuple):
            result, details[number] = result
        rows.extend(result)
        print(f"figure {number}: done in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)

    lines = ["", table(rows)]
    notes = [(i, r) for i, r in enumerate(rows, 1) if r.note and r.value is not None]
    if notes:
        lines += ["", "Notes (row number: note):"]
        lines += [f"  {i:>2}. fig {r.figure}, {r.name.strip()}: {r.note}" for i, r in notes]
    for number, detail in details.items():
        text = detail.get("text") if isinstance(detail, dict) else None
        if text:
            lines += ["", text]
    lines += ["", "Targets met, by figure:"]
    for number in args.figures:
        judged = [r for r in rows if r.figure == number and r.met is not None]
        missing = [r for r in rows if r.figure == number and r.value is None]
        summary = f"{sum(r.met for r in judged)} of {len(judged)}" if judged else "no target (reported)"
        if missing:
            summary += f"; {len(missing)} unavailable"
        lines.append(f"  figure {number} ({FIGURES[number][0]}): {summary}")
    met = [r for r in rows if r.met is not None]
    lines.append(f"  all: {sum(r.met for r in met)} of {len(met)}; total time {time.perf_counter() - started:.0f} s")
    report = "\n".join(lines)
    print(report)

    import numpy

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "numpy": numpy.__version__,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "quick": args.quick,
        "seconds": round(time.perf_counter() - started, 1),
        "rows": [r.as_dict() for r in rows],
        "details": details,
    }
    out.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    out.with_suffix(".md").write_text(report.lstrip("\n") + "\n", encoding="utf-8")
    print(f"wrote {out} and {out.with_suffix('.md').name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
