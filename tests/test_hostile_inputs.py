"""Mistaken and hostile input beyond templates' formulas (issue 20): builds, overrides, ranges, names."""

import io
import zipfile

import openpyxl
import pytest

from xlcost.workbook import build_all, safefile
from xlcost.workbook.expr import TemplateError

_TEMPLATE = '[workbook]\nfile = "{file}"\ntitle = "T"\n[[table]]\nsheet = "Data"\nid = "T1"\n' \
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
