"""The Excel functions called the way classic (Windows, COM) xlwings calls them.

Classic xlwings hands each argument over as a 2-D list (``ndim=2``), empty cells as
None, numbers as floats, text as str, and takes back a scalar or a list of rows;
errors are text starting with the Excel error code. Direct Python calls with plain
scalars give the same answers.
"""

import datetime as dt
import importlib.util
import inspect
import math
import os
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import xlcost.udfs
from xlcost import core
from xlcost.excel_values import EXCEL_ERRORS


def _classic_udfs():
    """xlcost.udfs as classic xlwings loads it (a fresh copy if this process set XLWINGS_ON_SERVER)."""
    if not xlcost.udfs.OFFICEJS:
        return xlcost.udfs
    saved = os.environ.pop("XLWINGS_ON_SERVER")
    try:
        spec = importlib.util.spec_from_file_location("xlcost._udfs_classic", xlcost.udfs.__file__)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    finally:
        os.environ["XLWINGS_ON_SERVER"] = saved
    return module


udfs = _classic_udfs()
FUNCTIONS = {name: getattr(udfs, name) for name in udfs.__all__}


def cell(x):
    """A single cell as classic xlwings passes it with ndim=2."""
    return [[x]]


def is_error(value, code=None):
    return isinstance(value, str) and value.split(" ", 1)[0] in EXCEL_ERRORS and (code is None or value.startswith(code))


# ---------------------------------------------------------------- the article through the functions


def test_inference_cost_per_1k_tokens_T4():
    assert round(udfs.INFER_COST(175e9, "A100", 0.213, 19.22 / 8), 4) == 0.0035
    assert round(udfs.INFER_COST(175e9, "p4d.24xlarge", 0.213, 19.22), 4) == 0.0035
    assert round(udfs.INFER_COST("175B", "TPU v4", 0.213, 8.12 / 4), 4) == 0.0034


def test_training_cost_T5_to_the_dollar():
    assert round(udfs.TRAIN_COST(175e9, 300e9, "TPU v4", 0.462, 2.03)) == 1_398_072
    assert round(udfs.TRAIN_COST(540e9, 780e9, "TPU v4", 0.462, 2.03)) == 11_216_529
    assert round(udfs.TRAIN_COST(280e9, 300e9, "TPU v4", 0.462, 2.03)) == 2_236_915
    assert round(udfs.TRAIN_COST(530e9, 270e9, "TPU v4", 0.462, 2.03)) == 3_810_744


def test_flops_per_token():
    assert udfs.FLOPS_PER_TOKEN("GPT-3") == 3.5e11
    assert udfs.FLOPS_PER_TOKEN(175e9, "training") == 1.05e12
    with_attention = udfs.FLOPS_PER_TOKEN(175e9, "inference", 96, 12288, 2048)
    assert with_attention == 3.5e11 + 2 * 96 * 2048 * 12288
    assert udfs.FLOPS_PER_TOKEN(175e9, "training", 96, 12288, 2048) == 3 * with_attention


def test_gpus_needed_training_memory_floor_T12():
    # 3.5 TB over the 81,559 MiB the driver exposes (the article's 43.75 divides by the datasheet's 80 GB)
    assert udfs.GPUS_NEEDED(175e9, 0, "H100", None, "training", 20) == pytest.approx(3.5e12 / (81559 * 2**20))
    # compute need wins when the load is heavy: 2 x 175e9 x 1e6 / (989e12 x 0.213)
    heavy = udfs.GPUS_NEEDED(175e9, 1e6, "H100")
    assert heavy == pytest.approx(core.units_for_compute(175e9, 1e6, 989e12, 0.213))
    assert udfs.GPUS_NEEDED(175e9, 0, "H100") == pytest.approx(175e9 * 2 / (81559 * 2**20))  # inference: 16-bit weights


def test_same_answers_as_classic_xlwings_passes_values():
    assert udfs.INFER_COST(cell(175e9), cell("A100"), cell(0.213), cell(19.22 / 8)) == udfs.INFER_COST(
        175e9, "A100", 0.213, 19.22 / 8
    )
    assert udfs.TRAIN_COST(cell("175B"), cell("300B"), cell("TPU v4"), cell("46.2%"), cell("$2.03")) == pytest.approx(
        1_398_072.0, abs=0.5
    )
    assert udfs.GPUS_NEEDED(cell(175e9), cell(0.0), cell("H100"), cell(None), cell("training"), cell(20.0)) == pytest.approx(
        3.5e12 / (81559 * 2**20))
    assert udfs.FLOPS_PER_TOKEN(cell("GPT-3"), cell(None), cell(None)) == 3.5e11
    # an empty optional cell takes the default, like an omitted argument
    assert udfs.INFER_COST(cell(175e9), cell("A100"), cell(None), cell(2.4)) == udfs.INFER_COST(175e9, "A100", 0.213, 2.4)
    assert udfs.INFER_COST(cell(175e9), cell("A100"), cell(""), cell(2.4)) == udfs.INFER_COST(175e9, "A100", None, 2.4)


def test_catalog_price_when_price_is_omitted():
    on_demand = udfs.XLCOST_SPEC("p4d.24xlarge", "price_usd_per_hour")
    assert udfs.INFER_COST(175e9, "p4d.24xlarge", 0.213) == pytest.approx(
        core.inference_cost_usd_per_1k_tokens(175e9, 8 * 312e12, 0.213, on_demand)
    )
    chip = udfs.INFER_COST(175e9, "A100", 0.213)
    assert chip.startswith("#VALUE! price_per_hour is required")


def test_a_number_as_hardware_is_peak_flops_per_unit():
    assert udfs.INFER_COST(175e9, 312e12, 0.213, 19.22 / 8) == udfs.INFER_COST(175e9, "A100", 0.213, 19.22 / 8)
    assert udfs.INFER_COST(175e9, "312T", 0.213, 19.22 / 8) == udfs.INFER_COST(175e9, "A100", 0.213, 19.22 / 8)
    assert udfs.INFER_COST(175e9, 312e12, 0.213).startswith("#VALUE! price_per_hour is required")
    assert udfs.GPUS_NEEDED(175e9, 0, 989e12).startswith("#VALUE! hardware is a number")


def test_moe_active_params_for_compute_total_for_memory():
    active = udfs.XLCOST_SPEC("Mixtral-8x7B", "params_per_token")
    total = udfs.XLCOST_SPEC("Mixtral-8x7B", "params")
    assert active < total
    assert udfs.FLOPS_PER_TOKEN("Mixtral-8x7B") == 2 * active
    assert udfs.MODEL_MEMORY("Mixtral-8x7B") == 2 * total
    assert udfs.GPUS_NEEDED("Mixtral-8x7B", 0, "H100") == pytest.approx(total * 2 / (81559 * 2**20))


# ---------------------------------------------------------------- the helpers


def test_helpers_reproduce_published_numbers():
    assert round(udfs.PARAM_COUNT(96, 12288, 50257, 2048) / 1e9, 1) == 174.6  # GPT-3
    llama = udfs.PARAM_COUNT(80, 8192, 32000, None, 28672, 64, 8, True, False, False)
    assert round(llama / 1e9, 1) == 69.0  # Llama-2-70B
    assert udfs.TRAIN_FLOPS("GPT-3", "300B") == 3.15e23
    # Narayanan et al. 2021 print 34 days at 8 FLOPs per parameter per token (recomputation);
    # TRAIN_DAYS counts 6, so 6/8 of it
    assert udfs.TRAIN_DAYS(175e9, 300e9, 1024, "A100", 140 / 312) == pytest.approx(34 * 6 / 8, rel=0.01)
    assert round(udfs.TRAIN_UNIT_HOURS(175e9, 300e9, "TPU v4")) == 688_705
    assert round(udfs.MFU(238.3e3, 6 * 540.35e9 + 12 * 118 * 48 * 256 * 2048, 6144, "TPU v4"), 3) == 0.462
    assert udfs.MODEL_MEMORY("340M", 20) == pytest.approx(6.8e9)  # BERT-Large, T12
    assert udfs.MODEL_MEMORY("175B", 20) == 3.5e12
    assert udfs.KV_CACHE(40, 5120, 1) == 819_200.0
    assert udfs.KV_CACHE(udfs.XLCOST_SPEC("GPT-3", "n_layers"), udfs.XLCOST_SPEC("GPT-3", "kv_dim"), 2048, 8) == (
        2 * 96 * 12288 * 2048 * 8 * 2
    )
    assert round(udfs.DECODE_TOKENS_PER_SECOND(13e9, "A6000"), 1) == 29.5  # LLaMA-13B memory-bound
    assert round(udfs.CHINCHILLA_LOSS(70e9, 1.4e12), 2) == 1.94  # T7
    assert round(udfs.CHINCHILLA_LOSS(1e12, 300e9), 2) == 1.97
    # Hoffmann et al. 2022 Table 3 (Approach 1): 67 billion parameters at Gopher's 5.76e23 FLOPs
    assert f"{udfs.COMPUTE_OPTIMAL_PARAMS(5.76e23):.3g}" == "6.7e+10"
    # the printed eq. (10) constants: G = 1.3447, a = 0.28/0.62 = 0.4516;
    # 1.3447 x (9.6e22)^0.4516 = 3.22e10 (tests/reference/papers.md, 2d)
    assert f"{udfs.COMPUTE_OPTIMAL_PARAMS(5.76e23, 'approach3'):.3g}" == "3.22e+10"
    # tokens = 5.76e23 / (6 x 67e9) = 1.433e12 (papers.md 2b: "5.76e23/(6*67e9) = 1.43T")
    assert f"{udfs.COMPUTE_OPTIMAL_TOKENS(5.76e23):.3g}" == "1.43e+12"


def test_api_query_economics_T2():
    chatgpt_tokens = udfs.WORDS_TO_TOKENS(50 + 5 * 400)
    assert round(udfs.QUERY_REVENUE(chatgpt_tokens, 0.02), 5) == 0.05467
    assert round(udfs.QUERY_COST(chatgpt_tokens, 0.02), 6) == 0.009567  # defaults: 30% cache, 75% margin
    two_stage = udfs.WORDS_TO_TOKENS(50 + 10 * (1000 + 400))
    assert round(udfs.QUERY_REVENUE(two_stage, "Davinci"), 5) == 0.37467
    assert round(udfs.QUERY_COST(two_stage, "Davinci", 0.30, 0.75), 6) == 0.065567


def test_catalog_lookup_and_table():
    assert udfs.XLCOST_SPEC("H100", "memory_bytes") == 81559 * 2**20  # nvidia-smi: 81,559 MiB
    assert udfs.XLCOST_SPEC("p4d.24xlarge", "memory_bytes") == 8 * 40960 * 2**20  # one unit = the whole instance
    assert udfs.XLCOST_SPEC("p4d.24xlarge", "chip") == "A100-SXM4-40GB"
    assert udfs.XLCOST_SPEC("GPT-3", "params") == 175e9
    assert isinstance(udfs.XLCOST_SPEC("TPU v4", "source"), str)
    assert udfs.XLCOST_SPEC([["H100"], ["A100"]], [["memory_bytes", "peak_flops_per_s"]]) == [
        [81559 * 2**20, 989e12],
        [40960 * 2**20, 312e12],
    ]
    assert udfs.XLCOST_SPEC("H100", "memroy_bytes").startswith("#VALUE! field: unknown field")
    assert "closest" in udfs.XLCOST_SPEC("H100", "memroy_bytes")
    assert udfs.XLCOST_SPEC("GPT-9", "params").startswith("#VALUE! entry: unknown catalog entry")
    assert udfs.XLCOST_SPEC("A100", "price_usd_per_hour").startswith("#VALUE! ")
    chips = udfs.XLCOST_CATALOG("chips")
    header = chips[0]
    assert header[0] == "name" and "source" in header and "date" in header
    assert len(chips) > 5 and all(len(row) == len(header) for row in chips)
    assert all(row[header.index("source")] and row[header.index("date")] for row in chips[1:])
    for table in ("instances", "models", "api"):
        assert udfs.XLCOST_CATALOG(table)[0][0] == "name"
    assert udfs.XLCOST_CATALOG("gpus").startswith("#VALUE! table must be")


# ---------------------------------------------------------------- ranges


def test_a_range_spills():
    row = udfs.INFER_COST([[1e9, 7e9, 175e9]], "A100", 0.213, 2.4)
    assert row == [[udfs.INFER_COST(p, "A100", 0.213, 2.4) for p in (1e9, 7e9, 175e9)]]
    column = udfs.INFER_COST([[1e9], [7e9], [175e9]], "A100", 0.213, 2.4)
    assert column == [[v] for v in row[0]]


def test_column_against_row_broadcasts_to_a_grid():
    params, utils = [[1e9], ["7B"], ["GPT-3"]], [[0.1, 0.2, "30%", 0.4]]
    grid = udfs.INFER_COST(params, "A100", utils, 2.4)
    expected = core.inference_cost_usd_per_1k_tokens(
        np.array([[1e9], [7e9], [175e9]]), 312e12, np.array([[0.1, 0.2, 0.3, 0.4]]), 2.4
    )
    assert np.allclose(grid, expected, rtol=1e-15)
    assert udfs.TRAIN_COST([[175e9], [540e9]], [[300e9, 780e9]], "TPU v4", 0.462, 2.03)[1][1] == pytest.approx(
        11_216_529, abs=0.5
    )


def test_a_bad_element_errors_alone():
    grid = udfs.INFER_COST([[1e9], ["GPT-9"], [175e9]], "A100", [[0.1, 1.5, 0.3, True]], 2.4)
    assert grid[1][0].startswith("#VALUE! params: unknown model 'GPT-9'")
    assert all(is_error(v) for v in grid[1])
    assert grid[0][1] == "#VALUE! utilization must be in (0, 1], got 1.5"
    assert grid[2][3] == "#VALUE! utilization must be a number, not TRUE"
    assert grid[0][0] == udfs.INFER_COST(1e9, "A100", 0.1, 2.4)
    assert grid[2][2] == udfs.INFER_COST(175e9, "A100", 0.3, 2.4)
    # a value only the core refuses (negative) is found by bisection
    column = udfs.TRAIN_COST([[175e9], [-1], [0], [540e9]], 300e9, "TPU v4", 0.462, 2.03)
    assert column[1][0] == "#VALUE! params must be a finite number > 0, got -1.0"
    assert column[2][0].startswith("#VALUE! params must be a finite number > 0")
    assert column[0][0] == pytest.approx(1_398_072, abs=0.5)
    # a range of hardware names: each element is its own unit and price
    units = udfs.INFER_COST(175e9, [["p4d.24xlarge", "A100", "p5.48xlarge"]], 0.213)
    assert not is_error(units[0][0]) and units[0][1].startswith("#VALUE! price_per_hour") and not is_error(units[0][2])


def test_a_wholly_bad_argument_errors_the_call():
    assert udfs.INFER_COST([[1e9], [7e9]], "B9000", 0.2, 2.4).startswith("#VALUE! hardware: unknown hardware 'B9000'")
    assert udfs.INFER_COST(175e9, "A100", 1.5, 2.4) == "#VALUE! utilization must be in (0, 1], got 1.5"
    assert udfs.INFER_COST([[1e9], [7e9], [8e9]], "A100", [[0.1], [0.2]], 2.4).startswith(
        "#VALUE! ranges do not fit together (params is 3x1, utilization is 2x1)"
    )
    assert udfs.INFER_COST([], "A100", 0.2, 2.4) == "#VALUE! params is an empty range"
    assert udfs.INFER_COST([[1, 2], [3]], "A100", 0.2, 2.4).startswith("#VALUE! params is not a rectangular range")
    assert udfs.INFER_COST(None, "A100", 0.2, 2.4) == "#VALUE! params is required, but the cell is empty"
    assert udfs.TRAIN_COST(175e9, cell(None), "A100", 0.2, 2.4) == "#VALUE! tokens is required, but the cell is empty"
    assert udfs.FLOPS_PER_TOKEN(175e9, "fine-tuning").startswith('#VALUE! mode must be one of "inference", "training"')


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, "#VALUE! params must be a number, not TRUE"),
        (False, "#VALUE! params must be a number, not FALSE"),
        (dt.datetime(2023, 1, 1), "#VALUE! params is a date or time"),
        (dt.date(2023, 1, 1), "#VALUE! params is a date or time"),
        ("#N/A", "#VALUE! params is #N/A"),
        ("#DIV/0!", "#VALUE! params is #DIV/0!"),
        ("80GB", "#VALUE! params should be count, not bytes"),
        ("lots", "#VALUE! params: unknown model 'lots'"),
        ("12 apples", "#VALUE! params has an unknown unit"),
        (float("nan"), "#VALUE! params must be a finite number, got nan"),
        (float("inf"), "#VALUE! params must be a finite number, got inf"),
        (10**400, "#VALUE! params is too large"),
        (0, "#VALUE! params must be a finite number > 0, got 0.0"),
        (-175e9, "#VALUE! params must be a finite number > 0"),
        ("   ", "#VALUE! params is required, but the cell is empty"),
        ([[[1.0]]], "#VALUE! params has a nested range"),
        ({"type": "Error", "basicValue": "#REF!"}, "#VALUE! params is #REF!"),
    ],
)
def test_hostile_single_cells_give_clear_errors(value, expected):
    assert udfs.INFER_COST(cell(value), "A100", 0.213, 2.4).startswith(expected)


def test_text_too_large_for_a_number_is_an_error():
    result = udfs.INFER_COST("1e400", "A100", 0.213, 2.4)
    assert is_error(result) and "params" in result and ("large" in result or "finite" in result)


def test_text_numbers_and_whitespace_are_read():
    assert udfs.INFER_COST(" 175e9 ", "  A100 ", " 21.3% ", "$2.4025") == udfs.INFER_COST(175e9, "A100", 0.213, 2.4025)
    assert udfs.TRAIN_COST("175,000,000,000", "300B", "tpu-v4", "0.462", 2.03) == udfs.TRAIN_COST(
        175e9, 300e9, "TPU v4", 0.462, 2.03
    )


def test_results_that_overflow_are_errors_not_numbers():
    assert udfs.INFER_COST(175e9, "A100", 5e-324, 2.4).startswith("#VALUE! the result is outside the range")
    assert udfs.TRAIN_COST(1e13, 1e14, "H100", 0.4, 2.0) > 0  # 10T params x 100T tokens is fine
    row = udfs.TRAIN_COST([[1e300, 1e13]], [[1e300, 1e14]], "H100", 0.4, 2.0)
    assert row[0][0].startswith("#VALUE! the result is outside the range") and math.isfinite(row[0][1])


def test_param_count_switches_may_be_ranges():
    both = udfs.PARAM_COUNT([[96], [80]], [[12288], [8192]], [[50257], [32000]], [[2048], [None]],
                            [[None], [28672]], [[None], [64]], [[None], [8]], [[False], [True]],
                            [[True], [False]], [[True], [False]])
    assert both[0][0] == udfs.PARAM_COUNT(96, 12288, 50257, 2048)
    assert both[1][0] == udfs.PARAM_COUNT(80, 8192, 32000, None, 28672, 64, 8, True, False, False)
    assert udfs.PARAM_COUNT(32, 4096, 32000, 0, None, 32, 64) == "#VALUE! n_kv_heads must not exceed n_heads, got 64.0"


def test_every_function_is_upper_snake_and_described_within_255_characters():
    for name, function in FUNCTIONS.items():
        assert name.isupper() and name.replace("_", "").isalnum(), name
        assert 0 < len(function.__doc__) <= 255, name


# ---------------------------------------------------------------- fuzzing: hostile cells of every kind

NAMES = ["GPT-3", "A100", "TPU v4", "p4d.24xlarge", "H100", "Llama-2-70B", "Mixtral-8x7B", "Davinci", "GPT-9", "nope"]
TEXT = ["175B", "80GB", "21.3%", "1.5T", "312 TFLOPS", "3.35TB/s", "1e3", "$2.03", "inference", "training",
        "TRUE", "chips", "memory_bytes", "source", "kv_dim", "-5", "0", "1e999", "nan", "inf", ""]
SPECIAL = [0, 0.0, -0.0, -1, 1, 2, 0.5, 1e308, -1e308, 5e-324, 1e-300, 2.0**53, 10**30, 10**400,
           float("nan"), float("inf"), -float("inf")]

cells_ = st.one_of(
    st.none(),
    st.sampled_from(["", " ", "\t \n"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.sampled_from(SPECIAL),
    st.floats(min_value=1e-3, max_value=1e15).map(repr),
    st.sampled_from(TEXT + NAMES + sorted(EXCEL_ERRORS)),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.text(max_size=8),
)


def _grid(rows, cols):
    return st.lists(st.lists(cells_, min_size=cols, max_size=cols), min_size=rows, max_size=rows)


arguments = st.one_of(
    cells_,
    cells_.map(cell),
    st.tuples(st.integers(1, 3), st.integers(1, 3)).flatmap(lambda shape: _grid(*shape)),
    st.sampled_from([[], [[]], [[1.0, 2.0], [3.0]], [[None, None]]]),
    st.lists(cells_, min_size=1, max_size=3),
)


def _arity(function):
    parameters = inspect.signature(function).parameters.values()
    required = sum(p.default is inspect.Parameter.empty for p in parameters)
    return required, len(parameters)


def _mentions_an_argument(message, function):
    names = list(inspect.signature(function).parameters) + ["result", "ranges"]
    return any(name in message for name in names)


def check_excel_value(value, function, name):
    """A cell Excel can show: a finite number, or an error text naming the argument."""
    if name in ("XLCOST_SPEC", "XLCOST_CATALOG") and isinstance(value, (str, bool)) and not is_error(value):
        return
    if isinstance(value, str):
        assert is_error(value), value
        code, _, message = value.partition(" ")
        assert message, value
        assert _mentions_an_argument(message, function) or message.endswith(f" is {code}"), value
        assert "could not compute" not in message, value
        return
    assert isinstance(value, float) and math.isfinite(value), value


def check_result(result, function, name):
    if isinstance(result, list):
        assert result and all(isinstance(row, list) and len(row) == len(result[0]) for row in result)
        for row in result:
            for value in row:
                check_excel_value(value, function, name)
    else:
        check_excel_value(result, function, name)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@settings(max_examples=90)
@given(data=st.data())
def test_fuzz_every_function_never_raises_and_answers_clearly(name, data):
    function = FUNCTIONS[name]
    required, total = _arity(function)
    n = data.draw(st.integers(required, total), label="arguments")
    args = [data.draw(arguments, label=f"arg{i}") for i in range(n)]
    result = function(*args)
    check_result(result, function, name)
    assert repr(function(*args)) == repr(result)  # deterministic


GOOD = {  # a valid single-cell call of each numeric function
    "FLOPS_PER_TOKEN": [175e9, "training", 96, 12288, 2048],
    "INFER_COST": [175e9, "A100", 0.213, 2.4],
    "TRAIN_COST": [175e9, 300e9, "TPU v4", 0.462, 2.03],
    "GPUS_NEEDED": [175e9, 1000.0, "H100", 0.3, "training", 20],
    "TRAIN_FLOPS": [175e9, 300e9],
    "TRAIN_DAYS": [175e9, 300e9, 1024, "A100", 0.4],
    "TRAIN_UNIT_HOURS": [175e9, 300e9, "TPU v4", 0.462],
    "MFU": [238.3e3, 3.3e12, 6144, "TPU v4"],
    "PARAM_COUNT": [96, 12288, 50257, 2048, 49152, 96, 96, False, True, True],
    "MODEL_MEMORY": [175e9, 20],
    "KV_CACHE": [40, 5120, 2048, 8, 2],
    "DECODE_TOKENS_PER_SECOND": [13e9, "A100", 8, 2, 2048, 819200, 0.5],
    "CHINCHILLA_LOSS": [70e9, 1.4e12],
    "COMPUTE_OPTIMAL_PARAMS": [5.76e23],
    "COMPUTE_OPTIMAL_TOKENS": [5.76e23],
    "WORDS_TO_TOKENS": [2050, 750],
    "QUERY_REVENUE": [2733.0, 0.02],
    "QUERY_COST": [2733.0, 0.02, 0.3, 0.75],
}


@pytest.mark.parametrize("name", sorted(GOOD))
@settings(max_examples=40)
@given(data=st.data())
def test_fuzz_a_bad_element_never_poisons_its_neighbours(name, data):
    function, good = FUNCTIONS[name], GOOD[name]
    position = data.draw(st.integers(0, len(good) - 1), label="argument")
    base = good[position]
    size = data.draw(st.integers(2, 5), label="size")
    bad_at = data.draw(st.integers(0, size - 1), label="bad cell")
    other = data.draw(cells_, label="other value")
    values = [base] * size
    values[bad_at] = other
    as_row = data.draw(st.booleans(), label="as row")
    rng = [values] if as_row else [[v] for v in values]
    result = function(*good[:position], rng, *good[position + 1:])
    assert isinstance(result, list) and len(result) * len(result[0]) == size
    flat = [v for row in result for v in row]
    alone = function(*good)
    other_alone = function(*good[:position], cell(other), *good[position + 1:])
    for i, value in enumerate(flat):
        _same(value, other_alone if i == bad_at else alone)


def _same(value, expected):
    """The cell of a range equals the single-cell call (numbers to rounding: numpy may vectorise pow)."""
    if isinstance(expected, float):
        assert value == pytest.approx(expected, rel=1e-12), (value, expected)
    else:
        assert value == expected


def test_the_worked_example_in_docs_use_in_excel():
    b6 = udfs.INFER_COST(cell("175B"), cell("p4d.24xlarge"), cell("21.3%"), cell(19.22))
    c6 = udfs.INFER_COST(cell("175B"), cell("gcp-tpu-v4"), cell("21.3%"), cell(8.12))
    assert (round(b6, 4), round(c6, 4)) == (0.0035, 0.0034)
    assert (round(b6, 7), round(c6, 7)) == (0.0035148, 0.0033694)
    assert udfs.XLCOST_SPEC("p4d.24xlarge", "peak_flops_per_s") == 2.496e15
    assert udfs.XLCOST_SPEC("gcp-tpu-v4", "peak_flops_per_s") == 1.1e15
    # the article's 1-year rate is the p4d row in force in 2023 (AWS cut p4d prices in June 2025)
    assert udfs.XLCOST_SPEC("p4d.24xlarge", "price_1yr_usd_per_hour", "2023-06-01") == 19.22
    assert udfs.XLCOST_SPEC("gcp-tpu-v4", "price_1yr_usd_per_hour") == 8.12
    # newest on-demand p4d price, $21.957642/h (June 2025): 2 x 175e9 x 1000 / (8 x 312e12 x 0.213) / 3600 x 21.957642
    assert round(udfs.INFER_COST("175B", "p4d.24xlarge", "21.3%"), 4) == 0.0040
    grid = udfs.INFER_COST([["175B"], ["70B"], ["7B"]], "p4d.24xlarge", [[0.1, 0.213, 0.3, 0.462]], 19.22)
    assert len(grid) == 3 and all(len(row) == 4 for row in grid) and round(grid[0][1], 4) == 0.0035
    assert round(udfs.TRAIN_COST("GPT-3", "300B", "TPU v4", 0.462, 2.03)) == 1_398_072
    assert udfs.GPUS_NEEDED("GPT-3", 0, "H100", None, "training") == pytest.approx(3.5e12 / (81559 * 2**20))  # 40.93


def test_a_very_large_range_with_hostile_cells_scattered_through_it():
    rows, cols = 400, 250
    params = [[1e9 * (1 + (i * cols + j) % 97) for j in range(cols)] for i in range(rows)]
    hostile = {(0, 0): None, (7, 13): True, (123, 45): "#N/A", (250, 200): -1.0, (399, 249): "GPT-9",
               (300, 3): float("nan"), (42, 42): dt.date(2024, 1, 1), (1, 249): "70B"}
    for (i, j), value in hostile.items():
        params[i][j] = value
    grid = udfs.INFER_COST(params, "A100", 0.213, 2.4)
    assert len(grid) == rows and all(len(row) == cols for row in grid)
    errors = {(i, j) for i in range(rows) for j in range(cols) if isinstance(grid[i][j], str)}
    assert errors == set(hostile) - {(1, 249)}
    assert grid[1][249] == udfs.INFER_COST(70e9, "A100", 0.213, 2.4)
    assert grid[5][5] == udfs.INFER_COST(params[5][5], "A100", 0.213, 2.4)


def test_the_classic_path_needs_no_xlwings_pro_licence():
    import subprocess

    env = {k: v for k, v in os.environ.items() if k not in ("XLWINGS_ON_SERVER", "XLWINGS_LICENSE_KEY")}
    code = (
        "import sys, xlcost.udfs as u; "
        "assert not u.OFFICEJS and 'xlwings.server' not in sys.modules; "
        "print(round(u.INFER_COST(175e9, 'A100', 0.213, 19.22 / 8), 4))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "0.0035"


def test_a_price_typed_with_a_dollar_sign_is_money_not_a_count():
    # "$19.22" is the p4d 1-year hourly rate of article T4: accepted as a price ...
    assert udfs.INFER_COST(175e9, "p4d.24xlarge", "21.3%", "$19.22") == udfs.INFER_COST(175e9, "p4d.24xlarge", 0.213, 19.22)
    # ... and refused where a count is expected (it used to read as 2.03 parameters)
    assert udfs.FLOPS_PER_TOKEN("$2.03") == "#VALUE! params should be count, not usd, got '$2.03'"
