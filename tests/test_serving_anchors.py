"""The serving model against published measurements: ../shared/serving-anchors.csv.

Every ``use=calibrate`` row (62 figures: throughputs, TTFT, TPOT, request latency) is
predicted from the catalog's model and chip with the model's default efficiency
factors, through the same function the Excel functions call. The bar (issue 11):
median absolute error at most 25 %, at least 90 % of rows within 2x. A row the model
refuses (it does not fit in the catalog's memory) counts as outside 2x. The table is
printed (``pytest -s``); docs/serving.md explains the worst rows.
"""

import csv
import math
from pathlib import Path

import pytest

from xlcost import serving
from xlcost.errors import XlcostError

HERE = Path(__file__).parent
ANCHORS = HERE / "reference" / "serving-anchors.csv"  # a copy of ../shared/serving-anchors.csv
SHARED = HERE.parent.parent / "shared" / "serving-anchors.csv"
LATENCY = {"ttft_s": "ttft", "tpot_s": "tpot", "request_s": "request"}


def anchor_rows(use="calibrate", moe_tables=False):
    """The anchor rows of ``use``, as dicts of the CSV's columns.

    ``moe_tables`` adds the 58 TensorRT-LLM 1.2 rows (``trt12-*``: DeepSeek-R1 and gpt-oss
    at maximum load) that issue 17 added to the anchors; the model does not meet them yet.
    """
    with ANCHORS.open(encoding="utf-8") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        return [row for row in rows if row["use"] == use and (moe_tables or not row["id"].startswith("trt12-"))]


def predict(row):
    """The model's figure for one anchor row (NaN with the reason when it refuses)."""
    inputs = float(row["input_tokens"])
    outputs = float(row["output_tokens"] or 1)  # TTFT rows: one token out
    batch = float(row["batch"]) if row["batch"] else None
    args = (row["model"], row["hardware"], float(row["n_units"]), inputs, outputs, row["precision"])
    if row["metric"] == "output_tokens_per_s":
        return serving.serve_throughput(*args, batch)
    return serving.serve_latency(*args, batch or 1, LATENCY[row["metric"]])


def test_the_copy_matches_shared():
    if not SHARED.exists():
        pytest.skip("../shared is not beside this checkout")
    assert ANCHORS.read_bytes() == SHARED.read_bytes()


def test_calibrate_rows_median_within_25_percent_and_90_percent_within_2x():
    rows = anchor_rows()
    assert len(rows) == 62
    ratios, lines = [], []
    for row in rows:
        try:
            predicted, note = predict(row), ""
        except XlcostError as error:
            predicted, note = math.nan, f"  refused: {error}"
        measured = float(row["value"])
        ratio = predicted / measured
        ratios.append(ratio)
        lines.append(f"{row['id']:16} {row['model']:14} {row['n_units']:>2} x {row['hardware']:14} {row['precision']:4} "
                     f"{row['input_tokens']:>5}/{row['output_tokens'] or '-':>5} batch {row['batch'] or 'max':>5} "
                     f"{row['metric']:19} {measured:10.4g} {predicted:10.4g} {ratio:6.2f}{note}")
    errors = sorted(abs(r - 1) if not math.isnan(r) else math.inf for r in ratios)
    median = (errors[30] + errors[31]) / 2
    within = sum(0.5 <= r <= 2 for r in ratios if not math.isnan(r)) / len(ratios)
    print("\nid               model          chips               in/out     batch      metric              "
          "measured  predicted  ratio")
    print("\n".join(lines))
    print(f"median absolute error {median:.1%}; within 2x {within:.1%} ({round(within * 62)} of 62)")
    assert median <= 0.25
    assert within >= 0.90


@pytest.mark.xfail(strict=True, reason="issue 17: the trt12-* MoE rows are over-predicted (median ratio 2.26)")
def test_all_calibrate_rows_with_the_moe_tables_median_within_20_percent():
    ratios = []
    for row in anchor_rows(moe_tables=True):
        try:
            ratios.append(predict(row) / float(row["value"]))
        except XlcostError:
            ratios.append(math.nan)
    errors = sorted(abs(r - 1) if not math.isnan(r) else math.inf for r in ratios)
    assert len(ratios) == 120
    assert (errors[59] + errors[60]) / 2 <= 0.20
    assert sum(0.5 <= r <= 2 for r in ratios) / len(ratios) >= 0.95
