"""calculator.xlsx evaluated by the ``formulas`` engine with xlcost's Excel functions registered.

The workbook's formulas call the UDFs (``=INFER_COST(model, hardware, ...)``); here
each UDF is registered with ``formulas`` through a wrapper that hands it values the
way classic xlwings does (2-D lists, None for empty cells) and returns arrays that
spill. Every formula cell must evaluate, to the core's value for the same inputs.
"""

import logging

import numpy as np
import pytest

formulas = pytest.importorskip("formulas")
udfs = pytest.importorskip("xlcost.udfs")

import schedula as sh  # noqa: E402 - a dependency of formulas
from formulas.ranges import Ranges  # noqa: E402

from xlcost import catalog, core  # noqa: E402
from xlcost.workbook import compile_file, templates  # noqa: E402


def _excel_value(value):
    """A ``formulas`` argument as classic xlwings passes it: 2-D lists, None for empty cells."""
    if isinstance(value, Ranges):
        value = value.value
    if isinstance(value, np.ndarray):
        return [[_excel_value(v) for v in row] for row in value.tolist()]
    if value is sh.EMPTY:
        return None
    return value.item() if isinstance(value, np.generic) else value


def _register():
    functions = formulas.get_functions()
    for name in udfs.__all__:
        function = getattr(udfs, name)

        def call(*args, _function=function):
            result = _function(*(_excel_value(a) for a in args))
            return np.array(result, dtype=object) if isinstance(result, list) else result

        functions[name] = call


@pytest.fixture(scope="module")
def calculator(built_workbooks):
    out = built_workbooks
    _register()
    logging.getLogger("formulas").setLevel(logging.CRITICAL)
    logging.getLogger("schedula").setLevel(logging.CRITICAL)
    model = formulas.ExcelModel().loads(str(out / "calculator.xlsx")).finish()
    solution = model.calculate()
    values = {}
    for key, ranges in solution.items():
        book_sheet, _, cells = key.rpartition("!")
        values[(book_sheet.split("]")[-1].strip("'").upper(), cells.replace("$", "").upper())] = np.asarray(
            getattr(ranges, "value", ranges), dtype=object
        )
    book = compile_file(next(p for p in templates() if p.stem == "calculator"))
    return book, values


def _value(values, ref):
    array = values[(ref.sheet.upper(), ref.coordinate)]
    return array.ravel()[0]


def _input(book, name):
    return book.names[name].value


def test_every_formula_cell_evaluates(calculator):
    book, values = calculator
    assert book.computed, "the calculator has formula cells"
    for ref in book.computed:
        value = _value(values, ref)
        assert not isinstance(value, str) or not value.startswith("#"), f"{ref.name}: {value}"
        assert value is not sh.EMPTY and value is not None, ref.name
    grid = _grid(values, book)
    assert grid.shape == (6, 6)
    assert all(isinstance(v, float) for v in grid.ravel())


def _grid(values, book):
    """The Sensitivity grid as the engine computed it: one INFER_COST call per cell."""
    refs, _, _ = book.grids[0]
    return np.array([[_value(values, ref) for ref in line] for line in refs], dtype=object)


def test_scenario_values_equal_the_core(calculator):
    book, values = calculator
    model = catalog.model(_input(book, "model"))
    unit = catalog.hardware(_input(book, "hardware"))
    params, peak, price = model.params_per_token, unit.peak_flops_per_s, unit.price_usd_per_hour()
    tokens, u_inf, u_train = (_input(book, n) for n in ("training_tokens", "utilization_inference",
                                                          "utilization_training"))
    flops = core.training_flops(params, tokens)
    expected = {
        "params": model.params,
        "token_flops": core.forward_flops_per_token(params),
        "hardware_peak": peak,
        "inference_usd_per_1k": core.inference_cost_usd_per_1k_tokens(params, peak, u_inf, price),
        "serving_units": core.units_needed(params, _input(book, "load_tokens_per_s"), peak, u_inf, unit.memory_bytes,
                                         bytes_per_param=2, flops_per_param=2, memory_params=model.params),
        "weights_memory": core.model_memory_bytes(model.params, 2),
        "kv_per_token": core.kv_cache_bytes(model.n_layers, model.kv_dim, 1),
        "decode_rate": core.decode_tokens_per_s(params, 1, peak, unit.memory_bandwidth_bytes_per_s),
        "training_flops": flops,
        "training_cost_usd": core.train_cost_usd(params, tokens, peak, u_train, price),
        "training_unit_hours": core.unit_hours(flops, peak, u_train),
        "training_days": core.training_days(params, tokens, _input(book, "n_units"), peak, u_train),
        "train_memory": core.model_memory_bytes(model.params, 20),
        "loss": core.chinchilla_loss(model.params, tokens),
        "optimal_params": core.compute_optimal_params(flops),
        "optimal_tokens": core.compute_optimal_tokens(flops),
    }
    for name, value in expected.items():
        assert _value(values, book.names[name]) == pytest.approx(value, rel=1e-9), name


def test_query_and_shape_values_equal_the_core(calculator):
    book, values = calculator
    tokens = core.words_to_tokens(_input(book, "query_words"))
    price = catalog.api_price(_input(book, "query_api"))["price_output_usd_per_1k_tokens"]
    revenue = core.api_cost_usd(tokens, price)
    expected = {
        "query_tokens": tokens,
        "query_revenue_usd": revenue,
        "query_cost_usd": core.serving_cost_usd(revenue, _input(book, "query_cache_hit"), _input(book, "query_margin")),
        "shape_params": core.transformer_params(*(_input(book, f"shape_{n}") for n in ("layers", "d_model", "vocab",
                                                                                         "context"))),
    }
    for name, value in expected.items():
        assert _value(values, book.names[name]) == pytest.approx(value, rel=1e-9), name


def test_the_sensitivity_grid_calls_infer_cost_in_every_cell(calculator):
    """One call per cell (LibreOffice recalculates array formulas on load, so a spilled grid of UDFs
    would print name errors there); each cell equals the core over the two axes."""
    book, values = calculator
    sheet = book.sheets["Sensitivity"]
    assert not any(c.array for c in sheet.cells.values())
    assert sheet.cells[(12, 2)].value == "=INFER_COST($A12,hardware,B$11,price_per_hour)"
    params = np.array([r.value for r in book.inputs if r.sheet == "Sensitivity" and r.col == 1], dtype=float)
    utilization = np.array([r.value for r in book.inputs if r.sheet == "Sensitivity" and r.col > 1], dtype=float)
    unit = catalog.hardware(_input(book, "hardware"))
    expected = core.inference_cost_usd_per_1k_tokens(params[:, None], unit.peak_flops_per_s, utilization[None, :],
                                                     unit.price_usd_per_hour())
    np.testing.assert_allclose(_grid(values, book).astype(float), expected, rtol=1e-9)


def test_dropdowns_come_from_the_catalog_sheet(built_workbooks):
    import openpyxl

    wb = openpyxl.load_workbook(built_workbooks / "calculator.xlsx")
    lists = {dv.formula1 for dv in wb["Assumptions"].data_validations.dataValidation if dv.type == "list"}
    assert {"model_names", "hardware_names"} <= lists  # stored without "=", as the file format wants
    names = wb.defined_names
    assert names["model_names"].attr_text.startswith("'Models'!$A$")
    sheet, area = names["hardware_names"].attr_text.split("!")
    catalog_names = [c.value for row in wb[sheet.strip("'")][area] for c in row]
    assert catalog_names == [r["name"] for t in ("chips", "instances") for r in catalog.table(t).rows]
    conf = wb["xlwings.conf"]
    assert (conf["A1"].value, conf["B1"].value) == ("UDF Modules", "xlcost.udfs")


def test_defaults_are_in_their_lists_and_the_model_list_takes_free_entry(built_workbooks):
    import openpyxl

    wb = openpyxl.load_workbook(built_workbooks / "calculator.xlsx")
    book = compile_file(next(p for p in templates() if p.stem == "calculator"))
    validations = {str(dv.sqref): dv for dv in wb["Assumptions"].data_validations.dataValidation if dv.type == "list"}
    for name, listed in (("model", "model_names"), ("hardware", "hardware_names")):
        ref = book.names[name]
        sheet, area = wb.defined_names[listed].attr_text.split("!")
        options = [c.value for row in wb[sheet.strip("'")][area] for c in row]
        assert ref.value in options, f"default {ref.value!r} is not in {listed}"
        assert validations[ref.coordinate].formula1 == listed
    # the note invites typing a size such as 70B: the list suggests, it does not refuse
    assert validations[book.names["model"].coordinate].showErrorMessage is False
    assert validations[book.names["hardware"].coordinate].showErrorMessage is True
    assert udfs.INFER_COST("70B", "A100", 0.3, 2.0) == pytest.approx(
        core.inference_cost_usd_per_1k_tokens(70e9, catalog.hardware("A100").peak_flops_per_s, 0.3, 2.0), rel=1e-12)


def test_instructions_name_every_function_the_workbook_uses():
    import re

    book = compile_file(next(p for p in templates() if p.stem == "calculator"))
    used = {t.text for r in book.computed if r.tokens for t in r.tokens if t.kind == "func" and t.text in udfs.__all__}
    about = " ".join(book.template["workbook"]["about"])
    listed = set(re.search(r"Names used: ([A-Z_, ]+)\.", about).group(1).split(", "))
    assert used == listed
    assert "Import Functions" in about and ".xlsm" in about and "XLCOST.INFER_COST" in about
