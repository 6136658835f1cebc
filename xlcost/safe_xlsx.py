"""Open workbooks from strangers safely: no XML entities, no zip bombs, defusedxml underneath.

Every workbook xlcost reads goes through ``load_workbook``. It refuses, with a clear
message, any part that declares a DOCTYPE or ENTITY (billion laughs, external
entities) and archives that inflate beyond a sane size, then lets openpyxl parse the
file with defusedxml as its XML backend.

>>> load_workbook("workbooks/economics_of_llms.xlsx", data_only=True)   # doctest: +SKIP
<openpyxl.workbook.workbook.Workbook object at ...>
"""

import re
import zipfile
import zlib

from .errors import XlcostError

MAX_UNPACKED_BYTES = 128 * 2**20  # a real analyst workbook is far smaller (xlcost's 100,000-cell build: ~30 MB)
MAX_RATIO = 200  # deflate rarely beats ~100:1 on spreadsheet XML
# "<!DOCTYPE" or "<!ENTITY" in any part, in UTF-8, UTF-16 or UTF-32 (NULs between the characters)
_GAP = rb"\x00{0,3}"
_DECLARATION = re.compile(_GAP.join([b"<", b"!", b"(?:" + b"|".join(_GAP.join(re.escape(bytes([c])) for c in word)
                                                            for word in (b"DOCTYPE", b"ENTITY")) + b")"]), re.IGNORECASE)
_CHUNK = 2**20
_DAMAGED = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, NotImplementedError, RuntimeError, OSError)


class UnsafeWorkbookError(XlcostError):
    """A workbook was refused before parsing; the message says why."""


def check_archive(path):
    """Raise UnsafeWorkbookError unless ``path`` is an xlsx archive safe to parse.

    Every part is read (whatever its name), its bytes counted as they inflate (a size
    header can lie), and searched for XML declarations in any encoding; the first
    problem is one error naming the part.
    """
    try:
        archive = zipfile.ZipFile(path)
    except _DAMAGED as error:
        raise UnsafeWorkbookError(f"{path}: not an .xlsx workbook ({error})") from None
    with archive:
        members = archive.infolist()
        declared = sum(m.file_size for m in members)
        packed = sum(m.compress_size for m in members) or 1
        if declared > MAX_UNPACKED_BYTES or declared / packed > MAX_RATIO and declared > 10 * 2**20:
            raise UnsafeWorkbookError(f"{path}: refused, it unpacks to {declared:,} bytes (a zip bomb?)")
        unpacked = 0
        for member in members:
            try:
                unpacked = _check_part(archive, member, path, unpacked)
            except _DAMAGED as error:
                raise UnsafeWorkbookError(f"{path}: damaged archive, part {member.filename} cannot be read ({error})") from None


def _check_part(archive, member, path, unpacked):
    """Bytes unpacked so far, after reading ``member``; refuse a declaration or too many bytes."""
    tail = b""
    with archive.open(member) as part:
        while chunk := part.read(_CHUNK):
            unpacked += len(chunk)
            if unpacked > MAX_UNPACKED_BYTES:
                raise UnsafeWorkbookError(f"{path}: refused, it unpacks to more than {MAX_UNPACKED_BYTES:,} bytes "
                                          f"(part {member.filename} inflates beyond its header's size: a zip bomb?)")
            if _DECLARATION.search(tail + chunk):
                raise UnsafeWorkbookError(
                    f"{path}: refused, part {member.filename} declares XML entities or a DOCTYPE "
                    "(billion-laughs / external-entity attack)"
                )
            tail = chunk[-64:]
    return unpacked


def load_workbook(path, **options):
    """``openpyxl.load_workbook`` after ``check_archive``, with defusedxml required."""
    import openpyxl
    from openpyxl.xml import DEFUSEDXML, functions

    if not DEFUSEDXML or not functions.fromstring.__module__.startswith("defusedxml"):
        raise UnsafeWorkbookError("defusedxml is not in use by openpyxl: refusing to parse workbooks (pip install defusedxml)")
    check_archive(path)
    try:
        return openpyxl.load_workbook(path, **options)
    except _DAMAGED as error:
        raise UnsafeWorkbookError(f"{path}: not a readable .xlsx workbook ({error})") from None
