"""Template arithmetic is Excel's: grammar, floats, error values, limits (issue 20).

The stored value of a template formula is what Excel and LibreOffice compute from the
formula the workbook holds; LibreOffice recalculates random expressions (one workbook,
one conversion) and every value must agree with the stored one.
"""

import math
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from _soffice import is_error, recalculate
from xlcost.cli import main
from xlcost.workbook import build_all, compile_file, expr
from xlcost.workbook.evaluate import evaluate
from xlcost.workbook.expr import ExcelError, TemplateError

_INPUTS = {"xa": 2, "xb": 3, "xc": 2}


def _template(tmp_path, formulas, name="m"):
    """A template with inputs xa, xb, xc and one formula field per entry of ``formulas``."""
    directory = tmp_path / f"templates_{name}"
    directory.mkdir()
    text = f'[workbook]\nfile = "{name}.xlsx"\ntitle = "M"\n[[table]]\nsheet = "Mini"\nid = "T1"\n'
    for key, value in _INPUTS.items():
        text += f'[[table.field]]\nkey = "{key}"\nlabel = "{key}"\nvalue = {value}\n'
    for i, formula in enumerate(formulas):
        text += f"[[table.field]]\nkey = \"f_{i}\"\nlabel = \"f_{i}\"\nformula = '{formula}'\n"
    (directory / f"{name}.toml").write_text(text, encoding="utf-8")
    return directory


def _values(tmp_path, formulas):
    book = compile_file(next(_template(tmp_path, formulas).glob("*.toml")))
    values = evaluate(book)
    return [values[book.names[f"f_{i}"]] for i in range(len(formulas))]


@pytest.mark.parametrize(
    ("formula", "expected"),
    [  # Excel: unary minus binds tighter than ^, ^ groups from the left (the cases)
        ("xa^xb^xc", 64.0), ("-xa^xc", 4.0), ("xb*-xa^xc", 12.0), ("-2^2", 4.0), ("2^-1", 0.5),
        ("0-xa^xc", -4.0), ("---xa", -2.0), ("2^3^2", 64.0), ("(2^3)^2", 64.0), ("2^(3^2)", 512.0),
        ("9^9^9", 387420489.0**9),  # (9^9)^9, a float: Excel shows 1.97E+77 and never hangs
        ("7/2", 3.5), ("1+2*3-4/8", 6.5), ("xa=2", True), ("xa<>2", False), ('IF(xa>xb,1/0,"no")', "no"),
    ],
)
def test_excel_grammar(tmp_path, formula, expected):
    (value,) = _values(tmp_path, [formula])
    assert value == pytest.approx(expected, rel=1e-12) if isinstance(expected, float) else value == expected
    assert not isinstance(value, int) or isinstance(value, bool)  # numbers are floats, as in Excel


@pytest.mark.parametrize(
    ("formula", "error"),
    [("1/0", "#DIV/0!"), ("xa/(xb-3)", "#DIV/0!"), ("SQRT(-1)", "#NUM!"), ("10^400", "#NUM!"), ("(-8)^(1/3)", "#NUM!"),
     ("LN(0)", "#NUM!"), ("EXP(1000)", "#NUM!"), ("0^-1", "#DIV/0!"), ('"a"*2', "#VALUE!"), ("1/0+SQRT(-1)", "#DIV/0!"),
     ("MAX(1,1/0)", "#DIV/0!"), ("1E308*10", "#NUM!")],
)
def test_excel_error_values(tmp_path, formula, error):
    assert _values(tmp_path, [formula]) == [ExcelError(error)]


@pytest.mark.parametrize(
    ("formula", "message"),
    [("xa*(", "parenthesis open"), ("(1))", "close one that was not opened"), ("xa xb", "cannot read 'xa xb'"),
     ("MAX(1,,2)", "unexpected ','"), ("1e400", "beyond Excel's largest number"), ("f_0+1", "refers to itself"),
     ('WEBSERVICE("http://example.com")', "WEBSERVICE is not a function templates may call"),
     ("(" * 65 + "1" + ")" * 65, "nested deeper than 64"), ("1" + "+1" * 300, "at most 256"),
     ("+".join(["ABS(1)"] * 200), "399 operators and functions"), ("1" + "+1" * 5000, "characters \\(Excel allows 8,192\\)")],
)
def test_malformed_formulas_are_one_line_naming_template_table_and_field(tmp_path, capsys, formula, message):
    directory = _template(tmp_path, [formula])
    with pytest.raises(TemplateError, match=message):
        build_all(tmp_path / "out", template_dir=directory)
    assert main(["build", "--templates", str(directory), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("xlcost: m.toml table T1 field f_0: "), err
    assert not (tmp_path / "out" / "m.xlsx").exists()


def test_deep_unary_minus_and_long_sums_do_not_exhaust_the_stack():
    assert expr.evaluate(expr.parse("-" * 251 + "2"), None) == -2.0
    assert expr.evaluate(expr.parse("1" + "+1" * 250), None) == 251.0
    assert expr.evaluate(expr.parse("2" + "^1" * 200), None) == 2.0


# ---------------------------------------------------------------- against LibreOffice

_LEAVES = st.sampled_from(["xa", "xb", "xc", "1", "2", "3", "0.5", "1.5"])
_EXPRESSIONS = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "^", "^", "^"]), inner).map("".join),
        inner.map(lambda x: "-" + x),
        inner.map(lambda x: f"({x})"),
    ),
    max_leaves=7,
)


@settings(max_examples=1, deadline=None, database=None, phases=[Phase.generate],
          suppress_health_check=list(HealthCheck))
@given(st.lists(_EXPRESSIONS, min_size=150, max_size=150, unique=True))
def test_stored_values_equal_libreoffice_recalculation(tmp_path_factory, formulas):
    """150 random expressions in one workbook, one LibreOffice conversion: each stored value
    (Python's evaluation) equals LibreOffice's recalculation of the formula the cell holds."""
    tmp_path = tmp_path_factory.mktemp("lo")
    (path,) = build_all(tmp_path / "out", template_dir=_template(tmp_path, formulas))
    recalculated = recalculate([path], tmp_path / "recalc")[Path(path)]
    mine, theirs = openpyxl.load_workbook(path, data_only=True), openpyxl.load_workbook(recalculated, data_only=True)
    wrong = []
    for i, formula in enumerate(formulas):
        sheet, cell = mine.defined_names[f"f_{i}"].attr_text.replace("$", "").split("!")
        stored, lo = mine[sheet.strip("'")][cell].value, theirs[sheet.strip("'")][cell].value
        if is_error(stored) or is_error(lo):
            ok = is_error(stored) and is_error(lo)
        else:
            ok = math.isclose(stored, lo, rel_tol=1e-9, abs_tol=1e-300)
        if not ok:
            wrong.append((formula, stored, lo))
    assert not wrong, wrong[:5]


# ---------------------------------------------------------------- data-validation lists

def _with_input(tmp_path, extra):
    directory = tmp_path / "templates_v"
    directory.mkdir()
    (directory / "v.toml").write_text(
        '[workbook]\nfile = "v.xlsx"\ntitle = "V"\n[[table]]\nsheet = "Sheet A"\nid = "T1"\n'
        f'[[table.field]]\nkey = "chip"\nlabel = "Chip"\nvalue = "A100"\n{extra}\n', encoding="utf-8")
    return directory


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("choices_from = \"cmd|' /C calc'!A0\"", "choices_from must name a range"),
        ('choices_from = "=WEBSERVICE(\\"http://example.com\\")"', "choices_from must name a range"),
        ('choices_from = "no_such_range"', "'no_such_range' is not a range of the workbook"),
        ("choices_from = \"'Nowhere'!$A$1:$A$3\"", "names no sheet"),
        ('choices = ["A100", "x\\",\\"=1+1"]', "is not a number or a text without commas, quotes"),
        ('choices = ["A100,H100"]', "without commas"),
        ('choices = [true]', "is not a number or a text"),
        ('choices = ["' + "x" * 300 + '"]', "Excel's list allows 255"),
    ],
)
def test_validation_lists_take_only_ranges_and_plain_literals(tmp_path, extra, message):
    with pytest.raises(TemplateError, match=message) as error:
        build_all(tmp_path / "out", template_dir=_with_input(tmp_path, extra))
    assert str(error.value).startswith("v.toml table T1 field chip: ")
    assert not (tmp_path / "out" / "v.xlsx").exists()


@pytest.mark.parametrize(("extra", "formula1"), [
    ('choices = ["A100", "H100", 2.5]', '"A100,H100,2.5"'),
    ("choices_from = \"'Sheet A'!$A$1:$A$3\"", "'Sheet A'!$A$1:$A$3"),
])
def test_a_plain_list_is_written_as_given(tmp_path, extra, formula1):
    (path,) = build_all(tmp_path / "out", template_dir=_with_input(tmp_path, extra))
    sheets = openpyxl.load_workbook(path).worksheets
    lists = [dv.formula1 for ws in sheets for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert lists == [formula1]
