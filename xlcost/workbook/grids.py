"""Grids: one quantity over a row axis and a column axis (sensitivity tables).

Either one formula per cell, rendered once and re-addressed per cell, or one array
formula over the whole grid (``spill = true``, for Excel functions that spill).
"""

from openpyxl.utils import get_column_letter, quote_sheetname

from . import expr, refs as names
from .book import Cell, ChartSpec, Formula, Ref

# stand-ins for the two axis cells while a grid's formula is rendered once
_ROW, _COL = "XLCOSTGRIDROWAXIS", "XLCOSTGRIDCOLAXIS"


class GridLayout:
    """Placement of ``kind = "grid"`` tables (mixed into ``layout.Compiler``)."""

    def _place_grid(self, sheet, table):
        where = f"{self.where} grid {table.get('id', '')}"
        r = self._heading(sheet, table)
        rows, cols = table["rows"], table["cols"]
        nr, nc = len(rows["values"]), len(cols["values"])
        sheet.put(r, 2, cols["label"] + (f" ({cols['unit']})" if cols.get("unit") else "") + " →", "subheading")
        header = r + 1
        sheet.put(header, 1, rows["label"] + (f" ({rows['unit']})" if rows.get("unit") else "") + " ↓", "header",
                  width=16)
        if not sheet.header_rows:
            sheet.header_rows, sheet.header_last = (header, header), header + len(rows["values"])
        sheet.keep.append((sheet.tables[-1][2], header + len(rows["values"])))
        row_refs, col_refs = [], []
        for j, value in enumerate(cols["values"]):
            ref = Ref(sheet.name, header, 2 + j, kind="axis", value=value, where=where, table=table.get("id", ""))
            ref.excel = f"{get_column_letter(2 + j)}${header}"
            sheet.put(header, 2 + j, value, "input_header", cols.get("format"), width=12)
            self.book.inputs.append(ref)
            col_refs.append(ref)
        for i, value in enumerate(rows["values"]):
            ref = Ref(sheet.name, header + 1 + i, 1, kind="axis", value=value, where=where, table=table.get("id", ""))
            ref.excel = f"$A{header + 1 + i}"
            sheet.put(header + 1 + i, 1, value, "input", rows.get("format"))
            self.book.inputs.append(ref)
            row_refs.append(ref)
        row_range = f"$A${header + 1}:$A${header + nr}"
        col_range = f"${get_column_letter(2)}${header}:${get_column_letter(1 + nc)}${header}"
        for axis, text, values in ((rows, row_range, [[v] for v in rows["values"]]),
                                   (cols, col_range, [list(cols["values"])])):
            if axis.get("name"):
                self.book.range_names[axis["name"]] = f"{quote_sheetname(sheet.name)}!{text}"
                self.book.range_values[axis["name"]] = values
        spec = {k: table[k] for k in ("quantity", "args", "formula") if k in table}
        if table.get("spill"):
            self._spill(sheet, table, spec, rows, cols, row_range, col_range, header, nr, nc, where)
        else:
            self._per_cell(sheet, table, spec, rows, cols, row_refs, col_refs, header, where)
        end = header + 1 + nr
        r = self._notes(sheet, table, end, last_col=1 + nc)
        for chart in table.get("chart", []):
            spec_ = self._chart_spec(chart, x_title=chart.get("x_title", rows["label"]))
            spec_.categories = (header + 1, 1, header + nr, 1)
            for j in range(nc):
                spec_.series.append(((header, 2 + j), (header + 1, 2 + j, header + nr, 2 + j)))
            sheet.charts.append(spec_)
        sheet.row = r + 1

    def _per_cell(self, sheet, table, spec, rows, cols, row_refs, col_refs, header, where):
        """One formula per cell: the text is rendered once, then each cell gets its own axis addresses."""
        row_axis, col_axis = Ref(sheet.name, 0, 1, kind="axis"), Ref(sheet.name, header, 0, kind="axis")
        row_axis.excel, col_axis.excel = _ROW, _COL
        local = {rows["key"]: [row_axis], cols["key"]: [col_axis]}
        resolved = names.resolve_spec(spec, local, [{"key": ""}], 0, where)
        probe = Ref(sheet.name, 0, 0, kind="computed", quantity=spec.get("quantity"), where=where)
        if "quantity" in spec:
            probe.args = resolved
        else:
            probe.tokens = resolved
        fmt = table.get("format")
        grid = []
        for i, row_ref in enumerate(row_refs):
            line = []
            for col_ref in col_refs:
                ref = Ref(sheet.name, row_ref.row, col_ref.col, None, "computed", quantity=probe.quantity,
                          where=where, table=table.get("id", ""))
                ref.excel = ref.coordinate
                ref.binding = (probe, {id(row_axis): row_ref, id(col_axis): col_ref})
                ref.about = (f"{rows['label']} = {row_ref.value:g}", f"{cols['label']} = {col_ref.value:g}",
                             table.get("unit", ""), f"xlcost core: {probe.quantity}" if probe.quantity else "formula")
                self.book.computed.append(ref)
                sheet.cells[(ref.row, ref.col)] = Cell(None, "computed", fmt, ref=ref)
                line.append(ref)
            grid.append(line)
        self.book.grids.append((grid, row_refs, col_refs))

        def emit():
            text = names.formula_text(self.book, probe)
            for line in grid:
                for ref in line:
                    sheet.cells[(ref.row, ref.col)].value = Formula(
                        "=" + text.replace(_ROW, f"$A{ref.row}").replace(_COL, f"{get_column_letter(ref.col)}${header}"))
        self.deferred.append(emit)

    def _spill(self, sheet, table, spec, rows, cols, row_range, col_range, header, nr, nc, where):
        """One array formula over the grid: axis names stand for the axis ranges."""
        axis_names = {rows["key"]: rows.get("name", row_range), cols["key"]: cols.get("name", col_range)}
        top = (header + 1, 2)
        area = f"B{header + 1}:{get_column_letter(1 + nc)}{header + nr}"
        for i in range(nr):
            for j in range(nc):
                sheet.put(header + 1 + i, 2 + j, None, "computed", table.get("format"))

        def emit():
            tokens = names.checked(spec["formula"], where)
            for token in tokens:
                if token.kind == "name":
                    token.ref = names.Fixed(axis_names[token.text]) if token.text in axis_names else names.Pending(
                        token.text, where).resolve(self.book)
            cell = Cell(Formula("=" + expr.render_tokens(tokens)), "computed", table.get("format"), array=area)
            cell.ref = Ref(sheet.name, top[0], top[1], None, "computed", tokens=tokens, where=where)
            sheet.cells[top] = cell
        self.deferred.append(emit)
