"""The Contents sheet (what is where, live audit counts, the checks that differ) and the Checks sheet.

Every count and list here is a formula over the audit cells, so an edit anywhere moves
them: the list of flagged checks is ``INDEX``/``MATCH`` over a running count on the
Checks sheet (no FILTER, which LibreOffice 7.4 lacks).
"""

from openpyxl.utils import get_column_letter, quote_sheetname

from .audit import ARTICLE_ERRORS, INVALID, KINDS, UNEXPLAINED
from .book import ASSUMPTIONS, CONTENTS, Formula
from .expr import TemplateError

CHECKS = "Checks"


def _cells(area):
    """[(row, col)] of an "A1:B5" area."""
    from openpyxl.utils.cell import range_boundaries

    c1, r1, c2, r2 = range_boundaries(area)
    return [(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


class ContentsLayout:
    """Contents and Checks sheets (mixed into ``layout.Compiler``)."""

    def _checks_sheet(self):
        """One live row per audit check, with a running count of those not plainly matching."""
        if not self.book.audits:
            return None
        sheet = self.book.sheet(CHECKS)
        sheet.put(1, 1, "Every audit check, live", "title")
        sheet.put(2, 1, "Status and kind are read from each table's audit; '#' counts the checks whose kind "
                        "is not 'matches' (the Contents sheet lists them).", "caption")
        headers = ("Table", "Check", "Sheet", "Published", "Recomputed", "Status", "Kind", "#")
        for col, title in enumerate(headers, start=1):
            sheet.put(4, col, title, "header", width={1: 7, 2: None, 3: 16, 8: 6}.get(col, 13))
        sheet.header_rows = (4, 4)
        sheet.freeze = "A5"
        r = 5
        for audit in self.book.audits:
            sheet.put(r, 1, audit.table, "label")
            sheet.put(r, 2, audit.label, "label")
            sheet.put(r, 3, audit.sheet, "text")
            for col, source_col in ((4, 2), (5, 4), (6, 6), (7, 7)):
                address = f"{quote_sheetname(audit.sheet)}!{get_column_letter(source_col)}{audit.row}"
                style = {6: "status", 7: "kind"}.get(col, "computed")
                fmt = None if col in (6, 7) else self._format_of(audit)
                sheet.put(r, col, Formula("=" + address), style, fmt,
                          compute=lambda get, a=audit, c=source_col: get(a.sheet, a.row, c))
            previous = f"H{r - 1}" if r > 5 else "0"
            sheet.put(r, 8, Formula(f'={previous}+(G{r}<>"matches")'), "computed", "0",
                      compute=lambda get, r=r: (get(CHECKS, r - 1, 8) if r > 5 else 0) + (get(CHECKS, r, 7) != "matches"))
            r += 1
        sheet.statuses.append(f"F5:F{r - 1}")
        sheet.kinds.append(f"G5:G{r - 1}")
        self.checks_rows = (5, r - 1)
        return sheet

    def _format_of(self, audit):
        return self.book.sheets[audit.sheet].cells[(audit.row, 2)].fmt

    def _contents(self, sheet):
        wb = self.data["workbook"]
        sheet.put(1, 1, wb["title"], "title")
        r = 2
        for key in ("subtitle", "source"):
            if wb.get(key):
                sheet.put(r, 1, ("Source: " if key == "source" else "") + wb[key], "caption")
                r += 1
        r = self._headline(sheet, r + 1)
        for line in wb.get("about", []):
            sheet.put(r, 1, line, "note")
            r += 1
        r += 1
        sheet.put(r, 1, "Input (edit me)", "input_text")
        sheet.put(r, 2, "Formula", "computed_legend")
        sheet.put(r, 3, "matches", "legend_match")
        sheet.put(r, 4, "differs", "legend_differ")
        if ASSUMPTIONS in self.book.sheets:
            sheet.put(r, 5, "Link to an input", "linked")
        r += 2
        titles = ("Sheet", "Tables", "Checks", "Matches", "Differs", INVALID.capitalize())
        for col, title in enumerate(titles, start=1):
            sheet.put(r, col, title, "header", width=12 if col > 2 else None)
        r += 1
        first = r
        for other in self.book.sheets.values():
            if other.name == CONTENTS:
                continue
            sheet.put(r, 1, other.name, "link", width=24)
            sheet.put(r, 2, " · ".join(t[1] for t in other.tables if t[1]) or other.name, "text")
            if other.statuses and other.name != CHECKS:
                areas = [(other.name, a) for a in other.statuses]
                sheet.put(r, 3, Formula("=" + "+".join(f"ROWS({_address(s, a)})" for s, a in areas)), "computed", "0",
                          compute=lambda get, areas=areas: sum(len(_cells(a)) for _, a in areas))
                for col, word in ((4, "matches"), (5, "differs"), (6, INVALID)):
                    sheet.put(r, col, Formula("=" + "+".join(f'COUNTIF({_address(s, a)},"{word}")' for s, a in areas)),
                              "computed", "0", compute=_counter(areas, word))
            r += 1
        if self.book.audits:
            sheet.put(r, 1, "Total", "header")
            for col in (3, 4, 5, 6):
                letter = get_column_letter(col)
                sheet.put(r, col, Formula(f"=SUM({letter}{first}:{letter}{r - 1})"), "total", "0",
                          compute=lambda get, col=col, last=r - 1: sum(
                              v for v in (get(CONTENTS, x, col) for x in range(first, last + 1)) if v != ""
                              and v is not None))
            r = self._kind_summary(sheet, r + 2)
            r = self._flagged(sheet, r + 1)
        sheet.widths[2] = max(sheet.widths.get(2, 8), 60)
        sheet.freeze = None

    def _headline(self, sheet, r):
        """The figures ``[workbook] headline`` names (defined names of inputs or results), live, under the
        title: the first printed page shows them. Returns the row after them."""
        names = self.data["workbook"].get("headline", [])
        if not names:
            return r
        for col, title in enumerate(("Headline", "Figure", "Value", "Unit"), start=1):
            sheet.put(r, col, title, "header")
        for name in names:
            if name == "audit" and self.book.audits:
                r = self._audit_headline(sheet, r)
                continue
            ref = self.book.names.get(name) if isinstance(name, str) else None
            if ref is None or not ref.about:
                raise TemplateError(f"{self.where} [workbook] headline: {name!r} is not the defined name of a "
                                    "figure of the workbook")
            r += 1
            row, column, unit, _ = ref.about
            home = self.book.sheets[ref.sheet].cells.get((ref.row, ref.col))
            sheet.put(r, 1, ref.table, "label", width=0)
            sheet.put(r, 2, " — ".join(part for part in (row, column) if part), "text")
            text = ref.value if isinstance(ref.value, str) else ""  # a text input (a name) as wide as it is
            sheet.put(r, 3, Formula("=" + ref.excel), "computed", home.fmt if home else None,
                      width=len(text) + 2 if text else None,
                      compute=lambda get, ref=ref: get(ref.sheet, ref.row, ref.col))
            sheet.put(r, 4, unit or "", "text", width=0)
        return r + 2

    def _audit_headline(self, sheet, r):
        """Headline rows of ``"audit"``: the checks that match the article, differ, and its own errors (live)."""
        first, last = self.checks_rows
        status, kind = (CHECKS, f"F{first}:F{last}"), (CHECKS, f"G{first}:G{last}")
        rows = (("Checks where the article's number matches its recomputation", [status], ("matches",)),
                ("Checks where it differs", [status], ("differs",)),
                ("of which the article's own errors (arithmetic or method)", [kind], ARTICLE_ERRORS))
        for label, areas, words in rows:
            r += 1
            sheet.put(r, 1, "Audit", "label", width=0)
            sheet.put(r, 2, label, "text")
            sheet.put(r, 3, Formula("=" + "+".join(f'COUNTIF({_address(*areas[0])},"{w}")' for w in words)),
                      "computed", "0", compute=lambda get, areas=areas, words=words: sum(
                          _counter(areas, w)(get) for w in words))
            sheet.put(r, 4, "checks", "text", width=0)
        return r

    def _kind_summary(self, sheet, r):
        first, last = self.checks_rows
        area = (CHECKS, f"G{first}:G{last}")
        sheet.put(r, 1, "Checks by kind (live)", "subheading")
        r += 1
        sheet.put(r, 1, "Kind", "header")
        sheet.put(r, 2, "What it means", "header")
        sheet.put(r, 3, "Checks", "header")
        meaning = {
            "matches": "the article's number follows from its inputs",
            "rounding": "follows from the article's rounded intermediate figures: not an error",
            "other source": "a figure measured or published elsewhere, quoted as is: not an error",
            "arithmetic error": "the article's own arithmetic is wrong",
            "method error": "the arithmetic may hold, the method does not (units, formula, scope)",
            UNEXPLAINED: "the status changed after an edit: look again",
            INVALID: "an input makes the recomputation fail: see the Assumptions checks",
        }
        for kind in KINDS + (UNEXPLAINED, INVALID):
            r += 1
            sheet.put(r, 1, kind, "kind")
            sheet.put(r, 2, meaning[kind], "text")
            sheet.put(r, 3, Formula(f'=COUNTIF({_address(*area)},"{kind}")'), "computed", "0",
                      compute=_counter([area], kind))
        r += 1
        errors = "+".join(f'COUNTIF({_address(*area)},"{k}")' for k in ARTICLE_ERRORS)
        sheet.put(r, 1, "Article errors", "header")
        sheet.put(r, 2, "arithmetic and method errors together", "text")
        sheet.put(r, 3, Formula("=" + errors), "total", "0",
                  compute=lambda get: sum(_counter([area], k)(get) for k in ARTICLE_ERRORS))
        assumptions = self.book.sheets.get(ASSUMPTIONS)
        if assumptions is not None and assumptions.checks:
            r += 1
            rows = [int(c[1:]) for c in assumptions.checks]
            span = f"E{min(rows)}:E{max(rows)}"
            sheet.put(r, 1, "Inputs failing their check", "header")
            sheet.put(r, 2, "inputs on the Assumptions sheet whose check column shows a message", "text")
            sheet.put(r, 3, Formula(f"=SUMPRODUCT((LEN({_address(ASSUMPTIONS, span)})>0)*1)"), "total", "0",
                      compute=lambda get: sum(1 for (x, c) in _cells(span)
                                              if (get(ASSUMPTIONS, x, c) or "") != ""))
        return r + 1

    def _flagged(self, sheet, r):
        """The checks whose kind is not 'matches', listed live: the k-th is where the running count reaches k."""
        first, last = self.checks_rows
        sheet.put(r, 1, "Checks that differ or are flagged (live: the list follows every edit)", "subheading")
        r += 1
        for col, title in enumerate(("Table", "Check", "Status", "Kind"), start=1):
            sheet.put(r, col, title, "header")
        count = _address(CHECKS, f"$H${first}:$H${last}")
        flagged = sum(a.kind != "matches" for a in self.book.audits)
        capacity = min(last - first + 1, flagged + 10)  # room for ten more after edits; beyond, a line says so
        for k in range(1, capacity + 1):
            r += 1
            match = f"MATCH({k},{count},0)"
            for col, source in ((1, "A"), (2, "B"), (3, "F"), (4, "G")):
                column = _address(CHECKS, f"${source}${first}:${source}${last}")
                sheet.put(r, col, Formula(f'=IFERROR(INDEX({column},{match}),"")'),
                          {3: "status", 4: "kind"}.get(col, "text"),
                          compute=_kth(k, first, last, "ABFG".index(source), source))
        sheet.statuses.append(f"C{r - capacity + 1}:C{r}")
        r += 1
        total = f"MAX({count})"
        sheet.put(r, 2, Formula(f'=IF({total}>{capacity},"... and "&({total}-{capacity})&" more: see the Checks sheet","")'),
                  "note", compute=lambda get: _more(get, first, last, capacity))
        return r + 1


def _address(sheet, area):
    return f"{quote_sheetname(sheet)}!{area}"


def _counter(areas, word):
    def count(get):
        return sum(1 for sheet, area in areas for (r, c) in _cells(area) if get(sheet, r, c) == word)
    return count


def _more(get, first, last, capacity):
    total = max(get(CHECKS, r, 8) for r in range(first, last + 1))
    return f"... and {total - capacity} more: see the Checks sheet" if total > capacity else ""


def _kth(k, first, last, _index, source):
    col = "ABCDEFGH".index(source) + 1

    def value(get):
        for r in range(first, last + 1):
            if get(CHECKS, r, 8) == k:
                return get(CHECKS, r, col)
        return ""
    return value
