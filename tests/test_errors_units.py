"""Bad inputs raise precise exceptions that name the argument; unit strings parse or fail clearly.

The hierarchy is XlcostError (a ValueError) > InputError > UnitError, plus ResultError
and UnknownNameError (also a LookupError). Only xlcost.udfs turns these into cell errors.
"""

import math

import numpy as np
import pytest

import xlcost
from xlcost import catalog
from xlcost.errors import InputError, ResultError, UnitError, UnknownNameError, XlcostError
from xlcost.units import parse_quantity

GOOD_TRAIN = dict(params=175e9, tokens=300e9, peak_flops_per_s=275e12, utilization=0.462, price_usd_per_hour=2.03)


# ---------------------------------------------------------------- core: bad arguments
@pytest.mark.parametrize(
    "argument, value, problem",
    [
        ("params", -175e9, "must be a finite number > 0"),
        ("params", 0, "must be a finite number > 0"),
        ("params", math.nan, "must be a finite number > 0"),
        ("tokens", math.inf, "must be a finite number > 0"),
        ("peak_flops_per_s", -1, "must be a finite number > 0"),
        ("utilization", 0, "must be in (0, 1]"),
        ("utilization", 1.5, "must be in (0, 1]"),
        ("utilization", -0.2, "must be in (0, 1]"),
        ("utilization", math.nan, "must be in (0, 1]"),
        ("utilization", math.inf, "must be in (0, 1]"),
        ("price_usd_per_hour", -2.03, "must be a finite number >= 0"),
        ("price_usd_per_hour", math.nan, "must be a finite number >= 0"),
    ],
)
def test_train_cost_bad_argument_is_named(argument, value, problem):
    with pytest.raises(InputError) as caught:
        xlcost.train_cost_usd(**{**GOOD_TRAIN, argument: value})
    error = caught.value
    assert error.argument == argument
    assert str(error).startswith(f"{argument} {problem}, got ")
    assert not isinstance(error, UnitError)


def test_utilization_message_reads_as_designed():
    with pytest.raises(InputError, match=r"^utilization must be in \(0, 1\], got 1\.5$"):
        xlcost.inference_cost_usd_per_1k_tokens(175e9, 8 * 312e12, 1.5, 19.22)


def test_one_bad_element_of_an_array_names_the_argument_and_the_value():
    with pytest.raises(InputError, match=r"^params must be a finite number > 0, got -1\.0$"):
        xlcost.train_cost_usd(np.array([1e9, -1.0, 2e9]), 300e9, 275e12, 0.462, 2.03)
    with pytest.raises(InputError, match="utilization .* got 2.0"):
        xlcost.train_cost_usd(175e9, 300e9, 275e12, [0.5, 2.0], 2.03)


@pytest.mark.parametrize(
    "call, argument",
    [
        (lambda: xlcost.serving_cost_usd(0.375, 1.0, 0.75), "cache_hit_rate"),  # must be in [0, 1)
        (lambda: xlcost.serving_cost_usd(0.375, 0.3, -0.1), "gross_margin"),
        (lambda: xlcost.serving_cost_usd(-1, 0.3, 0.75), "revenue_usd"),
        (lambda: xlcost.duty_cycle(0, 10), "busy"),
        (lambda: xlcost.duty_cycle(30, -10), "idle"),
        (lambda: xlcost.words_to_tokens(-50), "words"),
        (lambda: xlcost.usd_per_1k_tokens_from_words(82, 0), "words"),
        (lambda: xlcost.kv_cache_bytes(40, 5120, -1), "context"),
        (lambda: xlcost.kv_cache_bytes(0, 5120, 1024), "n_layers"),
        (lambda: xlcost.decode_tokens_per_s(13e9, 0, 154.8e12, 768e9), "batch"),
        (lambda: xlcost.decode_tokens_per_s(13e9, 1, 154.8e12, 0), "memory_bandwidth_bytes_per_s"),
        (lambda: xlcost.prefill_seconds(13e9, 1024, 154.8e12, utilization=0), "utilization"),
        (lambda: xlcost.mfu(238.3e3, 3.28e12, 0, 275e12), "n_units"),
        (lambda: xlcost.units_for_memory(175e9, 20, -80e9), "memory_bytes"),
        (lambda: xlcost.units_for_compute(175e9, -1, 312e12, 0.5), "tokens_per_s"),
        (lambda: xlcost.units_needed(12.9e9, 10, 312e12, 0.5, 80e9, memory_params=-1), "memory_params"),
        (lambda: xlcost.training_days(175e9, 300e9, 0, 312e12, 0.5), "n_units"),
        (lambda: xlcost.chinchilla_loss(-70e9, 1.4e12), "params"),
        (lambda: xlcost.compute_optimal_params(0), "flops"),
        (lambda: xlcost.transformer_params(96, 12288, 50257, n_heads=96, n_kv_heads=128), "n_kv_heads"),
        (lambda: xlcost.transformer_params(-1, 12288, 50257), "n_layers"),
        (lambda: xlcost.forward_flops_per_token(175e9, n_layers=-96), "n_layers"),
        (lambda: xlcost.flops_per_s_per_watt(312e12, 0), "watts"),
    ],
)
def test_every_core_function_names_its_bad_argument(call, argument):
    with pytest.raises(InputError) as caught:
        call()
    assert caught.value.argument == argument
    assert str(caught.value).startswith(argument + " ")


def test_valid_inputs_that_overflow_together_raise_result_error():
    with pytest.raises(ResultError, match="train_cost_usd") as caught:
        xlcost.train_cost_usd(1e300, 1e300, 275e12, 0.462, 2.03)
    assert not isinstance(caught.value, InputError)


def test_tiny_valid_inputs_give_tiny_results_not_result_error():
    # Underflow toward zero is not an error: the result is a (tiny) finite number.
    assert xlcost.api_cost_usd(1e-310, 0.02) == pytest.approx(2e-315, rel=1e-3)
    assert xlcost.units_needed(1e6, 2.2e-309, 1e11, 1.0, 1e9) == pytest.approx(0.002)


def test_hierarchy():
    assert issubclass(InputError, XlcostError) and issubclass(XlcostError, ValueError)
    assert issubclass(UnitError, InputError)
    assert issubclass(ResultError, XlcostError)
    assert issubclass(UnknownNameError, XlcostError) and issubclass(UnknownNameError, LookupError)


# ---------------------------------------------------------------- catalog: unknown names
@pytest.mark.parametrize(
    "lookup, name, first_suggestion",
    [
        (catalog.hardware, "A1000", "A100-SXM4-40GB"),
        (catalog.hardware, "p4d.24xl", "p4d.24xlarge"),
        (catalog.hardware, "H10", "H100-SXM5-80GB"),
        (catalog.model, "Mixtral-8x9B", "Mixtral-8x7B"),  # 8x22B is in the catalog since issue 9
        (catalog.model, "Lama-2-7B", "Llama-2-7B"),
    ],
)
def test_unknown_name_suggests_the_closest(lookup, name, first_suggestion):
    with pytest.raises(UnknownNameError) as caught:
        lookup(name)
    error = caught.value
    assert error.name == name
    assert error.suggestions[0] == first_suggestion
    assert repr(name) in str(error)
    assert f"closest: {first_suggestion}" in str(error)


def test_unknown_chip_with_no_close_name():
    with pytest.raises(UnknownNameError, match=r"^unknown hardware 'zzzz-9000'$") as caught:
        catalog.hardware("zzzz-9000")
    assert caught.value.suggestions == []


def test_unknown_api_model_is_named():
    with pytest.raises(UnknownNameError, match="unknown API model 'davinchi'; closest: Davinci"):
        catalog.api_price("davinchi")


def test_hardware_lookups_that_cannot_answer_name_the_argument():
    with pytest.raises(InputError) as caught:
        catalog.hardware("A100").peak("fp6")  # no such dtype (fp4 is one; A100 has no fp4 peak)
    assert caught.value.argument == "dtype"
    with pytest.raises(InputError, match="Tesla-P4 has no bf16 peak") as caught:
        catalog.hardware("P4").peak("bf16")
    assert caught.value.argument == "hardware"
    with pytest.raises(InputError, match="is a chip") as caught:
        catalog.hardware("A100").price_usd_per_hour()
    assert caught.value.argument == "price_per_hour"
    with pytest.raises(InputError) as caught:
        catalog.hardware("p4d.24xlarge").price_usd_per_hour("5yr")
    assert caught.value.argument == "term"
    with pytest.raises(InputError) as caught:
        catalog.hardware("p5.48xlarge").price_usd_per_hour("3yr")  # no sourced 3-year price
    assert caught.value.argument == "price_3yr_usd_per_hour"


# ---------------------------------------------------------------- units
@pytest.mark.parametrize(
    "text, expect, value",
    [
        ("175B", "count", 175e9),
        ("1.4T", "count", 1.4e12),
        ("300M", "count", 300e6),
        ("80GB", "bytes", 80e9),
        ("3.35TB/s", "bytes/s", 3.35e12),
        ("312T", "flop/s", 312e12),
        ("21.3%", "fraction", 0.213),
        ("46.2%", "fraction", 0.462),
        ("312 TFLOPS", "flop/s", 312e12),
        ("624 TOPS", "flop/s", 624e12),
        ("80 GiB", "bytes", 80 * 2**30),
        ("768 GB/s", "bytes/s", 768e9),
        ("3640 PF-days", "flops", 3640 * 8.64e19),
        ("3.14e23", "flops", 3.14e23),
        ("1,000", "count", 1000.0),
        ("$19.22", None, 19.22),
        ("  175B ", "count", 175e9),
        ("0.462", "fraction", 0.462),
        ("175", "count", 175.0),
    ],
)
def test_units_parse(text, expect, value):
    assert parse_quantity(text, "x", expect) == pytest.approx(value, rel=1e-15)


def test_percent_is_exact_to_the_printed_digits():
    # 21.3 x 0.01 is 0.21300000000000002 in binary; the parser gives back the float 0.213
    assert parse_quantity("21.3%", "utilization", "fraction") == 0.213


def test_a_bare_suffix_fits_any_dimension():
    for expect in ("count", "flops", "flop/s", "bytes", "bytes/s"):
        assert parse_quantity("312T", "x", expect) == 312e12


@pytest.mark.parametrize(
    "text, message",
    [
        ("1,5", "is not a number or a quantity like 175B"),  # decimal comma: 1.5 or 15?
        ("0,213", "is not a number or a quantity like 175B"),  # a European 0.213, not 213
        ("", "is not a number"),
        ("   ", "is not a number"),
        ("abc", "is not a number"),
        ("1.2.3", "is not a number"),
        ("175 B B", "is not a number"),
        ("nan", "is not a number"),
        ("inf", "is not a number"),
        ("80Gb", "is in bits (b); write bytes as B"),
        ("10 Gb/s", "is in bits"),
        ("12 parsecs", "has an unknown unit 'parsecs'"),
        ("5 furlongs", "has an unknown unit"),
        ("1e400", "is too large to be a number"),
        ("1e308T", "is too large to be a number"),
    ],
)
def test_malformed_or_ambiguous_units_are_clear_errors(text, message):
    with pytest.raises(UnitError) as caught:
        parse_quantity(text, "params", "count")
    error = caught.value
    assert error.argument == "params"
    assert str(error).startswith("params ")
    assert message in str(error)
    assert str(error).endswith(f"got {text!r}")


@pytest.mark.parametrize(
    "text, argument, expect",
    [
        ("80GB", "params", "count"),
        ("3.35TB/s", "memory_bytes", "bytes"),
        ("21.3%", "params", "count"),
        ("312 TFLOPS", "memory_bytes", "bytes"),
        ("$2.03", "params", "count"),  # a price is not a parameter count
        ("$2.03", "tokens", "count"),
    ],
)
def test_a_unit_of_another_dimension_is_refused(text, argument, expect):
    with pytest.raises(UnitError, match=rf"^{argument} should be {expect}, not "):
        parse_quantity(text, argument, expect)


@pytest.mark.parametrize(
    "text, expect, value",
    [
        ("2B", "bytes", 2.0),  # bytes per parameter: 2 bytes, not 2e9
        ("2B", "count", 2e9),  # a parameter count: 2 billion
        ("1 byte", None, None),  # (not a unit: see below)
        ("5.76e23 FLOPs", "flops", 5.76e23),  # a count of FLOPs
        ("312 TFLOPs", "flop/s", 312e12),  # a rate where a rate is expected
        ("5.76e23 FLOP", "flops", 5.76e23),
        ("$2.03", "usd", 2.03),
        ("$1.5M", "usd", 1.5e6),  # a dollar amount with a scale prefix
        ("2.03 USD", "usd", 2.03),
        ("$80GB", "usd", None),  # dollars of gigabytes: refused
    ],
)
def test_units_read_by_the_expected_dimension(text, expect, value):
    if value is None:
        with pytest.raises(UnitError):
            parse_quantity(text, "x", expect)
        return
    assert parse_quantity(text, "x", expect) == pytest.approx(value, rel=1e-15)


@pytest.mark.parametrize("text", ["1.5e", "2E", "3 e"])
def test_an_unfinished_exponent_is_not_exa(text):
    # "1.5e" once read as 1.5 x 10^18 (the E of exa)
    with pytest.raises(UnitError, match="unfinished exponent"):
        parse_quantity(text, "params", "count")


def test_flops_per_second_is_not_a_count_of_flops():
    with pytest.raises(UnitError, match="should be flops, not flop/s"):
        parse_quantity("5.76e23 FLOP/s", "flops", "flops")


# ---------------------------------------------------------------- bad cells of a range, vectorised
def test_every_bad_cell_errors_alone_with_its_own_value():
    from xlcost import udfs

    grid = [[1e9, -1.0, 2e9], [0.0, 3e9, -5.0]]
    got = udfs.INFER_COST(grid, 1e15, 0.5, 1.0)
    # good cells: 2 x params x 1000 / (1e15 x 0.5) / 3600 x $1 per hour
    for (i, j) in [(0, 0), (0, 2), (1, 1)]:
        assert got[i][j] == pytest.approx(2 * grid[i][j] * 1000 / 5e14 / 3600)
    assert got[0][1] == "#VALUE! params must be a finite number > 0, got -1.0"
    assert got[1][0] == "#VALUE! params must be a finite number > 0, got 0.0"
    assert got[1][2] == "#VALUE! params must be a finite number > 0, got -5.0"


def test_bad_cells_of_two_arguments_each_name_their_argument():
    from xlcost import udfs

    params = [[1e9], [-1.0], [1e9]]  # a column
    utilization = [[0.5, 1.5]]  # a row: 1.5 is not a fraction
    got = udfs.INFER_COST(params, 1e15, utilization, 1.0)
    assert isinstance(got[0][0], float) and isinstance(got[2][0], float)
    assert got[1][0].endswith("params must be a finite number > 0, got -1.0")
    assert got[0][1].endswith("utilization must be in (0, 1], got 1.5")
    assert got[1][1].startswith("#VALUE! ") and ("params" in got[1][1] or "utilization" in got[1][1])  # both bad


def test_a_refusal_between_arguments_still_errors_per_cell():
    # n_kv_heads > n_heads is a relation, not one argument's range: evaluate falls back to
    # finding the cells one block at a time, with the same result
    from xlcost import udfs

    got = udfs.PARAM_COUNT(2, 512, 1000, None, None, 8, [[4, 16]])
    assert isinstance(got[0][0], float)
    assert "n_kv_heads must not exceed n_heads" in got[0][1]
