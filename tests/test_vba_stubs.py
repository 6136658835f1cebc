"""Classic xlwings (Windows): the VBA stubs "Import Functions" writes for ``xlcost.udfs``.

xlwings' own import code (``xlwings.udfs.import_udfs``) runs here in a child process,
with stand-ins for pywin32's COM modules (``pythoncom``, ``pywintypes``,
``win32com.client``) and for the workbook it writes into: the stand-in workbook keeps
the VBA module xlwings imports into it and the ``Application.MacroOptions`` calls that
give Excel's function wizard its descriptions and category. As on Windows,
``xw.func``/``xw.arg`` are xlwings' classic decorators before ``xlcost.udfs`` is imported.
The embedded-code branch (``*.py`` sheets read over COM) is not exercised: the stand-in
workbook reads as falsy there, as xlwings treats a call without a workbook.
"""

import inspect
import json
import re
import subprocess
import sys
import textwrap

import pytest

import xlcost.udfs

NAMES = sorted(xlcost.udfs.__all__)

IMPORT_FUNCTIONS = r'''
import json, sys, types

pythoncom = types.ModuleType("pythoncom")
pythoncom.CoInitialize = lambda: None
pywintypes = types.ModuleType("pywintypes")
class com_error(Exception):
    """pywintypes.com_error"""
pywintypes.com_error = com_error
win32com = types.ModuleType("win32com")
client = types.ModuleType("win32com.client")
def Dispatch(*args):
    raise AssertionError("no COM here: the stand-in workbook must not be dispatched")
client.Dispatch = Dispatch
win32com.client = client
sys.modules.update({"pythoncom": pythoncom, "pywintypes": pywintypes, "win32com": win32com,
                    "win32com.client": client})

import xlwings
import xlwings.udfs as classic

# what xlwings/__init__.py binds on Windows with pywin32
xlwings.func, xlwings.arg, xlwings.ret, xlwings.sub = classic.xlfunc, classic.xlarg, classic.xlret, classic.xlsub

class Components:
    imported = None
    def __call__(self, name):
        raise com_error("no module named " + name)
    def Remove(self, component):
        pass
    def Import(self, path):
        with open(path) as f:
            Components.imported = f.read()

class Application:
    Version = "16.0"
    options = []
    def MacroOptions(self, macro, **kwargs):
        Application.options.append(dict(kwargs, Macro=macro))

class Workbook:
    Name = "calculator.xlsm"
    Application = Application()
    VBProject = types.SimpleNamespace(VBComponents=Components())
    def __bool__(self):
        return False

classic.import_udfs("xlcost.udfs", Workbook())
import xlcost.udfs
print(json.dumps({"vba": Components.imported, "options": Application.options,
                  "registered": sorted(n for n in xlcost.udfs.__all__ if hasattr(getattr(xlcost.udfs, n), "__xlfunc__"))}))
'''

# VBA keywords that cannot name an argument
VBA_RESERVED = set(
    "and as boolean byref byte byval call case const currency date declare dim do double each else elseif empty "
    "end enum eqv erase error event exit false for friend function get global gosub goto if imp implements in "
    "integer is let lib like long loop lset me mod new next not nothing null on option optional or paramarray "
    "preserve private property public raiseevent redim rem resume return rset select set single static step stop "
    "string sub then to true type typeof until variant wend while with xor".split()
)


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(IMPORT_FUNCTIONS)], capture_output=True, text=True, timeout=120,
        cwd=tmp_path_factory.mktemp("vba"),
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["registered"] == NAMES  # every function registered with xlwings' classic decorators
    return out


def _stubs(vba):
    """{function name: (argument list as written, body)} from the VBA module text."""
    vba = vba.replace(" _\n", "")  # VBA line continuations
    found = {}
    for match in re.finditer(r"^Function (\w+)\(([^)]*)\)\n(.*?)^End Function$", vba, re.M | re.S):
        found[match.group(1)] = ([a.strip() for a in match.group(2).split(",") if a.strip()], match.group(3))
    return found


def test_the_module_header_and_a_stub_per_function(imported):
    vba = imported["vba"]
    assert vba.startswith('Attribute VB_Name = "xlwings_udfs"')
    assert sorted(_stubs(vba)) == NAMES
    assert max(len(line) for line in vba.splitlines()) <= 1024  # VBA's line limit


@pytest.mark.parametrize("name", NAMES)
def test_each_stub_marks_exactly_the_python_defaults_optional(imported, name):
    arguments, body = _stubs(imported["vba"])[name]
    parameters = inspect.signature(getattr(xlcost.udfs, name)).parameters.values()
    expected = [("Optional " if p.default is not inspect.Parameter.empty else "") + p.name for p in parameters]
    assert arguments == expected
    for parameter in parameters:
        assert parameter.name.lower() not in VBA_RESERVED, f"{name}: {parameter.name} is a VBA keyword"
    call = f'{name} = XLPy.CallUDF("xlcost.udfs", "{name}", Array({", ".join(p.name for p in parameters)}), '
    assert call + "ThisWorkbook, Application.Caller)" in body


@pytest.mark.parametrize("name", NAMES)
def test_the_function_wizard_gets_the_descriptions_and_the_category(imported, name):
    (options,) = [o for o in imported["options"] if o["Macro"] == f"'calculator.xlsm'!{name}"]
    function = getattr(xlcost.udfs, name)
    assert options["Category"] == "xlcost"
    assert options["Description"] == function.__doc__ and len(function.__doc__) <= 255
    described = options["ArgumentDescriptions"]
    assert len(described) == len(inspect.signature(function).parameters)
    for text in described:
        assert 10 < len(text) <= 255 and not text.startswith("Positional argument"), text
