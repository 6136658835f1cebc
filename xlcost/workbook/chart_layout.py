"""Where charts go and what they plot: series and categories as cell areas of a sheet.

Charts over years plot on a true value axis (a scatter chart), so 2016, 2018, 2020 and
2023 are spaced as years are. Each chart is placed below the tables of its sheet, at
most one page tall, and starts on a new printed page.
"""

import re

from . import numfmt
from .book import INVALID, ChartSpec, Formula
from .expr import TemplateError

ROW_HEIGHT_CM = 0.53  # a 15-point row
_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")  # a chart title's "{field}": that value, as the table shows it


class ChartLayout:
    """Chart specs of tables (mixed into ``layout.Compiler``)."""

    def _chart_spec(self, chart, **overrides):
        options = dict(x_title=chart.get("x_title"), y_title=chart.get("y_title"), y_format=chart.get("y_format"),
                       x_format=chart.get("x_format"), log_x=chart.get("log_x", False),
                       log_y=chart.get("log_y", False), width=chart.get("width", 16.0),
                       height=chart.get("height", 8.0), grouping=chart.get("grouping"), y_min=chart.get("y_min"),
                       y_max=chart.get("y_max"))
        options.update(overrides)
        return ChartSpec(options.pop("type", chart["type"]), chart["title"], **options)

    def _chart_specs(self, sheet, table, refs, items, rows_layout, header):
        """Chart specs of a table; ``table['_cells']`` gives each field's cells on this sheet."""
        n = len(items)
        cells = table["_cells"]
        for chart in table.get("chart", []):
            categories = chart.get("categories", "items")
            kind = chart["type"]
            if categories != "items" and kind == "line":
                kind = "scatter"  # a numeric x (years): a value axis, not evenly spaced labels
            spec = self._chart_spec(chart, type=kind)
            spec.title_parts = self._title_parts(chart["title"], table, refs)
            if categories == "items":
                spec.categories = (header + 1, 1, header + n, 1) if rows_layout else (header, 3, header, 2 + n)
            else:
                spec.categories = _area(cells[categories])
            for key in chart.get("series", []):
                if key not in refs:
                    raise TemplateError(f"{self.where} chart {chart['title']!r}: no field {key!r}")
            if chart.get("by") == "items":
                keys = chart["series"]
                first, last = cells[keys[0]], cells[keys[-1]]
                if rows_layout:
                    spec.categories = (header, first[0][1], header, last[0][1])
                else:
                    spec.categories = (first[0][0], 1, last[0][0], 1)
                for i, item in enumerate(items):
                    (r1, c1), (r2, c2) = first[i], last[i]
                    spec.series.append((item["label"], (r1, c1, r2, c2)))
            else:
                for key in chart.get("series", []):
                    present = [c for c, r in zip(cells[key], refs[key]) if r is not None]
                    label = next(f["label"] for f in table["field"] if f.get("key") == key)
                    spec.series.append((label, _area(present)))
            sheet.charts.append(spec)

    def _title_parts(self, title, table, refs):
        """A chart title's text pieces and (Ref, number format) pairs of its "{field}"s; None without fields."""
        pieces = _FIELD.split(title)
        if len(pieces) == 1:
            return None
        parts = []
        for i, piece in enumerate(pieces):
            if i % 2 == 0:
                parts.append(piece)
                continue
            shared = refs.get(piece) and all(r is refs[piece][0] for r in refs[piece])
            if not shared or refs[piece][0] is None:
                raise TemplateError(f"{self.where} chart {title!r}: {{{piece}}} must be a field of the table with one "
                                    "value for every item")
            spec = next(f for f in table["field"] if f.get("key") == piece)
            parts.append((refs[piece][0], numfmt.number_format(spec.get("format")) or "General"))
        return parts

    def _place_charts(self, sheet):
        """Anchor each chart below the tables; each begins a printed page (a row break above it). A title that
        names table values is a live formula in the row above its chart, and the chart's title shows that cell."""
        row = sheet.row + 1
        for spec in sheet.charts:
            sheet.breaks.append(row - 1)
            if spec.title_parts:
                parts = spec.title_parts
                text = "&".join(_quote(p) if isinstance(p, str) else
                                f'IF(ISNUMBER({p[0].name}),TEXT({p[0].name},{_quote(p[1])}),"{INVALID}")'
                                for p in parts if p != "")
                sheet.put(row, 1, Formula("=" + text), "caption", compute=lambda get, parts=parts: _title(get, parts))
                spec.title_cell = (row, 1)
                row += 1
            spec.anchor = (row, 1)
            row += int(spec.height / ROW_HEIGHT_CM) + 3


def _quote(text):
    return '"' + text.replace('"', '""') + '"'


def _title(get, parts):
    """The title cell's text, as the workbook computes it."""
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        value = get(part[0].sheet, part[0].row, part[0].col)
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        out.append(numfmt.display(part[1], value) if ok else INVALID)
    return "".join(out)


def _area(cells):
    """(r1, c1, r2, c2) of a field's cells on its table (links to the assumptions included)."""
    return (cells[0][0], cells[0][1], cells[-1][0], cells[-1][1])
