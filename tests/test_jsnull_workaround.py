"""The guarded workaround for xlwings' per-cell ``from pyodide.ffi import JsNull``.

Each case runs in a fresh interpreter in Office.js mode (XLWINGS_ON_SERVER=true and the
noncommercial key, in the child's environment only): on ordinary Python xlcost replaces
xlwings' check; where ``pyodide.ffi.JsNull`` imports (xlwings Lite, simulated here by a
stand-in ``pyodide`` package on the path) xlwings' check stays and a ``JsNull`` cell
still reads as an empty cell.
"""

import json
import os
import subprocess
import sys
import textwrap

CALL = """
import asyncio, json, xlwings, xlwings.server, xlwings.utils
from xlwings.pro import _xlofficejs
import xlcost.udfs as udfs
from xlcost import jsnull_workaround

def call(*args):
    payload = {"client": "Office.js", "func_name": "INFER_COST", "args": list(args),
               "caller_address": "[Book1]Sheet1!A1", "session_id": "s", "culture_info_name": "en-US",
               "date_format": "M/d/yyyy", "version": xlwings.__version__, "runtime": "1.4"}
    return asyncio.run(xlwings.server.custom_functions_call(payload, udfs))
"""


def _run(code, tmp_path, extra_path=None):
    env = dict(os.environ, XLWINGS_ON_SERVER="true", XLWINGS_LICENSE_KEY="noncommercial")
    if extra_path:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(extra_path), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(CALL) + textwrap.dedent(code)],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_on_ordinary_python_the_check_is_replaced_and_empty_cells_still_take_defaults(tmp_path):
    out = _run(
        """
        replaced = [xlwings.utils.is_jsnull is jsnull_workaround._never_jsnull,
                    _xlofficejs._is_jsnull is jsnull_workaround._never_jsnull]
        empty = call([[175e9]], [["A100"]], [[None]], [[2.4]])
        blank = call([[175e9]], [["A100"]], [[""]], [[2.4]])
        given = call([[175e9]], [["A100"]], [[0.213]], [[2.4]])
        print(json.dumps({"replaced": replaced, "same": empty == blank == given}))
        """,
        tmp_path,
    )
    assert out == {"replaced": [True, True], "same": True}


def test_under_pyodide_xlwings_check_stays_and_a_jsnull_cell_is_an_empty_cell(tmp_path):
    stand_in = tmp_path / "site"
    (stand_in / "pyodide").mkdir(parents=True)
    (stand_in / "pyodide" / "__init__.py").write_text("")
    (stand_in / "pyodide" / "ffi.py").write_text("class JsNull:\n    'Stand-in for Pyodide >= 0.28 JS null.'\n")
    out = _run(
        """
        from pyodide.ffi import JsNull
        kept = xlwings.utils.is_jsnull is not jsnull_workaround._never_jsnull
        with_null = call([[175e9]], [["A100"]], [[JsNull()]], [[2.4]])
        with_default = call([[175e9]], [["A100"]], [[0.213]], [[2.4]])
        print(json.dumps({"kept": kept, "again": jsnull_workaround.skip_jsnull_import_retries(),
                          "null_is_empty": with_null == with_default}))
        """,
        tmp_path,
        extra_path=stand_in,
    )
    assert out == {"kept": True, "again": False, "null_is_empty": True}
