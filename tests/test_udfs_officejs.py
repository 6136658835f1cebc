"""The Excel functions through xlwings' own Office.js custom-function path.

This is what xlwings Server and xlwings Lite run: ``custom_functions_meta`` builds the
function metadata Excel registers, ``custom_functions_call`` converts a call's
arguments, runs the function and converts the result. The xlwings side is xlwings PRO
(PolyForm Noncommercial for these tests); the core and the classic path never need it.

xlwings picks its decorators when it is imported, from ``XLWINGS_ON_SERVER``; so does
``xlcost.udfs``. Tests in one process may already have imported both in classic mode,
so this module loads its own copy of ``xlcost.udfs`` with the variable set, and
restores the environment afterwards.
"""

import asyncio
import importlib.util
import inspect
import math
import os
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import xlcost.udfs
from _officejs_values import col, error_type, m


def _officejs_udfs():
    saved = {key: os.environ.get(key) for key in ("XLWINGS_ON_SERVER", "XLWINGS_LICENSE_KEY")}
    os.environ["XLWINGS_ON_SERVER"] = "true"
    os.environ["XLWINGS_LICENSE_KEY"] = saved["XLWINGS_LICENSE_KEY"] or "noncommercial"
    try:
        import xlwings as xw
        from xlwings import server

        if "officejs" not in [engine.name for engine in xw.engines]:  # xlwings was imported without a key
            from xlwings.pro import _xlofficejs

            xw.engines.add(xw.Engine(impl=_xlofficejs.engine))
        spec = importlib.util.spec_from_file_location("xlcost._udfs_officejs", xlcost.udfs.__file__)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return module, server, xw


udfs, server, xw = _officejs_udfs()
NAMES = list(udfs.__all__)


def call(name, *args, runtime="1.4"):
    """One Office.js custom-function call: every argument arrives as a 2-D matrix."""
    payload = {
        "client": "Office.js",
        "func_name": name,
        "args": list(args),
        "caller_address": "[Book1]Sheet1!A1",
        "session_id": "s",
        "culture_info_name": "en-US",
        "date_format": "M/d/yyyy",
        "version": xw.__version__,
        "runtime": runtime,
    }
    return asyncio.run(server.custom_functions_call(payload, udfs))



# ---------------------------------------------------------------- metadata


def test_registered_with_the_xlwings_server_decorators():
    assert udfs.OFFICEJS is True
    assert all(hasattr(getattr(udfs, name), "__xlfunc__") for name in NAMES)


def test_metadata_lists_every_function_with_descriptions_under_xlcost():
    meta = server.custom_functions_meta(udfs)
    functions = {f["id"]: f for f in meta["functions"]}
    assert sorted(functions) == sorted(NAMES)
    for name in NAMES:
        entry = functions[name]
        assert entry["name"] == f"XLCOST.{name}"
        assert entry["description"] == getattr(udfs, name).__doc__
        assert 20 < len(entry["description"]) <= 255
        assert "volatile" not in entry["options"]
        signature = inspect.signature(getattr(udfs, name)).parameters
        assert [p["name"] for p in entry["parameters"]] == list(signature)
        for parameter in entry["parameters"]:
            assert not parameter["description"].startswith("Positional argument"), (name, parameter)
            assert 10 < len(parameter["description"]) <= 255, (name, parameter)
            optional = signature[parameter["name"]].default is not inspect.Parameter.empty
            assert parameter.get("optional", False) == optional
            if optional:
                assert parameter["description"].startswith("Optional."), (name, parameter)


# ---------------------------------------------------------------- calls


def test_scalar_and_text_arguments():
    assert round(call("INFER_COST", m(175e9), m("A100"), m(0.213), m(19.22 / 8))[0][0], 4) == 0.0035
    assert round(call("INFER_COST", m(175e9), m("p4d.24xlarge"), m(0.213), m(19.22))[0][0], 4) == 0.0035
    assert round(call("INFER_COST", m("175B"), m("TPU v4"), m(0.213), m(8.12 / 4))[0][0], 4) == 0.0034
    assert round(call("TRAIN_COST", m(175e9), m(300e9), m("TPU v4"), m(0.462), m(2.03))[0][0]) == 1_398_072
    assert round(call("TRAIN_COST", m(540e9), m(780e9), m("TPU v4"), m(0.462), m(2.03))[0][0]) == 11_216_529
    assert call("FLOPS_PER_TOKEN", m("GPT-3")) == [[3.5e11]]
    assert call("FLOPS_PER_TOKEN", m(175e9), m("training")) == [[1.05e12]]
    assert call("GPUS_NEEDED", m(175e9), m(0), m("H100"), m(None), m("training"), m(20)) == [[pytest.approx(3.5e12 / (81559 * 2**20))]]


def test_empty_cells_and_omitted_arguments_take_defaults():
    full = call("INFER_COST", m(175e9), m("A100"), m(0.213), m(2.4))
    assert call("INFER_COST", m(175e9), m("A100"), m(None), m(2.4)) == full
    assert call("INFER_COST", m(175e9), m("A100"), m(""), m(2.4)) == full
    assert call("GPUS_NEEDED", m(175e9), m(0), m("H100"), m(None), m("training"), m(None)) == [[pytest.approx(3.5e12 / (81559 * 2**20))]]
    assert call("KV_CACHE", m(40), m(5120), m(1)) == [[819_200.0]]


def test_ranges_spill_and_broadcast():
    row = call("INFER_COST", m(1e9, 7e9, 175e9), m("A100"), m(0.213), m(2.4))
    assert len(row) == 1 and len(row[0]) == 3
    assert row[0][2] == call("INFER_COST", m(175e9), m("A100"), m(0.213), m(2.4))[0][0]
    grid = call("INFER_COST", col(1e9, "7B", "GPT-3"), m("A100"), m(0.1, 0.2, 0.3, 0.4), m(2.4))
    assert [len(r) for r in grid] == [4, 4, 4]
    for i, params in enumerate((1e9, 7e9, 175e9)):
        for j, utilization in enumerate((0.1, 0.2, 0.3, 0.4)):
            assert grid[i][j] == xlcost.udfs.INFER_COST(params, "A100", utilization, 2.4)


def test_a_bad_element_errors_alone_as_a_real_error_value():
    grid = call("INFER_COST", col(1e9, "GPT-9", 175e9), m("A100"), m(0.1, 1.5, 0.3, True), m(2.4))
    assert [error_type(v) for v in grid[1]] == ["Value"] * 4
    assert error_type(grid[0][1]) == "Num" and error_type(grid[2][1]) == "Num"
    assert error_type(grid[0][3]) == "Value"
    assert grid[0][0] == xlcost.udfs.INFER_COST(1e9, "A100", 0.1, 2.4)
    assert grid[2][2] == xlcost.udfs.INFER_COST(175e9, "A100", 0.3, 2.4)
    column = call("TRAIN_COST", col(175e9, -1, 540e9), m(300e9), m("TPU v4"), m(0.462), m(2.03))
    assert error_type(column[1][0]) == "Num" and isinstance(column[2][0], float)
    assert round(column[0][0]) == 1_398_072


def test_excel_errors_coming_in_go_out_as_themselves():
    na = {"type": "Error", "basicValue": "#N/A", "errorType": "NotAvailable"}
    assert error_type(call("INFER_COST", m(na), m("A100"), m(0.2), m(2.4))[0][0]) == "NotAvailable"
    row = call("INFER_COST", m(1e9, na, 3e9), m("A100"), m(0.2), m(2.4))
    assert error_type(row[0][1]) == "NotAvailable" and isinstance(row[0][0], float)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((m(175e9), m("B9000"), m(0.2), m(2.4)), "hardware: unknown hardware 'B9000'"),
        ((col(1e9, 7e9), m("B9000"), m(0.2), m(2.4)), "hardware: unknown hardware 'B9000'"),
        ((m(175e9), m("A100"), m(1.5), m(2.4)), "utilization must be in (0, 1], got 1.5"),
        ((m(175e9), m("A100"), m(0.2)), "price_per_hour is required"),
        ((m(True), m("A100"), m(0.2), m(2.4)), "params must be a number, not TRUE"),
        ((col(1e9, 7e9, 8e9), m("A100"), col(0.1, 0.2), m(2.4)), "ranges do not fit together"),
        ((m("GPT-9", "GPT-10"), m("A100"), m(0.2), m(2.4)), "params: unknown model 'GPT-9'"),
    ],
)
def test_a_wholly_bad_argument_raises_xlwings_error_with_the_message(args, message):
    with pytest.raises(xw.XlwingsError) as raised:
        call("INFER_COST", *args)
    assert message in str(raised.value)


def test_the_catalog_through_officejs():
    assert call("XLCOST_SPEC", m("H100"), m("memory_bytes")) == [[81559 * 2**20]]  # nvidia-smi: 81,559 MiB
    table = call("XLCOST_CATALOG", m("chips"))
    assert table[0][0] == "name" and "source" in table[0] and len(table) > 5
    assert error_type(call("XLCOST_SPEC", m("p5.48xlarge", "A100"), m("price_usd_per_hour"))[0][1]) == "NotAvailable"


def test_same_answers_as_the_classic_path():
    cases = [
        ("INFER_COST", (175e9, "A100", 0.213, 2.4)),
        ("TRAIN_COST", ("175B", "300B", "TPU v4", "46.2%", 2.03)),
        ("GPUS_NEEDED", ("Mixtral-8x7B", 500, "H100")),
        ("PARAM_COUNT", (80, 8192, 32000, None, 28672, 64, 8, True, False, False)),
        ("QUERY_COST", (2733.3, "Davinci")),
        ("DECODE_TOKENS_PER_SECOND", ("LLaMA-13B", "A6000", 4, 2, 1024, 819200)),
        ("CHINCHILLA_LOSS", ("Chinchilla 70B", "1.4T")),
        ("TRAIN_DAYS", ("GPT-3", "300B", 1024, "A100", 0.45)),
    ]
    for name, args in cases:
        assert call(name, *(m(a) for a in args)) == [[getattr(xlcost.udfs, name)(*args)]], name


# ---------------------------------------------------------------- fuzzing through the real path

CELLS = st.one_of(
    st.none(),
    st.sampled_from(["", " ", "175B", "21.3%", "A100", "p4d.24xlarge", "GPT-3", "training", "nope", "#N/A", "TRUE"]),
    st.floats(allow_nan=False, allow_infinity=False),  # JSON carries no NaN or infinity
    st.integers(min_value=-(10**12), max_value=10**12),
    st.sampled_from([0, -1, 1e308, 5e-324, 0.5, 2]),
    st.booleans(),
    st.just({"type": "Error", "basicValue": "#DIV/0!", "errorType": "Div0"}),
    st.just({"type": "FormattedNumber", "basicValue": 45000.0, "numberFormat": "m/d/yyyy"}),
)
MATRICES = st.tuples(st.integers(1, 3), st.integers(1, 3)).flatmap(
    lambda shape: st.lists(st.lists(CELLS, min_size=shape[1], max_size=shape[1]), min_size=shape[0], max_size=shape[0])
)


@settings(max_examples=300)
@given(data=st.data())
def test_fuzz_the_officejs_path(data):
    name = data.draw(st.sampled_from(NAMES), label="function")
    parameters = inspect.signature(getattr(udfs, name)).parameters.values()
    required = sum(p.default is inspect.Parameter.empty for p in parameters)
    n = data.draw(st.integers(required, len(parameters)), label="arguments")
    args = [data.draw(MATRICES, label=f"arg{i}") for i in range(n)]
    try:
        result = call(name, *args)
    except xw.XlwingsError as error:
        names = [p.name for p in parameters] + ["result", "ranges", "every cell"]
        assert any(word in str(error) for word in names), str(error)
        return
    assert isinstance(result, list) and all(isinstance(row, list) for row in result)
    for row in result:
        for value in row:
            if name in ("XLCOST_SPEC", "XLCOST_CATALOG") and isinstance(value, (str, bool)):
                continue
            assert error_type(value) or (isinstance(value, float) and math.isfinite(value)), value
