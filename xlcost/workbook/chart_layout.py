"""Where charts go and what they plot: series and categories as cell areas of a sheet.

Charts over years plot on a true value axis (a scatter chart), so 2016, 2018, 2020 and
2023 are spaced as years are. Each chart is placed below the tables of its sheet, at
most one page tall, and starts on a new printed page.
"""

from .book import ChartSpec
from .expr import TemplateError

ROW_HEIGHT_CM = 0.53  # a 15-point row


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

    def _place_charts(self, sheet):
        """Anchor each chart below the tables; each begins a printed page (a row break above it)."""
        row = sheet.row + 1
        for spec in sheet.charts:
            spec.anchor = (row, 1)
            sheet.breaks.append(row - 1)
            row += int(spec.height / ROW_HEIGHT_CM) + 3


def _area(cells):
    """(r1, c1, r2, c2) of a field's cells on its table (links to the assumptions included)."""
    return (cells[0][0], cells[0][1], cells[-1][0], cells[-1][1])
