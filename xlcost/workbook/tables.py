"""Article tables: items across (or down), fields down (or across), inputs and formulas.

An input field is typed once: in the workbook's assumptions block when it has one
(the table shows a link to it), else in the table. A computed field is a core
quantity (``quantity`` + ``args``, rendered from the core's ``.excel`` pattern) or a
template formula, one per item unless every item would refer to the same cells.
"""

import re

from . import expr, refs as names, replicas, trainings
from .book import ASSUMPTIONS, Formula, Ref
from .expr import TemplateError
from .template import per_item

# what each validation kind allows, as a live check message (Excel text, {x} is the cell)
CHECKS = {
    "fraction": ('AND(ISNUMBER({x}),{x}>0,{x}<=1)', "must be a share in (0, 1], e.g. 21.3%"),
    "fraction0": ('AND(ISNUMBER({x}),{x}>=0,{x}<1)', "must be a share in [0, 1), e.g. 30%"),
    "positive": ('AND(ISNUMBER({x}),{x}>0)', "must be a number > 0"),
    "nonnegative": ('AND(ISNUMBER({x}),{x}>=0)', "must be a number >= 0"),
    "whole": ('AND(ISNUMBER({x}),{x}>=0,{x}=INT({x}))', "must be a whole number >= 0"),
}
_PY_CHECKS = {
    "fraction": lambda x: 0 < x <= 1, "fraction0": lambda x: 0 <= x < 1, "positive": lambda x: x > 0,
    "nonnegative": lambda x: x >= 0, "whole": lambda x: x >= 0 and x == int(x),
}


def check_message(kind, value):
    """The live check's text for ``value`` ('' when it is valid), as the workbook computes it."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and _PY_CHECKS[kind](value)
    return "" if ok else CHECKS[kind][1]


def catalog_value(spec, where):
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


def _about(spec, items, i, shared, rows_layout, source):
    """(row, column, unit, source) of a table cell as the Data sheet reports it: the row and column it sits in
    (the item's label; empty for a value every item shares)."""
    item = "" if shared or (len(items) == 1 and not items[0]["key"]) else items[i]["label"]
    row, column = (item, spec["label"]) if rows_layout else (spec["label"], item)
    return row, column, spec.get("unit", ""), source or "template (no source given)"


def _grouped(sources):
    """"label: source" pairs, the labels of one source listed together ("Layers, Vocabulary: models:X").

    >>> _grouped([("Layers", "models:X"), ("Weights", "core"), ("Vocabulary", "models:X")])
    'Layers, Vocabulary: models:X; Weights: core'
    """
    by_text = {}
    for label, text in sources:
        by_text.setdefault(text, []).append(label)
    return "; ".join(f"{', '.join(labels)}: {text}" for text, labels in by_text.items())


def short(text, limit=200):
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class TableLayout:
    """Placement of ``kind = "table"`` tables (mixed into ``layout.Compiler``)."""

    def _place_table(self, sheet, table):
        where = f"{self.where} table {table.get('id', '')}"
        items = table["items"] or [{"key": "", "label": "Value"}]
        n = len(items)
        rows_layout = table["layout"] == "rows"
        prefix = table.get("prefix", "")
        r = self._heading(sheet, table)
        header = r
        refs = {}  # field key -> [Ref per item]
        table["_cells"] = {}  # field key -> [(row, col) per item] on this sheet
        fields = [f for f in table["field"] if not (rows_layout and "heading" in f)]
        columns = {}  # rows layout: field key -> its column
        table["_row_sources"] = [[self._cite_text(item["source"])] if item.get("source") else [] for item in items]
        if rows_layout:
            sheet.put(header, 1, table.get("label_header", ""), "header", width=14)
            keys = [f["key"] for f in fields if "heading" not in f and not self._in_assumptions(table, f, items, where)]
            lead = [k for k in table.get("lead", []) if k in keys]
            if len(lead) != len(table.get("lead", [])):
                raise TemplateError(f"{where}: lead names {sorted(set(table['lead']) - set(lead))[0]!r}, "
                                    "not a field with a column of this table")
            # the lead columns, the row's source, then the rest (on screen; a sheet with lead columns prints up to the source)
            order = lead + [k for k in keys if k not in lead]
            source_col = 2 + (len(lead) if lead else len(keys))
            columns = {key: 2 + j + (j >= len(lead) > 0) for j, key in enumerate(order)}
            if lead:
                sheet.print_cols = max(sheet.print_cols or 0, source_col)
            for i, item in enumerate(items):
                sheet.put(header + 1 + i, 1, item["label"], "label")
            sheet.heights[header] = 45
            end = header + 1 + n
        else:
            sheet.put(header, 1, table.get("label_header", table.get("id", "")), "header")
            sheet.put(header, 2, "Unit", "header", width=11)
            for i, item in enumerate(items):
                sheet.put(header, 3 + i, item["label"], "header_item", width=min(max(len(item["label"]) + 2, 13), 16))
            source_col = 3 + n
            if any(len(item["label"]) > 16 for item in items):
                sheet.heights[header] = 30
            sheet.put(header, source_col, "Source / method", "header", width=24)
            end = header + 1
        heads_sheet = not sheet.header_rows
        sheet.header_rows = sheet.header_rows or (header, header)
        sources = []  # (label, source) printed under rows-layout tables
        for spec in fields:
            if "heading" in spec:
                sheet.put(end, 1, spec["heading"], "subheading")
                end += 1
                continue
            fwhere = f"{where} field {spec['key']}"
            if rows_layout and spec["key"] not in columns:
                cells = []  # an input every row shares: typed once on the Assumptions sheet, no column
            elif rows_layout:
                col = columns[spec["key"]]
                label = spec["label"] + (f"\n({spec['unit']})" if spec.get("unit") else "")
                # a column printed narrow; one on screen only (right of a lead table's source) as wide as its label
                # needs to wrap onto three lines, so it does not make the printed header row tall
                widest = 13 if not lead or col < source_col else 24
                sheet.put(header, col, label, "header_wrap", width=min(max(len(spec["label"]) * 0.5 + 2, 9), widest))
                cells = [(header + 1 + i, col) for i in range(n)]
            else:
                sheet.put(end, 1, spec["label"], "label")
                if spec.get("unit"):
                    sheet.put(end, 2, spec["unit"], "unit")
                cells = [(end, 3 + i) for i in range(n)]
            table["_cells"][spec["key"]] = cells
            refs[spec["key"]], text = self._field(sheet, table, spec, items, cells, prefix, refs, fwhere, rows_layout)
            self.book.columns[prefix + spec.get("name", spec["key"])] = refs[spec["key"]]
            if text and rows_layout:
                sources.append((spec["label"], text))
            elif text:
                sheet.put(cells[0][0], source_col, short(text), "method" if spec.get("method") else "source_col")
            if not rows_layout:
                end += 1
        if rows_layout and any(table["_row_sources"]):
            several = any(len(keys) > 1 for keys in table["_row_sources"])  # an item's source and its catalog keys
            sheet.put(header, source_col, "Source", "header", width=30 if several else 20)
            for i, keys in enumerate(table["_row_sources"]):
                sheet.put(header + 1 + i, source_col, "; ".join(dict.fromkeys(keys)), "source_col")
        sheet.keep.append((sheet.tables[-1][2], end - 1))  # the title with its table on one page
        if heads_sheet:
            sheet.header_last = end - 1
        r = end
        if sources:
            r = self._lines(sheet, ["Sources — " + _grouped(sources)], r, "source", last_col=source_col)
        if not rows_layout and any(item.get("source") for item in items):
            text = "; ".join(f"{item['label']}: {item['source']}" for item in items if item.get("source"))
            r = self._lines(sheet, ["Columns — " + text], r, "source", last_col=source_col)
        r = self._notes(sheet, table, r, last_col=source_col)
        table["_refs"], table["_header"], table["_items"] = refs, header, items
        r = self._audit_block(sheet, table, items, refs, r + 1, where)
        if not sheet.freeze and len(self._tables_on(sheet.name)) == 1:
            sheet.freeze = f"{'B' if rows_layout else 'C'}{header + 1}"
        self._chart_specs(sheet, table, refs, items, rows_layout, header)
        sheet.row = r + 1

    def _in_assumptions(self, table, spec, items, where):
        """Whether an input field is one value typed on the Assumptions sheet (a rows table gives it no column)."""
        if self.assumptions is None or any(k in spec for k in ("quantity", "formula")):
            return False
        return len(self._input_values(table, spec, items, where)[0]) == 1

    def _cite(self, key, text):
        """``key``, its full source ``text`` listed once on the Sources sheet."""
        self.sources.setdefault(key, text)
        return key

    def _cite_text(self, text):
        """A template's source text: a key of ``[workbook] sources`` stays a key (listed on the Sources sheet)."""
        declared = self.data["workbook"].get("sources", {})
        return self._cite(text, declared[text]) if text in declared else text

    def _tables_on(self, name):
        return [t for t in self.data["table"] if t["sheet"] == name]

    def _field(self, sheet, table, spec, items, cells, prefix, refs, where, rows_layout):
        """[Ref per item] of a field, and its source or method text."""
        if "quantity" in spec or "formula" in spec:
            return self._computed(sheet, table, spec, items, cells, prefix, refs, where, rows_layout)
        n = len(items)
        name = prefix + spec.get("name", spec["key"])
        fmt = spec.get("format")
        values, row_sources = self._input_values(table, spec, items, where)
        shared = len(values) == 1
        catalogs = per_item(spec.get("catalog", ""), items, where)
        out, sources = [], []
        for i in range(1 if shared else n):
            value, source = values[i], "; ".join(s for s in (self._cite_text(spec.get("source", "")), row_sources[i]) if s)
            if catalogs[i]:
                cvalue, csource = catalog_value(catalogs[i], where)
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
            ref_name = name if (shared or n == 1) else f"{name}_{items[i]['key']}"
            row, col = cells[i] if cells else (None, None)
            in_row = rows_layout and not shared and not any(k in spec for k in ("value", "values", "catalog"))
            if self.assumptions is not None and not in_row:
                label = spec["label"] + ("" if shared or n == 1 else f" — {items[i]['label']}")
                ref = self._assumption(table, spec, label, ref_name, value, source, where)
                if cells:
                    sheet.put(row, col, Formula("=" + ref_name), "linked", fmt,
                              compute=lambda get, ref=ref: get(ref.sheet, ref.row, ref.col))
            else:  # typed here: no assumptions block, or a per-row input of a rows table (beside its row)
                if rows_layout and row_sources[i]:
                    table["_row_sources"][i].append(row_sources[i])
                ref = Ref(sheet.name, row, col, ref_name, "input", value, where=where, table=table.get("id", ""))
                self._register(ref, where)
                self.book.inputs.append(ref)
                sheet.put(row, col, value, "input_text" if isinstance(value, str) else "input", fmt)
                ref.check = self._validation(sheet, spec, ref)
            ref.about = _about(spec, items, i, shared, rows_layout, source)
            out.append(ref)
        if shared and n > 1:
            if not rows_layout:
                sheet.merges.append((cells[0][0], cells[0][1], cells[-1][0], cells[-1][1]))
            out = out * n
        text = "; ".join(dict.fromkeys(s for s in sources if s))
        if in_row:  # each row's own source is in its row; the field's, under the table
            text = self._cite_text(spec.get("source", ""))
        elif self.assumptions is not None:  # the full source is on the Assumptions sheet
            brief = self._cite_text(spec.get("source", "")) or ("catalog" if any(catalogs) else "")
            text = "Assumptions" + (f": {brief}" if brief else "")
        return out, text

    def _input_values(self, table, spec, items, where):
        """([value], [source text]) of an input field: one pair when every item shares it, else one per item.

        The value is the field's ``value``, its ``values`` (a list or {item: value}), the
        figure ``replica`` of each item's serving replica, or (a per-row input) each item's own.
        """
        n = len(items)
        if "replica" in spec or "training" in spec:  # a catalog figure of each item's serving replica / training run
            source, figure = (replicas, spec["replica"]) if "replica" in spec else (trainings, spec["training"])
            found = [source.value(replicas.spec(table, item), figure, f"{where} item {item['key']}") for item in items]
            texts = ["; ".join(self._cite(k, t) for k, t in pairs) for _, pairs in found]
            if all(v == found[0][0] and t == texts[0] for (v, _), t in zip(found, texts)):
                return [found[0][0]], texts[:1]
            return [v for v, _ in found], texts
        if "values" in spec:
            return per_item(spec["values"], items, where), [""] * n
        if "value" in spec or ("catalog" in spec and not isinstance(spec["catalog"], list)):
            return [spec.get("value")], [""]
        if "catalog" in spec:
            return [None] * n, [""] * n
        return [item[spec["key"]] for item in items], [""] * n  # a per-row input: each item carries its value

    def _assumption(self, table, spec, label, ref_name, value, source, where):
        """The input's one typed cell, on the assumptions sheet; its Ref."""
        block = self.assumptions
        r = block.row
        if getattr(block, "_last_table", None) != table.get("id"):
            block._last_table, block._last_source = table.get("id"), None
            block.put(r, 1, table.get("title") or table.get("id", ""), "subheading")
            block.keep.append((r, r + 2))  # a table's heading with its first inputs
            r += 1
        ref = Ref(ASSUMPTIONS, r, 4, ref_name, "input", value, where=where, table=table.get("id", ""))
        self._register(ref, where)
        self.book.inputs.append(ref)
        block.put(r, 1, table.get("id", ""), "label", width=6)
        block.put(r, 2, label, "label")
        block.put(r, 3, spec.get("unit", ""), "unit", width=11)
        fmt = spec.get("format")
        block.put(r, 4, value, "input_text" if isinstance(value, str) else "input", fmt, width=14)
        kind = ref.check = self._validation(block, spec, ref)
        if kind in CHECKS:
            test, message = CHECKS[kind]
            block.put(r, 5, Formula(f'=IF({test.format(x=ref.coordinate)},"","{message}")'), "check",
                      compute=lambda get, ref=ref, kind=kind: check_message(kind, get(ref.sheet, ref.row, ref.col)))
            block.checks.append(f"E{r}")
        if source:  # a run of inputs from one source prints it once
            same = source == getattr(block, "_last_source", None) and r - 1 in block._source_rows
            block.put(r, 6, "as above" if same else source, "source_col")
            block._last_source = source
            block._source_rows = {r}
        block.row = r + 1
        return ref

    def _computed(self, sheet, table, spec, items, cells, prefix, refs, where, rows_layout):
        n = len(items)
        name = prefix + spec.get("name", spec["key"])
        fmt = spec.get("format")
        resolved = [names.resolve_spec(spec, refs, items, i, where) for i in range(n)]
        shared = n > 1 and all(names.same(resolved[0], r) for r in resolved[1:]) and not rows_layout
        out = []
        for i in range(1 if shared else n):
            row, col = cells[i]
            ref_name = name if (shared or n == 1) else f"{name}_{items[i]['key']}"
            if resolved[i] is None:
                sheet.put(row, col, "–", "computed_blank")
                out.append(None)
                continue
            ref = Ref(sheet.name, row, col, ref_name, "computed", quantity=spec.get("quantity"),
                      scale=float(spec.get("scale", 1.0)), where=where, table=table.get("id", ""))
            if "quantity" in spec:
                ref.args = resolved[i]
            else:
                ref.tokens = resolved[i]
            self._register(ref, where)
            self.book.computed.append(ref)
            tokens = resolved[i] if "formula" in spec else None
            link = tokens is not None and len(tokens) == 1 and isinstance(tokens[0].ref, names.Pending)  # another table
            sheet.put(row, col, None, "linked" if link else "computed", fmt)
            sheet.cells[(row, col)].ref = ref
            self.deferred.append(lambda ref=ref, sheet=sheet: self._emit(sheet, ref))
            out.append(ref)
        if shared:
            sheet.merges.append((cells[0][0], cells[0][1], cells[-1][0], cells[-1][1]))
            out = out * n
        how = spec.get("method") or (f"xlcost core: {spec['quantity']}" if "quantity" in spec else "")
        text = "; ".join(t for t in (how, spec.get("source", "")) if t)
        for i, ref in enumerate(out[:1] if shared else out):
            if ref is not None:
                ref.about = _about(spec, items, i, shared, rows_layout, text or "formula")
        return out, text

    def _emit(self, sheet, ref):
        sheet.cells[(ref.row, ref.col)].value = Formula("=" + names.formula_text(self.book, ref))

    def _validation(self, sheet, spec, ref):
        """Add the input's data validation; its kind (a CHECKS key, "list", or None).

        A list is quoted literals (``choices``) or a range of the book (``choices_from``,
        a defined range name or an absolute A1 range): nothing else reaches the formula.
        """
        kind = None
        if "choices" in spec:
            kind = ("list", choices_literal(spec["choices"], ref.where))
        elif "choices_from" in spec:
            source = spec["choices_from"]
            if not isinstance(source, str) or not (_RANGE_NAME.fullmatch(source) or _A1_RANGE.fullmatch(source)):
                raise TemplateError(f"{ref.where}: choices_from must name a range of the workbook "
                                    f"(a defined name or an absolute range like 'Sheet'!$A$2:$A$9), got {source!r}")
            self.deferred.append(lambda: self._check_range(source, ref.where))
            kind = ("list", source)  # stored without "=", as the file format wants
        elif "validate" in spec:
            kind = (spec["validate"], None)
        elif isinstance(ref.value, (int, float)) and not isinstance(ref.value, bool):
            kind = ("nonnegative", None)
        if kind:
            sheet.validations.append((kind, ref.coordinate, spec.get("free_entry", False)))
        return kind[0] if kind else None

    def _check_range(self, source, where):
        """A ``choices_from`` name must be one of the book's ranges (known once every table is placed)."""
        if _RANGE_NAME.fullmatch(source) and source not in self.book.range_names and source not in self.book.names:
            raise TemplateError(f"{where}: choices_from {source!r} is not a range of the workbook "
                                f"({', '.join(sorted(self.book.range_names)) or 'none defined'})")
        if _A1_RANGE.fullmatch(source):
            sheet = source.rsplit("!", 1)[0].strip("'").replace("''", "'") if "!" in source else None
            if sheet is not None and sheet not in self.book.sheets:
                raise TemplateError(f"{where}: choices_from {source!r} names no sheet of the workbook")


_RANGE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,254}")
_A1_RANGE = re.compile(r"(?:'(?:[^'\[\]*?/:\\]|'')+'!|[A-Za-z_][A-Za-z0-9_.]*!)?"
                       r"\$[A-Z]{1,3}\$[0-9]{1,7}(?::\$[A-Z]{1,3}\$[0-9]{1,7})?")


def choices_literal(choices, where):
    """The quoted list a data validation offers (``"1,2,4"``): numbers and plain text only.

    Excel's list literal has no escape, so an item holding a comma, a quote or a control
    character (or a list over 255 characters) is refused rather than cut or broken out of.

    >>> choices_literal([1, 2.5, "A100"], "t")
    '"1,2.5,A100"'
    """
    if not isinstance(choices, list) or not choices:
        raise TemplateError(f"{where}: choices must be a non-empty list of numbers or texts")
    items = []
    for choice in choices:
        if isinstance(choice, (int, float)) and not isinstance(choice, bool):
            items.append(expr.number(choice))
        elif isinstance(choice, str) and choice.strip() and not _UNSAFE_CHOICE.search(choice):
            items.append(choice)
        else:
            raise TemplateError(f"{where}: choice {choice!r} is not a number or a text without commas, quotes "
                                "and control characters")
    text = '"' + ",".join(items) + '"'
    if len(text) > 257:
        raise TemplateError(f"{where}: the choices make {len(text) - 2} characters (Excel's list allows 255)")
    return text


_UNSAFE_CHOICE = re.compile(r'[",\x00-\x1f\x7f]')
