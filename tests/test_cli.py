"""The command line: ``xlcost calc <quantity> ...`` and ``xlcost catalog [table]``.

Most tests call ``xlcost.cli.main`` in-process, which is fast. One test runs the
installed ``xlcost`` console script.
"""

import json
import shutil
import subprocess

import pytest

from xlcost import catalog
from xlcost.cli import main

T5_GPT3 = ["--params", "175B", "--tokens", "300B", "--peak-flops-per-s", "275T",
           "--utilization", "46.2%", "--price-usd-per-hour", "2.03"]


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def run_json(capsys, *argv):
    status, out, err = run(capsys, *argv, "--json")
    assert status == 0, err
    return json.loads(out)


# ---------------------------------------------------------------- calc: human and JSON output
def test_calc_human_output(capsys):
    status, out, err = run(capsys, "calc", "train_cost_usd", *T5_GPT3)
    assert status == 0 and err == ""
    assert out == "train_cost_usd = 1,398,072 USD\n"  # seed 002, T5


def test_calc_json_output(capsys):
    result = run_json(capsys, "calc", "train_cost_usd", *T5_GPT3)
    assert result["quantity"] == "train_cost_usd"
    assert round(result["value"]) == 1_398_072
    assert result["inputs"]["params"] == 175e9
    assert result["inputs"]["utilization"] == 0.462


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["calc", "chinchilla_loss", "--params", "70B", "--tokens", "1.4T"], "chinchilla_loss = 1.93665\n"),
        (["calc", "inference_cost_usd_per_1k_tokens", "--params", "175B", "--peak-flops-per-s", "2496T",
          "--utilization", "21.3%", "--price-usd-per-hour", "19.22"],
         "inference_cost_usd_per_1k_tokens = 0.00351475 USD\n"),
        (["calc", "model_memory_bytes", "--params", "340M", "--bytes-per-param", "20"],
         "model_memory_bytes = 6,800,000,000 bytes\n"),
        (["calc", "duty_cycle", "--busy", "30", "--idle", "10"], "duty_cycle = 0.75\n"),
    ],
)
def test_calc_human_output_for_other_quantities(capsys, argv, expected):
    status, out, _ = run(capsys, *argv)
    assert status == 0
    assert out == expected


def test_every_core_quantity_is_a_calc_subcommand(capsys):
    import xlcost

    for name in xlcost.__all__:
        with pytest.raises(SystemExit) as exit_:
            main(["calc", name, "--help"])
        assert exit_.value.code == 0
        assert name in capsys.readouterr().out


# ---------------------------------------------------------------- --hardware / --model filling
def test_model_and_instance_fill_the_inputs(capsys):
    result = run_json(capsys, "calc", "train_cost_usd", "--model", "GPT-3", "--hardware", "gcp-tpu-v4",
                      "--utilization", "46.2%", "--price-usd-per-hour", "8.12")
    inputs = result["inputs"]
    assert inputs["params"] == 175e9 and inputs["tokens"] == 300e9  # from models.csv
    assert inputs["peak_flops_per_s"] == 4 * 275e12  # a 4-chip TPU v4 host, from chips.csv
    assert round(result["value"]) == 1_398_072


def test_explicit_options_override_the_catalog(capsys):
    result = run_json(capsys, "calc", "train_cost_usd", "--model", "GPT-3", "--tokens", "1.4T",
                      "--hardware", "gcp-tpu-v4", "--utilization", "0.462", "--price-usd-per-hour", "8.12")
    assert result["inputs"]["tokens"] == 1.4e12
    assert result["value"] == pytest.approx(1_398_072 * 1.4e12 / 300e9, rel=1e-6)


def test_instance_supplies_its_on_demand_price(capsys):
    result = run_json(capsys, "calc", "inference_cost_usd_per_1k_tokens", "--model", "GPT-3",
                      "--hardware", "p4d.24xlarge", "--utilization", "21.3%")
    assert result["inputs"]["price_usd_per_hour"] == catalog.hardware("p4d.24xlarge").price_usd_per_hour()
    assert result["inputs"]["peak_flops_per_s"] == 8 * 312e12


def test_moe_model_fills_active_params_for_compute_and_total_for_memory(capsys):
    result = run_json(capsys, "calc", "units_needed", "--model", "Mixtral-8x7B", "--hardware", "A100-80GB",
                      "--tokens-per-s", "1000", "--utilization", "0.5")
    assert result["inputs"]["params"] == 12.9e9
    assert result["inputs"]["memory_params"] == 46.7e9
    assert result["value"] == pytest.approx(46.7e9 * 2 / 80e9)  # memory-bound: 1.17 A100-80GB


def test_model_fills_the_shape(capsys):
    result = run_json(capsys, "calc", "kv_cache_bytes", "--model", "LLaMA-13B", "--context", "1024")
    assert result["inputs"]["n_layers"] == 40 and result["inputs"]["kv_dim"] == 5120
    assert result["value"] == 2 * 40 * 5120 * 1024 * 2


# ---------------------------------------------------------------- errors exit 2 with a message
@pytest.mark.parametrize(
    "argv, message",
    [
        (["calc", "train_cost_usd", *T5_GPT3[:6], "--utilization", "150%", "--price-usd-per-hour", "2"],
         "xlcost: utilization must be in (0, 1], got 1.5\n"),
        # "--params=-175B": argparse would read a separate "-175B" as an option
        (["calc", "train_cost_usd", "--params=-175B", *T5_GPT3[2:]],
         "xlcost: params must be a finite number > 0, got -175000000000.0\n"),
        (["calc", "train_cost_usd", "--params", "175B"],
         "xlcost: --tokens is required (or give --model)\n"),
        (["calc", "train_cost_usd", "--params", "175 parsecs", *T5_GPT3[2:]],
         "xlcost: params has an unknown unit 'parsecs', got '175 parsecs'\n"),
        (["calc", "train_cost_usd", "--params", "1,5", *T5_GPT3[2:]],
         "xlcost: params is not a number or a quantity like 175B, 80GB, 21.3%, got '1,5'\n"),
        (["calc", "train_cost_usd", "--model", "GPT-3", "--hardware", "A1000", "--utilization", "0.5"],
         "xlcost: unknown hardware 'A1000'; closest: A100-SXM4-40GB, "),
        (["calc", "train_cost_usd", "--model", "GPT-5", "--hardware", "A100", "--utilization", "0.5"],
         "xlcost: unknown model 'GPT-5'; closest: "),
        (["calc", "train_cost_usd", "--model", "GPT-3", "--hardware", "A100", "--utilization", "0.5"],
         "xlcost: price_per_hour is required: A100-SXM4-40GB is a chip"),
    ],
)
def test_errors_exit_2_with_a_message(capsys, argv, message):
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert out == ""
    assert err.startswith(message)
    assert "Traceback" not in err


def test_unknown_quantity_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["calc", "cost_of_everything"])
    assert exit_.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


# ---------------------------------------------------------------- catalog listing
def test_catalog_chips_lists_every_row_with_its_source(capsys):
    status, out, _ = run(capsys, "catalog", "chips")
    assert status == 0
    lines = out.splitlines()
    rows = catalog.table("chips").rows
    assert lines[0] == f"# chips ({len(rows)} rows)"
    assert len(lines) == len(rows) + 1
    for line, row in zip(lines[1:], rows):
        assert line.startswith(row["name"])
        assert row["date"] in line and line.endswith(row["source"])


def test_catalog_lists_all_tables(capsys):
    status, out, _ = run(capsys, "catalog")
    assert status == 0
    headers = [line for line in out.splitlines() if line.startswith("# ")]
    assert [h.split()[1] for h in headers] == ["chips", "instances", "models", "api"]


def test_catalog_json(capsys):
    status, out, _ = run(capsys, "catalog", "models", "--json")
    assert status == 0
    models = json.loads(out)["models"]
    assert any(m["name"] == "Mixtral-8x7B" and m["active_params"] == 12.9e9 for m in models)
    assert all(m["source"] and m["date"] for m in models)


# ---------------------------------------------------------------- the installed console script
@pytest.mark.skipif(shutil.which("xlcost") is None, reason="console script not installed")
def test_console_script():
    done = subprocess.run(["xlcost", "calc", "train_cost_usd", *T5_GPT3], capture_output=True, text=True)
    assert done.returncode == 0
    assert done.stdout == "train_cost_usd = 1,398,072 USD\n"
    bad = subprocess.run(["xlcost", "calc", "chinchilla_loss", "--params", "0", "--tokens", "1T"],
                         capture_output=True, text=True)
    assert bad.returncode == 2
    assert bad.stderr == "xlcost: params must be a finite number > 0, got 0.0\n"
