"""Figure "cells" (python benchmarks/run.py --figures cells): a 1,000 x 100 range with half its cells bad, against the same range clean.

INFER_COST over a 1,000 x 100 range of parameter counts (a checkerboard of -1, which
the core refuses, and valid counts) on one instance. Each bad cell must error alone
("params must be a finite number > 0") while its neighbours compute. The core is
called once: it records each argument's bad elements (``xlcost.core._check.collecting``)
instead of raising. Baseline: the same call on the clean range, measured interleaved.
For reference, the old path (find the bad cells by bisection, calling the core again
and again) is timed once on the same range. Target: within 3x of the clean range.
"""

import contextlib
import time

from harness import Row, paired_medians

ROWS, COLUMNS = 1000, 100


def run(quick=False):
    import xlcost.excel_values as ev
    import xlcost.udfs as udfs

    clean = [[1e9 * (i + 1) for _ in range(COLUMNS)] for i in range(ROWS)]
    half = [[-1.0 if (i + j) % 2 == 0 else 1e9 * (i + 1) for j in range(COLUMNS)] for i in range(ROWS)]
    got = udfs.INFER_COST(half, "p4d.24xlarge")
    bad = sum(isinstance(v, str) for row in got for v in row)
    if bad != ROWS * COLUMNS // 2 or not str(got[0][0]).endswith("params must be a finite number > 0, got -1.0"):
        raise AssertionError(f"figure cells: expected {ROWS * COLUMNS // 2} errors, got {bad}: {got[0][:2]}")
    t_half, t_clean = paired_medians(lambda: udfs.INFER_COST(half, "p4d.24xlarge"),
                                     lambda: udfs.INFER_COST(clean, "p4d.24xlarge"),
                                     repeat=3 if quick else 7, min_time=0.05)
    rows = [Row("cells", f"INFER_COST {ROWS:,} x {COLUMNS}, half the cells bad", t_half, "the same range, clean",
                t_clean, ratio=t_half / t_clean, target="≤ 3x clean", met=t_half <= 3 * t_clean,
                note=f"{bad:,} cells error alone; one core call")]
    original = ev._check.collecting
    ev._check.collecting = lambda: contextlib.nullcontext([])  # the core raises: evaluate bisects
    try:
        start = time.perf_counter()
        udfs.INFER_COST(half, "p4d.24xlarge")
        t_bisect = time.perf_counter() - start
    finally:
        ev._check.collecting = original
    rows.append(Row("cells", "  the same by bisection (the old path), once", t_bisect, "the same range, clean",
                    t_clean, ratio=t_bisect / t_clean))
    return rows
