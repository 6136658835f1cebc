"""xlcost's Excel functions through the real xlwings Server, over HTTP on 127.0.0.1.

One server per session (module fixture): the ``xlwings-server`` package under uvicorn,
its project's ``custom_functions`` being ``from xlcost.udfs import *`` (see
``tests/_xlwings_server.py``). Checked here: the function metadata Excel registers,
against the Office.js custom-functions rules (Microsoft Learn, "Custom functions naming
and localization" and "Manually create JSON metadata for custom functions"); the
JavaScript the add-in loads; and calls as the add-in posts them.
"""

import inspect
import re
import shutil
import subprocess

import httpx
import pytest
import xlwings

import xlcost.udfs
from _xlwings_server import payload, running_server
from _officejs_values import col, error_type, m

NAMES = sorted(xlcost.udfs.__all__)
NAMESPACE = "XLCOST"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("xlwings_server")) as url:
        with httpx.Client(base_url=url, timeout=60) as client:
            yield client


@pytest.fixture(scope="module")
def meta(server):
    response = server.get("/xlwings/custom-functions-meta")
    assert response.status_code == 200
    return response.json()


def call(server, name, *args, runtime="1.4"):
    """POST one call; (HTTP status, the result or the error text)."""
    body = payload(name, list(args), runtime)
    body["version"] = xlwings.__version__
    response = server.post("/xlwings/custom-functions-call", json=body)
    if response.status_code == 200:
        return 200, response.json()["result"]
    return response.status_code, response.text



# ---------------------------------------------------------------- metadata


def _is_cell_reference(name):
    """A1..XFD1048576 or R1C1 style: Excel would read the name as a cell."""
    a1 = re.fullmatch(r"([A-Z]{1,3})([0-9]+)", name)
    if a1:
        letters = 0
        for ch in a1.group(1):
            letters = letters * 26 + ord(ch) - 64
        return letters <= 16384 and 1 <= int(a1.group(2)) <= 1048576
    return re.fullmatch(r"R[0-9]*C[0-9]*", name) is not None


def test_every_function_is_served_once_under_the_namespace(meta):
    functions = meta["functions"]
    ids = [f["id"] for f in functions]
    assert sorted(ids) == NAMES
    assert len(set(ids)) == len(ids)
    assert len({f["name"] for f in functions}) == len(functions)
    for entry in functions:
        assert entry["name"] == f"{NAMESPACE}.{entry['id']}"


@pytest.mark.parametrize("name", NAMES)
def test_metadata_follows_the_office_js_rules(meta, name):
    entry = next(f for f in meta["functions"] if f["id"] == name)
    # id: starts with a letter, at least three characters, only A-Z, 0-9, underscore, period
    assert re.fullmatch(r"[A-Z][A-Z0-9_.]{2,}", entry["id"]), entry["id"]
    # name: starts with a letter, at least three characters, letters, underscore, period
    assert re.fullmatch(r"[^\W\d_][^\W\d]{2,}", entry["name"].replace(".", "_")), entry["name"]
    assert not _is_cell_reference(entry["id"]), entry["id"]
    assert 0 < len(entry["description"]) <= 255
    assert entry["result"]["dimensionality"] == "matrix"  # results spill
    assert not entry["options"].get("volatile") and not entry["options"].get("stream")

    signature = inspect.signature(getattr(xlcost.udfs, name)).parameters
    parameters = entry["parameters"]
    assert [p["name"] for p in parameters] == list(signature)
    seen_optional = False
    for parameter in parameters:
        python_default = signature[parameter["name"]].default is not inspect.Parameter.empty
        assert parameter.get("optional", False) is python_default, parameter
        assert not (seen_optional and not python_default), f"{name}: required {parameter['name']} after an optional"
        seen_optional |= python_default
        assert parameter["dimensionality"] == "matrix", parameter  # any argument may be a range
        assert parameter["type"] in ("number", "string", "boolean", "any")
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", parameter["name"])
        assert 0 < len(parameter["description"]) <= 255, parameter


def test_the_served_javascript_associates_every_function(server):
    code = server.get("/xlwings/custom-functions-code")
    assert code.status_code == 200 and "javascript" in code.headers["content-type"]
    for name in NAMES:
        assert f'CustomFunctions.associate("{name}", {name});' in code.text


def test_the_served_javascript_parses(server, tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the JavaScript syntax check needs it")
    script = tmp_path / "custom-functions-code.js"
    script.write_text(server.get("/xlwings/custom-functions-code").text, encoding="utf-8")
    checked = subprocess.run([node, "--check", str(script)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr


def test_excel_shows_the_functions_under_the_manifest_namespace(server):
    # `xlwings-server init` writes XLWINGS_ENVIRONMENT="dev": namespace XLWINGS_DEV, so
    # Excel shows =XLWINGS_DEV.XLCOST.INFER_COST (README, xlwings Server step 3)
    manifest = server.get("/manifest")
    assert manifest.status_code == 200
    assert '<bt:String id="Functions.Namespace" DefaultValue="XLWINGS_DEV" />' in manifest.text
    assert '<Namespace resid="Functions.Namespace" />' in manifest.text


# ---------------------------------------------------------------- calls


def test_scalars(server):
    # article T4: 2 x 175e9 FLOPs x 1,000 tokens / (312e12 FLOP/s x 0.213) / 3600 s/h x $19.22/8 = $0.0035
    status, result = call(server, "INFER_COST", m(175e9), m("A100"), m(0.213), m(19.22 / 8))
    assert status == 200 and round(result[0][0], 4) == 0.0035
    # article T5: 6 x 175e9 x 300e9 FLOPs / (275e12 FLOP/s x 0.462) / 3600 s/h x $2.03 = $1,398,072
    status, result = call(server, "TRAIN_COST", m("175B"), m("300B"), m("TPU v4"), m("46.2%"), m(2.03))
    assert status == 200 and round(result[0][0]) == 1_398_072


def test_a_spill_equals_the_classic_functions_cell_by_cell(server):
    params, utilizations = (1e9, "7B", "GPT-3"), (0.1, 0.2, 0.3, 0.4)
    status, grid = call(server, "INFER_COST", col(*params), m("A100"), m(*utilizations), m(2.4))
    assert status == 200 and [len(row) for row in grid] == [4, 4, 4]
    for i, p in enumerate(params):
        for j, u in enumerate(utilizations):
            assert grid[i][j] == xlcost.udfs.INFER_COST(p, "A100", u, 2.4)
    # 2 x 1e9 x 1,000 / (312e12 x 0.1) / 3600 x 2.4 = 4.2735e-05 USD
    assert grid[0][0] == pytest.approx(2e12 / 31.2e12 / 3600 * 2.4, rel=1e-12)


def test_a_bad_cell_in_a_range_errors_alone(server):
    status, column = call(server, "INFER_COST", col(1e9, "GPT-9", 175e9), m("A100"), m(0.213), m(2.4))
    assert status == 200
    assert error_type(column[1][0]) == "Value"
    assert column[0][0] == xlcost.udfs.INFER_COST(1e9, "A100", 0.213, 2.4)
    assert column[2][0] == xlcost.udfs.INFER_COST(175e9, "A100", 0.213, 2.4)


def test_on_runtime_1_3_xlwings_returns_a_bad_cell_as_text(server):
    # custom-functions runtime 1.2/1.3 has no error values in arrays: xlwings sends the code as text
    status, column = call(server, "INFER_COST", col(1e9, -5), m("A100"), m(0.213), m(2.4), runtime="1.3")
    assert status == 200 and column[1][0] == "#NUM!" and isinstance(column[0][0], float)


def test_an_error_value_argument_comes_back_as_itself(server):
    na = {"type": "Error", "basicValue": "#N/A", "errorType": "NotAvailable"}
    status, result = call(server, "INFER_COST", m(na), m("A100"), m(0.2), m(2.4))
    assert status == 200 and error_type(result[0][0]) == "NotAvailable"
    status, row = call(server, "TRAIN_FLOPS", m(1e9, na), m(300e9))
    assert status == 200 and row[0][0] == 6 * 1e9 * 300e9 and error_type(row[0][1]) == "NotAvailable"


def test_a_date_cell_arrives_as_its_serial_number(server):
    # Excel sends a date cell to an Office.js function as a plain number (2023-03-15 = 45000)
    status, result = call(server, "TRAIN_FLOPS", m(45000), m(1))
    assert status == 200 and result == [[6 * 45000.0]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((m(175e9), m("B9000"), m(0.2), m(2.4)), "hardware: unknown hardware 'B9000'"),
        ((m(175e9), m("A100"), m(1.5), m(2.4)), "utilization must be in (0, 1], got 1.5"),
        ((col(1e9, 7e9, 8e9), m("A100"), col(0.1, 0.2), m(2.4)), "ranges do not fit together"),
        ((m("GPT-9", "GPT-10"), m("A100"), m(0.2), m(2.4)), "params: unknown model 'GPT-9'"),
    ],
)
def test_a_whole_call_error_is_http_400_with_the_message(server, args, message):
    # the add-in shows a 400's text as the cell's #VALUE! tooltip, and does not retry it
    status, text = call(server, "INFER_COST", *args)
    assert status == 400 and message in text and "Traceback" not in text


# ---------------------------------------------------------------- load: big calls, small calls, oversized requests

def test_a_scalar_answers_while_a_million_cell_call_computes(server):
    """xlcost.server runs each call on a worker thread: a 1,000 x 1,000 range does not hold a scalar."""
    import threading
    import time

    big = payload("TRAIN_FLOPS", [[[1e9 + i + j for j in range(1000)] for i in range(1000)], m(300e9)])
    done = {}

    def send_big():
        with httpx.Client(base_url=str(server.base_url), timeout=300) as client:
            done["big"] = client.post("/xlwings/custom-functions-call", json=big)

    thread = threading.Thread(target=send_big)
    thread.start()
    time.sleep(1.0)  # the big request is being read and computed
    started = time.perf_counter()
    status, result = call(server, "TRAIN_FLOPS", m(175e9), m(300e9))
    seconds = time.perf_counter() - started
    big_still_running = thread.is_alive()
    thread.join()
    assert status == 200 and result[0][0] == 3.15e23  # Brown et al. 2020, Table D.1
    assert done["big"].status_code == 200 and len(done["big"].json()["result"]) == 1000
    assert big_still_running, "the big call ended before the scalar was sent: the test proves nothing"
    assert seconds < 1.0, f"the scalar took {seconds:.2f} s beside the big call"


def test_an_oversized_request_is_refused_with_the_limit(server):
    from xlcost.server import MAX_REQUEST_BYTES

    body = b'{"func_name": "TRAIN_FLOPS", "args": [[["' + b"1" * (MAX_REQUEST_BYTES + 1) + b'"]]]}'
    response = server.post("/xlwings/custom-functions-call", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert f"the limit is {MAX_REQUEST_BYTES:,} bytes (XLCOST_MAX_REQUEST_BYTES)" in response.json()["detail"]
