"""Formula values written into worksheet XML, where openpyxl leaves them empty.

openpyxl writes a formula cell as ``<c r="D5" s="3"><f>...</f><v /></c>`` with no value,
so readers that do not recalculate (file previews, Protected View, pandas, openpyxl's
``data_only``) see blanks. The build computes every formula cell in Python
(``evaluate.cell_values``) and this module puts each value into its ``<v>``, with the
cell type Excel expects: a number, ``t="str"`` text, ``t="b"`` a boolean, ``t="e"`` an
error. Cells inside an array formula's area (written empty) get a ``<v>`` too.

Why not a LibreOffice pass: it needs LibreOffice at build time, rewrites styles, names
and charts in its own way, and cannot compute xlcost's Excel functions (#NAME?).
Why not another writer: openpyxl does everything else the workbooks need; the cached
value is one element per cell, written here in one pass over the XML.

>>> store(b'<c r="A2"><f>A1*2</f><v /></c>', {(2, 1): 4.0})
b'<c r="A2"><f>A1*2</f><v>4.0</v></c>'
>>> store(b'<c r="B1" s="2"><f>"x"</f><v /></c>', {(1, 2): "matches"})
b'<c r="B1" s="2" t="str"><f>"x"</f><v>matches</v></c>'
"""

import math
import re
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

# a formula cell openpyxl wrote (no value), or an empty cell (inside an array formula's area)
_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"((?: [a-z]+="[^"]*")*)(?:><f([^>]*)>([^<]*)</f><v ?/></c>|( ?/>))')
_TYPE = re.compile(rb' t="[^"]*"')


def _typed(value):
    """(t attribute or b"", value text) of a Python value."""
    if isinstance(value, bool):
        return b' t="b"', b"1" if value else b"0"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return b' t="e"', b"#NUM!"
        return b"", repr(float(value) if isinstance(value, float) else int(value)).encode()
    if value is None:
        return b"", b"0"
    text = getattr(value, "text", None)  # evaluate.ExcelError
    if text is not None and not isinstance(value, str):
        return b' t="e"', text.encode()
    return b' t="str"', escape(str(value)).encode()


def store(xml, values):
    """``xml`` (a worksheet part) with ``values`` ({(row, col): value}) as its formula cells' cached values."""
    if not values:
        return xml
    by_coordinate = {f"{get_column_letter(col)}{row}".encode(): value for (row, col), value in values.items()}

    def replace(match):
        key = match.group(1)
        if key not in by_coordinate:
            return match.group(0)
        kind, text = _typed(by_coordinate[key])
        attributes = _TYPE.sub(b"", match.group(2)) + kind
        formula = b"" if match.group(5) else b"<f" + match.group(3) + b">" + match.group(4) + b"</f>"
        return b'<c r="' + match.group(1) + b'"' + attributes + b">" + formula + b"<v>" + text + b"</v></c>"

    return _CELL.sub(replace, xml)
