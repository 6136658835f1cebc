"""Print-ready workbooks: page setup on every sheet, readable type, charts on a page, no ##### cells.

The ##### check reads what LibreOffice shows: one soffice start exports every sheet of
every workbook as CSV "as shown" (number formats applied), and each number's text must
fit its column's stored width.
"""

import csv
import subprocess
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import ScatterChart

from _soffice import soffice
from xlcost import recalc

NAMES = ("article_audit", "calculator", "economics_of_llms", "serving_economics", "training_plan")
PAGE_PX = {"landscape": 10.0 * 96, "portrait": 7.5 * 96}  # Letter, 0.5-inch side margins, 96 dpi
DEFAULT_WIDTH = 8.43


@pytest.fixture(scope="module")
def built(built_workbooks):
    return {name: built_workbooks / f"{name}.xlsx" for name in NAMES}


@pytest.fixture(scope="module")
def workbooks(built):
    return {name: openpyxl.load_workbook(path) for name, path in built.items()}


def _sheets(workbooks):
    return [(name, ws) for name, wb in workbooks.items() for ws in wb.worksheets]


def _width(ws, letter):
    dimension = ws.column_dimensions.get(letter)
    return dimension.width if dimension is not None and dimension.width else DEFAULT_WIDTH


def test_every_sheet_has_page_numbers_margins_and_an_orientation(workbooks):
    for name, ws in _sheets(workbooks):
        assert "&P" in ws.oddFooter.right.text and "&N" in ws.oddFooter.right.text, (name, ws.title)
        assert ws.oddFooter.left.text == "&A", (name, ws.title)  # the sheet's name on every page
        assert ws.page_setup.orientation in ("portrait", "landscape"), (name, ws.title)
        assert ws.page_margins.left <= 0.5 and ws.page_margins.right <= 0.5


def test_fit_to_width_only_where_type_stays_at_7_points(workbooks):
    fitted = 0
    for name, ws in _sheets(workbooks):
        # a print area (a rows table's lead columns and source) limits what the page holds
        last = openpyxl.utils.column_index_from_string(ws.print_area.split(":")[-1].lstrip("$").rstrip("0123456789$")) \
            if ws.print_area else ws.max_column
        printed = [c for row in ws.iter_rows(max_col=last) for c in row if c.value is not None]
        used = {c.column_letter for c in printed}
        width_px = sum(_width(ws, letter) * 7 + 5 for letter in used)
        sizes = [c.font.sz or 11 for c in printed]
        page = PAGE_PX[ws.page_setup.orientation]
        if ws.sheet_properties.pageSetUpPr.fitToPage:
            fitted += 1
            assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
            assert min(1.0, page / width_px) * min(sizes) >= 7 - 0.05, (name, ws.title, width_px, min(sizes))
        elif width_px > page * 1.02:
            assert ws.print_title_cols, f"{name} {ws.title}: runs across pages without repeating its names"
    assert fitted >= 10


def test_long_tables_repeat_their_header_rows(workbooks):
    """Tables running over a page repeat their header; one ending on its first page repeats none (issue 19: its
    audit and chart pages printed under the table's header, "Published" under "Unit")."""
    for name, ws in _sheets(workbooks):
        if ws.title in ("Assumptions", "Checks") or ws.title.startswith(("T17", "T19")):
            assert ws.print_title_rows, (name, ws.title)
        if ws.print_title_rows:
            first = int(ws.print_title_rows.split(":")[0].strip("$"))
            assert ws.cell(first, 1).fill.fgColor.rgb.endswith("1F4E78"), (name, ws.title)  # a header row
    for title in ("T4 Inference cost", "T5 Training cost", "T10 H100 training cost"):
        assert not workbooks["economics_of_llms"][title].print_title_rows, title


def test_each_chart_starts_a_page_and_fits_on_it(workbooks):
    charts = 0
    for name, ws in _sheets(workbooks):
        breaks = {b.id for b in ws.row_breaks.brk}
        for chart in ws._charts:
            charts += 1
            row = chart.anchor._from.row + 1  # 0-based in the drawing
            live_title = chart.title is not None and chart.title.tx is not None and chart.title.tx.strRef is not None
            if live_title:  # its title is the cell above it (issue 19: a title naming a value follows the value)
                assert chart.title.tx.strRef.f.endswith(f"$A${row - 1}"), (name, ws.title, chart.title.tx.strRef.f)
                row -= 1
            assert row - 1 in breaks, (name, ws.title, chart.anchor._from.row)
            assert chart.height <= 15 and chart.width <= 24  # cm: within a landscape page
    assert charts >= 8


def test_charts_over_years_have_a_value_axis(workbooks):
    ws = workbooks["economics_of_llms"]["T8-T9 GPU per $ and per W"]
    yearly = [c for c in ws._charts if "launch year" in "".join(
        r.t for p in c.title.tx.rich.p for r in (p.r or []))]
    assert len(yearly) == 2
    for chart in yearly:
        assert isinstance(chart, ScatterChart)  # 2016, 2018, 2020, 2023 spaced as years, not evenly
        assert chart.x_axis.scaling.min <= 2016 and chart.x_axis.scaling.max >= 2023


def test_sources_are_in_cells_not_comments(workbooks):
    for name, ws in _sheets(workbooks):
        assert not [c.coordinate for row in ws.iter_rows() for c in row if c.comment], (name, ws.title)
    for title in ("T1 API prices", "T8-T9 GPU per $ and per W"):
        texts = [c.value for row in workbooks["economics_of_llms"][title].iter_rows() for c in row
                 if isinstance(c.value, str)]
        assert any(t.startswith("Sources — ") and "article T" in t for t in texts), title


@pytest.fixture(scope="module")
def shown(built, tmp_path_factory):
    """{(workbook, sheet): rows of cell text as LibreOffice shows it}, from one soffice start."""
    soffice()
    out = tmp_path_factory.mktemp("csv")
    profile = recalc.write_profile(tmp_path_factory.mktemp("profile"))
    command = recalc.convert_command(profile, out, list(built.values()))
    command[command.index("xlsx")] = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    result = {}
    for name, path in built.items():
        for sheet in openpyxl.load_workbook(path, read_only=True).sheetnames:
            with open(out / f"{name}-{sheet}.csv", encoding="utf-8", newline="") as handle:
                result[(name, sheet)] = list(csv.reader(handle))
    return result


def test_no_number_shows_hashes_at_its_stored_width(workbooks, built, shown):
    checked, wrong = 0, []
    for name, wb in workbooks.items():
        values = openpyxl.load_workbook(built[name], data_only=True)
        for ws in wb.worksheets:
            merged = {c for area in ws.merged_cells.ranges for row in area.cells for c in [row]}
            rows = shown[(name, ws.title)]
            for row in ws.iter_rows():
                for cell in row:
                    value = values[ws.title][cell.coordinate].value
                    if not isinstance(value, (int, float)) or isinstance(value, bool) or (cell.row, cell.column) in merged:
                        continue
                    text = rows[cell.row - 1][cell.column - 1]
                    checked += 1
                    if len(text) + 1 > _width(ws, cell.column_letter):
                        wrong.append(f"{name} {ws.title}!{cell.coordinate}: {text!r} in width {_width(ws, cell.column_letter)}")
    assert checked > 1000
    assert not wrong, wrong[:10]


def test_long_text_wraps_instead_of_running_off(workbooks, shown):
    """Text too long for its column wraps (or sits in a merged row across the table), never runs off the page."""
    wrong = []
    for name, wb in workbooks.items():
        for ws in wb.worksheets:
            merged = {}
            for area in ws.merged_cells.ranges:
                merged[(area.min_row, area.min_col)] = sum(
                    _width(ws, openpyxl.utils.get_column_letter(c)) for c in range(area.min_col, area.max_col + 1))
            for row in ws.iter_rows():
                for cell in row:
                    if not isinstance(cell.value, str) or cell.data_type == "f" or cell.alignment.wrap_text:
                        continue
                    room = merged.get((cell.row, cell.column), _width(ws, cell.column_letter))
                    right = ws.cell(cell.row, cell.column + 1).value
                    if len(cell.value) > room * 1.2 + 2 and right is not None:
                        wrong.append(f"{name} {ws.title}!{cell.coordinate}: {cell.value[:40]!r}")
    assert not wrong, wrong[:10]
