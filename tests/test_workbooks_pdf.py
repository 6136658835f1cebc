"""Every shipped workbook printed by LibreOffice to PDF and read back as text (issue 19).

Two renderings, each one soffice start for all workbooks, both at once (module fixture): with Carlito
(Calibri's metrics, the font the workbooks name and size their columns for) and with
LibreOffice's own substitute when Carlito is hidden from fontconfig (a reader without it).
Neither may print ``###`` (a number too wide for its column) or an error value. Page
budgets hold for both: page breaks follow font metrics, and Carlito
has Calibri's, so it paginates as Excel does; the substitute's wider glyphs wrap differently, and every
workbook fits its budget with either.
"""

import os
import re
import shutil
import subprocess
import zipfile

import openpyxl
import pytest

from _soffice import soffice
from xlcost import recalc

PAGES = {"economics_of_llms": 50, "article_audit": 30, "calculator": 30, "serving_economics": 40,
         "training_plan": 40}
SHOWN_ERRORS = ("###", "Err:", "#NAME?", "#VALUE!", "#DIV/0!")
# fontconfig without the crosextra fonts (Carlito): LibreOffice falls back to its default sans
_NO_CARLITO = ('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
               '<include ignore_missing="yes">/etc/fonts/fonts.conf</include><selectfont><rejectfont>'
               '<glob>*/crosextra/*</glob><glob>*Carlito*</glob></rejectfont></selectfont></fontconfig>')
_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\(")


@pytest.fixture(scope="module")
def built(built_workbooks):
    return sorted(built_workbooks.glob("*.xlsx"))


def _start_printing(paths, out, env=None):
    """The soffice process printing ``paths`` to PDF in ``out`` (one start for all of them)."""
    soffice()
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    # a fresh profile with LibreOffice's defaults: no recalculation on load, as a reader opens the file
    command = recalc.convert_command((out / "profile").resolve().as_uri(), out, paths)
    command[command.index("xlsx")] = "pdf"
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)


def _read_printed(process, paths, out):
    """{workbook: (pages, text)} of ``paths`` once ``process`` printed them to PDF in ``out``."""
    _, error = process.communicate(timeout=600)
    assert process.returncode == 0, error
    result = {}
    for path in paths:
        text = subprocess.run(["pdftotext", "-layout", str(out / f"{path.stem}.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout
        result[path.stem] = (text.count("\f"), text)
    return result


@pytest.fixture(scope="module")
def printed(built, tmp_path_factory):
    """{font: {workbook: (pages, text)}}: with Carlito, and with LibreOffice's substitute for it."""
    if not subprocess.run(["fc-list", "Carlito"], capture_output=True, text=True).stdout.strip():
        pytest.fail("Carlito is not installed (Debian: fonts-crosextra-carlito; .ci/run installs it)")
    hidden = tmp_path_factory.mktemp("fonts") / "fonts.conf"
    hidden.write_text(_NO_CARLITO, encoding="utf-8")
    env = dict(os.environ, FONTCONFIG_FILE=str(hidden))
    # both renderings at once (separate profiles): LibreOffice uses about one core each
    outs = {"Carlito": tmp_path_factory.mktemp("pdf-carlito"), "substitute": tmp_path_factory.mktemp("pdf-substitute")}
    processes = {"Carlito": _start_printing(built, outs["Carlito"]),
                 "substitute": _start_printing(built, outs["substitute"], env)}
    return {font: _read_printed(process, built, outs[font]) for font, process in processes.items()}


@pytest.mark.parametrize("font", ["Carlito", "substitute"])
def test_printed_pages_show_no_hashes_and_no_error_values(printed, font):
    shown = {name: {e: text.count(e) for e in SHOWN_ERRORS if e in text} for name, (_, text) in printed[font].items()}
    assert len(shown) >= 4
    assert not any(shown.values()), shown


def _pages(text):
    """[(sheet, [non-blank lines above the footer])] of a printed workbook (the footer names the sheet)."""
    out = []
    for page in text.split("\f")[:-1]:
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        footer = next((i for i in range(len(lines) - 1, -1, -1) if re.search(r"Page \d+ of \d+$", lines[i])), None)
        if footer is not None:
            out.append((re.split(r"\s{2,}", lines[footer])[0], lines[1:footer]))  # line 0: the file name header
    return out


@pytest.mark.parametrize("name", ["economics_of_llms", "article_audit"])
def test_audit_rows_print_under_their_own_header_and_no_title_ends_a_page(printed, name):
    """Issue 19: on a page with audit statuses the audit's header shows (not the table's "Unit" header alone),
    and no audit or table title is the last thing on a page."""
    pages = [(sheet, lines) for sheet, lines in _pages(printed["Carlito"][name][1]) if re.match(r"T\d", sheet)]
    assert len(pages) >= 15
    for number, (sheet, lines) in enumerate(pages):
        statuses = [line for line in lines if re.search(r"\b(matches|differs)\b", line) and "Audit" not in line]
        if statuses:
            assert any(line.startswith("Check") and "Published" in line for line in lines), (name, sheet, number)
        tail = " ".join(lines[-2:])
        assert not re.search(r"Audit T\d+\w*: published vs recomputed|^T\d+\w*\. ", tail), (name, sheet, tail)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_each_workbook_prints_within_its_page_budget(printed, name):
    pages, _ = printed["Carlito"][name]
    assert pages <= PAGES[name], f"{name}: {pages} pages, budget {PAGES[name]}"


@pytest.mark.parametrize("name", sorted(PAGES))
def test_each_workbook_fits_its_budget_with_the_substitute_font_too(printed, name):
    """Issue 19: a reader without Carlito prints within the budgets too (LibreOffice's substitute is wider, so
    it wraps differently; catalog copies are sized by their values as shown, 6.1B, not 6053381344.0)."""
    pages, _ = printed["substitute"][name]
    assert pages <= PAGES[name], f"{name}: {pages} pages, budget {PAGES[name]}"


def test_every_font_in_styles_has_a_name(built):
    for path in built:
        styles = zipfile.ZipFile(path).read("xl/styles.xml").decode()
        fonts = re.findall(r"<font>.*?</font>|<font/>", styles, re.S)
        assert fonts, path.name
        assert all("<name " in font for font in fonts), (path.name, [f for f in fonts if "<name " not in f][:2])


def test_no_defined_name_spells_a_function_a_cell_calls(built):
    """LibreOffice reads INFER_COST( as the name infer_cost when one exists (names ignore case): Err:509."""
    for path in built:
        wb = openpyxl.load_workbook(path)
        names = {name.lower() for name in wb.defined_names}
        calls = {call.lower() for ws in wb.worksheets for row in ws.iter_rows() for cell in row
                 for call in _CALL.findall(str(getattr(cell.value, "text", cell.value) or ""))
                 if cell.data_type == "f"}
        assert calls, path.name
        assert not names & calls, (path.name, sorted(names & calls))


def test_quantities_with_a_readable_unit_are_not_in_scientific_notation():
    """FLOP/s as TFLOP/s, bytes as GB, bytes/s as GB/s wherever the template states the unit; no 0.0000E+00."""
    from xlcost.workbook import compile_file, templates
    from xlcost.workbook.numfmt import number_format

    checked = 0
    for path in templates():
        book = compile_file(path)
        for sheet in book.sheets.values():
            for cell in sheet.cells.values():
                code = number_format(cell.fmt) or ""
                assert "0.0000E" not in code, (path.stem, sheet.name, code)
        for ref in book.inputs + book.computed:
            spec = next((f for t in book.template["table"] for f in t.get("field", [])
                         if f.get("key") and ref.name and ref.where.endswith(f"field {f['key']}")), None)
            if spec and spec.get("unit") in ("FLOP/s", "bytes", "bytes/s"):
                checked += 1
                assert "E+" not in (number_format(spec.get("format")) or ""), (path.stem, ref.name, spec["format"])
    assert checked > 20


@pytest.mark.parametrize("name, label, figure", [
    ("serving_economics", "USD per 1M output tokens", r"\$\d+\.\d{3}"),
    ("calculator", "Inference cost per 1,000 tokens", r"\$\d\.\d{5}"),
    ("economics_of_llms", "Checks where it differs", r"\d+ checks"),
    ("article_audit", "Checks where it differs", r"\d+ checks"),
    ("training_plan", "16,384 x H100 — Days", r"\d+\.\d days"),
])
def test_the_first_printed_page_shows_the_headline(printed, name, label, figure):
    """Issue 19: the figures ``[workbook] headline`` names print on page 1 (Contents), values beside labels."""
    for font in ("Carlito", "substitute"):
        first = printed[font][name][1].split("\f")[0]
        lines = [line for line in first.splitlines() if label in line]
        assert "Headline" in first and lines, (font, name)
        assert any(re.search(figure, line) for line in lines), (font, name, lines)
