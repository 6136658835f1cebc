"""Where printed pages end: a block kept on one page, a header repeated only where its table runs on.

The layout marks blocks (``Sheet.keep``: a table from its title to its last row, an audit
from its title to its last check, a heading with its first rows) and the rows its
repeated header belongs to (``Sheet.header_last``). Given each row's height and the
page's, this walks the rows as a printer fills pages and

- drops the repeated header when its table ends on the page it starts on (on later
  pages it would head other blocks: an audit's rows under a table's "Unit");
- ends the page before a block that would straddle two pages but fits on one, or, when it
  is longer than a page, before its first rows would (no title stranded at a page's foot).

Heights are estimates (points at the print scale, Calibri's line height), so a block that
fits with less than a line to spare may still move: the rule only adds page ends.

>>> from xlcost.workbook.book import Sheet
>>> sheet = Sheet("s", keep=[(30, 39)], header_rows=(3, 3), header_last=20)
>>> plan(sheet, lambda r: 15.0, 500.0, last_row=60)
>>> sheet.breaks, sheet.header_rows
([29], None)
"""

KEEP_ROWS = 4  # of a block longer than a page: its title and first rows stay together


def plan(sheet, row_pt, page_pt, last_row):
    """Add to ``sheet.breaks`` and clear ``sheet.header_rows`` as the rules above say.

    ``row_pt(row)`` is a row's height and ``page_pt`` the printable height, both in points.
    """
    if sheet.header_rows and sheet.header_last:
        _, ends = _fill(sheet, row_pt, page_pt, last_row, 0.0)
        if ends.get(sheet.header_rows[0]) == ends.get(sheet.header_last):
            sheet.header_rows = None
    title_pt = sum(row_pt(r) for r in range(sheet.header_rows[0], sheet.header_rows[1] + 1)) \
        if sheet.header_rows else 0.0
    sheet.breaks, _ = _fill(sheet, row_pt, page_pt, last_row, title_pt)


def _fill(sheet, row_pt, page_pt, last_row, title_pt):
    """(page ends, {row: its page number}) of the rows filled onto pages with the keep rule."""
    breaks = set(sheet.breaks)
    keeps = {}
    for first, last in sheet.keep:
        keeps[first] = max(keeps.get(first, first), last)
    page, y, pages = 0, 0.0, {}
    for r in range(1, last_row + 1):
        if r - 1 in breaks and r > 1:
            page, y = page + 1, title_pt
        if r in keeps and y > title_pt:
            block = sum(row_pt(i) for i in range(r, keeps[r] + 1))
            if block > page_pt - title_pt:  # longer than a page: its title and first rows together
                block = sum(row_pt(i) for i in range(r, min(r + KEEP_ROWS, keeps[r]) + 1))
            if y + block > page_pt:
                breaks.add(r - 1)
                page, y = page + 1, title_pt
        height = row_pt(r)
        if y + height > page_pt and y > title_pt:
            page, y = page + 1, title_pt
        y += height
        pages[r] = page
    return sorted(breaks), pages
