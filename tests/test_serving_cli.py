"""``xlcost calc`` for the serving quantities: same numbers as Python and Excel, errors as exit code 2."""

import json

import pytest

from xlcost import serving, udfs
from xlcost.cli import main


def _json(capsys, *argv):
    assert main(["calc", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)["value"]


def test_serve_throughput_matches_the_excel_function(capsys):
    value = _json(capsys, "serve_throughput", "--model", "Llama-3.1-70B", "--hardware", "H100", "--n-units", "2",
                  "--precision", "fp8", "--input-tokens", "500", "--output-tokens", "2000")
    assert value == pytest.approx(udfs.SERVE_THROUGHPUT("Llama-3.1-70B", "H100", 2, 500, 2000, "fp8"))


def test_serve_cost_per_input_names_its_unit(capsys):
    assert main(["calc", "serve_cost", "--model", "Llama-3.1-8B", "--hardware", "H100", "--price-per-hour", "2.5",
                 "--per", "input"]) == 0
    assert "USD per 1M input tokens" in capsys.readouterr().out


def test_gpus_for_load_and_kv(capsys):
    chips = _json(capsys, "gpus_for_load", "--model", "Llama-3.1-70B", "--hardware", "H100", "--requests-per-s",
                  "333", "--tpot-s", "0.05")
    assert chips == serving.gpus_for_load("Llama-3.1-70B", "H100", 333, tpot_s=0.05)
    assert _json(capsys, "kv_cache_per_token", "--model", "Llama-2-70B") == 327_680


def test_a_model_that_does_not_fit_exits_2_naming_the_shortfall(capsys):
    assert main(["calc", "max_batch", "--model", "Llama-2-70B", "--hardware", "A100-40GB"]) == 2
    assert capsys.readouterr().err.strip() == "xlcost: n_units: needs 140 GB of weights; 1 x A100-SXM4-40GB holds 42.9 GB"


def test_load_plan_prints_the_plan_gpus_for_load_chose(capsys):
    plan = _json(capsys, "load_plan", "--model", "Llama-3.1-70B", "--hardware", "p5.48xlarge", "--requests-per-s",
                 "20", "--precision", "fp8", "--ttft-s", "1 s", "--tpot-s", "50ms")
    chips = _json(capsys, "gpus_for_load", "--model", "Llama-3.1-70B", "--hardware", "p5.48xlarge",
                  "--requests-per-s", "20", "--precision", "fp8", "--ttft-s", "1", "--tpot-s", "0.05")
    assert plan["replicas"] * plan["chips_per_replica"] == chips
    assert plan["ttft"] <= 1 and plan["tpot"] <= 0.05
    assert main(["calc", "load_plan", "--model", "Llama-3.1-8B", "--hardware", "H100", "--requests-per-s", "5"]) == 0
    assert "chips_per_replica = " in capsys.readouterr().out


def test_batching_and_parallel_options(capsys):
    common = ["--model", "DeepSeek-V3", "--hardware", "H200", "--n-units", "8", "--precision", "fp8"]
    dep = _json(capsys, "serve_throughput", *common, "--parallel", "dep")
    assert dep == pytest.approx(serving.serve_throughput("DeepSeek-V3", "H200", 8, precision_name="fp8",
                                                         parallel="dep"))
    static = _json(capsys, "serve_latency", *common, "--batch", "8", "--batching", "static", "--parallel", "dep")
    assert static == pytest.approx(serving.serve_latency("DeepSeek-V3", "H200", 8, 1000, 1000, "fp8", 8,
                                                         batching="static", parallel="dep"))
