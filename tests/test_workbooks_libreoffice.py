"""The native-formula workbooks recalculated by LibreOffice headless, value by value.

One soffice start for the whole module: the fresh builds, one copy per cross-table
assumption with that assumption edited, a copy with every assumption edited and a copy
with an invalid input are converted together. Expected values come from the Python core
with the template's inputs (``xlcost.workbook.evaluate``), never from hard-coded numbers.
"""

import math

import openpyxl
import pytest

from _soffice import is_error, recalculate
from xlcost.workbook import compile_file, templates
from xlcost.workbook.audit import INVALID, KINDS
from xlcost.workbook.evaluate import evaluate

NATIVE = ("economics_of_llms", "article_audit", "serving_economics", "training_plan")
EDITS = {  # workbook -> {defined name: new input}
    "economics_of_llms": {"mfu_utilization_gpt3": 0.5, "mfu_utilization_palm": 0.3, "cache_hit": 0.5},
    "article_audit": {"t17_users": 2000, "t19_prompt": 2048},
}
ZERO = ("economics_of_llms", "mfu_utilization_gpt3")  # 0% utilisation: an invalid input
# an emptied input and a share typed as text: each shows in its check cell and its tables say "invalid input"
BROKEN = {"economics_of_llms__empty": ("mfu_utilization_gpt3", None),
          "economics_of_llms__text": ("mfu_utilization_gpt3", "21.3%"),
          "serving_economics__empty": ("grid_input_tokens", None),
          "serving_economics__text": ("grid_input_tokens", "1,000")}
# the article's inputs used in several tables, each edited alone in its own copy
ONE_AT_A_TIME = ("mfu_utilization_gpt3", "mfu_utilization_palm", "train_params_gpt3", "api_price_davinci",
                 "words_per_1k_tokens", "gpu_gflops_per_usd_h100", "peak_tpu")


def _edited(value):
    """A new value of the same sort: a share moves a tenth of the way to 1, other numbers grow by 37%."""
    if 0 < value < 1:
        return value + (1 - value) / 10
    if value == 1:  # often a share at its upper bound
        return 0.95
    return value * 1.37 + (1 if float(value).is_integer() else 0) if value else 1


def _numeric_inputs(book):
    return [r for r in book.inputs if r.name and isinstance(r.value, (int, float)) and not isinstance(r.value, bool)]


def _dependent_tables(book, name, base):
    """Tables with a computed cell that moves when assumption ``name`` moves (from the Python rendering)."""
    ref = book.names[name]
    moved = evaluate(book, {name: _edited(ref.value)})
    return {r.table for r in book.computed if moved[r] != base[r]}


@pytest.fixture(scope="module")
def books():
    return {p.stem: compile_file(p) for p in templates() if p.stem in NATIVE}


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory, books, built_workbooks):
    """{stem: (Book, recalculated workbook, built workbook with stored values, overrides)} for every copy."""
    built, copied = built_workbooks, tmp_path_factory.mktemp("edited")
    files = {built / f"{name}.xlsx": (name, name, {}) for name in NATIVE}
    copies = {f"{name}__edits": edits for name, edits in EDITS.items()}
    for name in NATIVE:
        copies[f"{name}__all"] = {r.name: _edited(r.value) for r in _numeric_inputs(books[name])}
    for name in ONE_AT_A_TIME:
        copies[f"economics_of_llms__one__{name}"] = {name: _edited(books["economics_of_llms"].names[name].value)}
    copies[f"{ZERO[0]}__zero"] = {ZERO[1]: 0}
    copies.update({key: {name: value} for key, (name, value) in BROKEN.items()})
    originals = {}  # each workbook loaded once: a copy's edits are undone after it is saved
    for key, edits in copies.items():
        name = key.split("__")[0]
        if name not in originals:
            originals[name] = openpyxl.load_workbook(built / f"{name}.xlsx")
        wb = originals[name]
        cells = [wb[books[name].names[defined].sheet][books[name].names[defined].coordinate] for defined in edits]
        before = [cell.value for cell in cells]
        for cell, value in zip(cells, edits.values()):
            cell.value = value
        wb.save(copied / f"{key}.xlsx")
        for cell, value in zip(cells, before):
            cell.value = value
        files[copied / f"{key}.xlsx"] = (key, name, edits)
    outputs = recalculate(list(files), tmp_path_factory.mktemp("recalculated"), starts=2)
    stored = {name: openpyxl.load_workbook(built / f"{name}.xlsx", data_only=True) for name in NATIVE}
    result = {}
    for path, out in outputs.items():
        key, name, edits = files[path]
        result[key] = (books[name], openpyxl.load_workbook(out, data_only=True), stored[name], edits)
    return result


def _close(got, expected, scale=0.0):
    if got in ("", None) and expected in ("", None):
        return True
    if isinstance(expected, str) or isinstance(got, str):
        return got == expected or (got in ("", None) and expected in ("", None))
    return isinstance(got, (int, float)) and math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-9 * scale + 1e-300)


def _formula_cells(path):
    wb = openpyxl.load_workbook(path)
    return [(ws.title, c.coordinate) for ws in wb for row in ws.iter_rows() for c in row
            if isinstance(c.value, str) and c.value.startswith("=") or hasattr(c.value, "text")]


@pytest.mark.parametrize("name", NATIVE)
def test_every_formula_cell_stores_the_value_libreoffice_recalculates(recalculated, name, built_workbooks):
    book, lo, stored, _ = recalculated[name]
    cells = _formula_cells(built_workbooks / f"{name}.xlsx")
    assert len(cells) > 300
    differences = {(a.sheet, f"E{a.row}"): max(abs(a.published), 1.0) for a in book.audits}
    wrong = [f"{s}!{c}: stored {stored[s][c].value!r}, LibreOffice {lo[s][c].value!r}" for s, c in cells
             if not _close(stored[s][c].value, lo[s][c].value, differences.get((s, c), 0.0))]
    assert not wrong, f"{len(wrong)} of {len(cells)}: {wrong[:5]}"


@pytest.mark.parametrize("name", NATIVE)
def test_no_error_value_in_any_cell(recalculated, name):
    _, wb, _, _ = recalculated[name]
    errors = [f"{ws.title}!{c.coordinate}: {c.value}" for ws in wb for row in ws.iter_rows() for c in row
              if is_error(c.value)]
    assert not errors


@pytest.mark.parametrize("name", NATIVE)
def test_every_audit_status_and_kind_is_the_expected_one(recalculated, name):
    book, wb, _, _ = recalculated[name]
    assert book.audits
    wrong = [
        f"{a.table} {a.label}: {wb[a.sheet].cell(a.row, a.status_col).value} / {wb[a.sheet].cell(a.row, a.kind_col).value}"
        f" (expected {a.expect} / {a.kind})"
        for a in book.audits
        if (wb[a.sheet].cell(a.row, a.status_col).value, wb[a.sheet].cell(a.row, a.kind_col).value) != (a.expect, a.kind)
    ]
    assert not wrong
    assert {wb[a.sheet].cell(a.row, a.kind_col).value for a in book.audits} <= set(KINDS)


@pytest.mark.parametrize("name", NATIVE)
def test_every_reproduced_value_equals_the_core(recalculated, name):
    book, wb, _, _ = recalculated[name]
    expected = evaluate(book)
    wrong = [
        f"{ref.sheet}!{ref.coordinate} {ref.name or ''}: LibreOffice {wb[ref.sheet][ref.coordinate].value!r}, "
        f"core {expected[ref]!r}"
        for ref in book.computed if not _close(wb[ref.sheet][ref.coordinate].value, expected[ref])
    ]
    assert not wrong
    assert len(book.computed) > 50


def _edited_copies(recalculated):
    return [k for k, v in recalculated.items() if v[3] and not k.endswith("__zero") and k not in BROKEN]


def test_every_edited_copy_recalculates_to_the_core_with_the_edits(recalculated):
    checked = 0
    for key in _edited_copies(recalculated):
        book, wb, _, edits = recalculated[key]
        expected = evaluate(book, overrides=edits)
        for ref in book.computed:
            got = wb[ref.sheet][ref.coordinate].value
            assert _close(got, expected[ref]), f"{key}: {ref.sheet}!{ref.coordinate} {ref.name}: {got!r} != {expected[ref]!r}"
        assert not any(is_error(c.value) for ws in wb for row in ws.iter_rows() for c in row), key
        checked += 1
    assert checked >= 10


def test_an_edit_of_a_shared_assumption_moves_every_dependent_table(recalculated):
    """Each copy edits one assumption: LibreOffice moves every table that depends on it, and only those."""
    for name in ONE_AT_A_TIME:
        book, wb, original, _ = recalculated[f"economics_of_llms__one__{name}"]
        tables = _dependent_tables(book, name, evaluate(book))
        moved = {r.table for r in book.computed
                 if not _close(wb[r.sheet][r.coordinate].value, original[r.sheet][r.coordinate].value)}
        assert len(tables - {book.names[name].table}) >= 1, name
        assert moved == tables, f"{name}: expected {sorted(tables)}, LibreOffice moved {sorted(moved)}"


def test_the_213_percent_utilisation_moves_t4_t6_t11_and_t12(recalculated):
    book, wb, original, _ = recalculated["economics_of_llms__one__mfu_utilization_gpt3"]
    moved = {r.table for r in book.computed
             if not _close(wb[r.sheet][r.coordinate].value, original[r.sheet][r.coordinate].value)}
    assert {"T4", "T6", "T11", "T12"} <= moved
    assert book.names["mfu_utilization_gpt3"].sheet == "Assumptions"
    typed = [r for r in book.inputs if r.value == 0.213]
    assert [r.name for r in typed] == ["mfu_utilization_gpt3"]  # typed once in the whole workbook


def test_t4_at_half_utilisation_is_live_and_its_audit_follows(recalculated):
    from xlcost import core

    book, wb, _, _ = next(v for k, v in recalculated.items() if v[3] == EDITS["economics_of_llms"])
    ref = book.names["cost_per_1k_p4"]
    assert wb[ref.sheet][ref.coordinate].value == pytest.approx(
        core.inference_cost_usd_per_1k_tokens(175e9, 8 * 312e12, 0.5, 19.22), rel=1e-9
    )
    audits = {a.label: a for a in book.audits if a.table == "T4"}
    audit = audits["Inference cost per 1,000 tokens — AWS A100 (P4 instance)"]
    # the article's $0.0035 no longer matches once utilisation is 50%: the audit is a formula, not a picture
    assert wb[audit.sheet].cell(audit.row, audit.status_col).value == "differs"
    assert wb[audit.sheet].cell(audit.row, audit.kind_col).value == "unexplained"


def _contents_rows(wb):
    ws = wb["Contents"]
    return {ws.cell(r, 1).value: [ws.cell(r, c).value for c in range(2, 7)] for r in range(1, ws.max_row + 1)}


def test_contents_counts_the_audit_by_status_and_kind(recalculated):
    book, wb, _, _ = recalculated["economics_of_llms"]
    rows = _contents_rows(wb)
    differs = sum(a.expect == "differs" for a in book.audits)
    assert rows["Total"][1:] == [len(book.audits), len(book.audits) - differs, differs, 0]
    for kind in KINDS:
        assert rows[kind][1] == sum(a.kind == kind for a in book.audits), kind
    assert rows["Article errors"][1] == sum(a.kind in ("arithmetic error", "method error") for a in book.audits)


def test_the_contents_list_of_flagged_checks_is_live(recalculated):
    book, wb, _, _ = recalculated["economics_of_llms"]
    ws = wb["Contents"]
    start = next(r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value).startswith("Checks that differ"))
    listed = [(ws.cell(r, 1).value, ws.cell(r, 2).value, ws.cell(r, 4).value) for r in range(start + 2, ws.max_row + 1)
              if ws.cell(r, 2).value]
    assert listed == [(a.table, a.label, a.kind) for a in book.audits if a.kind != "matches"]
    # after an edit the list follows: the T4 check that now differs joins it
    _, edited, _, _ = next(v for k, v in recalculated.items() if v[3] == EDITS["economics_of_llms"])
    ws = edited["Contents"]
    labels = [ws.cell(r, 2).value for r in range(start + 2, ws.max_row + 1)]
    assert "Inference cost per 1,000 tokens — AWS A100 (P4 instance)" in labels


def test_an_invalid_input_shows_a_message_and_is_counted(recalculated):
    book, wb, _, _ = recalculated["economics_of_llms__zero"]
    ref = book.names[ZERO[1]]
    assert wb[ref.sheet].cell(ref.row, 5).value == "must be a share in (0, 1], e.g. 21.3%"
    audit_cells = [wb[a.sheet].cell(a.row, c).value for a in book.audits for c in range(4, 8)]
    assert not any(is_error(v) for v in audit_cells)
    invalid = [a for a in book.audits if wb[a.sheet].cell(a.row, a.status_col).value == INVALID]
    assert {a.table for a in invalid} >= {"T4", "T6", "T12"}
    rows = _contents_rows(wb)
    assert rows["Total"][4] == len(invalid)
    assert rows["Inputs failing their check"][1] == 1
    contents = [c.value for row in wb["Contents"].iter_rows() for c in row]
    assert not any(is_error(v) for v in contents)


@pytest.mark.parametrize("key", sorted(BROKEN))
def test_an_empty_or_text_input_is_flagged_and_its_tables_say_so(recalculated, key):
    """Issue 19: no silent 0 and no raw error: the check cell names the problem, the dependent cells read
    "invalid input", the rest compute as the core does with the broken input."""
    book, wb, _, edits = recalculated[key]
    name, _ = BROKEN[key]
    ref = book.names[name]
    assert wb[ref.sheet].cell(ref.row, 5).value.startswith("must be")  # its live check
    expected = evaluate(book, overrides=edits)
    invalid = [r for r in book.computed if expected[r] == INVALID]
    assert invalid, key
    for r in book.computed:
        got = wb[r.sheet][r.coordinate].value
        assert _close(got, expected[r]), f"{key}: {r.sheet}!{r.coordinate} {r.name}: {got!r} != {expected[r]!r}"
    assert {r.table for r in invalid} == _dependent_tables(book, name, evaluate(book)) - {""}
    errors = [f"{ws.title}!{c.coordinate}: {c.value}" for ws in wb for row in ws.iter_rows() for c in row
              if is_error(c.value)]
    assert not errors, errors[:5]


def test_zero_utilisation_leaves_no_error_value(recalculated):
    _, wb, _, _ = recalculated["economics_of_llms__zero"]
    errors = [f"{ws.title}!{c.coordinate}: {c.value}" for ws in wb for row in ws.iter_rows() for c in row
              if is_error(c.value)]
    assert not errors, errors[:5]
