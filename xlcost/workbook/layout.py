"""Lay a checked template out on sheets: where every cell goes, its name, its formula.

The result (a ``Book``) is plain data, independent of openpyxl: ``xlsx`` writes it,
``evaluate`` computes it in Python through the core, and the tests read positions
from it. Formulas of core quantities are the core's own ``.excel`` patterns with
arguments filled in by ``expr.fill``; template formulas (ratios, the article's own
arithmetic) are rendered from the template text.
"""

import inspect
import re
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter, quote_sheetname

from . import expr
from .expr import TemplateError
from .template import per_item

CONTENTS = "Contents"


@dataclass(eq=False)
class Ref:
    """A cell a formula can refer to: an input, a computed value, a grid axis value."""

    sheet: str
    row: int
    col: int
    name: str | None = None
    kind: str = "input"  # input | computed | axis
    value: object = None  # inputs and axis values
    quantity: str | None = None
    args: dict | None = None  # argument -> tokens
    tokens: list | None = None  # template formula
    scale: float = 1.0
    excel: str = ""  # how formulas refer to it
    where: str = ""

    @property
    def coordinate(self):
        return f"{get_column_letter(self.col)}{self.row}"

    @property
    def address(self):
        return f"{quote_sheetname(self.sheet)}!${get_column_letter(self.col)}${self.row}"


class Formula(str):
    """Cell text that is a formula. Any other text is written as text, never parsed."""


@dataclass
class Cell:
    value: object
    style: str = "text"
    fmt: str | None = None
    comment: str | None = None
    array: str | None = None  # range of an array formula anchored here


@dataclass
class Audit:
    sheet: str
    table: str
    label: str
    row: int
    ref: Ref
    published: float
    precision: float
    expect: str
    note: str

    status_col = 6


@dataclass
class ChartSpec:
    type: str
    title: str
    anchor: tuple = (1, 1)
    series: list = field(default_factory=list)  # (title, (r1, c1, r2, c2))
    categories: tuple | None = None  # (r1, c1, r2, c2)
    x_title: str | None = None
    y_title: str | None = None
    y_format: str | None = None
    x_format: str | None = None
    log_x: bool = False
    log_y: bool = False
    y_min: float | None = None
    y_max: float | None = None
    width: float = 16.0
    height: float = 8.0
    grouping: str | None = None


@dataclass
class Sheet:
    name: str
    cells: dict = field(default_factory=dict)
    merges: list = field(default_factory=list)
    widths: dict = field(default_factory=dict)
    heights: dict = field(default_factory=dict)
    validations: list = field(default_factory=list)  # (spec dict, coordinate)
    charts: list = field(default_factory=list)
    statuses: list = field(default_factory=list)  # status cell coordinates
    freeze: str | None = None
    fit_width: bool = True
    row: int = 1
    tables: list = field(default_factory=list)  # (id, title, first row)

    def put(self, row, col, value, style="text", fmt=None, comment=None, width=None):
        self.cells[(row, col)] = Cell(value, style, fmt, comment)
        if width is None and isinstance(value, str) and not isinstance(value, Formula) and style != "title":
            width = min(len(value) + 2, 60) if style not in ("caption", "source", "note", "source_col", "method") else None
        if width:
            self.widths[col] = max(self.widths.get(col, 8), width)


@dataclass
class Book:
    file: str
    title: str
    template: dict
    sheets: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)
    computed: list = field(default_factory=list)
    inputs: list = field(default_factory=list)
    audits: list = field(default_factory=list)
    range_names: dict = field(default_factory=dict)  # name -> absolute range text

    def sheet(self, name):
        if name not in self.sheets:
            if len(name) > 31 or any(c in name for c in "[]:*?/\\"):
                raise TemplateError(f"{self.file}: sheet name {name!r} is not allowed in Excel")
            self.sheets[name] = Sheet(name)
        return self.sheets[name]


_A1 = re.compile(r"^[A-Za-z]{1,3}[0-9]+$|^[RrCc]([0-9]*)$|^[Rr][0-9]*[Cc][0-9]*$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _register(book, ref, where):
    name = ref.name
    if not _NAME.match(name) or _A1.match(name) or name.upper() in ("TRUE", "FALSE"):
        raise TemplateError(f"{where}: {name!r} cannot be an Excel defined name")
    if name.lower() in {n.lower() for n in book.names}:
        raise TemplateError(f"{where}: defined name {name!r} is used twice in the workbook")
    ref.excel = name
    book.names[name] = ref


def _catalog_value(spec, where):
    """(value, source text) of a "table:name:column" catalog reference; a fourth part
    "table:name:column:YYYY-MM-DD" takes the row in force on that date (an article's prices)."""
    from .. import catalog

    try:
        table, name, column, *as_of = spec.split(":")
        if len(as_of) > 1:
            raise ValueError("expected table:name:column[:as_of]")
        row = catalog.table(table).find(name, as_of[0] if as_of else None)
        value = row[column]
    except (ValueError, KeyError) as error:
        raise TemplateError(f"{where}: bad catalog reference {spec!r} ({error})") from None
    if value is None:
        raise TemplateError(f"{where}: catalog {table} {row['name']} has no {column}")
    return value, f"catalog {table}: {row['name']}.{column} ({row['source']}, {row['date']})"


def _short(text, limit=160):
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class Compiler:
    def __init__(self, data):
        self.data = data
        wb = data["workbook"]
        self.book = Book(wb["file"], wb["title"], data)
        self.where = data.get("_path", wb["file"]).rsplit("/", 1)[-1]
        self.deferred = []

    # ------------------------------------------------------------------ driver
    def compile(self):
        if self.data["workbook"].get("contents", True):
            self.book.sheet(CONTENTS)
        for table in self.data["table"]:
            sheet = self.book.sheet(table["sheet"])
            getattr(self, "_place_" + table["kind"])(sheet, table)
        for job in self.deferred:
            job()
        for sheet in self.book.sheets.values():
            self._place_charts(sheet)
        if CONTENTS in self.book.sheets:
            self._contents(self.book.sheets[CONTENTS])
        return self.book

    # ------------------------------------------------------------------ headers
    def _heading(self, sheet, table):
        r = sheet.row
        sheet.tables.append((table.get("id", ""), table.get("title", ""), r))
        if table.get("title"):
            sheet.put(r, 1, table["title"], "title")
            r += 1
        if table.get("caption"):
            sheet.put(r, 1, table["caption"], "caption")
            r += 1
        if table.get("source"):
            sheet.put(r, 1, "Source: " + table["source"], "source")
            r += 1
        return r + 1

    def _notes(self, sheet, table, r):
        for line in table.get("notes", []):
            sheet.put(r, 1, line, "note")
            r += 1
        return r

    # ------------------------------------------------------------------ tables
    def _place_table(self, sheet, table):
        where = f"{self.where} table {table.get('id', '')}"
        items = table["items"] or [{"key": "", "label": "Value"}]
        n = len(items)
        rows_layout = table["layout"] == "rows"
        prefix = table.get("prefix", "")
        r = self._heading(sheet, table)
        header = r
        refs = {}  # field key -> [Ref per item]
        fields = [f for f in table["field"] if not (rows_layout and "heading" in f)]
        if rows_layout:
            sheet.put(header, 1, table.get("label_header", ""), "header", width=14)
            source_col = 2 + len([f for f in fields if "heading" not in f])
            for i, item in enumerate(items):
                sheet.put(header + 1 + i, 1, item["label"], "label")
                if item.get("source"):
                    sheet.put(header + 1 + i, source_col, item["source"], "source_col")
            sheet.put(header, source_col, "Source", "header", width=18)
            sheet.heights[header] = 45
            end = header + 1 + n
        else:
            sheet.put(header, 1, table.get("label_header", table.get("id", "")), "header")
            sheet.put(header, 2, "Unit", "header", width=12)
            for i, item in enumerate(items):
                sheet.put(header, 3 + i, item["label"], "header_item", width=min(max(len(item["label"]) + 2, 15), 24),
                          comment=item.get("source"))
            source_col = 3 + n
            if any(len(item["label"]) > 22 for item in items):
                sheet.heights[header] = 30
            sheet.put(header, source_col, "Source / method", "header", width=18)
            end = header + 1
        j = 0
        for spec in fields:
            if "heading" in spec:
                sheet.put(end, 1, spec["heading"], "subheading")
                end += 1
                continue
            fwhere = f"{where} field {spec['key']}"
            if rows_layout:
                col = 2 + j
                label = spec["label"] + (f"\n({spec['unit']})" if spec.get("unit") else "")
                sheet.put(header, col, label, "header_wrap", comment=spec.get("source") or spec.get("method"),
                          width=min(max(len(spec["label"]) * 0.6 + 4, 13), 22))
                cells = [(header + 1 + i, col) for i in range(n)]
            else:
                sheet.put(end, 1, spec["label"], "label")
                if spec.get("unit"):
                    sheet.put(end, 2, spec["unit"], "unit")
                cells = [(end, 3 + i) for i in range(n)]
            refs[spec["key"]] = self._field(sheet, table, spec, items, cells, prefix, refs, fwhere, source_col,
                                            rows_layout)
            j += 1
            if not rows_layout:
                end += 1
        sheet.widths[1] = max(sheet.widths.get(1, 8), 16)
        r = self._notes(sheet, table, end)
        table["_refs"], table["_header"], table["_items"] = refs, header, items
        table["_first"], table["_cells"] = header + 1, {}
        r = self._audit_block(sheet, table, items, refs, r + 1, where)
        if not sheet.freeze and len(self._tables_on(sheet.name)) == 1:
            sheet.freeze = f"{'B' if rows_layout else 'C'}{header + 1}"
        self._chart_specs(sheet, table, refs, items, rows_layout, header)
        sheet.row = r + 1

    def _tables_on(self, name):
        return [t for t in self.data["table"] if t["sheet"] == name]

    def _field(self, sheet, table, spec, items, cells, prefix, refs, where, source_col, rows_layout):
        n = len(items)
        name = prefix + spec.get("name", spec["key"])
        fmt = spec.get("format")
        computed = "quantity" in spec or "formula" in spec
        out = []
        if not computed:
            shared = "value" in spec or ("catalog" in spec and not isinstance(spec["catalog"], list))
            if "values" in spec:
                shared = False
            values = per_item(spec.get("values", spec.get("value")), items, where) if not shared else [spec.get("value")] * n
            catalogs = per_item(spec.get("catalog", ""), items, where)
            sources = []
            for i in range(1 if shared else n):
                value, source = values[i], spec.get("source", "")
                if catalogs[i]:
                    cvalue, csource = _catalog_value(catalogs[i], where)
                    if value is None or value == "":
                        value, source = cvalue, (source + "; " if source else "") + csource
                    elif abs(float(cvalue) - float(value)) <= 1e-9 * abs(float(value)):
                        source = (source + "; " if source else "") + "= " + csource
                    else:
                        source = (source + "; " if source else "") + f"{csource} gives {expr.number(cvalue)}"
                if value is None:
                    raise TemplateError(f"{where}: no value")
                if value == "":
                    value = None  # an empty input: functions take their documented default
                sources.append(source)
                row, col = cells[i]
                ref = Ref(sheet.name, row, col, name if (shared or n == 1) else f"{name}_{items[i]['key']}",
                          "input", value, where=where)
                _register(self.book, ref, where)
                self.book.inputs.append(ref)
                style = "input_text" if isinstance(value, str) else "input"
                long_or_per_item = len(sources[-1]) > 160 or (rows_layout and catalogs[i])
                sheet.put(row, col, value, style, fmt, comment=sources[-1] if long_or_per_item else None)
                self._validation(sheet, spec, ref, where)
                out.append(ref)
            if shared and n > 1:
                if not rows_layout:
                    sheet.merges.append((cells[0][0], cells[0][1], cells[-1][0], cells[-1][1]))
                out = out * n
            source_text = "; ".join(dict.fromkeys(s for s in sources if s))
            if not rows_layout and source_text:
                sheet.put(cells[0][0], source_col, _short(source_text), "source_col")
            return out
        # computed: per item, unless every reference is shared
        local = {k: v for k, v in refs.items()}
        resolved = []
        for i in range(n):
            resolved.append(self._resolve_spec(spec, local, items, i, where))
        shared = n > 1 and all(_same(resolved[0], r) for r in resolved[1:]) and not rows_layout
        for i in range(1 if shared else n):
            row, col = cells[i]
            ref_name = name if (shared or n == 1) else f"{name}_{items[i]['key']}"
            if resolved[i] is None:
                sheet.put(row, col, "–", "computed_blank")
                out.append(None)
                continue
            ref = Ref(sheet.name, row, col, ref_name, "computed", quantity=spec.get("quantity"),
                      scale=float(spec.get("scale", 1.0)), where=where)
            if "quantity" in spec:
                ref.args = resolved[i]
            else:
                ref.tokens = resolved[i]
            _register(self.book, ref, where)
            self.book.computed.append(ref)
            sheet.put(row, col, None, "computed", fmt)
            self.deferred.append(lambda ref=ref, sheet=sheet, fmt=fmt: self._emit(sheet, ref, fmt))
            out.append(ref)
        if shared:
            sheet.merges.append((cells[0][0], cells[0][1], cells[-1][0], cells[-1][1]))
            out = out * n
        if not rows_layout:
            how = spec.get("method") or (f"xlcost core: {spec['quantity']}" if "quantity" in spec else "")
            text = "; ".join(t for t in (how, spec.get("source", "")) if t)
            if text:
                sheet.put(cells[0][0], source_col, _short(text), "method" if spec.get("method") else "source_col")
        return out

    def _resolve_spec(self, spec, refs, items, i, where):
        """Tokens (formula) or {arg: tokens} (quantity) with local references resolved, None if @prev is absent."""
        if "formula" in spec:
            formula = per_item(spec["formula"], items, where)[i]
            if formula == "":
                return None
            return self._resolve(expr.parse(formula, where), refs, items, i, where)
        from .. import core

        function = getattr(core, spec["quantity"], None)
        if function is None or not getattr(function, "excel", None):
            raise TemplateError(f"{where}: no core quantity {spec['quantity']!r} with an Excel rendering")
        args = {}
        signature = inspect.signature(function)
        given = spec.get("args", {})
        unknown = set(given) - set(signature.parameters)
        if unknown:
            raise TemplateError(f"{where}: {spec['quantity']} has no argument {sorted(unknown)[0]!r}")
        for arg, parameter in signature.parameters.items():
            if arg in given:
                tokens = self._resolve(expr.parse(given[arg], where), refs, items, i, where)
                if tokens is None:
                    return None
                args[arg] = tokens
            elif parameter.default is inspect.Parameter.empty or parameter.default is None:
                raise TemplateError(f"{where}: {spec['quantity']} needs argument {arg!r}")
        return args

    def _resolve(self, tokens, refs, items, i, where):
        for token in tokens:
            if token.kind != "name":
                continue
            key, _, at = token.text.partition("@")
            if key in refs:
                index = i
                if at == "prev":
                    index = i - 1
                    if index < 0:
                        return None
                elif at:
                    keys = [item["key"] for item in items]
                    if at not in keys:
                        raise TemplateError(f"{where}: no item {at!r} in {token.text!r}")
                    index = keys.index(at)
                token.ref = refs[key][index]
                if token.ref is None:
                    return None
            elif at:
                raise TemplateError(f"{where}: {token.text!r} names no field of this table")
            else:
                token.ref = _Pending(token.text, where)
        return tokens

    def _emit(self, sheet, ref, fmt):
        for tokens in (ref.args.values() if ref.args is not None else [ref.tokens]):
            for token in tokens:
                if isinstance(token.ref, _Pending):
                    token.ref = token.ref.resolve(self.book)
        if ref.quantity:
            from .. import core

            function = getattr(core, ref.quantity)
            args = dict(ref.args)
            for arg, parameter in inspect.signature(function).parameters.items():
                if arg not in args and "{" + arg + "}" in function.excel:  # a text choice keeps its default
                    args[arg] = expr.parse(expr.number(parameter.default))
            text = expr.fill(function.excel, args)
        else:
            text = expr.render_tokens(ref.tokens)
        if ref.scale != 1.0:
            text = f"({text})/{expr.number(ref.scale)}"
        sheet.cells[(ref.row, ref.col)].value = Formula("=" + expr.simplify(text))

    def _validation(self, sheet, spec, ref, where):
        kind = None
        if "choices" in spec:
            kind = ("list", '"' + ",".join(str(c) for c in spec["choices"]) + '"')
        elif "choices_from" in spec:
            kind = ("list", "=" + spec["choices_from"])
        elif "validate" in spec:
            kind = (spec["validate"], None)
        elif isinstance(ref.value, (int, float)) and not isinstance(ref.value, bool):
            kind = ("nonnegative", None)
        if kind:
            sheet.validations.append((kind, ref.coordinate))

    # ------------------------------------------------------------------ audit
    def _audit_block(self, sheet, table, items, refs, r, where):
        rows = []
        for spec in table["field"]:
            if "published" not in spec:
                continue
            published = per_item(spec["published"], items, where)
            precision = per_item(spec["precision"], items, where)
            expect = per_item(spec.get("expect", "matches"), items, where)
            note = per_item(spec.get("note", ""), items, where)
            for i, item in enumerate(items):
                if published[i] == "" or refs[spec["key"]][i] is None:
                    continue
                label = spec["label"] + (f" — {item['label']}" if item["key"] else "")
                rows.append((label, refs[spec["key"]][i], published[i], precision[i], expect[i] or "matches",
                             note[i], spec.get("format")))
        if not rows:
            return r
        sheet.put(r, 1, f"Audit {table.get('id', '')}: published vs recomputed", "subheading")
        r += 1
        for col, title in enumerate(("Check", "Published", "Printed to ±", "Recomputed", "Difference", "Status",
                                     "Note"), start=1):
            sheet.put(r, col, title, "header", width=12 if 1 < col < 7 else None)
        r += 1
        first = r
        for label, ref, published, precision, expect, note, fmt in rows:
            sheet.put(r, 1, label, "label")
            sheet.put(r, 2, float(published), "published", fmt)
            sheet.put(r, 3, float(precision), "published", fmt)
            sheet.put(r, 4, Formula("=" + ref.name), "computed", fmt)
            sheet.put(r, 5, Formula(f"=D{r}-B{r}"), "computed", fmt)
            sheet.put(r, 6, Formula(f'=IF(ABS(E{r})<=C{r}/2,"matches","differs")'), "status")
            if note:
                sheet.put(r, 7, note, "note")
            self.book.audits.append(Audit(sheet.name, table.get("id", ""), label, r, ref, float(published),
                                          float(precision), expect, note))
            r += 1
        sheet.statuses.append(f"F{first}:F{r - 1}")
        return r

    # ------------------------------------------------------------------ grids
    def _place_grid(self, sheet, table):
        where = f"{self.where} grid {table.get('id', '')}"
        r = self._heading(sheet, table)
        rows, cols = table["rows"], table["cols"]
        nr, nc = len(rows["values"]), len(cols["values"])
        sheet.put(r, 2, cols["label"] + (f" ({cols['unit']})" if cols.get("unit") else "") + " →", "subheading")
        header = r + 1
        sheet.put(header, 1, rows["label"] + (f" ({rows['unit']})" if rows.get("unit") else "") + " ↓", "header",
                  width=16)
        axis = {}
        for j, value in enumerate(cols["values"]):
            ref = Ref(sheet.name, header, 2 + j, kind="axis", value=value, where=where)
            ref.excel = f"{get_column_letter(2 + j)}${header}"
            sheet.put(header, 2 + j, value, "input_header", cols.get("format"), width=13)
            self.book.inputs.append(ref)
            axis.setdefault(cols["key"], []).append(ref)
        for i, value in enumerate(rows["values"]):
            ref = Ref(sheet.name, header + 1 + i, 1, kind="axis", value=value, where=where)
            ref.excel = f"$A{header + 1 + i}"
            sheet.put(header + 1 + i, 1, value, "input", rows.get("format"))
            self.book.inputs.append(ref)
            axis.setdefault(rows["key"], []).append(ref)
        row_range = f"$A${header + 1}:$A${header + nr}"
        col_range = f"${get_column_letter(2)}${header}:${get_column_letter(1 + nc)}${header}"
        for key, text in ((rows, row_range), (cols, col_range)):
            if key.get("name"):
                self.book.range_names[key["name"]] = f"{quote_sheetname(sheet.name)}!{text}"
        spec = {k: table[k] for k in ("quantity", "args", "formula") if k in table}
        grid_refs = []
        if table.get("spill"):
            # one array formula over the whole grid: axis names stand for the axis ranges
            names = {rows["key"]: rows.get("name", row_range), cols["key"]: cols.get("name", col_range)}
            top = (header + 1, 2)
            area = f"B{header + 1}:{get_column_letter(1 + nc)}{header + nr}"

            def emit(sheet=sheet, spec=spec, names=names, top=top, area=area):
                tokens = expr.parse(spec["formula"], where)
                for token in tokens:
                    if token.kind == "name":
                        token.ref = _Fixed(names[token.text]) if token.text in names else _Pending(
                            token.text, where).resolve(self.book)
                sheet.cells[top] = Cell(Formula("=" + expr.render_tokens(tokens)), "computed", table.get("format"),
                                        array=area)

            for i in range(nr):
                for j in range(nc):
                    sheet.put(header + 1 + i, 2 + j, None, "computed", table.get("format"))
            self.deferred.append(emit)
            table["_spill"] = (header + 1, 2, header + nr, 1 + nc)
        else:
            for i in range(nr):
                for j in range(nc):
                    local = {rows["key"]: [axis[rows["key"]][i]], cols["key"]: [axis[cols["key"]][j]]}
                    resolved = self._resolve_spec(spec, local, [{"key": ""}], 0, where)
                    ref = Ref(sheet.name, header + 1 + i, 2 + j, None, "computed", quantity=spec.get("quantity"),
                              where=where)
                    ref.excel = ref.coordinate
                    if "quantity" in spec:
                        ref.args = resolved
                    else:
                        ref.tokens = resolved
                    self.book.computed.append(ref)
                    sheet.put(ref.row, ref.col, None, "computed", table.get("format"))
                    self.deferred.append(lambda ref=ref, sheet=sheet: self._emit(sheet, ref, table.get("format")))
                    grid_refs.append(ref)
        end = header + 1 + nr
        r = self._notes(sheet, table, end)
        for chart in table.get("chart", []):
            spec_ = ChartSpec(chart["type"], chart["title"], x_title=chart.get("x_title", rows["label"]),
                              y_title=chart.get("y_title"), y_format=chart.get("y_format"),
                              x_format=chart.get("x_format"), log_x=chart.get("log_x", False),
                              log_y=chart.get("log_y", False), width=chart.get("width", 16.0),
                              height=chart.get("height", 8.0), y_min=chart.get("y_min"), y_max=chart.get("y_max"))
            spec_.categories = (header + 1, 1, header + nr, 1)
            for j in range(nc):
                spec_.series.append(((header, 2 + j),
                                     (header + 1, 2 + j, header + nr, 2 + j)))
            sheet.charts.append(spec_)
        sheet.row = r + 1

    # ------------------------------------------------------------------ catalog and conf sheets
    def _place_catalog(self, sheet, table):
        from .. import catalog

        r = self._heading(sheet, table)
        columns = table["columns"]
        for j, column in enumerate(columns):
            sheet.put(r, 1 + j, column, "header", width=max(len(column) + 2, 12))
        tables = table["catalog"] if isinstance(table["catalog"], list) else [table["catalog"]]
        rows = [row for name in tables for row in catalog.table(name).rows]
        for i, row in enumerate(rows):
            for j, column in enumerate(columns):
                value = row.get(column)
                if value is None or value == "":
                    continue
                style = "text" if column in ("source", "notes") else ("label" if j == 0 else "cell")
                fmt = "0.00E+00" if isinstance(value, float) and value >= 1e6 else None
                sheet.put(r + 1 + i, 1 + j, value, style, fmt,
                          width=None if column in ("source", "notes") else min(len(str(value)) + 2, 28))
        if table.get("name"):
            self.book.range_names[table["name"]] = f"{quote_sheetname(sheet.name)}!$A${r + 1}:$A${r + len(rows)}"
        sheet.freeze = "B1"
        sheet.fit_width = False
        sheet.row = r + len(rows) + 2

    def _place_conf(self, sheet, table):
        for i, (key, value) in enumerate(table["entries"], start=sheet.row):
            sheet.put(i, 1, key, "label", width=20)
            sheet.put(i, 2, value, "text", width=20)
        sheet.row += len(table["entries"]) + 1

    # ------------------------------------------------------------------ charts
    def _chart_specs(self, sheet, table, refs, items, rows_layout, header):
        n = len(items)
        for chart in table.get("chart", []):
            spec = ChartSpec(chart["type"], chart["title"], x_title=chart.get("x_title"), y_title=chart.get("y_title"),
                             y_format=chart.get("y_format"), x_format=chart.get("x_format"),
                             log_x=chart.get("log_x", False), log_y=chart.get("log_y", False),
                             width=chart.get("width", 16.0), height=chart.get("height", 8.0),
                             grouping=chart.get("grouping"), y_min=chart.get("y_min"), y_max=chart.get("y_max"))
            categories = chart.get("categories", "items")
            if categories == "items":
                spec.categories = (header + 1, 1, header + n, 1) if rows_layout else (header, 3, header, 2 + n)
            else:
                first, last = refs[categories][0], refs[categories][-1]
                spec.categories = (first.row, first.col, last.row, last.col)
            for key in chart.get("series", []):
                if key not in refs:
                    raise TemplateError(f"{self.where} chart {chart['title']!r}: no field {key!r}")
            if chart.get("by") == "items":
                # one series per item, across the listed fields (contiguous rows or columns)
                keys = chart["series"]
                first, last = refs[keys[0]], refs[keys[-1]]
                if rows_layout:
                    spec.categories = (header, first[0].col, header, last[0].col)
                else:
                    spec.categories = (first[0].row, 1, last[0].row, 1)
                for i, item in enumerate(items):
                    a, b = first[i], last[i]
                    spec.series.append((item["label"], (a.row, a.col, b.row, b.col)))
            else:
                for key in chart.get("series", []):
                    present = [r for r in refs[key] if r is not None]
                    first, last = present[0], present[-1]
                    label = next(f["label"] for f in table["field"] if f.get("key") == key)
                    spec.series.append((label, (first.row, first.col, last.row, last.col)))
            sheet.charts.append(spec)

    def _place_charts(self, sheet):
        row, col = sheet.row, 1
        for spec in sheet.charts:
            spec.anchor = (row, col)
            row += int(spec.height / 0.5) + 2

    # ------------------------------------------------------------------ contents
    def _contents(self, sheet):
        wb = self.data["workbook"]
        sheet.put(1, 1, wb["title"], "title")
        r = 2
        for key in ("subtitle", "source"):
            if wb.get(key):
                sheet.put(r, 1, ("Source: " if key == "source" else "") + wb[key], "caption")
                r += 1
        r += 1
        for line in wb.get("about", []):
            sheet.put(r, 1, line, "note")
            r += 1
        r += 1
        sheet.put(r, 1, "Input (edit me)", "input_text")
        sheet.put(r, 2, "Formula", "computed_legend")
        sheet.put(r, 3, "matches", "legend_match")
        sheet.put(r, 4, "differs", "legend_differ")
        r += 2
        for col, title in enumerate(("Sheet", "Table", "Checks", "Matches", "Differs"), start=1):
            sheet.put(r, col, title, "header", width=14 if col > 2 else None)
        r += 1
        first = r
        for other in self.book.sheets.values():
            if other.name == CONTENTS:
                continue
            sheet.put(r, 1, other.name, "link", width=24)
            sheet.put(r, 2, " · ".join(t[1] for t in other.tables if t[1]) or other.name, "text")
            if other.statuses:
                ranges = [f"{quote_sheetname(other.name)}!{s}" for s in other.statuses]
                count = "+".join(f"ROWS({x})" for x in ranges)
                sheet.put(r, 3, Formula("=" + count), "computed", "0")
                sheet.put(r, 4, Formula("=" + "+".join(f'COUNTIF({x},"matches")' for x in ranges)), "computed", "0")
                sheet.put(r, 5, Formula("=" + "+".join(f'COUNTIF({x},"differs")' for x in ranges)), "computed", "0")
            r += 1
        if self.book.audits:
            sheet.put(r, 1, "Total", "header")
            for col in (3, 4, 5):
                letter = get_column_letter(col)
                sheet.put(r, col, Formula(f"=SUM({letter}{first}:{letter}{r - 1})"), "total", "0")
        known = [a for a in self.book.audits if a.expect == "differs"]
        if known:
            r += 2
            sheet.put(r, 1, "Where the articles differ from their own inputs (known errors; status is live)", "subheading")
            r += 1
            for col, title in enumerate(("Table", "Check", "Status", "Why"), start=1):
                sheet.put(r, col, title, "header")
            for audit in known:
                r += 1
                sheet.put(r, 1, audit.table, "label")
                sheet.put(r, 2, audit.label, "text")
                status = f"{quote_sheetname(audit.sheet)}!{get_column_letter(audit.status_col)}{audit.row}"
                sheet.put(r, 3, Formula("=" + status), "status")
                sheet.put(r, 4, audit.note, "note")
            sheet.statuses.append(f"C{r - len(known) + 1}:C{r}")
        sheet.widths[2] = 95
        sheet.freeze = None


class _Pending:
    """A reference to a defined name of another table, resolved once every table is placed."""

    def __init__(self, name, where):
        self.name, self.where = name, where

    def resolve(self, book):
        if self.name in book.names:
            return book.names[self.name]
        if self.name in book.range_names:
            return _Fixed(self.name)
        raise TemplateError(f"{self.where}: {self.name!r} is neither a field of this table nor a defined name")


class _Fixed:
    def __init__(self, excel):
        self.excel = excel
        self.name = excel


def _same(a, b):
    if a is None or b is None:
        return a is b
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return len(a) == len(b) and all(x.text == y.text and _key(x.ref) == _key(y.ref) for x, y in zip(a, b))


def _key(ref):
    return ("pending", ref.name) if isinstance(ref, _Pending) else id(ref)


def compile_template(data):
    """The laid-out ``Book`` of a checked template dict."""
    return Compiler(data).compile()
