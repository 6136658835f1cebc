"""Write a laid-out ``Book`` as an openpyxl workbook: values, formulas, names, styles, checks.

Only ``layout.Formula`` values become formulas. Every other string is stored as
text (data type "s", with Excel's quote prefix when it starts with =, +, - or @),
so template or user text can never turn into a formula.
"""

import datetime

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.hyperlink import Hyperlink

from . import charts
from .layout import Formula

# fixed document timestamps: a rebuild is identical to the committed file
FIXED_TIME = datetime.datetime(2024, 1, 1)

FORMATS = {
    "usd": '"$"#,##0.00', "usd0": '"$"#,##0', "usd3": '"$"0.000', "usd4": '"$"0.0000', "usd5": '"$"0.00000',
    "usd_m": '"$"#,##0.0,,"M"', "usd_b": '"$"#,##0.0,,,"B"',
    "cny": '"¥"#,##0.00', "cny0": '"¥"#,##0',
    "pct": "0.0%", "pct0": "0%", "pct1": "0.0%", "pct2": "0.00%",
    "flops": "0.00E+00", "sci": "0.000E+00",
    "int": "#,##0", "num1": "#,##0.0", "num2": "#,##0.00", "num3": "0.000", "num4": "0.0000",
    "x": '0.00"x"', "x1": '0.0"x"',
    "billions": '#,##0.0,,,"B"', "billions0": '#,##0,,,"B"', "trillions": '#,##0.0,,,,"T"',
    "trillions0": '#,##0,,,,"T"', "millions": '#,##0.0,,"M"',
    "gb": '#,##0.0,,," GB"', "tb": '#,##0.00,,,," TB"', "gbs": '#,##0,,," GB/s"',
    "year": "0", "dash": '#,##0;-#,##0;"–"', "text": "@",
}


def number_format(fmt):
    """The Excel number format of a preset name or a raw format string."""
    if not fmt:
        return None
    if fmt in FORMATS:
        return FORMATS[fmt]
    if not any(c in fmt for c in "0#@?"):
        raise ValueError(f"unknown number format {fmt!r}; presets: {', '.join(FORMATS)}")
    return fmt


_THIN = Side(style="thin", color="BFBFBF")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_MATCH_FILL = PatternFill("solid", fgColor="C6EFCE")
_DIFFER_FILL = PatternFill("solid", fgColor="FFD7B5")
_WHITE_BOLD = Font(bold=True, color="FFFFFF")

STYLES = {
    "title": dict(font=Font(bold=True, size=14, color="1F3864")),
    "caption": dict(font=Font(italic=True, color="595959")),
    "source": dict(font=Font(size=9, color="7F7F7F")),
    "header": dict(font=_WHITE_BOLD, fill=_HEADER_FILL, alignment=Alignment(vertical="center")),
    "header_item": dict(font=_WHITE_BOLD, fill=_HEADER_FILL,
                        alignment=Alignment(horizontal="center", vertical="center", wrap_text=True)),
    "header_wrap": dict(font=_WHITE_BOLD, fill=_HEADER_FILL,
                        alignment=Alignment(horizontal="center", vertical="center", wrap_text=True)),
    "subheading": dict(font=Font(bold=True, color="1F4E78")),
    "label": dict(),
    "unit": dict(font=Font(italic=True, color="7F7F7F")),
    "input": dict(font=Font(color="0000FF"), fill=_INPUT_FILL, border=_BOX),
    "input_text": dict(font=Font(color="0000FF"), fill=_INPUT_FILL, border=_BOX),
    "input_header": dict(font=Font(bold=True, color="0000FF"), fill=_INPUT_FILL, border=_BOX,
                         alignment=Alignment(horizontal="center")),
    "computed": dict(border=_BOX),
    "computed_legend": dict(border=_BOX),
    "computed_blank": dict(border=_BOX, font=Font(color="A6A6A6"), alignment=Alignment(horizontal="center")),
    "published": dict(font=Font(color="404040"), border=_BOX),
    "status": dict(font=Font(bold=True), border=_BOX, alignment=Alignment(horizontal="center")),
    "source_col": dict(font=Font(size=9, color="7F7F7F")),
    "method": dict(font=Font(size=9, italic=True, color="7030A0")),
    "note": dict(font=Font(size=9, italic=True, color="595959")),
    "link": dict(font=Font(color="0563C1", underline="single")),
    "total": dict(font=Font(bold=True), border=_BOX),
    "legend_match": dict(fill=_MATCH_FILL, border=_BOX, alignment=Alignment(horizontal="center")),
    "legend_differ": dict(fill=_DIFFER_FILL, border=_BOX, alignment=Alignment(horizontal="center")),
    "text": dict(),
    "cell": dict(),
}

_VALIDATIONS = {
    "fraction": dict(type="decimal", operator="between", formula1="0", formula2="1",
                     error="Enter a fraction in (0, 1], e.g. 0.213 or 21.3%"),
    "fraction0": dict(type="decimal", operator="between", formula1="0", formula2="0.999999",
                      error="Enter a fraction in [0, 1), e.g. 0.3 or 30%"),
    "positive": dict(type="decimal", operator="greaterThan", formula1="0", error="Enter a number > 0"),
    "nonnegative": dict(type="decimal", operator="greaterThanOrEqual", formula1="0", error="Enter a number >= 0"),
    "whole": dict(type="whole", operator="greaterThanOrEqual", formula1="0", error="Enter a whole number >= 0"),
}


def set_text(cell, text):
    """Store ``text`` as text: never a formula, whatever it starts with."""
    cell.value = text
    cell.data_type = "s"
    if text[:1] in ("=", "+", "-", "@"):
        cell.quotePrefix = True


def write_cell(ws, row, col, spec):
    cell = ws.cell(row=row, column=col)
    value = spec.value
    if isinstance(value, Formula):
        cell.value = ArrayFormula(spec.array, str(value)) if spec.array else str(value)
    elif isinstance(value, str):
        set_text(cell, value)
    elif value is not None:
        cell.value = value
    style = STYLES[spec.style]
    for attribute, setting in style.items():
        setattr(cell, attribute, setting)
    fmt = number_format(spec.fmt)
    if fmt:
        cell.number_format = fmt
    if spec.comment:
        comment = Comment(spec.comment, "xlcost")
        comment.width, comment.height = 360, min(40 + len(spec.comment) // 2, 300)
        cell.comment = comment
    return cell


def workbook(book):
    """An openpyxl Workbook holding ``book``."""
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in book.sheets.values():
        ws = wb.create_sheet(sheet.name)
        ws.sheet_view.showGridLines = False
        for (row, col), spec in sorted(sheet.cells.items()):
            cell = write_cell(ws, row, col, spec)
            if spec.style == "link":
                cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"{quote_sheetname(spec.value)}!A1",
                                           display=spec.value)
        for r1, c1, r2, c2 in sheet.merges:
            ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
            ws.cell(r1, c1).alignment = Alignment(horizontal="center")
        for row, height in sorted(sheet.heights.items()):
            ws.row_dimensions[row].height = height
        for col, width in sorted(sheet.widths.items()):
            ws.column_dimensions[get_column_letter(col)].width = width
        _validations(ws, sheet)
        for area in sheet.statuses:
            ws.conditional_formatting.add(area, CellIsRule(operator="equal", formula=['"matches"'], fill=_MATCH_FILL))
            ws.conditional_formatting.add(area, CellIsRule(operator="equal", formula=['"differs"'], fill=_DIFFER_FILL))
        if sheet.freeze:
            ws.freeze_panes = sheet.freeze
        ws.page_setup.orientation = "landscape"
        if sheet.fit_width:
            ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
            ws.sheet_properties.pageSetUpPr.fitToPage = True
        for spec in sheet.charts:
            ws.add_chart(charts.make(ws, spec), f"{get_column_letter(spec.anchor[1])}{spec.anchor[0]}")
    for name, ref in book.names.items():
        wb.defined_names[name] = DefinedName(name, attr_text=ref.address)
    for name, area in book.range_names.items():
        wb.defined_names[name] = DefinedName(name, attr_text=area)
    wb.properties.creator = "xlcost"
    wb.properties.lastModifiedBy = "xlcost build"
    wb.properties.title = book.title
    wb.properties.created = wb.properties.modified = FIXED_TIME
    return wb


def _validations(ws, sheet):
    groups = {}
    for kind, coordinate in sheet.validations:
        groups.setdefault(kind, []).append(coordinate)
    for (kind, formula), coordinates in groups.items():
        if kind == "list":
            dv = DataValidation(type="list", formula1=formula, allow_blank=False, showErrorMessage=True,
                                error="Pick a value from the list")
        else:
            dv = DataValidation(allow_blank=False, showErrorMessage=True, **_VALIDATIONS[kind])
        dv.errorTitle = "xlcost input"
        dv.sqref = " ".join(coordinates)
        ws.add_data_validation(dv)


def set_fingerprint(wb, fingerprint):
    wb.custom_doc_props.append(StringProperty(name="xlcost_fingerprint", value=fingerprint))
