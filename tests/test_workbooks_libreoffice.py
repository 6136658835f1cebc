"""The native-formula workbooks recalculated by LibreOffice headless, value by value against the core.

One soffice start for the whole module: the fresh builds and an edited copy are
converted together. Expected values come from the Python core with the template's
inputs (``xlcost.workbook.evaluate``), never from hard-coded numbers.
"""

import math

import openpyxl
import pytest

from _soffice import is_error, recalculate
from xlcost.workbook import build_all, compile_file, templates
from xlcost.workbook.evaluate import evaluate

NATIVE = ("economics_of_llms", "article_audit")
EDITS = {  # workbook -> {defined name: new input}
    "economics_of_llms": {"utilization": 0.5, "train_utilization": 0.3, "cache_hit": 0.5},
    "article_audit": {"t17_users": 2000, "t19_prompt": 2048},
}


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    """{name: (Book, recalculated workbook)} plus edited copies under name + '__edited'."""
    built = tmp_path_factory.mktemp("built")
    build_all(built)
    books = {p.stem: compile_file(p) for p in templates() if p.stem in NATIVE}
    files = [built / f"{name}.xlsx" for name in NATIVE]
    for name, edits in EDITS.items():
        wb = openpyxl.load_workbook(built / f"{name}.xlsx")
        for defined, value in edits.items():
            ref = books[name].names[defined]
            wb[ref.sheet][ref.coordinate] = value
        edited = built / f"{name}__edited.xlsx"
        wb.save(edited)
        files.append(edited)
    outputs = recalculate(files, tmp_path_factory.mktemp("recalculated"))
    return {
        path.stem: (books[path.stem.split("__")[0]], openpyxl.load_workbook(out, data_only=True))
        for path, out in outputs.items()
    }


def _close(got, expected):
    return isinstance(got, (int, float)) and math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-300)


@pytest.mark.parametrize("name", NATIVE)
def test_no_error_value_in_any_cell(recalculated, name):
    _, wb = recalculated[name]
    errors = [f"{ws.title}!{c.coordinate}: {c.value}" for ws in wb for row in ws.iter_rows() for c in row
              if is_error(c.value)]
    assert not errors


@pytest.mark.parametrize("name", NATIVE)
def test_every_audit_status_is_the_expected_one(recalculated, name):
    book, wb = recalculated[name]
    assert book.audits
    wrong = [
        f"{a.table} {a.label}: {wb[a.sheet].cell(a.row, a.status_col).value} (expected {a.expect})"
        for a in book.audits if wb[a.sheet].cell(a.row, a.status_col).value != a.expect
    ]
    assert not wrong


@pytest.mark.parametrize("name", NATIVE)
def test_every_reproduced_value_equals_the_core(recalculated, name):
    book, wb = recalculated[name]
    expected = evaluate(book)
    wrong = [
        f"{ref.sheet}!{ref.coordinate} {ref.name or ''}: LibreOffice {wb[ref.sheet][ref.coordinate].value!r}, "
        f"core {expected[ref]!r}"
        for ref in book.computed if not _close(wb[ref.sheet][ref.coordinate].value, expected[ref])
    ]
    assert not wrong
    assert len(book.computed) > 50


@pytest.mark.parametrize("name", NATIVE)
def test_audit_columns_recompute_from_the_live_cells(recalculated, name):
    book, wb = recalculated[name]
    expected = evaluate(book)
    for audit in book.audits:
        ws = wb[audit.sheet]
        published, recomputed, difference = (ws.cell(audit.row, c).value for c in (2, 4, 5))
        assert published == pytest.approx(audit.published)
        assert _close(recomputed, expected[audit.ref])
        # cached values carry 15 significant digits: the difference of two large numbers is exact to ~1e-9 of them
        assert difference == pytest.approx(recomputed - published, abs=1e-9 * max(abs(published), abs(recomputed), 1e-12))


@pytest.mark.parametrize("name", EDITS)
def test_an_edited_input_changes_its_dependents_to_the_core_values(recalculated, name):
    book, wb = recalculated[name + "__edited"]
    _, original = recalculated[name]
    expected = evaluate(book, overrides=EDITS[name])
    before = evaluate(book)
    changed = 0
    for ref in book.computed:
        got = wb[ref.sheet][ref.coordinate].value
        assert _close(got, expected[ref]), f"{ref.sheet}!{ref.coordinate} {ref.name}: {got!r} != {expected[ref]!r}"
        changed += not math.isclose(expected[ref], before[ref], rel_tol=1e-12)
    assert changed >= 5
    assert not any(is_error(c.value) for ws in wb for row in ws.iter_rows() for c in row)


def test_t4_at_half_utilisation_is_live_and_its_audit_follows(recalculated):
    book, wb = recalculated["economics_of_llms__edited"]
    from xlcost import core

    ref = book.names["cost_per_1k_p4"]
    assert wb[ref.sheet][ref.coordinate].value == pytest.approx(
        core.inference_cost_usd_per_1k_tokens(175e9, 8 * 312e12, 0.5, 19.22), rel=1e-9
    )
    statuses = {a.label: wb[a.sheet].cell(a.row, a.status_col).value for a in book.audits if a.table == "T4"}
    # the article's $0.0035 no longer matches once utilisation is 50%: the audit is a formula, not a picture
    assert statuses["Inference cost per 1,000 tokens — AWS A100 (P4 instance)"] == "differs"


def test_contents_sheet_counts_the_audit(recalculated):
    book, wb = recalculated["economics_of_llms"]
    ws = wb["Contents"]
    rows = {ws.cell(r, 1).value: [ws.cell(r, c).value for c in (3, 4, 5)] for r in range(1, ws.max_row + 1)}
    differs = sum(a.expect == "differs" for a in book.audits)
    assert rows["Total"] == [len(book.audits), len(book.audits) - differs, differs]

