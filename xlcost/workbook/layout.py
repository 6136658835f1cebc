"""Lay a checked template out on sheets: where every cell goes, its name, its formula.

The result (a ``book.Book``) is plain data, independent of openpyxl: ``xlsx`` writes
it, ``evaluate`` computes it in Python through the core, and the tests read positions
from it. Each kind of block has its own module: ``tables`` (article tables and the
assumptions block), ``grids``, ``audit``, ``contents``, ``sheets`` (catalog copies,
settings) and ``chart_layout``.
"""

import re

from .audit import AuditLayout
from .book import ASSUMPTIONS, CONTENTS, SOURCES, Book, Formula, no_cycle_collection
from .chart_layout import ChartLayout
from .contents import ContentsLayout
from .data import DataLayout
from .expr import TemplateError
from .grids import GridLayout
from .sheets import OtherSheets
from .tables import TableLayout

_A1 = re.compile(r"^[A-Za-z]{1,3}[0-9]+$|^[RrCc]([0-9]*)$|^[Rr][0-9]*[Cc][0-9]*$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# a name starts after no letter or "_": a match tried inside a long name would fail after a scan of its rest (quadratic)
_CALL = re.compile(r"(?<![A-Za-z_])([A-Za-z_][A-Za-z0-9_.]*)\(")


class Compiler(TableLayout, GridLayout, AuditLayout, ContentsLayout, OtherSheets, ChartLayout, DataLayout):
    def __init__(self, data):
        self.data = data
        wb = data["workbook"]
        self.book = Book(wb["file"], wb["title"], data)
        self.where = data.get("_path", wb["file"]).rsplit("/", 1)[-1]
        self.deferred = []
        self.assumptions = None
        self.checks_rows = None
        self.sources = {}  # short source key -> its full text (the Sources sheet)
        self._lower_names = set()

    def compile(self):
        if self.data["workbook"].get("contents", True):
            self.book.sheet(CONTENTS)
        if self.data["workbook"].get("assumptions", True):
            self.assumptions = self._assumptions_sheet()
        for table in self.data["table"]:
            sheet = self.book.sheet(table["sheet"])
            getattr(self, "_place_" + table["kind"])(sheet, table)
        for job in self.deferred:
            job()
        self._names_are_not_functions()
        if self.data["workbook"].get("assumptions", True) == "after":  # the tables first, their inputs after
            self.book.sheets[ASSUMPTIONS] = self.book.sheets.pop(ASSUMPTIONS)
        self._sources_sheet()
        self._checks_sheet()
        self._data_sheet()
        for sheet in self.book.sheets.values():
            self._place_charts(sheet)
        if CONTENTS in self.book.sheets:
            self._contents(self.book.sheets[CONTENTS])
        for sheet in self.book.sheets.values():
            sheet.merge_lines()
            if len(sheet.tables) > 1:
                sheet.header_rows = None  # one table's header would head another table's pages
        return self.book

    def _register(self, ref, where):
        name = ref.name
        if not _NAME.match(name) or _A1.match(name) or name.upper() in ("TRUE", "FALSE"):
            raise TemplateError(f"{where}: {name!r} cannot be an Excel defined name")
        if name.lower() in self._lower_names:
            raise TemplateError(f"{where}: defined name {name!r} is used twice in the workbook")
        self._lower_names.add(name.lower())
        ref.excel = name
        self.book.names[name] = ref

    def _names_are_not_functions(self):
        """LibreOffice reads ``INFER_COST(`` as the defined name ``infer_cost`` (names ignore case) and
        shows Err:509: a defined name may not spell a function a formula of the workbook calls."""
        lower = {name.lower(): name for name in list(self.book.names) + list(self.book.range_names)}
        for sheet in self.book.sheets.values():
            for cell in sheet.cells.values():
                if isinstance(cell.value, Formula):
                    for call in _CALL.findall(cell.value):
                        if call.lower() in lower:
                            raise TemplateError(f"{self.where}: defined name {lower[call.lower()]!r} is also the "
                                                f"function {call.upper()} (sheet {sheet.name}); rename the field")

    def _assumptions_sheet(self):
        sheet = self.book.sheet(ASSUMPTIONS)
        sheet.put(1, 1, "Assumptions: every input of the workbook, typed once", "title")
        sheet.put(2, 1, "Edit the yellow cells; every table refers to them (green cells in the tables are links "
                        "here). The Check column says when a value is outside what its formulas accept.", "caption")
        for col, title in enumerate(("Table", "Input", "Unit", "Value", "Check", "Source"), start=1):
            sheet.put(4, col, title, "header", width={1: 6, 2: 40, 3: 11, 4: 14, 5: 16, 6: 60}[col])
        sheet.header_rows = (4, 4)
        sheet.freeze = "A5"
        sheet.row = 5
        return sheet

    def _sources_sheet(self):
        """Every short source key the tables cite, with its full text (catalog row or template source)."""
        if not self.sources:
            return
        sheet = self.book.sheet(SOURCES)
        sheet.put(1, 1, "Sources: the full reference of every short source key the sheets cite", "title")
        sheet.put(3, 1, "Key", "header", width=30)
        sheet.put(3, 2, "Source", "header", width=90)
        sheet.header_rows = (3, 3)
        for r, (key, text) in enumerate(sorted(self.sources.items(), key=lambda kv: kv[0].lower()), start=4):
            sheet.put(r, 1, key, "label")
            sheet.put(r, 2, text, "source_col")
        sheet.freeze = "A4"

    # ------------------------------------------------------------------ text blocks
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

    def _lines(self, sheet, lines, r, style, last_col=None):
        """Text lines under a table, each merged across the table's width so it wraps instead of running off."""
        for line in lines:
            sheet.put(r, 1, line, style)
            if last_col and last_col > 1:
                sheet.merges.append((r, 1, r, last_col))
            r += 1
        return r

    def _notes(self, sheet, table, r, last_col=None):
        return self._lines(sheet, table.get("notes", []), r, "note", last_col)


def compile_template(data):
    """The laid-out ``Book`` of a checked template dict."""
    with no_cycle_collection():
        return Compiler(data).compile()
