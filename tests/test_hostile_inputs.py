"""Mistaken and hostile input beyond templates' formulas (issue 20): builds, overrides, ranges, names."""

import csv
import io
import re
import zipfile

import openpyxl
import pytest

from xlcost.workbook import build_all, safefile
from xlcost.workbook.expr import TemplateError

_TEMPLATE = '[workbook]\nfile = "{file}"\ntitle = "T"\n[[table]]\nsheet = "Sheet A"\nid = "T1"\n' \
            '[[table.field]]\nkey = "a"\nlabel = "A"\nvalue = 1\n'


# ---------------------------------------------------------------- builds

def test_two_templates_naming_one_file_are_refused_before_anything_is_written(tmp_path):
    directory = tmp_path / "templates"
    directory.mkdir()
    (directory / "a.toml").write_text(_TEMPLATE.format(file="same.xlsx"), encoding="utf-8")
    (directory / "b.toml").write_text(_TEMPLATE.format(file="Same.xlsx"), encoding="utf-8")
    with pytest.raises(TemplateError, match="b.toml: writes Same.xlsx, as a.toml does"):
        build_all(tmp_path / "out", template_dir=directory)
    assert not (tmp_path / "out").exists()


def test_an_edited_custom_property_is_an_edit(tmp_path):
    """The fingerprint covers docProps/custom.xml: an analyst's custom property is not overwritten silently."""
    directory = tmp_path / "templates"
    directory.mkdir()
    (directory / "a.toml").write_text(_TEMPLATE.format(file="a.xlsx"), encoding="utf-8")
    (path,) = build_all(tmp_path / "out", template_dir=directory)
    assert safefile.stored_fingerprint(path) == safefile.fingerprint(path)
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts["docProps/custom.xml"] = parts["docProps/custom.xml"].replace(
        b"</Properties>", b'<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" name="Owner">'
        b"<vt:lpwstr>Finance</vt:lpwstr></property></Properties>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    with open(path, "wb") as handle:
        handle.write(buffer.getvalue())
    assert openpyxl.load_workbook(path).custom_doc_props["Owner"].value == "Finance"
    assert safefile.stored_fingerprint(path) != safefile.fingerprint(path)
    with pytest.raises(safefile.OverwriteError, match="edited after it was built"):
        build_all(tmp_path / "out", template_dir=directory)  # nothing changed in the template: the file differs


# ---------------------------------------------------------------- catalog overrides and hostile workbooks

from xlcost import catalog, safe_xlsx  # noqa: E402
from xlcost.errors import XlcostError  # noqa: E402
from xlcost.safe_xlsx import UnsafeWorkbookError  # noqa: E402
from test_catalog_overrides import HEADER  # noqa: E402

_CHIPS_HEADER = HEADER + "\n"


@pytest.fixture
def env_overrides(tmp_path, monkeypatch):
    """XLCOST_CATALOG_OVERRIDES naming a chips.csv in tmp_path, applied at the next use."""
    path = tmp_path / "chips.csv"
    monkeypatch.setenv("XLCOST_CATALOG_OVERRIDES", str(path))
    catalog.reset_overrides()
    monkeypatch.setattr(catalog, "_env_loaded", False)
    catalog._clear_caches()
    yield path
    catalog.reset_overrides()


def test_a_bad_override_file_errs_on_every_use_until_fixed(env_overrides):
    env_overrides.write_text(_CHIPS_HEADER + "Env-Chip,,V,2026,,,not-a-number,,,1e11,2e12,,,src,2026-02-02,\n")
    for _ in range(3):  # the server's second, third ... call still says so
        with pytest.raises(XlcostError, match="XLCOST_CATALOG_OVERRIDES: .*chips.csv, row 2"):
            catalog.hardware("A100")
    env_overrides.write_text(_CHIPS_HEADER + "Env-Chip,,V,2026,,,7e14,,,1e11,2e12,,,src,2026-02-02,\n")
    assert catalog.hardware("Env-Chip").peak_flops_per_s == 7e14  # fixed: no restart needed


def test_a_missing_override_file_errs_on_every_use(env_overrides):
    for _ in range(2):
        with pytest.raises(XlcostError, match=f"XLCOST_CATALOG_OVERRIDES: {env_overrides}"):
            catalog.model("GPT-3")


def _rewrite(path, edit):
    """Rewrite the zip at ``path``: ``edit(name, data)`` gives each part's new (name, data)."""
    with zipfile.ZipFile(path) as source:
        parts = [edit(name, source.read(name)) for name in source.namelist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts:
            target.writestr(name, data)


def test_an_override_workbook_is_read_to_its_real_extent(tmp_path):
    """openpyxl's read-only mode trusts <dimension>; a stale tag must not hide rows."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "chips"
    for row in csv_rows(_CHIPS_HEADER + "Dim-Chip,,V,2026,,,7e14,,,1e11,2e12,,,src,2026-02-02,\n"):
        sheet.append(row)
    path = tmp_path / "stale.xlsx"
    book.save(path)
    _rewrite(path, lambda name, data: (name, re.sub(rb'<dimension ref="[A-Z0-9:]+" ?/>', b'<dimension ref="A1"/>', data)
                                       if name.endswith("sheet1.xml") else data))
    with zipfile.ZipFile(path) as archive:
        assert b'<dimension ref="A1"/>' in archive.read("xl/worksheets/sheet1.xml")
    read_only = openpyxl.load_workbook(path, read_only=True)["chips"]
    assert len(list(read_only.iter_rows())) == 1  # what the tag makes openpyxl see
    try:
        assert catalog.load_overrides(path) == 1
        assert catalog.hardware("Dim-Chip").memory_bytes == 1e11
    finally:
        catalog.reset_overrides()


def csv_rows(text):
    return [[float(v) if re.fullmatch(r"[0-9.]+e[0-9]+", v) else v for v in row] for row in csv.reader(io.StringIO(text))]


def _plain_workbook(tmp_path):
    path = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(path)
    return path


_DOCTYPE = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'


@pytest.mark.parametrize(("part", "data"), [
    ("customXml/item1.dat", _DOCTYPE.encode()),  # any name
    ("xl/media/image1.png", _DOCTYPE.encode()),
    ("docProps/app.xml", _DOCTYPE.replace('"1.0"', '"1.0" encoding="UTF-16"').encode("utf-16")),  # any encoding
    ("xl/theme/theme1.xml", _DOCTYPE.encode("utf-16-be")),
])
def test_every_part_is_checked_whatever_its_name_and_encoding(tmp_path, part, data):
    path = _plain_workbook(tmp_path)
    _rewrite(path, lambda name, old: (name, data) if name == part else (name, old))
    if part not in zipfile.ZipFile(path).namelist():
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr(part, data)
    with pytest.raises(UnsafeWorkbookError, match=f"part {part} declares XML entities"):
        safe_xlsx.load_workbook(path)


def _lie_about_size(path, member, size):
    """Set the uncompressed size ``member``'s headers (local and central) declare."""
    import struct

    data = bytearray(path.read_bytes())
    name = member.encode()
    for signature, offset, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            if data[start + name_at:start + name_at + len(name)] == name:
                data[start + offset:start + offset + 4] = struct.pack("<I", size)
            start += 4
    path.write_bytes(bytes(data))


def test_a_false_size_header_is_one_clear_error(tmp_path):
    path = _plain_workbook(tmp_path)
    _lie_about_size(path, "xl/workbook.xml", 10)
    with pytest.raises(UnsafeWorkbookError, match="damaged archive, part xl/workbook.xml"):
        safe_xlsx.load_workbook(path)


def test_a_bomb_is_refused_by_what_it_unpacks_not_what_it_declares(tmp_path, monkeypatch):
    monkeypatch.setattr(safe_xlsx, "MAX_UNPACKED_BYTES", 2**20)
    path = _plain_workbook(tmp_path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/filler.bin", b"\0" * (8 * 2**20))
    _lie_about_size(path, "xl/media/filler.bin", 100)  # declares 100 bytes: the header check passes
    with pytest.raises(UnsafeWorkbookError, match="refused|damaged"):
        safe_xlsx.load_workbook(path)


# ---------------------------------------------------------------- ranges: each element as its single cell

from xlcost import udfs  # noqa: E402


@pytest.mark.parametrize(("function", "args", "bad"), [
    (udfs.TRAIN_DAYS, (175e9, 300e9, [[1024, 1e308]], "A100"), (175e9, 300e9, 1e308, "A100")),
    (udfs.MFU, (1e200, [[1e9, 1e200]], 1, "A100"), (1e200, 1e200, 1, "A100")),
    (udfs.DECODE_TOKENS_PER_SECOND, ([[13e9, 1e308]], "A100", 8), (1e308, "A100", 8)),
])
def test_an_overflowing_element_reports_what_its_single_cell_would(function, args, bad):
    single = function(*bad)
    assert isinstance(single, str) and single.startswith("#")  # the single cell: an error, not 0.0
    (row,) = function(*args)
    assert row[1] == single
    assert not isinstance(row[0], str) or "above 1" in row[0]  # the neighbour is its own answer


def test_a_utilisation_above_one_is_refused():
    # 1e9 tokens/s x 1e12 FLOPs/token on one A100 (312e12 FLOP/s dense bf16, NVIDIA datasheet) is 3.2 million peaks
    assert udfs.MFU(1e9, 1e12, 1, "A100").split(" ", 1)[1].startswith("mfu is above 1")
    good, bad = udfs.MFU([[238300, 1e9]], 3.24e12, 6144, "TPU v4")[0]
    assert good == pytest.approx(238300 * 3.24e12 / (6144 * 275e12))  # PaLM, Chowdhery et al. 2022: 46.2 %
    assert bad.split(" ", 1)[1].startswith("mfu is above 1")


def test_long_number_texts_are_not_kept(tmp_path):
    """The number parser caches short texts only: 300 one-MB numeric strings leave RSS within 50 MB."""
    import subprocess
    import sys

    script = (
        "import gc\nfrom xlcost import udfs\n"
        "rss = lambda: int(open('/proc/self/statm').read().split()[1]) * 4096\n"
        "udfs.TRAIN_FLOPS('175B', '300B'); gc.collect(); start = rss()\n"
        "for i in range(300):\n"
        "    assert udfs.TRAIN_FLOPS('0.' + str(i + 1) * (2**20 // len(str(i + 1))), '300B') > 0\n"
        "gc.collect(); print(rss() - start)\n"
    )
    if not __import__("os").path.exists("/proc/self/statm"):
        pytest.skip("RSS read from /proc (Linux)")
    grown = int(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout)
    assert grown < 50 * 2**20, f"RSS grew {grown / 2**20:.0f} MB"


# ---------------------------------------------------------------- a name in two tables

def test_an_api_alias_resolves_per_field():
    """deepseek-chat names the model DeepSeek-V3 and the API model: prices from the API table, shape from the model."""
    # DeepSeek, "Introducing DeepSeek-V3.2-Exp" (2025-09-29): $0.42 output per 1M tokens; before, from
    # 2025-02-09, $1.10 (DeepSeek API docs, Models & Pricing)
    assert udfs.XLCOST_SPEC("deepseek-chat", "price_output_usd_per_1m_tokens") == 0.42
    assert udfs.XLCOST_SPEC("deepseek-chat", "price_output_usd_per_1m_tokens", "2025-03-01") == 1.10
    assert udfs.XLCOST_SPEC("deepseek-chat", "n_layers") == 61  # DeepSeek-V3 technical report: 61 layers
    message = udfs.XLCOST_SPEC("deepseek-chat", "no_such_field")
    assert "DeepSeek-V3 or API model deepseek-chat" in message


def test_a_range_mixing_numbers_and_model_names_answers_each_cell_as_alone():
    cells = [13e9, "Llama-2-7B", "7B", "GPT-9"]
    row = udfs.DECODE_TOKENS_PER_SECOND([cells], "A100", 8)[0]
    assert row == [udfs.DECODE_TOKENS_PER_SECOND(cell, "A100", 8) for cell in cells]
    assert all(isinstance(x, float) for x in row[:3]) and row[3].startswith("#")
