"""openpyxl charts from a layout ``ChartSpec``: bar, column, line and scatter."""

from openpyxl.chart import BarChart, LineChart, Reference, ScatterChart, Series
from openpyxl.chart.data_source import StrData, StrVal
from openpyxl.chart.series import SeriesLabel, StrRef
from openpyxl.chart.text import Text
from openpyxl.chart.title import Title
from openpyxl.utils import get_column_letter, quote_sheetname

from .numfmt import number_format


def _reference(ws, area):
    r1, c1, r2, c2 = area
    return Reference(ws, min_col=c1, min_row=r1, max_col=c2, max_row=r2)


def _label(ws, title):
    if isinstance(title, tuple):
        row, col = title
        return SeriesLabel(strRef=StrRef(f"{quote_sheetname(ws.title)}!${get_column_letter(col)}${row}"))
    return SeriesLabel(v=title)


def _title(ws, spec, text):
    """A title that shows its cell (``spec.title_cell``; ``text``, its value now, for readers that do not
    recalculate), else the template's text."""
    if not spec.title_cell:
        return spec.title
    row, col = spec.title_cell
    cache = StrData(ptCount=1, pt=[StrVal(idx=0, v=text)])
    return Title(tx=Text(strRef=StrRef(f"{quote_sheetname(ws.title)}!${get_column_letter(col)}${row}", strCache=cache)),
                 overlay=False)


def make(ws, spec, title_text=None):
    """The openpyxl chart of ``spec`` with data on ``ws``; ``title_text``: its title cell's value, if it has one."""
    if spec.type == "scatter":
        chart = ScatterChart()
        xvalues = _reference(ws, spec.categories)
        for title, area in spec.series:
            series = Series(_reference(ws, area), xvalues)
            series.tx = _label(ws, title)
            series.marker.symbol = "circle"
            series.smooth = False
            chart.series.append(series)
    else:
        if spec.type in ("bar", "col"):
            chart = BarChart()
            chart.type = "bar" if spec.type == "bar" else "col"
            chart.grouping = spec.grouping or "clustered"
            if chart.grouping != "clustered":
                chart.overlap = 100
        elif spec.type == "line":
            chart = LineChart()
        else:
            raise ValueError(f"chart type {spec.type!r}")
        for title, area in spec.series:
            series = Series(_reference(ws, area))
            series.tx = _label(ws, title)
            if spec.type == "line":
                series.marker.symbol = "circle"
                series.smooth = False
            chart.series.append(series)
        if spec.categories:
            chart.set_categories(_reference(ws, spec.categories))
    chart.title = _title(ws, spec, title_text)
    chart.width, chart.height = spec.width, spec.height
    chart.x_axis.title = spec.x_title
    chart.y_axis.title = spec.y_title
    # openpyxl >= 3.1 hides axes unless told otherwise
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    if spec.y_format:
        chart.y_axis.number_format = number_format(spec.y_format)
    if spec.x_format:
        chart.x_axis.number_format = number_format(spec.x_format)
    if spec.y_min is not None:
        chart.y_axis.scaling.min = spec.y_min
    elif spec.type in ("bar", "col") and not spec.log_y:
        chart.y_axis.scaling.min = 0
    if spec.y_max is not None:
        chart.y_axis.scaling.max = spec.y_max
    if spec.x_min is not None:
        chart.x_axis.scaling.min, chart.x_axis.scaling.max = spec.x_min, spec.x_max
        chart.x_axis.majorUnit = 1
    if spec.log_x:
        chart.x_axis.scaling.logBase = 10
    if spec.log_y:
        chart.y_axis.scaling.logBase = 10
    chart.legend.position = "b"
    return chart
