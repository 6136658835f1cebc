"""The command line: ``xlcost calc <quantity> ...`` and ``xlcost catalog [table]``.

Most tests call ``xlcost.cli.main`` in-process, which is fast. One test runs the
installed ``xlcost`` console script.
"""

import json
import shutil
import subprocess
import sys
import sysconfig

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
    assert result["value"] == pytest.approx(46.7e9 * 2 / (81920 * 2**20))  # memory-bound: 1.09 A100-80GB (81,920 MiB)


def test_model_fills_the_shape(capsys):
    result = run_json(capsys, "calc", "kv_cache_bytes", "--model", "LLaMA-13B", "--context", "1024")
    assert result["inputs"]["n_layers"] == 40 and result["inputs"]["kv_dim"] == 5120
    assert result["value"] == 2 * 40 * 5120 * 1024 * 2


# ---------------------------------------------------------------- one declaration: what --model fills
def test_moe_memory_takes_all_parameters(capsys):
    # Mistral AI: Mixtral-8x7B holds 46.7B parameters; 16-bit weights take 2 bytes each
    result = run_json(capsys, "calc", "model_memory_bytes", "--model", "Mixtral-8x7B")
    assert result["value"] == 46.7e9 * 2
    result = run_json(capsys, "calc", "units_for_memory", "--model", "Mixtral-8x7B", "--hardware", "H100",
                      "--bytes-per-param", "2")
    assert result["value"] == pytest.approx(46.7e9 * 2 / (81559 * 2**20))  # 1.09 H100s of 81,559 MiB


def test_moe_compute_takes_active_parameters(capsys):
    # 12.9B active parameters (Mistral AI): 2 FLOPs each per token
    assert run_json(capsys, "calc", "forward_flops_per_token", "--model", "Mixtral-8x7B")["value"] == 2 * 12.9e9


def test_training_tokens_are_never_a_prompt(capsys):
    status, _, err = run(capsys, "calc", "prefill_seconds", "--model", "Llama-2-70B", "--hardware", "H100")
    assert status == 2 and err == "xlcost: --tokens is required\n"
    # a prompt given: 2 x 70e9 x 1000 FLOPs at the default utilisation 1 of 989 TFLOP/s = 0.1416 s
    result = run_json(capsys, "calc", "prefill_seconds", "--model", "Llama-2-70B", "--hardware", "H100",
                      "--tokens", "1000")
    assert result["value"] == pytest.approx(2 * 70e9 * 1000 / 989e12, rel=1e-3)
    # an API price per query has no model to fill from
    with pytest.raises(SystemExit):
        main(["calc", "api_cost_usd", "--model", "Llama-2-70B", "--tokens", "1000"])


def test_chinchilla_law_refuses_a_mixture_of_experts(capsys):
    status, _, err = run(capsys, "calc", "chinchilla_loss", "--model", "Mixtral-8x7B", "--tokens", "1T")
    assert status == 2 and "mixture of experts" in err and "dense" in err
    # Chinchilla itself: 70B on 1.4T tokens, eq. (10): 1.9366 (papers.md 2d)
    assert run_json(capsys, "calc", "chinchilla_loss", "--model", "Chinchilla 70B", "--tokens", "1.4T")[
        "value"] == pytest.approx(1.9366, abs=1e-4)


@pytest.mark.parametrize("name, published, tolerance", [
    ("Llama-2-70B", 68.98e9, 0.01),  # Hugging Face config: 68,976,648,192 parameters
    ("PaLM 540B", 540.35e9, 0.005),  # Chowdhery et al. 2022, Table 1
    ("GPT-3 175B", 174.6e9, 0.005),  # Brown et al. 2020 (papers.md 1: 174.6B from the shape)
])
def test_model_fills_every_field_a_parameter_count_needs(capsys, name, published, tolerance):
    # n_heads, KV heads, head_dim, gating, tied embeddings, biases and learned positions all
    # come from the model (the issue: "n_kv_heads must not exceed n_heads" with n_heads left at 1)
    result = run_json(capsys, "calc", "transformer_params", "--model", name)
    assert result["value"] == pytest.approx(published, rel=tolerance)


def test_a_dense_count_refuses_a_mixture_of_experts(capsys):
    status, _, err = run(capsys, "calc", "transformer_params", "--model", "Mixtral-8x7B")
    assert status == 2 and "not a dense decoder" in err


def test_decode_at_long_context_costs_more_than_the_sequence_average(capsys):
    # Llama-3.1-70B at 131,072 tokens of context, 80 layers x 64 heads x 128 = 8,192 wide:
    # decode 2 x 70e9 + 4 x 80 x 131072 x 8192 = 4.836e14; causal average 2 x 70e9 +
    # 2 x 80 x 131072 x 8192 = 3.118e14, 35.5% lower
    argv = ("calc", "forward_flops_per_token", "--model", "Llama-3.1-70B", "--context", "131072")
    decode = run_json(capsys, *argv, "--attention", "decode")["value"]
    causal = run_json(capsys, *argv)["value"]
    assert decode == pytest.approx(2 * 70e9 + 4 * 80 * 131072 * 8192)
    assert 1 - causal / decode == pytest.approx(0.355, abs=0.001)


def test_palm_convention_from_the_command_line(capsys):
    # PaLM Appendix B: 6N + 12 L H Q T = 6 x 540.35e9 + 12 x 118 x 48 x 256 x 2048 = 3.28e12 per token
    result = run_json(capsys, "calc", "training_flops_per_token", "--model", "PaLM 540B", "--attention", "full")
    assert result["inputs"]["d_attn"] == 48 * 256  # the attention width, not d_model 18,432
    assert result["value"] == pytest.approx(6 * 540.35e9 + 12 * 118 * 48 * 256 * 2048)


# ---------------------------------------------------------------- defaults, units, hardware as a number
def test_utilization_defaults_like_the_excel_function(capsys):
    result = run_json(capsys, "calc", "train_cost_usd", "--model", "GPT-3", "--hardware", "gcp-tpu-v4",
                      "--price-usd-per-hour", "8.12")
    assert result["inputs"]["utilization"] == 0.462  # TRAIN_COST's default, seed article T5
    assert round(result["value"]) == 1_398_072
    result = run_json(capsys, "calc", "inference_cost_usd_per_1k_tokens", "--params", "175B",
                      "--hardware", "2496T", "--price-usd-per-hour", "19.22")
    assert result["inputs"]["utilization"] == 0.213  # INFER_COST's default, T4
    assert round(result["value"], 4) == 0.0035  # T4


def test_a_number_works_as_hardware(capsys):
    result = run_json(capsys, "calc", "units_for_compute", "--params", "175B", "--tokens-per-s", "1000",
                      "--hardware", "312T", "--utilization", "1")
    assert result["value"] == pytest.approx(2 * 175e9 * 1000 / 312e12)
    status, _, err = run(capsys, "calc", "units_needed", "--params", "7B", "--tokens-per-s", "1",
                         "--hardware", "312T")
    assert status == 2 and err.startswith("xlcost: hardware is a number (peak FLOP/s); name a chip")


@pytest.mark.parametrize("argv, value", [
    (["calc", "model_memory_bytes", "--params", "70B", "--bytes-per-param", "2B"], 140e9),  # 2 bytes, not 2e9
    (["calc", "compute_optimal_params", "--flops", "5.76e23 FLOPs"], 67e9),  # FLOPs, not FLOP/s
    (["calc", "model_memory_bytes", "--params", "7B", "--bytes-per-param", "0.5 bytes"], 3.5e9),
])
def test_units_read_by_each_arguments_dimension(capsys, argv, value):
    assert run_json(capsys, *argv)["value"] == pytest.approx(value)


@pytest.mark.parametrize("argv, message", [
    (["calc", "units_for_memory", "--params", "80GB", "--bytes-per-param", "2", "--memory-bytes", "80GB"],
     "xlcost: params should be count, not bytes, got '80GB'\n"),
    (["calc", "training_flops", "--params", "1.5e", "--tokens", "1T"],
     "xlcost: params ends in an unfinished exponent: write e.g. 1.5e18, got '1.5e'\n"),
    (["calc", "unit_hours", "--flops", "1e21", "--peak-flops-per-s", "80GB"],
     "xlcost: peak_flops_per_s should be flop/s, not bytes, got '80GB'\n"),
])
def test_units_of_another_dimension_are_refused(capsys, argv, message):
    status, out, err = run(capsys, *argv)
    assert (status, out, err) == (2, "", message)


# ---------------------------------------------------------------- help, version, module
def test_each_option_shows_its_unit_and_default(capsys):
    with pytest.raises(SystemExit):
        main(["calc", "train_cost_usd", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--utilization VALUE fraction of peak; default 0.462" in text
    assert "--peak-flops-per-s VALUE FLOP/s; required; --hardware gives its dense 16-bit peak" in text
    assert "--tokens VALUE tokens; required; --model gives its tokens the model was trained on" in text


def test_summaries_read_cleanly(capsys):
    import xlcost

    with pytest.raises(SystemExit):
        main(["calc", "--help"])
    listing = capsys.readouterr().out
    for name in xlcost.__all__:
        with pytest.raises(SystemExit):
            main(["calc", name, "--help"])
        text = capsys.readouterr().out
        for markup in (">>>", "``", ":func:"):
            assert markup not in text and markup not in listing, (name, markup)


def test_version_and_python_dash_m(capsys):
    from xlcost import __version__

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out == f"xlcost {__version__}\n"
    done = subprocess.run([sys.executable, "-m", "xlcost", "calc", "training_flops", "--params", "175B",
                           "--tokens", "300B"], capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, "training_flops = 3.15e+23 FLOPs\n")  # Brown et al. Table D.1


def test_file_errors_are_xlcost_messages(tmp_path):
    missing = tmp_path / "no_such_overrides.csv"
    done = subprocess.run([SCRIPT, "calc", "model_memory_bytes", "--model", "GPT-3"], capture_output=True,
                          text=True, env={"XLCOST_CATALOG_OVERRIDES": str(missing), "PATH": ""})
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("xlcost: ") and str(missing) in done.stderr and "Traceback" not in done.stderr
    a_file = tmp_path / "not_a_directory"
    a_file.write_text("")
    done = subprocess.run([SCRIPT, "build", "--out", str(a_file)], capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.startswith("xlcost: ") and "Traceback" not in done.stderr


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
    err = capsys.readouterr().err
    assert err.startswith("xlcost: argument QUANTITY: invalid choice: 'cost_of_everything'")
    assert err.endswith("(see xlcost calc --help)\n") and "usage" not in err


def test_a_bad_option_is_one_xlcost_line(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["calc", "training_flops", "--params", "1B", "--tokenz", "1T"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err == (
        "xlcost: unrecognized arguments: --tokenz 1T (see xlcost --help)\n")


# ---------------------------------------------------------------- catalog listing
def test_catalog_chips_lists_every_row_with_its_date(capsys):
    status, out, _ = run(capsys, "catalog", "chips")
    assert status == 0
    lines = out.splitlines()
    rows = catalog.table("chips").rows
    assert lines[0] == f"# chips ({len(rows)} rows)"
    assert len(lines) == len(rows) + 2  # a title, a column heading, one line per chip (sources: --json)
    for line, row in zip(lines[2:], rows):
        assert line.startswith(row["name"])
        assert line.endswith(row["date"])


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
# the script pip installed beside the interpreter running the tests (.venv/bin/xlcost under
# the README's command, which does not activate the environment)
SCRIPT = shutil.which("xlcost", path=sysconfig.get_path("scripts")) or shutil.which("xlcost")


def test_console_script():
    assert SCRIPT is not None, "the xlcost console script is not installed (pip install -e .)"
    done = subprocess.run([SCRIPT, "calc", "train_cost_usd", *T5_GPT3], capture_output=True, text=True)
    assert done.returncode == 0
    assert done.stdout == "train_cost_usd = 1,398,072 USD\n"
    bad = subprocess.run([SCRIPT, "calc", "chinchilla_loss", "--params", "0", "--tokens", "1T"],
                         capture_output=True, text=True)
    assert bad.returncode == 2
    assert bad.stderr == "xlcost: params must be a finite number > 0, got 0.0\n"
