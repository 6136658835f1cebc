"""pandas views (issue 9, item 7): catalog frames and sweeps; ``import xlcost`` stays free of pandas."""

import subprocess
import sys

import pytest

pd = pytest.importorskip("pandas")

import xlcost  # noqa: E402
from xlcost import catalog, core  # noqa: E402
from xlcost.errors import InputError  # noqa: E402


def test_import_xlcost_and_its_sweep_load_neither_pandas_nor_openpyxl():
    probe = (
        "import sys, xlcost; from xlcost import sweep; "
        "print(','.join(m for m in ('pandas', 'openpyxl') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == ""


# ---------------------------------------------------------------- frames
def test_chips_frame_has_every_chip_with_every_field_source_and_date():
    chips = catalog.frame("chips")
    names = {r["name"] for r in catalog.table("chips").rows}
    assert set(chips["name"]) == names and len(chips) == len(names)
    assert set(catalog.SCHEMAS["chips"]) <= set(chips.columns)
    assert chips["source"].str.len().min() > 20 and chips["date"].notna().all()
    h100 = chips.set_index("name").loc["H100-SXM5-80GB"]
    assert h100["peak_bf16_flops"] == pytest.approx(989e12)  # Hopper: 1,979 sparse / 2
    assert pd.isna(chips.set_index("name").loc["Tesla-T4", "peak_bf16_flops"])  # T4 has no bf16


def test_frames_as_of_and_history():
    june_2024 = catalog.frame("api", as_of="2024-06-01").set_index("name")
    assert june_2024.loc["gpt-4o", "price_input_usd_per_1m_tokens"] == 5.0  # launch price
    assert "gpt-5" not in june_2024.index  # launched 2025-08-07
    history = catalog.frame("api", history=True)
    assert (history["name"] == "gpt-4o").sum() == 2  # $5/$15 (2024-05-13), $2.50/$10 (2024-10-02)
    instances = catalog.frame("instances", history=True)
    assert list(instances.loc[instances["name"] == "p4d.24xlarge", "date"]) == ["2023-01", "2025-06"]


def test_frame_of_an_unknown_table_names_the_tables():
    with pytest.raises(InputError, match="table must be one of chips, instances, models, api"):
        catalog.frame("gpus")


# ---------------------------------------------------------------- sweeps
def test_sweep_two_by_three_equals_the_core_called_one_by_one():
    params, utilizations = [7e9, 70e9], [0.3, 0.4, 0.5]
    table = xlcost.sweep(core.train_cost_usd, params=params, tokens=2e12, peak_flops_per_s=989e12,
                         utilization=utilizations, price_usd_per_hour=2.0)
    assert len(table) == 6
    assert list(table.columns) == ["params", "tokens", "peak_flops_per_s", "utilization", "price_usd_per_hour",
                                   "train_cost_usd"]
    for row in table.itertuples():
        assert row.train_cost_usd == core.train_cost_usd(row.params, 2e12, 989e12, row.utilization, 2.0)
    # the first axis varies slowest
    assert list(table["params"]) == [7e9] * 3 + [70e9] * 3 and list(table["utilization"]) == utilizations * 2


def test_sweep_fills_arguments_from_catalog_names():
    table = xlcost.sweep(core.inference_cost_usd_per_1k_tokens, model=["GPT-3", "Mixtral-8x7B"],
                         hardware=["p4d.24xlarge", "p5.48xlarge", "A100"], utilization=0.213,
                         price_usd_per_hour=19.22)
    assert len(table) == 6 and list(table.columns[:2]) == ["model", "hardware"]
    gpt3_p4d = table[(table.model == "GPT-3") & (table.hardware == "p4d.24xlarge")].iloc[0]
    # GPT-3 on a p4d at the article's 1-yr rate: 2 x 175e9 x 1000 / (8 x 312e12 x 0.213) / 3600 x 19.22
    assert gpt3_p4d.inference_cost_usd_per_1k_tokens == pytest.approx(0.0035148, rel=1e-4)
    mixtral_a100 = table[(table.model == "Mixtral-8x7B") & (table.hardware == "A100")].iloc[0]
    # an MoE's compute counts its active parameters (12.9B): 2 x 12.9e9 x 1000 / (312e12 x 0.213) / 3600 x 19.22
    assert mixtral_a100.inference_cost_usd_per_1k_tokens == pytest.approx(2 * 12.9e9 * 1000 / (312e12 * 0.213) / 3600 * 19.22)


def test_sweep_over_dates_uses_the_prices_in_force():
    table = xlcost.sweep(core.compute_cost_usd, hardware="p4d.24xlarge", as_of=["2024-06-01", "2025-07-01"],
                         flops=1e21, utilization=0.5)
    # 1e21 FLOPs / (8 x 312e12 x 0.5) / 3600 = 0.2226 h, at $32.77 then at $21.957642 (AWS, June 2025)
    hours = 1e21 / (8 * 312e12 * 0.5) / 3600
    assert list(table.compute_cost_usd) == pytest.approx([hours * 32.77, hours * 21.957642])


def test_sweep_keeps_a_series_index_out():
    sizes = pd.Series([7e9, 70e9], index=["small", "large"], name="params")
    table = xlcost.sweep(core.model_memory_bytes, params=sizes, bytes_per_param=[1, 2])
    assert list(table.index) == [0, 1, 2, 3]
    assert list(table["params"]) == [7e9, 7e9, 70e9, 70e9]
    assert list(table["model_memory_bytes"]) == [7e9, 14e9, 70e9, 140e9]  # params x bytes per parameter


def test_sweep_over_any_callable_and_a_dict_result():
    table = xlcost.sweep(catalog.api_request_cost_usd, api_model=["gpt-4o", "gpt-5"], input_tokens=1e6,
                         output_tokens=[0, 1e6])
    # gpt-4o $2.50/$10, gpt-5 $1.25/$10 per 1M (OpenAI)
    assert list(table.api_request_cost_usd) == pytest.approx([2.5, 12.5, 1.25, 11.25])
    split = xlcost.sweep(lambda a, b: {"sum": a + b, "product": a * b}, a=[1, 2], b=3)
    assert list(split.columns) == ["a", "b", "sum", "product"] and list(split["product"]) == [3, 6]


def test_sweep_refuses_what_it_cannot_place():
    with pytest.raises(InputError, match="colour is not an argument of train_cost_usd"):
        xlcost.sweep(core.train_cost_usd, hardware="H100", colour="red")
    with pytest.raises(InputError, match="hardware fills nothing in words_to_tokens"):
        xlcost.sweep(core.words_to_tokens, words=750, hardware="H100")
    with pytest.raises(InputError, match="params has no values"):
        xlcost.sweep(core.words_to_tokens, params=[])


def test_sweep_over_a_serving_function_equals_its_calls_one_by_one():
    from xlcost import serving

    table = xlcost.sweep(serving.serve_throughput, model=["Llama-2-70B", "Mixtral-8x7B"],
                         hardware=["H100", "H200", "B200"], n_units=2, precision_name="fp8")
    assert len(table) == 6
    for row in table.itertuples():
        assert row.serve_throughput == serving.serve_throughput(row.model, row.hardware, 2, precision_name="fp8")
