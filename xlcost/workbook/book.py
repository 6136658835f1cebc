"""The laid-out workbook as plain data: sheets of cells, named references, audits, charts.

``layout`` fills a ``Book``; ``xlsx`` writes it with openpyxl; ``evaluate`` computes
every formula cell in Python. Nothing here knows openpyxl or the economics.

>>> sheet = Sheet("T1")
>>> sheet.put(1, 1, "Model", "header")
>>> sheet.cells[(1, 1)].value
'Model'
"""

import contextlib
import gc
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter, quote_sheetname

from .expr import TemplateError

CONTENTS = "Contents"
ASSUMPTIONS = "Assumptions"
SOURCES = "Sources"
DATA = "Data"
INVALID = "invalid input"  # what a formula shows when an input it reads is empty, text or out of range

# styles whose text may run long: they wrap inside their column (or merged row) instead of widening it
WRAPPED_STYLES = ("caption", "source", "note", "source_col", "method", "title", "check", "catalog_text")
# text lines that span the width of the sheet: merged across it, wrapped
LINE_STYLES = ("caption", "source", "note", "title", "subheading")
# the widest a column grows for its text (characters); longer text wraps
MAX_WIDTH = 36


@contextlib.contextmanager
def no_cycle_collection():
    """Pause Python's cycle collector while a build makes its many small objects (about 40% of a
    100,000-cell build otherwise); they are freed by reference counting, and it resumes after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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
    table: str = ""  # the id of the table it belongs to
    binding: tuple | None = None  # grid cells: (the grid's formula Ref, {stand-in id: this cell's axis Ref})
    about: tuple | None = None  # (row, column, unit, source) as the Data sheet reports it
    check: str | None = None  # inputs: the validation kind its check cell applies (tables.CHECKS)
    guard: list | None = None  # computed: [(Ref, check kind or None)] it needs as numbers, else INVALID

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
    compute: object = None  # callable(get) -> the formula's value, for cells that are not a Ref
    ref: object = None  # the Ref whose formula this cell holds


@dataclass
class Audit:
    sheet: str
    table: str
    label: str
    row: int
    ref: Ref
    published: float
    precision: float
    expect: str  # the status the article earns: matches or differs
    note: str
    kind: str = "matches"  # why: matches, rounding, arithmetic error, method error, other source

    status_col = 6
    kind_col = 7


@dataclass
class ChartSpec:
    type: str
    title: str
    anchor: tuple = (1, 1)
    title_parts: list | None = None  # a title naming "{field}"s: its text pieces and (Ref, number format) pairs
    title_cell: tuple | None = None  # (row, col) of that title's live formula: the chart shows that cell
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
    x_min: float | None = None
    x_max: float | None = None
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
    validations: list = field(default_factory=list)  # (spec tuple, coordinate)
    charts: list = field(default_factory=list)
    statuses: list = field(default_factory=list)  # status cell ranges
    checks: list = field(default_factory=list)  # input check message cells
    kinds: list = field(default_factory=list)  # audit kind cell ranges
    breaks: list = field(default_factory=list)  # rows after which a printed page ends
    header_rows: tuple | None = None  # rows repeated at the top of every printed page
    header_last: int | None = None  # the last row of the table those header rows head
    keep: list = field(default_factory=list)  # (first, last) rows printed on one page where they fit (pages.py)
    print_cols: int | None = None  # print only columns 1..print_cols (a rows table's lead columns and source)
    print_rows: int | None = None  # print only rows 1..print_rows (the Data sheet's first page)
    freeze: str | None = None
    row: int = 1
    tables: list = field(default_factory=list)  # (id, title, first row)

    def merge_lines(self):
        """Merge every text line in column A (titles, captions, sources, notes) across the sheet's tables."""
        last = max((c for (r, c), cell in self.cells.items() if cell.style not in LINE_STYLES), default=1)
        merged = {(r1, c1) for r1, c1, _, _ in self.merges}
        busy = {r for (r, c) in self.cells if c > 1}
        for (row, col), cell in list(self.cells.items()):
            if col == 1 and cell.style in LINE_STYLES and (row, 1) not in merged and row not in busy and last > 1:
                self.merges.append((row, 1, row, last))

    def put(self, row, col, value, style="text", fmt=None, comment=None, width=None, compute=None):
        """Place a cell; text widens its column up to ``MAX_WIDTH`` (longer text wraps)."""
        self.cells[(row, col)] = Cell(value, style, fmt, comment, compute=compute)
        if width is None and isinstance(value, str) and not isinstance(value, Formula) \
                and style not in WRAPPED_STYLES + LINE_STYLES:
            width = min(max(len(line) for line in value.split("\n")) + 2, MAX_WIDTH)
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
    range_values: dict = field(default_factory=dict)  # name -> 2-D list of the range's input values
    grids: list = field(default_factory=list)  # ([[Ref]], row axis Refs, column axis Refs)
    columns: dict = field(default_factory=dict)  # field name (prefix + key) -> [Ref per item], for name@all

    def sheet(self, name):
        if name not in self.sheets:
            if len(name) > 31 or any(c in name for c in "[]:*?/\\"):
                raise TemplateError(f"{self.file}: sheet name {name!r} is not allowed in Excel")
            self.sheets[name] = Sheet(name)
        return self.sheets[name]
