"""Sheets that copy data rather than compute: the catalog (dropdown lists) and settings."""

from openpyxl.utils import quote_sheetname

from . import numfmt

# catalog columns printed as wrapped text rather than widening their column
_TEXT_COLUMNS = ("source", "notes")
_TEXT_WIDTH = 40  # characters of a source or note on paper (the whole text is in the cell)


# a catalog column's unit, from its name (the catalog's units-in-names rule)
_COLUMN_UNITS = (("_bytes_per_s", "bytes/s"), ("_bytes", "bytes"), ("_flops", "FLOP/s"), ("_ops", "OP/s"),
                 ("params", "parameters"),
                 ("_tokens", "tokens"))


def expr_text(value):
    """A catalog value as a cell shows it in the General format (4096, not 4096.0)."""
    return numfmt.display(None, value) if isinstance(value, (int, float)) else str(value)


def _large_number_format(column):
    """A large catalog number in its unit (TFLOP/s, TOPS, GB, GB/s, billions), else with thousands separators."""
    unit = next((u for suffix, u in _COLUMN_UNITS if column.endswith(suffix)), None)
    return numfmt.for_unit(unit, "0.00E+00") if unit else "#,##0"


class OtherSheets:
    """``kind = "catalog"`` and ``kind = "conf"`` tables (mixed into ``layout.Compiler``)."""

    def _place_catalog(self, sheet, table):
        from .. import catalog

        r = self._heading(sheet, table)
        columns = table["columns"]
        for j, column in enumerate(columns):
            sheet.put(r, 1 + j, column.replace("_", " "), "header_wrap", width=7 if column not in _TEXT_COLUMNS else _TEXT_WIDTH)
        sheet.heights[r] = 45
        sheet.header_rows = sheet.header_rows or (r, r)
        tables = table["catalog"] if isinstance(table["catalog"], list) else [table["catalog"]]
        rows = [row for name in tables for row in catalog.table(name).rows]
        for i, row in enumerate(rows):
            for j, column in enumerate(columns):
                value = row.get(column)
                if value is None or value == "":
                    continue
                # a data appendix: one line per row; long sources are whole in the cell, cut on paper
                style = "catalog_text" if column in _TEXT_COLUMNS else ("label" if j == 0 else "cell")
                fmt = _large_number_format(column) if isinstance(value, float) and value >= 1e6 else None
                # as wide as the value shows (6.1B, not 6053381344.0); numbers are widened to their format later
                shown = numfmt.display(numfmt.number_format(fmt), value) if fmt else expr_text(value)
                sheet.put(r + 1 + i, 1 + j, value, style, fmt,
                          width=None if column in _TEXT_COLUMNS else min(len(shown) + 2, 22))
        if table.get("name"):
            self.book.range_names[table["name"]] = f"{quote_sheetname(sheet.name)}!$A${r + 1}:$A${r + len(rows)}"
        # print up to the last column: a long source is cut at its cell's edge instead of running on
        # into pages of empty columns
        sheet.print_cols = max(sheet.print_cols or 0, len(columns))
        sheet.freeze = sheet.freeze or f"B{r + 1}"
        sheet.row = r + len(rows) + 2

    def _place_conf(self, sheet, table):
        for i, (key, value) in enumerate(table["entries"], start=sheet.row):
            sheet.put(i, 1, key, "label", width=20)
            sheet.put(i, 2, value, "text", width=20)
        sheet.row += len(table["entries"]) + 1
