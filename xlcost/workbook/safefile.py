"""Files that never lose work: contained paths, fingerprints, atomic replacement, safe reading.

- ``target_path``: the output must stay inside the output directory.
- ``fingerprint``: a hash of every part of the workbook file (cells, values, styles and
  formats, comments, validation, names, charts, print setup), stored in its custom
  document properties; a file whose parts no longer match its stored fingerprint was
  edited by someone and is not overwritten without ``force``.
- ``write_atomic``: temporary file in the same directory, fsync, ``os.replace``; a
  failure at any point leaves the previous file as it was.
- ``serialize``: the xlsx bytes, formula values stored, with fixed zip timestamps so
  equal content gives equal bytes.
- Existing workbooks are read with defusedxml underneath (``xlcost.safe_xlsx``).
"""

import glob
import hashlib
import io
import os
import re
import tempfile
import time
import zipfile
from pathlib import Path

from ..errors import XlcostError

PROPERTY = "xlcost_fingerprint"
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)


class OverwriteError(XlcostError):
    """A build refused to replace a file (edited since built, not ours, or outside the target)."""


def target_path(out, file_name):
    """``out/file_name``, refusing names that would land outside ``out``."""
    out = Path(out)
    candidate = out / file_name
    root = out.resolve()
    resolved = candidate.resolve()
    if Path(file_name).is_absolute() or resolved.parent != root or not resolved.name.endswith(".xlsx"):
        raise OverwriteError(
            f"refusing to write {candidate}: workbooks are written only as *.xlsx directly inside {root}"
        )
    return candidate


# ---------------------------------------------------------------- fingerprints

PLACEHOLDER = "0" * 64
_CUSTOM = "docProps/custom.xml"


_STORED = re.compile(rb'(<property [^>]*name="' + PROPERTY.encode() + rb'"[^>]*>\s*<vt:lpwstr>)[0-9a-f]{64}(</vt:lpwstr>)')


def fingerprint_parts(parts, without_custom=False):
    """Hex digest of every part of a workbook, the stored fingerprint itself read as ``PLACEHOLDER``.

    Parts are the whole file: cells, values, formulas, styles and number formats,
    comments, data validation, names, charts, print settings, document properties (an
    analyst's custom property included). Any edit saved by any program changes at least one of them.
    ``without_custom``: the digest builds before issue 20 stored (custom.xml left out), so
    their files are still recognised as unedited.
    """
    digest = hashlib.sha256()
    for name in sorted(parts):
        data = parts[name]
        if name == _CUSTOM and without_custom:
            continue
        if name == _CUSTOM:
            data = _STORED.sub(rb"\g<1>" + PLACEHOLDER.encode() + rb"\g<2>", data, count=1)
        digest.update(b"\x00" + name.encode() + b"\x00" + hashlib.sha256(data).digest())
    return digest.hexdigest()


def fingerprint(path, without_custom=False):
    """The fingerprint of the workbook file at ``path`` (refused unread if it is hostile)."""
    from ..safe_xlsx import check_archive

    check_archive(path)
    with zipfile.ZipFile(path) as archive:
        return fingerprint_parts({name: archive.read(name) for name in archive.namelist()}, without_custom)


def stored_fingerprint(path):
    """The fingerprint stored in the workbook at ``path``, or None."""
    from defusedxml.ElementTree import fromstring

    with zipfile.ZipFile(path) as archive:
        try:
            xml = archive.read("docProps/custom.xml")
        except KeyError:
            return None
    for prop in fromstring(xml):
        if prop.get("name") == PROPERTY:
            return "".join(prop.itertext()).strip() or None
    return None


def read_workbook(path, **options):
    """An existing workbook, read through defusedxml with entity declarations refused."""
    from ..safe_xlsx import load_workbook

    return load_workbook(path, **options)


def check_overwrite(path, new_bytes, force=False):
    """Why ``path`` must not be replaced by ``new_bytes`` (a message), or None when it may."""
    path = Path(path)
    if force or not path.exists():
        return None
    if path.is_symlink() or not path.is_file():
        return f"{path} is not a regular file; refusing to replace it (use --force to override)"
    if path.read_bytes() == new_bytes:
        return None
    try:
        stored = stored_fingerprint(path)
        actual = fingerprint(path) if stored else None
    except (XlcostError, zipfile.BadZipFile, OSError, KeyError, ValueError) as error:
        return f"{path} cannot be read as a workbook xlcost built ({error}); refusing to overwrite it (use --force)"
    if stored is None:
        return f"{path} was not written by xlcost build (no fingerprint); refusing to overwrite it (use --force)"
    if stored != actual and stored != fingerprint(path, without_custom=True):
        return (
            f"{path} was edited after it was built (its content no longer matches the fingerprint stored in it); "
            "refusing to overwrite it. Save your changes under another name, or rebuild with --force to discard them."
        )
    return None


# ---------------------------------------------------------------- writing

class _Parts:
    """Stands in for the zip archive while openpyxl writes: keeps each part's bytes, in order."""

    def __init__(self):
        self.parts = {}

    def writestr(self, name, data, *args, **kwargs):
        self.parts[getattr(name, "filename", name)] = data.encode() if isinstance(data, str) else data

    def write(self, filename, arcname=None, *args, **kwargs):
        # openpyxl streams each worksheet through a temporary file: keep its bytes
        with open(filename, "rb") as handle:
            self.parts[arcname or os.path.basename(filename)] = handle.read()

    def namelist(self):
        return list(self.parts)

    def close(self):
        pass


def serialize(wb, values=None):
    """The xlsx bytes of an openpyxl workbook, formula values stored, fingerprint set.

    ``values`` maps a sheet title to {(row, col): value} of its formula cells; each is
    written into the worksheet XML as the formula's cached value (``xlsx_values``).
    The fingerprint (a custom property holding ``PLACEHOLDER`` until now) is the hash of
    every other part. Zip members carry a fixed timestamp, so equal content gives equal bytes.
    """
    from openpyxl.writer.excel import ExcelWriter

    from .xlsx_values import store

    collected = _Parts()
    ExcelWriter(wb, collected).save()
    parts = collected.parts
    for ws in wb.worksheets:
        if values and values.get(ws.title):
            parts[ws.path[1:]] = store(parts[ws.path[1:]], values[ws.title])
    if _CUSTOM in parts:
        parts[_CUSTOM] = parts[_CUSTOM].replace(PLACEHOLDER.encode(), fingerprint_parts(parts).encode())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def _write_all(handle, data):
    handle.write(data)
    handle.flush()
    os.fsync(handle.fileno())


def _mode(path):
    """The permissions the file should have: the old file's, else what the umask allows."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _remove_leftovers(path, older_than_s=60):
    """Delete temporaries of ``path`` left by a build that was killed (not ones being written now)."""
    now = time.time()
    for leftover in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        try:
            if now - leftover.stat().st_mtime > older_than_s:
                leftover.unlink()
        except FileNotFoundError:
            pass


def write_atomic(path, data):
    """Replace ``path`` by ``data`` all at once: a crash leaves either the old file or the new one."""
    path = Path(path)
    _remove_leftovers(path)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, _mode(path))
        with os.fdopen(fd, "wb") as handle:
            _write_all(handle, data)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    try:  # make the rename itself durable
        directory = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(directory)
    except OSError:
        pass
    finally:
        os.close(directory)
