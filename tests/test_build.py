"""The workbook builder without LibreOffice: templates, formulas, charts, the committed files, safe writing."""

import io
import os
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xlcost import core
from xlcost.workbook import build_all, compile_file, expr, safefile, templates
from xlcost.workbook.expr import TemplateError
from xlcost.workbook.xlsx import FIXED_TIME
from xlcost.errors import XlcostError

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "workbooks"
NAMES = ("article_audit", "calculator", "economics_of_llms", "serving_economics", "training_plan")


@pytest.fixture(scope="module")
def fresh(built_workbooks):
    return built_workbooks


@pytest.fixture(scope="module")
def second(tmp_path_factory):
    """A second build, through the CLI in process, timed: (folder, what it printed, seconds)."""
    import contextlib
    import time

    from xlcost.cli import main

    out = tmp_path_factory.mktemp("second")
    printed = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(printed):
        assert main(["build", "--out", str(out)]) == 0
    return out, printed.getvalue(), time.perf_counter() - start


@pytest.fixture(scope="module")
def books():
    return {p.stem: compile_file(p) for p in templates()}


def _mini(tmp_path, fields, extra=""):
    """A one-table template in its own directory."""
    directory = tmp_path / "templates"
    directory.mkdir(exist_ok=True)
    (directory / "mini.toml").write_text(
        f'[workbook]\nfile = "mini.xlsx"\ntitle = "Mini"\n{extra}\n'
        '[[table]]\nsheet = "Mini"\nid = "M1"\ntitle = "A table"\n' + fields,
        encoding="utf-8",
    )
    return directory


_FIELDS = '''
[[table.field]]
key = "params"
label = "Parameters"
value = 175e9

[[table.field]]
key = "cost"
label = "Training cost"
quantity = "train_cost_usd"
args = { params = "params", tokens = "300e9", peak_flops_per_s = "4*275e12", utilization = "0.462", price_usd_per_hour = "8.12" }
published = 1398072
precision = 1
'''


# ---------------------------------------------------------------- the build as a whole

def test_build_writes_every_template_and_the_cli_prints_the_paths(second):
    """``xlcost build`` prints the paths build_all returns."""
    out, printed, _ = second
    paths = printed.split()
    assert sorted(Path(p).name for p in paths) == [f"{n}.xlsx" for n in NAMES]
    assert all(Path(p).parent == out for p in paths)


def test_two_builds_are_byte_identical_with_fixed_timestamps(fresh, second):
    out = fresh
    again, _, _ = second
    for name in NAMES:
        assert (again / f"{name}.xlsx").read_bytes() == (out / f"{name}.xlsx").read_bytes(), name
    wb = openpyxl.load_workbook(out / "economics_of_llms.xlsx")
    assert wb.properties.created == FIXED_TIME and wb.properties.modified == FIXED_TIME


def _cells(path):
    wb = openpyxl.load_workbook(path)
    cells = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if hasattr(value, "text"):  # array formula
                    value = ("array", value.ref, value.text)
                if value is not None:
                    cells[(ws.title, cell.coordinate)] = value
    names = {n: d.attr_text for n, d in wb.defined_names.items()}
    return wb.sheetnames, cells, names


@pytest.mark.parametrize("name", NAMES)
def test_committed_workbooks_equal_a_fresh_build_cell_by_cell(fresh, name):
    out = fresh
    committed = COMMITTED / f"{name}.xlsx"
    assert committed.exists(), f"{committed} is missing: run `xlcost build`"
    sheets, cells, names = _cells(committed)
    fresh_sheets, fresh_cells, fresh_names = _cells(out / f"{name}.xlsx")
    assert sheets == fresh_sheets
    assert names == fresh_names
    drift = sorted(k for k in set(cells) | set(fresh_cells) if cells.get(k) != fresh_cells.get(k))
    assert not drift, f"{name}: {len(drift)} cells differ from the templates, e.g. {drift[:5]}: run `xlcost build`"


@pytest.mark.parametrize("name", NAMES)
def test_the_data_sheet_is_the_whole_workbook_as_one_tidy_table(fresh, books, name):
    """Issue 19: pandas reads every figure from the Data sheet, each a formula on the cell it reports."""
    pd = pytest.importorskip("pandas")
    out = fresh
    data = pd.read_excel(out / f"{name}.xlsx", sheet_name="Data")
    assert list(data.columns) == ["table", "row", "column", "value", "unit", "source"]
    book = books[name]
    stored = openpyxl.load_workbook(out / f"{name}.xlsx", data_only=True)
    formulas = openpyxl.load_workbook(out / f"{name}.xlsx")["Data"]
    reported = {}  # (sheet, coordinate) -> the Data row's value
    for r in range(2, formulas.max_row + 1):
        quoted, plain, column, row = re.findall(r"(?:'([^']+)'|(\w+))!\$([A-Z]+)\$(\d+)", formulas.cell(r, 4).value)[-1]
        reported[(quoted or plain, f"{column}{row}")] = data.value[r - 2]
    computed = [ref for ref in book.computed if ref.about]
    assert len(computed) >= 0.9 * len(book.computed) and computed
    for ref in computed:
        assert (ref.sheet, ref.coordinate) in reported, f"{name}: {ref.sheet}!{ref.coordinate} {ref.name} not in Data"
        home = stored[ref.sheet][ref.coordinate].value
        got = reported[(ref.sheet, ref.coordinate)]
        if isinstance(home, (int, float)):
            assert got == pytest.approx(home, rel=1e-12), (ref.sheet, ref.coordinate)
        else:
            assert str(got) == str(home) or (pd.isna(got) and home in ("", None)), (ref.sheet, ref.coordinate)
    assert data.unit.notna().any() and data.source.notna().all()


# ---------------------------------------------------------------- formulas

def test_formulas_read_like_the_article(books):
    book = books["economics_of_llms"]
    cell = book.sheets["T5 Training cost"].cells
    ref = book.names["train_cost_gpt3"]
    # the article's arithmetic, inside the guard that shows "invalid input" when an input it reads is not a
    # number within its bounds (issue 19: no silent 0, no raw error value)
    guarded = re.compile(r'=IF\((COUNT\(.*?\)=\d+|AND\(COUNT\(.*?\)=\d+,.*?\)),(.*),"invalid input"\)$')
    assert guarded.match(cell[(ref.row, ref.col)].value).group(2) == (
        "train_flops_per_param*train_params_gpt3*train_tokens_gpt3/(train_chips*train_peak*train_utilization)"
        "/3600*train_price"
    )
    ref = book.names["cost_per_1k_p4"]
    text = book.sheets[ref.sheet].cells[(ref.row, ref.col)].value
    assert guarded.match(text).group(2) == "flops_per_param*params*1000/(chips_p4*peak_p4*utilization)/3600*price_p4"


def test_core_quantities_are_rendered_from_their_excel_pattern(books):
    book = books["economics_of_llms"]
    rendered = [r for r in book.computed if r.quantity]
    assert len({r.quantity for r in rendered}) >= 8
    for ref in rendered:
        assert getattr(core, ref.quantity).excel, ref.quantity


def test_status_is_a_formula_and_known_errors_carry_a_note(books):
    for name in ("economics_of_llms", "article_audit"):
        for audit in books[name].audits:
            status = books[name].sheets[audit.sheet].cells[(audit.row, audit.status_col)].value
            assert status.startswith("=IF(ISNUMBER(D"), status
            if audit.expect == "differs":
                assert audit.note, f"{audit.table} {audit.label}: a known difference needs a note"


def test_expected_differences_are_the_articles_known_errors(books):
    differs = {(a.table, a.label.split(" — ")[0]) for a in books["economics_of_llms"].audits if a.expect == "differs"}
    for table in ("T3", "T8", "T10", "T13"):
        assert any(t == table for t, _ in differs), table
    assert ("T3", "Optimised cost as a share of revenue per query") in differs  # 'about 15%'
    assert ("T10", "Hardware cost (linear depreciation)") in differs  # the 2.3x
    assert ("T13", "Jasper price per 1,000 tokens") in differs  # words/tokens the wrong way round


def test_every_table_of_every_seed_has_a_sheet(books):
    ids = {t[0] for b in books.values() for s in b.sheets.values() for t in s.tables}
    assert {f"T{i}" for i in range(1, 23)} <= ids


@pytest.mark.parametrize(
    ("pattern", "args", "expected"),
    [
        ("{a}/({b}*{c})", {"a": "x+y", "b": "p*q", "c": "u"}, "(x+y)/(p*q*u)"),
        ("6*{p}*{t}", {"p": "a/b", "t": "c-d"}, "6*a/b*(c-d)"),
        ("{n}/{p}^0.34", {"n": "1", "p": "m*k"}, "1/(m*k)^0.34"),
        ("MAX({a},{b})", {"a": "x+y", "b": "x-y"}, "MAX(x+y,x-y)"),
        ("{a}*{b}", {"a": "1e12", "b": "2.5E-3"}, "1000000000000*0.0025"),
        ("{a}", {"a": "3e18"}, "3E+18"),
    ],
)
def test_arguments_are_parenthesised_only_where_needed(pattern, args, expected):
    assert expr.fill(pattern, {k: expr.parse(v) for k, v in args.items()}) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2*params+2*0*0*0", "2*params"),  # forward_flops_per_token with its default 0 attention arguments
        ("2*p*t/(peak*1)", "2*p*t/peak"),
        ("n*(2*d^2+IF(1,2*d,0)+IF(0,3,2)*d*f)", "n*(2*d^2+2*d+2*d*f)"),
        ("a-(b-c)", "a-(b-c)"),
        ("a/(b*c)", "a/(b*c)"),
        ("(a/b)/c", "a/b/c"),
        ('IF(mode="training",x,y)', 'IF(mode="training",x,y)'),
    ],
)
def test_default_arguments_fold_away(text, expected):
    assert expr.simplify(text) == expected


def test_numbers_use_forms_libreoffice_reads():
    assert expr.number(1e12) == "1000000000000"
    assert expr.number(1e18) == "1E+18"
    assert expr.number(2.058e-7) == "2.058E-07"
    assert expr.number(0.213) == "0.213"
    assert expr.number(1e15) == "1E+15"


def test_python_evaluation_matches_the_core(books):
    from xlcost.workbook.evaluate import evaluate

    book = books["economics_of_llms"]
    values = evaluate(book)
    assert values[book.names["train_cost_palm"]] == pytest.approx(11216529, abs=0.5)
    assert values[book.names["cost_per_1k_p4"]] == pytest.approx(
        core.inference_cost_usd_per_1k_tokens(175e9, 8 * 312e12, 0.213, 19.22), rel=1e-12
    )


# ---------------------------------------------------------------- inputs, names, sources

def test_inputs_have_names_formats_sources_and_validation(fresh, books):
    out = fresh
    wb = openpyxl.load_workbook(out / "economics_of_llms.xlsx")
    book = books["economics_of_llms"]
    assumptions = wb["Assumptions"]
    utilization = book.names["mfu_utilization_gpt3"]  # 21.3%: typed once, on the Assumptions sheet
    assert utilization.sheet == "Assumptions"
    assert wb.defined_names["mfu_utilization_gpt3"].attr_text == utilization.address
    peak = book.names["peak_p4"]
    assert assumptions[peak.coordinate].number_format == '#,##0,,,,"T"'
    assert assumptions[utilization.coordinate].number_format == "0.0%"
    source = assumptions.cell(peak.row, 6).value
    assert "article T4" in source and "catalog chips: A100-SXM4-40GB" in source
    validations = {str(dv.sqref): (dv.type, dv.formula1) for dv in assumptions.data_validations.dataValidation}
    assert validations[book.names["flops_per_param"].coordinate] == ("list", '"1,2"')
    assert any(utilization.coordinate in k and v[0] == "decimal" for k, v in validations.items())
    # the tables show links to the typed cell
    t4 = wb["T4 Inference cost"]
    cost = book.names["cost_per_1k_p4"]
    links = [str(t4.cell(r, cost.col).value) for r in range(1, cost.row)]
    assert any(v.endswith(',mfu_utilization_gpt3,"invalid input")') for v in links), links  # guarded link
    audit = openpyxl.load_workbook(out / "article_audit.xlsx")
    t16 = compile_file(next(p for p in templates() if p.stem == "article_audit")).names["t16_per_request"]
    assert audit[t16.sheet][t16.coordinate].number_format == "0.00E+00"


# ---------------------------------------------------------------- charts

def _chart_refs(chart):
    refs = []
    for series in chart.series:
        if series.val is not None:
            refs.append((series.val.numRef.f, (series.cat.numRef or series.cat.strRef).f if series.cat else None))
        else:
            refs.append((series.yVal.numRef.f, series.xVal.numRef.f))
    return refs


def _area(sheet, area):
    r1, c1, r2, c2 = area
    from openpyxl.utils import get_column_letter, quote_sheetname

    first, last = f"${get_column_letter(c1)}${r1}", f"${get_column_letter(c2)}${r2}"
    return f"{quote_sheetname(sheet)}!{first}" + (f":{last}" if first != last else "")


@pytest.mark.parametrize("name", ["economics_of_llms"])
def test_charts_exist_and_reference_the_right_ranges(fresh, books, name):
    out = fresh
    wb = openpyxl.load_workbook(out / f"{name}.xlsx")
    stored = openpyxl.load_workbook(out / f"{name}.xlsx", data_only=True)
    book = books[name]
    titles = set()
    for sheet in book.sheets.values():
        charts = wb[sheet.name]._charts
        assert len(charts) == len(sheet.charts), sheet.name
        for chart, spec in zip(charts, sheet.charts):
            if chart.title.tx.strRef is not None:  # a title naming a value: the chart shows its live cell
                cell = chart.title.tx.strRef.f.split("!")[1].replace("$", "")
                title = chart.title.tx.strRef.strCache.pt[0].v
                assert wb[sheet.name][cell].data_type == "f" and "TEXT(" in wb[sheet.name][cell].value
                assert stored[sheet.name][cell].value == title
            else:
                title = "".join(r.t for p in chart.title.tx.rich.p for r in (p.r or []))
                assert title == spec.title
            titles.add(title)
            expected = [(_area(sheet.name, area), _area(sheet.name, spec.categories)) for _, area in spec.series]
            assert _chart_refs(chart) == expected, spec.title
    required = ("Training cost by model", "Cost trajectory", "GFLOPS per $", "GFLOPS per watt", "Chinchilla loss")
    for prefix in required:
        assert any(t.startswith(prefix) for t in titles), prefix
    assert "Training cost by model (GCP TPU v4, 46.2% MFU)" in titles  # the article's utilisation (seed 002 T5)


def test_a_chart_title_naming_a_value_follows_an_edit(books):
    from xlcost.workbook.evaluate import cell_values

    book = books["economics_of_llms"]
    sheet = book.sheets["T5 Training cost"]
    (row, col), = [spec.title_cell for spec in sheet.charts if spec.title_cell]
    assert cell_values(book)[(sheet.name, row, col)] == "Training cost by model (GCP TPU v4, 46.2% MFU)"
    edited = cell_values(book, {"mfu_utilization_palm": 0.5})  # PaLM's MFU, typed once (T11), read by T5
    assert edited[(sheet.name, row, col)] == "Training cost by model (GCP TPU v4, 50.0% MFU)"


def test_t5_chart_plots_the_training_cost_row(fresh, books):
    out = fresh
    book = books["economics_of_llms"]
    chart = openpyxl.load_workbook(out / "economics_of_llms.xlsx")["T5 Training cost"]._charts[0]
    first, last = book.names["train_cost_gpt3"], book.names["train_cost_palm"]
    assert chart.series[0].val.numRef.f == f"'T5 Training cost'!${first.coordinate[0]}${first.row}:" \
                                           f"${last.coordinate[0]}${last.row}"


# ---------------------------------------------------------------- safe writing

def test_formula_like_text_is_stored_as_text(tmp_path):
    hostile = ['=HYPERLINK("http://example.com","x")', "+1+1", "-2*3", "@SUM(A1)", "=cmd|' /C calc'!A0"]
    fields = "".join(
        f"\n[[table.field]]\nkey = \"hostile_{i}\"\nlabel = '''{text}'''\nvalue = '''{text}'''\n"
        f"source = '''{text}'''\n"
        for i, text in enumerate(hostile)
    )
    out = tmp_path / "out"
    build_all(out, template_dir=_mini(tmp_path, fields, extra="assumptions = false"))
    ws = openpyxl.load_workbook(out / "mini.xlsx")["Mini"]
    texts = [c for row in ws.iter_rows() for c in row if c.value in hostile]
    assert len(texts) == 3 * len(hostile)  # label, input value and source of each field
    assert all(c.data_type == "s" and c.quotePrefix for c in texts)
    with zipfile.ZipFile(out / "mini.xlsx") as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet2.xml").decode()  # no formula on the table's sheet


def test_outputs_outside_the_target_directory_are_refused(tmp_path):
    for name in ("../escaped.xlsx", "/tmp/absolute.xlsx", "sub/dir.xlsx", "notes.txt"):
        directory = _mini(tmp_path, _FIELDS)
        text = (directory / "mini.toml").read_text().replace('file = "mini.xlsx"', f'file = "{name}"')
        (directory / "mini.toml").write_text(text)
        with pytest.raises(safefile.OverwriteError, match="refusing to write"):
            build_all(tmp_path / "out", template_dir=directory)
    assert not (tmp_path / "escaped.xlsx").exists()


def test_a_symlink_escaping_the_target_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    outside = tmp_path / "outside.xlsx"
    outside.write_bytes(b"precious")
    (out / "mini.xlsx").symlink_to(outside)
    with pytest.raises(safefile.OverwriteError, match="refusing"):
        build_all(out, template_dir=_mini(tmp_path, _FIELDS))
    assert outside.read_bytes() == b"precious"


def test_a_build_killed_midway_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    directory = _mini(tmp_path, _FIELDS)
    out = tmp_path / "out"
    build_all(out, template_dir=directory)
    before = (out / "mini.xlsx").read_bytes()
    (directory / "mini.toml").write_text((directory / "mini.toml").read_text().replace("175e9", "280e9"))

    def half_then_die(handle, data):
        handle.write(data[: len(data) // 2])
        raise KeyboardInterrupt("killed midway")

    monkeypatch.setattr(safefile, "_write_all", half_then_die)
    with pytest.raises(KeyboardInterrupt):
        build_all(out, template_dir=directory)
    assert (out / "mini.xlsx").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["mini.xlsx"]  # the partial temporary file is gone
    monkeypatch.undo()
    build_all(out, template_dir=directory)
    assert (out / "mini.xlsx").read_bytes() != before


_KILL_MIDWAY = """
import os, signal, sys
from xlcost.workbook import build_all, safefile

def half_then_sigkill(handle, data):
    handle.write(data[: len(data) // 2])
    handle.flush()
    os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no finally: as if the machine lost power

safefile._write_all = half_then_sigkill
build_all(sys.argv[1], template_dir=sys.argv[2])
"""


def test_a_build_sigkilled_midway_leaves_the_previous_file_and_the_next_build_cleans_up(tmp_path):
    import signal
    import subprocess
    import sys

    directory = _mini(tmp_path, _FIELDS)
    out = tmp_path / "out"
    build_all(out, template_dir=directory)
    before = (out / "mini.xlsx").read_bytes()
    (directory / "mini.toml").write_text((directory / "mini.toml").read_text().replace("175e9", "280e9"))
    killed = subprocess.run([sys.executable, "-c", _KILL_MIDWAY, str(out), str(directory)], timeout=120)
    assert killed.returncode == -signal.SIGKILL
    assert (out / "mini.xlsx").read_bytes() == before  # the workbook is whole, and still the old one
    (leftover,) = [p for p in out.iterdir() if p.name.endswith(".tmp")]  # the half-written temporary
    os.utime(leftover, (0, 0))  # as if left there by a build long ago
    build_all(out, template_dir=directory)
    assert (out / "mini.xlsx").read_bytes() != before
    assert sorted(p.name for p in out.iterdir()) == ["mini.xlsx"]


def test_an_edited_workbook_is_not_overwritten_without_force(tmp_path):
    directory = _mini(tmp_path, _FIELDS)
    out = tmp_path / "out"
    build_all(out, template_dir=directory)
    path = out / "mini.xlsx"
    params = compile_file(directory / "mini.toml").names["params"]
    cell = params.coordinate
    wb = openpyxl.load_workbook(path)
    wb[params.sheet][cell] = 1e12  # the analyst's edit
    wb.save(path)
    edited = path.read_bytes()
    with pytest.raises(safefile.OverwriteError, match=r"mini\.xlsx was edited after it was built.*--force"):
        build_all(out, template_dir=directory)
    assert path.read_bytes() == edited
    build_all(out, template_dir=directory, force=True)
    rebuilt = openpyxl.load_workbook(path)
    assert rebuilt[params.sheet][cell].value == 175e9
    assert safefile.stored_fingerprint(path) == safefile.fingerprint(path)


@pytest.mark.parametrize("edit", ["comment", "fill", "number format", "validation"])
def test_an_edit_that_changes_no_value_still_blocks_the_overwrite(tmp_path, edit):
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    directory = _mini(tmp_path, _FIELDS)
    out = tmp_path / "out"
    build_all(out, template_dir=directory)
    path = out / "mini.xlsx"
    params = compile_file(directory / "mini.toml").names["params"]
    wb = openpyxl.load_workbook(path)
    cell = wb[params.sheet][params.coordinate]
    if edit == "comment":
        cell.comment = Comment("checked with finance, keep", "analyst")
    elif edit == "fill":
        cell.fill = PatternFill("solid", fgColor="FF0000")
    elif edit == "number format":
        cell.number_format = "0.000E+00"
    else:
        wb[params.sheet].add_data_validation(DataValidation(type="whole", sqref=params.coordinate))
    wb.save(path)
    edited = path.read_bytes()
    with pytest.raises(safefile.OverwriteError, match="edited after it was built"):
        build_all(out, template_dir=directory)
    assert path.read_bytes() == edited


def test_an_unchanged_workbook_is_rebuilt_when_its_template_changes(tmp_path):
    directory = _mini(tmp_path, _FIELDS)
    out = tmp_path / "out"
    build_all(out, template_dir=directory)
    (directory / "mini.toml").write_text((directory / "mini.toml").read_text().replace("175e9", "280e9"))
    build_all(out, template_dir=directory)  # the old file still matches its fingerprint: no force needed
    params = compile_file(directory / "mini.toml").names["params"]
    assert openpyxl.load_workbook(out / "mini.xlsx")[params.sheet][params.coordinate].value == 280e9


def test_a_foreign_file_at_the_target_is_not_overwritten(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    theirs = openpyxl.Workbook()
    theirs.active["A1"] = "someone's own workbook"
    theirs.save(out / "mini.xlsx")
    with pytest.raises(safefile.OverwriteError, match="not written by xlcost build"):
        build_all(out, template_dir=_mini(tmp_path, _FIELDS))
    assert openpyxl.load_workbook(out / "mini.xlsx").active["A1"].value == "someone's own workbook"


_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)


def _hostile_copy(source, target, part, payload):
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as hostile:
        for item in original.infolist():
            data = original.read(item)
            if item.filename == part:
                text = data.decode()
                if text.startswith("<?xml"):
                    text = text[text.index("?>") + 2:]
                data = (payload + text).encode()
            hostile.writestr(item, data)


@pytest.mark.parametrize("part", ["xl/worksheets/sheet2.xml", "docProps/custom.xml"])
def test_a_billion_laughs_workbook_at_the_target_is_refused_unparsed(tmp_path, part):
    directory = _mini(tmp_path, _FIELDS)
    clean = tmp_path / "clean"
    build_all(clean, template_dir=directory)
    out = tmp_path / "out"
    out.mkdir()
    path = out / "mini.xlsx"
    _hostile_copy(clean / "mini.xlsx", path, part, _LAUGHS)
    hostile = path.read_bytes()
    with pytest.raises(safefile.OverwriteError, match=r"mini\.xlsx"):
        build_all(out, template_dir=directory)
    assert path.read_bytes() == hostile
    if part.startswith("docProps"):
        with pytest.raises(ValueError):  # defusedxml's EntitiesForbidden
            safefile.stored_fingerprint(path)
    else:
        with pytest.raises(XlcostError, match="DOCTYPE|entit"):
            safefile.read_workbook(path, read_only=True)


def test_reading_requires_defusedxml(monkeypatch, fresh):
    import openpyxl.xml

    out = fresh
    assert openpyxl.xml.DEFUSEDXML
    monkeypatch.setattr(openpyxl.xml, "DEFUSEDXML", False)
    with pytest.raises(XlcostError, match="defusedxml"):
        safefile.read_workbook(out / "calculator.xlsx")


def test_fingerprint_is_stored_and_sees_every_cell(fresh, tmp_path):
    out = fresh
    path = out / "economics_of_llms.xlsx"
    stored = safefile.stored_fingerprint(path)
    assert stored and stored == safefile.fingerprint(path)
    wb = openpyxl.load_workbook(path)
    wb["T4 Inference cost"]["A1"] = "changed"
    wb.save(tmp_path / "changed.xlsx")
    assert safefile.fingerprint(tmp_path / "changed.xlsx") != stored


# ---------------------------------------------------------------- templates are checked

@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ('\n[[table.field]]\nkey = "a"\nlabel = "A"\nvalue = 1\nvalu = 2\n', "unknown key 'valu'"),
        ('\n[[table.field]]\nkey = "a"\nlabel = "A"\nquantity = "no_such"\n', "no core quantity 'no_such'"),
        ('\n[[table.field]]\nkey = "a"\nlabel = "A"\nformula = "b*2"\n', "'b' is neither a field"),
        ('\n[[table.field]]\nkey = "A1"\nlabel = "A"\nvalue = 1\n', "cannot be an Excel defined name"),
        ('\n[[table.field]]\nkey = "a"\nlabel = "A"\nvalue = 1\n[[table.field]]\nkey = "a"\nlabel = "B"\nvalue = 2\n',
         "key used twice"),
        ('\n[[table.field]]\nkey = "a"\nlabel = "A"\nvalue = 1\npublished = 1\n', "'precision' is required"),
        ('\n[[table.field]]\nkey = "a"\nlabel = "A"\nquantity = "train_cost_usd"\nargs = { params = "1" }\n',
         "needs argument 'tokens'"),
        ('items = [{ key = "a1", label = "A1", m = 1 }, { key = "a2", label = "A2" }]\n'
         '[[table.field]]\nkey = "m"\nlabel = "M"\n', "a value in every item \\(missing in a2"),
        ('items = [{ key = "a1", label = "A1", q = 1 }]\n[[table.field]]\nkey = "a"\nlabel = "A"\nvalue = 1\n',
         "item a1: unknown key 'q'"),
        ('\n[[table.field]]\nkey = "n"\nlabel = "N"\nreplica = "n_layers"\n', "replica needs a model and a hardware"),
        ('replica = { model = "Llama-2-7B", hardware = "H100-SXM" }\n[[table.field]]\nkey = "n"\nlabel = "N"\n'
         'replica = "n_layerz"\n', "a replica has no 'n_layerz'"),
        ('\n[[table.field]]\ngroup = "nope"\n', "names one \\[\\[group\\]\\]"),
        # LibreOffice reads SUM( as the name "sum" (names ignore case): Err:509 in every cell calling it
        ('\n[[table.field]]\nkey = "sum"\nlabel = "A"\nvalue = 1\n[[table.field]]\nkey = "b"\nlabel = "B"\n'
         'formula = "SUM(sum,1)"\n', "defined name 'sum' is also the function SUM"),
    ],
)
def test_malformed_templates_are_refused_with_the_place(tmp_path, fields, message):
    with pytest.raises(TemplateError, match=message) as error:
        build_all(tmp_path / "out", template_dir=_mini(tmp_path, fields))
    assert "mini.toml" in str(error.value)
    assert not (tmp_path / "out" / "mini.xlsx").exists()


def test_rows_over_catalog_entries_with_per_row_inputs_groups_and_columns(tmp_path):
    """The template format serving_economics uses: items naming replicas, per-row inputs, groups, name@all."""
    from xlcost.workbook.evaluate import evaluate

    fields = (
        'layout = "rows"\n'
        'items = [{ key = "l7", label = "7B", model = "Llama-2-7B", hardware = "H100-SXM", n_units = 1, tokens = 10 },'
        ' { key = "l70", label = "70B", model = "Llama-2-70B", hardware = "H100-SXM", n_units = 4, tokens = 30 }]\n'
        '[[table.field]]\nkey = "tokens"\nlabel = "Tokens"\nsource = "typed per row"\n'
        '[[table.field]]\ngroup = "shape"\n'
        '[[table.field]]\nkey = "mean_layers"\nlabel = "Mean"\nformula = "SUM(layers@all)/COUNT(layers@all)"\n'
        '[[table.field]]\nkey = "tokens_layers"\nlabel = "T x L"\nformula = "tokens*layers"\n'
        '[[group]]\nname = "shape"\n[[group.field]]\nkey = "layers"\nlabel = "Layers"\nreplica = "n_layers"\n'
        '[[group.field]]\nkey = "chips"\nlabel = "Chips"\nreplica = "n_units"\n'
    )
    directory = _mini(tmp_path, fields, extra="assumptions = false")
    book = compile_file(directory / "mini.toml")
    values = evaluate(book)
    value = {name: values[ref] for name, ref in book.names.items()}
    # Llama 2: 32 and 80 layers (Touvron et al. 2023, Table 1 / model card)
    assert (value["layers_l7"], value["layers_l70"]) == (32, 80)
    assert (value["chips_l7"], value["chips_l70"]) == (1, 4)
    assert (value["tokens_layers_l7"], value["tokens_layers_l70"]) == (320, 2400)
    assert value["mean_layers_l7"] == value["mean_layers_l70"] == 56
    # per-row inputs stay typed in their rows; the catalog figures say where they come from
    assert book.names["tokens_l7"].sheet == "Mini"
    sources = [c.value for c in book.sheets["Mini"].cells.values() if isinstance(c.value, str)]
    assert any("Llama-2-70B" in text for text in sources)


def test_build_time_is_printed_not_asserted(second, capsys):
    out, _, seconds = second
    with capsys.disabled():
        print(f"\n[benchmark] xlcost build of {len(NAMES)} workbooks: {seconds:.2f} s")
    assert os.listdir(out)


# ---------------------------------------------------------------- stored values and audit kinds

@pytest.mark.parametrize("name", NAMES)
def test_every_formula_cell_is_written_with_a_value(fresh, name):
    import re

    out = fresh
    with zipfile.ZipFile(out / f"{name}.xlsx") as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
    formulas = sum(len(re.findall(r"</f>", xml)) for xml in sheets)
    valueless = sum(len(re.findall(r"</f><v ?/>", xml)) for xml in sheets)
    assert formulas > 20 and valueless == 0


def test_calculator_stores_the_values_xlcosts_functions_give(fresh, books):
    from xlcost import udfs

    out = fresh
    wb = openpyxl.load_workbook(out / "calculator.xlsx", data_only=True)
    book = books["calculator"]
    value = {n: book.names[n].value for n in ("model", "hardware", "utilization_inference", "training_tokens",
                                              "utilization_training")}
    cell = lambda n: wb[book.names[n].sheet][book.names[n].coordinate].value  # noqa: E731
    assert cell("inference_usd_per_1k") == udfs.INFER_COST(value["model"], value["hardware"],
                                                           value["utilization_inference"])
    assert cell("training_cost_usd") == udfs.TRAIN_COST(value["model"], value["training_tokens"], value["hardware"],
                                                        value["utilization_training"])
    # the sensitivity grid stores every cell
    refs, _, _ = book.grids[0]
    assert all(isinstance(wb["Sensitivity"][ref.coordinate].value, float) for line in refs for ref in line)


_KINDS = {  # (table, field label prefix) -> kind: the article's method errors and its not-errors
    ("T6", "Training cost reduction"): "method error",  # drops Chinchilla's 4.7x training tokens
    ("T14", "A100s 'ideally'"): "method error",  # 'about 6,000 A100s' is one day of training
    ("T17", "GPUs"): "method error",  # GPU-seconds per request x requests per hour
    ("T22", "Total"): "method error",  # the per-head formula counts each projection per head
    ("T13", "Jasper price per 1,000 tokens"): "method error",  # words and tokens the wrong way round
    ("T16", "FLOPs per request, L x D x N"): "arithmetic error",  # 1,050 x 1,280 x 96 = 129,024,000
    ("T16", "FLOPs per request, 2N x L"): "method error",  # L x D x N is not a FLOP count
    ("T9", "GFLOPS per watt — H100"): "other source",  # pre-launch 1,000 TFLOPS
    ("T12", "Training days"): "other source",  # the measured run
    ("T19", "Batch where"): "other source",  # read off a measured profile
    ("T3", "Revenue per search"): "rounding",  # divides by the rounded 2.1T
}


def test_audit_kinds_flag_method_errors_and_spare_rounding(books):
    audits = [a for name in ("economics_of_llms", "article_audit") for a in books[name].audits]
    assert {a.kind for a in audits} <= {"matches", "rounding", "arithmetic error", "method error", "other source"}
    for (table, prefix), kind in _KINDS.items():
        found = [a for a in audits if a.table == table and a.label.startswith(prefix)]
        assert found, (table, prefix)
        assert all(a.kind == kind for a in found[:1]), [(a.label, a.kind) for a in found]
    method = [a for a in audits if a.kind == "method error"]
    assert any(a.expect == "matches" for a in method)  # flagged although the arithmetic matches
