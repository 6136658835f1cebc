"""The Data sheet: every figure of the workbook as one tidy table, for pandas and other readers.

One row per input and computed cell: ``table | row | column | value | unit | source``,
from A1, no title. Each value is a formula pointing at the cell it reports (so it
follows every edit) with its value stored, so ``pandas.read_excel(path, sheet_name="Data")``
is the whole workbook as data.
"""

from .book import DATA, Formula
from .expr import TemplateError

HEADERS = ("table", "row", "column", "value", "unit", "source")
PRINTED_ROWS = 25  # the sheet is for reading by program: it prints its first page only


class DataLayout:
    """The Data sheet (mixed into ``layout.Compiler``)."""

    def _data_sheet(self):
        if not self.data["workbook"].get("data", True):
            return
        if DATA in self.book.sheets:
            raise TemplateError(f"{self.where}: the sheet name {DATA!r} is the Data sheet's; name the table's sheet "
                                "otherwise (or set [workbook] data = false)")
        order = {table.get("id", ""): i for i, table in enumerate(self.data["table"])}
        refs = sorted((ref for ref in self.book.inputs + self.book.computed if ref.about),
                      key=lambda ref: order.get(ref.table, len(order)))  # by table, inputs before results
        sheet = self.book.sheet(DATA)
        sheet.tables.append((DATA, "Every figure as one table (table, row, column, value, unit, source; each value a "
                                   "formula on its cell): pandas.read_excel(path, sheet_name=\"Data\"). Prints its "
                                   "first page", 1))
        texts = [(ref.table, *ref.about) for ref in refs]
        for col, title in enumerate(HEADERS, start=1):  # each text column as wide as its text, up to 40 (then it wraps)
            widest = max((len(str(t[col - 1 if col < 4 else col - 2])) for t in texts), default=8) if col != 4 else 12
            sheet.put(1, col, title, "header", width=min(max(widest, 6) + 2, 40))
        for r, ref in enumerate(refs, start=2):
            row, column, unit, source = ref.about
            home = self.book.sheets[ref.sheet].cells.get((ref.row, ref.col))
            sheet.put(r, 1, ref.table, "text", width=0)
            sheet.put(r, 2, row, "text", width=0)
            sheet.put(r, 3, column, "text", width=0)
            formula = f"IF(ISBLANK({ref.address}),\"\",{ref.address})" if ref.kind == "input" else ref.address
            sheet.put(r, 4, Formula("=" + formula), "computed", home.fmt if home else None,
                      compute=lambda get, ref=ref: _blank(get(ref.sheet, ref.row, ref.col)))
            sheet.put(r, 5, unit, "text", width=0)
            sheet.put(r, 6, source, "text", width=0)
        sheet.header_rows = (1, 1)
        sheet.freeze = "A2"
        sheet.print_rows = min(PRINTED_ROWS, len(refs) + 1)
        sheet.print_cols = len(HEADERS)


def _blank(value):
    return "" if value is None else value
