"""Write a laid-out ``Book`` as an openpyxl workbook: values, formulas, names, styles, checks.

Only ``book.Formula`` values become formulas. Every other string is stored as
text (data type "s", with Excel's quote prefix when it starts with =, +, - or @),
so template or user text can never turn into a formula.
"""

import datetime
from copy import copy

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
from openpyxl.worksheet.pagebreak import Break

from . import charts, numfmt, pages
from .numfmt import number_format
from .book import Formula
from .chart_layout import ROW_HEIGHT_CM

# fixed document timestamps: a rebuild is identical to the committed file
FIXED_TIME = datetime.datetime(2024, 1, 1)

# the workbook's one font, named in every style: LibreOffice and other readers substitute a wider
# default font for a nameless one. Calibri's metrics (Carlito's too) are what columns are sized for:
# a digit is 7 px at 11 pt, Excel's width unit.
FONT_NAME = "Calibri"


FONT_PT_DEFAULT = 11


def _font(size=FONT_PT_DEFAULT, **settings):
    return Font(name=FONT_NAME, size=size, **settings)


_THIN = Side(style="thin", color="BFBFBF")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_LINK_FILL = PatternFill("solid", fgColor="EAF4E4")
_MATCH_FILL = PatternFill("solid", fgColor="C6EFCE")
_DIFFER_FILL = PatternFill("solid", fgColor="FFD7B5")
_ERROR_FILL = PatternFill("solid", fgColor="F8CBAD")
_WHITE_BOLD = _font(bold=True, color="FFFFFF")
_WRAP = Alignment(wrap_text=True, vertical="top")
_MIDDLE = Alignment(vertical="center")
_CENTER_WRAP = Alignment(horizontal="center", vertical="center", wrap_text=True)

STYLES = {
    "title": dict(font=_font(bold=True, size=14, color="1F3864"), alignment=_WRAP),
    "caption": dict(font=_font(italic=True, color="595959"), alignment=_WRAP),
    "source": dict(font=_font(size=10, color="595959"), alignment=_WRAP),
    "header": dict(font=_WHITE_BOLD, fill=_HEADER_FILL, alignment=Alignment(vertical="center", wrap_text=True)),
    "header_item": dict(font=_WHITE_BOLD, fill=_HEADER_FILL, alignment=_CENTER_WRAP),
    "header_wrap": dict(font=_WHITE_BOLD, fill=_HEADER_FILL, alignment=_CENTER_WRAP),
    "subheading": dict(font=_font(bold=True, color="1F4E78")),
    "label": dict(alignment=Alignment(vertical="center", wrap_text=True)),
    "unit": dict(font=_font(italic=True, color="7F7F7F"), alignment=Alignment(vertical="center", wrap_text=True)),
    "input": dict(font=_font(color="0000FF"), fill=_INPUT_FILL, border=_BOX, alignment=_MIDDLE),
    "input_text": dict(font=_font(color="0000FF"), fill=_INPUT_FILL, border=_BOX),
    "input_header": dict(font=_font(bold=True, color="0000FF"), fill=_INPUT_FILL, border=_BOX,
                         alignment=Alignment(horizontal="center")),
    "linked": dict(font=_font(color="00704A"), fill=_LINK_FILL, border=_BOX, alignment=_MIDDLE),
    "computed": dict(border=_BOX, alignment=_MIDDLE),
    "computed_legend": dict(border=_BOX),
    "computed_blank": dict(border=_BOX, font=_font(color="A6A6A6"), alignment=Alignment(horizontal="center")),
    "published": dict(font=_font(color="404040"), border=_BOX, alignment=_MIDDLE),
    "status": dict(font=_font(bold=True), border=_BOX, alignment=Alignment(horizontal="center")),
    "kind": dict(border=_BOX, alignment=Alignment(horizontal="center")),
    "check": dict(font=_font(bold=True, color="C00000"), alignment=_WRAP),
    "source_col": dict(font=_font(size=10, color="595959"), alignment=_WRAP),
    "method": dict(font=_font(size=10, italic=True, color="7030A0"), alignment=_WRAP),
    "note": dict(font=_font(size=10, italic=True, color="595959"), alignment=_WRAP),
    "link": dict(font=_font(color="0563C1", underline="single")),
    "total": dict(font=_font(bold=True), border=_BOX, alignment=_MIDDLE),
    "legend_match": dict(fill=_MATCH_FILL, border=_BOX, alignment=Alignment(horizontal="center")),
    "legend_differ": dict(fill=_DIFFER_FILL, border=_BOX, alignment=Alignment(horizontal="center")),
    "text": dict(alignment=Alignment(vertical="center", wrap_text=True)),
    "cell": dict(alignment=_MIDDLE),
    "catalog_text": dict(font=_font(size=10, color="595959"), alignment=_MIDDLE),
}
FONT_PT = {name: (style["font"].sz if "font" in style else FONT_PT_DEFAULT) for name, style in STYLES.items()}
MIN_PRINT_PT = 7  # the smallest type a printed page may show (10-pt notes at 70%, 11-pt text at 64%)
# printable width of a landscape / portrait Letter page with 0.5-inch side margins, in pixels at 96 dpi
PAGE_PX = {"landscape": 10.0 * 96, "portrait": 7.5 * 96}
PAGE_PT = {"landscape": 8.5 * 72, "portrait": 11.0 * 72}  # a Letter page's height
_MARGIN_TOP_IN, _MARGIN_BOTTOM_IN = 0.6, 0.7

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


class Styler:
    """Applies named styles, building each (style, number format) combination once and sharing it."""

    def __init__(self):
        self.cache = {}

    def apply(self, cell, style, fmt):
        key = (style, fmt)
        shared = self.cache.get(key)
        if shared is not None:
            cell._style = copy(shared)
            return
        for attribute, setting in STYLES[style].items():
            setattr(cell, attribute, setting)
        fmt = number_format(fmt)
        if fmt:
            cell.number_format = fmt
        self.cache[key] = copy(cell._style)


def write_cell(ws, row, col, spec, styler):
    cell = ws.cell(row=row, column=col)
    styler.apply(cell, spec.style, spec.fmt)  # first: the quote prefix of text is set on top of it
    value = spec.value
    if isinstance(value, Formula):
        if spec.array:
            cell.value = ArrayFormula(spec.array, str(value))
        else:  # our own formula text: no need for openpyxl's checks of arbitrary strings
            cell._value, cell.data_type = str(value), "f"
    elif isinstance(value, str):
        set_text(cell, value)
    elif isinstance(value, float):
        cell._value, cell.data_type = value, "n"
    elif value is not None:
        cell.value = value
    if spec.comment:
        comment = Comment(spec.comment, "xlcost")
        comment.width, comment.height = 360, min(40 + len(spec.comment) // 2, 300)
        cell.comment = comment
    return cell


def _fit_widths(sheet, values):
    """Widen each column to the widest number it shows (formatted), so no cell shows #####."""
    merged = {(r, c) for r1, c1, r2, c2 in sheet.merges for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)
              if (r, c) != (r1, c1)}
    spans = {(r1, c1): c2 - c1 + 1 for r1, c1, r2, c2 in sheet.merges}
    extremes = {}  # (column, format, input?) -> [largest, most negative, every General value...]
    for (row, col), spec in sheet.cells.items():
        if (row, col) in merged or spans.get((row, col), 1) > 1:
            continue
        value = values.get((sheet.name, row, col), spec.value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            fmt = number_format(spec.fmt)
            group = extremes.setdefault((col, fmt, spec.style.startswith("input")), [])
            if fmt is None or "E" in fmt:  # General: width depends on the digits, not only the size
                group.append(value)
            elif len(group) < 2:
                group.extend((value, value))
            else:
                group[0] = value if abs(value) > abs(group[0]) else group[0]
                group[1] = value if value < group[1] else group[1]
    for (col, fmt, is_input), group in extremes.items():
        need = max(numfmt.width_chars(fmt, v) for v in group) + (1 if is_input else 0)
        if need > sheet.widths.get(col, 8.43):
            sheet.widths[col] = need


def _row_heights(sheet):
    """Row heights for wrapped text: lines the text needs in its (merged) width, times the line height."""
    spans = {(r1, c1): sum(sheet.widths.get(c, 8.43) for c in range(c1, c2 + 1)) for r1, c1, r2, c2 in sheet.merges
             if r1 == r2}
    heights = {}
    for (row, col), spec in sheet.cells.items():
        text = spec.value
        if not isinstance(text, str) or isinstance(text, Formula) or not STYLES[spec.style].get("alignment") \
                or not STYLES[spec.style]["alignment"].wrap_text:
            continue
        points = FONT_PT[spec.style]
        width = spans.get((row, col), sheet.widths.get(col, 8.43))
        per_line = max(width * 11 / points - 1, 4)  # a column fits len - 2 characters of its type (put)
        lines = sum(max(1, -(-len(part) // int(per_line))) for part in text.split("\n"))
        heights[row] = max(heights.get(row, 0), lines * points * 1.3 + 3)
    for row, height in heights.items():
        if height > 16 or row in sheet.heights:
            sheet.heights[row] = max(sheet.heights.get(row, 0), height)


def _printed_px(sheet):
    """Width of the printed columns in pixels (Excel: 7 px a character and 5 px of padding)."""
    return sum(int(w * 7 + 5) for c, w in sheet.widths.items() if not sheet.print_cols or c <= sheet.print_cols)


def _size_text_column(sheet):
    """The widest column of wrapped sources gives or takes width. A sheet that misses one landscape page at
    >= 7 pt by less than that column can give (down to ``_TEXT_MIN`` characters) narrows it: its text wraps
    onto more lines instead of the sheet printing across two pages. A sheet printed at full size with
    room to spare on its page widens it (up to its longest text): fewer lines, shorter rows, fewer pages."""
    styles, longest = {}, {}
    for (_, col), spec in sheet.cells.items():
        if spec.style != "header":
            styles.setdefault(col, set()).add(spec.style)
            longest[col] = max(longest.get(col, 0), len(spec.value) if isinstance(spec.value, str) else 0)
    text = [c for c, used in styles.items() if used <= _TEXT_STYLES and (not sheet.print_cols or c <= sheet.print_cols)]
    col = max(text, key=lambda c: sheet.widths.get(c, 8.43), default=None)
    if col is None:
        return
    width, printed_px = sheet.widths.get(col, 8.43), _printed_px(sheet)
    smallest_pt = min((FONT_PT[c.style] for c in sheet.cells.values()), default=11)
    excess_px = printed_px - int(PAGE_PX["landscape"] * smallest_pt / MIN_PRINT_PT / 1.1)  # fits at 7 pt
    if excess_px > 0:
        if width - excess_px / 7 >= _TEXT_MIN:
            sheet.widths[col] = width - -(-excess_px // 7)
        return
    orientation, scale, _ = _page_format(sheet)
    spare_px = int(PAGE_PX[orientation] / 1.1) - printed_px
    if scale >= 1 and spare_px >= 7:
        sheet.widths[col] = max(width, min(width + spare_px // 7, longest[col] + 2))


_TEXT_STYLES = {"source_col", "method", "note"}
_TEXT_MIN = 30  # characters: a source column narrower than this wraps into tall rows


def _page_format(sheet):
    """(orientation, scale, fit): portrait unless the sheet is too wide for it; fit to one page wide (at ``scale``)
    only if its type stays >= 7 pt."""
    width_px = _printed_px(sheet)
    smallest_pt = min((FONT_PT[c.style] for c in sheet.cells.values()), default=11)
    # spreadsheet programs render columns a little wider than 7 px a character: 10% margin
    portrait = min(1.0, PAGE_PX["portrait"] / (1.1 * width_px)) if width_px else 1
    # a portrait page fitted to the sheet's width holds more rows than a landscape one (9.7 in of height
    # at 3/4 of the width against 7.2 in): portrait wherever its type stays readable
    orientation = "portrait" if portrait * smallest_pt >= MIN_PRINT_PT else "landscape"
    scale = portrait if orientation == "portrait" else min(1.0, PAGE_PX["landscape"] / (1.1 * width_px))
    return orientation, scale, scale * smallest_pt >= MIN_PRINT_PT


def _paginate(sheet):
    """Page ends before blocks that would straddle a page, header rows repeated only where needed (pages.py)."""
    orientation, scale, fit = _page_format(sheet)
    styles = {}
    for (row, _), spec in sheet.cells.items():
        styles[row] = max(styles.get(row, 0), FONT_PT[spec.style])

    def row_pt(row):  # an explicit height, else the line height of the row's largest type
        return sheet.heights.get(row) or max(15.0, 1.36 * styles.get(row, 0))

    # fitted to the page's width at the printed columns' own width (the 10% margin aside): pages hold no more
    shrink = min(1.0, PAGE_PX[orientation] / _printed_px(sheet)) if fit else 1.0
    page_pt = (PAGE_PT[orientation] - (_MARGIN_TOP_IN + _MARGIN_BOTTOM_IN) * 72) / shrink
    pages.plan(sheet, row_pt, page_pt, sheet.print_rows or max((r for r, _ in sheet.cells), default=0))


def _print_setup(ws, sheet):
    """Orientation, fit to width, margins, repeated rows or columns, page numbers, page ends."""
    orientation, scale, fit = _page_format(sheet)
    ws.page_setup.orientation = orientation
    ws.print_options.horizontalCentered = False
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top, ws.page_margins.bottom = _MARGIN_TOP_IN, _MARGIN_BOTTOM_IN
    ws.page_margins.header, ws.page_margins.footer = 0.3, 0.3
    if fit:
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    elif scale < 1:  # too wide for one page at readable type: pages run across, each repeating the names
        ws.print_title_cols = "A:A"
    if sheet.print_cols:  # the other columns (a rows table's inputs and steps) are on screen only
        charts_end = [spec.anchor[0] + int(spec.height / ROW_HEIGHT_CM) + 1 for spec in sheet.charts]  # charts print too
        last = sheet.print_rows or max([r for r, _ in sheet.cells] + charts_end)
        ws.print_area = f"A1:{get_column_letter(sheet.print_cols)}{last}"
    if sheet.header_rows:
        ws.print_title_rows = f"{sheet.header_rows[0]}:{sheet.header_rows[1]}"
    ws.oddFooter.left.text = "&A"
    ws.oddFooter.right.text = "Page &P of &N"
    ws.oddFooter.left.size = ws.oddFooter.right.size = 9
    ws.oddHeader.left.text = "&F"
    ws.oddHeader.left.size = 9
    for row in sorted(set(sheet.breaks)):
        if row > 0:
            ws.row_breaks.append(Break(id=row))


def workbook(book, values=None):
    """An openpyxl Workbook holding ``book``; ``values`` (formula cell values) size the columns."""
    values = values or {}
    styler = Styler()
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in book.sheets.values():
        ws = wb.create_sheet(sheet.name)
        ws.sheet_view.showGridLines = False
        _fit_widths(sheet, values)
        _size_text_column(sheet)
        _row_heights(sheet)
        _paginate(sheet)
        for (row, col), spec in sorted(sheet.cells.items()):
            cell = write_cell(ws, row, col, spec, styler)
            if spec.style == "link":
                cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"{quote_sheetname(spec.value)}!A1",
                                           display=spec.value)
        for r1, c1, r2, c2 in sheet.merges:
            ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
            if r1 == r2 and c2 > c1 and sheet.cells.get((r1, c1)) and sheet.cells[(r1, c1)].style in (
                    "computed", "linked", "input"):
                ws.cell(r1, c1).alignment = Alignment(horizontal="center")
        for row, height in sorted(sheet.heights.items()):
            ws.row_dimensions[row].height = round(height, 1)
        for col, width in sorted(sheet.widths.items()):
            ws.column_dimensions[get_column_letter(col)].width = round(width, 2)
        _validations(ws, sheet)
        for area in sheet.statuses:
            ws.conditional_formatting.add(area, CellIsRule(operator="equal", formula=['"matches"'], fill=_MATCH_FILL))
            ws.conditional_formatting.add(area, CellIsRule(operator="equal", formula=['"differs"'], fill=_DIFFER_FILL))
            ws.conditional_formatting.add(area, CellIsRule(operator="equal", formula=['"invalid input"'],
                                                           fill=_ERROR_FILL))
        for area in sheet.kinds:
            for kind in ("arithmetic error", "method error", "unexplained", "invalid input"):
                ws.conditional_formatting.add(area, CellIsRule(operator="equal", formula=[f'"{kind}"'],
                                                               fill=_DIFFER_FILL))
        if sheet.freeze:
            ws.freeze_panes = sheet.freeze
        _print_setup(ws, sheet)
        for spec in sheet.charts:
            _year_axis(sheet, spec, values)
            title = values.get((sheet.name, *spec.title_cell)) if spec.title_cell else None
            ws.add_chart(charts.make(ws, spec, title), f"{get_column_letter(spec.anchor[1])}{spec.anchor[0]}")
    for name, ref in book.names.items():
        wb.defined_names[name] = DefinedName(name, attr_text=ref.address)
    for name, area in book.range_names.items():
        wb.defined_names[name] = DefinedName(name, attr_text=area)
    wb.properties.creator = "xlcost"
    wb.properties.lastModifiedBy = "xlcost build"
    wb.properties.title = book.title
    wb.properties.created = wb.properties.modified = FIXED_TIME
    return wb


def _year_axis(sheet, spec, values):
    """A scatter chart over years: an axis from the year before the first to the year after the last."""
    if spec.type != "scatter" or spec.x_min is not None or not spec.categories:
        return
    r1, c1, r2, c2 = spec.categories
    xs = [values.get((sheet.name, r, c), sheet.cells.get((r, c)) and sheet.cells[(r, c)].value)
          for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]
    if xs and all(isinstance(x, (int, float)) and 1900 <= x <= 2100 and x == int(x) for x in xs):
        spec.x_min, spec.x_max, spec.x_format = min(xs) - 1, max(xs) + 1, spec.x_format or "0"


def _validations(ws, sheet):
    groups = {}
    for kind, coordinate, free in sheet.validations:
        groups.setdefault((kind, free), []).append(coordinate)
    for ((kind, formula), free), coordinates in groups.items():
        if kind == "list":
            # free entry: the list is a suggestion, any value may be typed (a warning, not a refusal)
            dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=not free,
                                error="Pick a value from the list")
        else:
            dv = DataValidation(allow_blank=False, showErrorMessage=True, **_VALIDATIONS[kind])
        dv.errorTitle = "xlcost input"
        dv.sqref = " ".join(coordinates)
        ws.add_data_validation(dv)


def set_fingerprint(wb, fingerprint):
    wb.custom_doc_props.append(StringProperty(name="xlcost_fingerprint", value=fingerprint))
