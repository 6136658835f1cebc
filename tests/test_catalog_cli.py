"""``xlcost catalog``: key figures with dates, and ``check`` for stale prices and missing fields."""

import json

import pytest

from xlcost.cli import main


def _run(capsys, *argv, status=0):
    assert main(["catalog", *argv]) == status
    return capsys.readouterr().out


def _line(out, name):
    return next(line for line in out.splitlines() if line.split() and line.split()[0] == name).split()


def test_chips_show_peaks_memory_bandwidth_and_interconnect(capsys):
    h100 = _line(_run(capsys, "chips"), "H100-SXM5-80GB")
    # bf16, fp16, fp8 TFLOP/s; fp4 (none); GB as nvidia-smi shows it (81,559 MiB); TB/s; one-direction GB/s; W;
    # date (H100 datasheet)
    assert h100 == ["H100-SXM5-80GB", "989", "989", "1,979", "-", "85.5", "3.35", "450", "700", "2022-03"]


def test_prices_show_the_date_they_took_effect(capsys):
    out = _run(capsys, "api", "--as-of", "2024-06-01")
    assert "as of 2024-06-01" in out
    assert _line(out, "gpt-4o") == ["gpt-4o", "2024-05-13", "5.00", "-", "15.00"]  # launch price
    history = _run(capsys, "instances", "--history")
    assert [line.split()[-1] for line in history.splitlines() if line.startswith("p4d.24xlarge")] == ["2023-01", "2025-06"]


def test_json_has_every_column_with_source(capsys):
    rows = json.loads(_run(capsys, "chips", "--json"))["chips"]
    assert all(row["source"] and row["date"] for row in rows)


def test_check_lists_stale_prices_and_missing_fields(capsys):
    out = _run(capsys, "check", "--today", "2026-12-02", "--older-than", "365", status=1)  # found: exit 1
    # g6e.xlarge's price is AWS's list at launch (2024-08-15), never re-checked against a dated page: 839 days
    assert "stale   instances g6e.xlarge                   newest row 2024-08-15 (839 days old)" in out
    # p5's (same list) was compared with GetDeploying's 2026-09-12 table: listed apart as checked
    assert "checked instances p5.48xlarge                  newest row 2025-06 (549 days old); " \
           "no newer price found on 2026-09-12" in out
    # a chip whose vendor publishes no 16-bit rate cannot give the default peak
    assert any(line.startswith("missing chips") and "TPU v7" in line and "peak_flops_per_s" in line
               for line in out.splitlines())
    fresh = _run(capsys, "check", "--today", "2025-10-01", "--older-than", "10000", status=1)  # missing fields remain
    assert "stale" not in fresh


def test_listing_into_a_closed_pipe_is_quiet():
    # head exits after 10 bytes of the ~150 kB JSON listing, more than a pipe buffers
    # (64 kB on Linux), so xlcost's later writes meet a closed pipe: no "Broken pipe" message
    import subprocess
    import sys

    pipeline = f"{sys.executable} -m xlcost catalog --json | head -c 10"
    done = subprocess.run(["bash", "-c", pipeline], capture_output=True, text=True, timeout=60)
    assert done.stdout == '{"chips": '
    assert done.stderr == ""


def test_bad_as_of_is_an_xlcost_error(capsys):
    assert main(["catalog", "api", "--as-of", "June"]) == 2
    assert "xlcost: as_of must be a date" in capsys.readouterr().err


def test_calc_as_of_prices_at_the_row_in_force(capsys):
    argv = ["calc", "compute_cost_usd", "--hardware", "p4d.24xlarge", "--flops", "1e21", "--utilization", "0.5"]
    # 1e21 FLOPs / (8 x 312e12 x 0.5) = 801,282 s = 222.58 h; at $32.77/h (2023 list) = 7,294 USD
    assert main([*argv, "--as-of", "2024-06-01", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["value"] == pytest.approx(1e21 / (8 * 312e12 * 0.5) / 3600 * 32.77)
    # at $21.957642/h (AWS, June 2025) = 4,887 USD
    assert main([*argv, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["value"] == pytest.approx(1e21 / (8 * 312e12 * 0.5) / 3600 * 21.957642)
    assert main([*argv, "--as-of", "2020-01-01"]) == 2
    assert "history of instance 'p4d.24xlarge', which starts 2023-01" in capsys.readouterr().err
