"""Analysts correct or extend the catalog from their own CSV or workbook (issue 6)."""

import hashlib
from pathlib import Path

import openpyxl
import pytest

from xlcost import catalog
from xlcost.errors import CatalogError

# an override file names the columns it fills, in any order; these tests fill these
HEADER = (
    "name,aliases,vendor,year,peak_fp32_flops,peak_tf32_flops,peak_bf16_flops,peak_fp8_flops,"
    "peak_int8_ops,memory_bytes,memory_bandwidth_bytes_per_s,tdp_watts,list_price_usd,source,date,notes"
)
DATA = Path(catalog.__file__).parent / "data"


@pytest.fixture(autouse=True)
def _clean_overrides():
    catalog.reset_overrides()
    yield
    catalog.reset_overrides()


def _chip_csv(tmp_path, *lines, name="chips.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def _shipped_digest():
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(DATA.glob("*.csv"))}


def test_new_chip_is_added_and_resolvable(tmp_path):
    path = _chip_csv(
        tmp_path,
        "Acme-X1,X1;acme x1,Acme,2026,,,500e12,,,96e9,4e12,600,,Acme X1 datasheet,2026-05-01,",
    )
    assert catalog.load_overrides(path) == 1
    assert catalog.hardware("acme x1").peak_flops_per_s == 500e12
    assert catalog.hardware("A100").peak_flops_per_s == 312e12  # shipped rows stay


def test_corrected_row_replaces_shipped_row_by_alias(tmp_path):
    before = catalog.hardware("H100").memory_bytes
    path = _chip_csv(
        tmp_path,
        "H100 (my corrected row),H100,NVIDIA,2022,,,900e12,,,94e9,3.9e12,700,,my own measurement,2026-11-01,",
    )
    catalog.load_overrides(path)
    assert catalog.hardware("H100").peak_flops_per_s == 900e12
    assert catalog.hardware("H100").memory_bytes == 94e9 != before


def test_shipped_files_are_never_changed(tmp_path):
    before = _shipped_digest()
    catalog.load_overrides(_chip_csv(tmp_path, "Acme-X2,,Acme,2026,,,1e15,,,1e11,5e12,,,sheet,2026-01-01,"))
    catalog.hardware("Acme-X2")
    assert _shipped_digest() == before


@pytest.mark.parametrize(
    "line, column, reason",
    [
        ("Bad,,V,2026,,,fast,,,1e9,1e9,,,src,2026-01-01,", "peak_bf16_flops", "is not a number"),
        ("Bad,,V,2026,,,-1,,,1e9,1e9,,,src,2026-01-01,", "peak_bf16_flops", "finite number >= 0"),
        ("Bad,,V,2026,,,1e12,,,1e9,1e9,,,,2026-01-01,", "source", "is required"),
        ("Bad,,V,2026,,,1e12,,,1e9,1e9,,,src,,", "date", "is required"),
        ("Bad,,V,2026,,,inf,,,1e9,1e9,,,src,2026-01-01,", "peak_bf16_flops", "finite number >= 0"),
    ],
)
def test_malformed_rows_are_rejected_with_row_column_and_reason(tmp_path, line, column, reason):
    good = "Fine,,V,2026,,,1e12,,,1e9,1e9,,,src,2026-01-01,"
    path = _chip_csv(tmp_path, good, line)
    with pytest.raises(CatalogError) as error:
        catalog.load_overrides(path)
    assert (error.value.row, error.value.column) == (3, column)
    assert reason in str(error.value) and "chips.csv" in str(error.value)
    assert catalog.table("chips").get("Fine") is None  # nothing of a bad file is used


def test_alias_clash_between_two_override_rows_is_rejected(tmp_path):
    path = _chip_csv(
        tmp_path,
        "Acme-A,shared,V,2026,,,1e12,,,1e9,1e9,,,src,2026-01-01,",
        "Acme-B,shared,V,2026,,,1e12,,,1e9,1e9,,,src,2026-01-01,",
    )
    with pytest.raises(CatalogError, match="already names"):
        catalog.load_overrides(path)
    assert catalog.table("chips").get("Acme-A") is None


def test_unknown_column_and_unnamed_file_are_rejected(tmp_path):
    bad = tmp_path / "chips.csv"
    bad.write_text("name,colour,source,date\nX,red,src,2026\n")
    with pytest.raises(CatalogError, match="colour"):
        catalog.load_overrides(bad)
    other = tmp_path / "stuff.csv"
    other.write_text(HEADER + "\n")
    with pytest.raises(CatalogError, match="name the table"):
        catalog.load_overrides(other)


def test_overrides_from_a_workbook_sheet(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "chips"
    sheet.append(HEADER.split(","))
    sheet.append(["Sheet-Chip", "sc1", "V", 2026, None, None, 2.5e14, None, None, 4.8e10, 1e12, 350, None,
                  "vendor sheet", "2026-03-01", None])
    book.create_sheet("notes").append(["ignored"])
    path = tmp_path / "mine.xlsx"
    book.save(path)
    assert catalog.load_overrides(path) == 1
    assert catalog.hardware("SC1").memory_bytes == 4.8e10


def test_environment_variable_applies_overrides(tmp_path, monkeypatch):
    _chip_csv(tmp_path, "Env-Chip,,V,2026,,,7e14,,,1e11,2e12,,,src,2026-02-02,")
    monkeypatch.setenv("XLCOST_CATALOG_OVERRIDES", str(tmp_path))
    catalog._env_loaded = False
    catalog._clear_caches()
    assert catalog.hardware("Env-Chip").peak_flops_per_s == 7e14


def test_serving_follows_an_override_made_after_a_call(tmp_path):
    # the serving functions keep each replica per catalog object: a corrected row is a new object,
    # so the next call uses it. Llama-3.1-8B at 2,000 tokens: 32 layers x 2 x 8 KV heads x 128 x 2 bytes
    # per token; 10 % of the memory the weights leave is reserve (TensorRT-LLM's 0.9 for KV)
    from xlcost import serving

    before = serving.max_batch("Llama-3.1-8B", "H100", 1, 2000)
    catalog.load_overrides(_chip_csv(
        tmp_path, "H100 (my corrected row),H100,NVIDIA,2022,,,900e12,,,94e9,3.9e12,700,,my own measurement,2026-11-01,"))
    weights = catalog.model("Llama-3.1-8B").params * 2
    after = serving.max_batch("Llama-3.1-8B", "H100", 1, 2000)
    assert after == (94e9 - weights) * 0.9 // (32 * 2 * 8 * 128 * 2 * 2000) != before
