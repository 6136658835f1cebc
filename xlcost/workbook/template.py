"""Read a workbook template (TOML, standard library) and check its shape.

A template is data: ``[workbook]`` (file name, title, about) and a list of
``[[table]]``; each table names its sheet, its items (the article's columns, or the
rows of a ``layout = "rows"`` table), its fields (inputs with value, unit and source;
computed rows naming a core quantity or a formula over field keys; published values
with their printed precision) and its charts. An item may carry its own value of an
input field (``{ key = "a", label = "A", measured = 1.5 }``: a per-row input) and name a
serving replica (``model``, ``hardware``, ``n_units``, ``precision``, or the table's
``replica``) whose catalog figures fill the fields that say ``replica = "<figure>"``
(docs/workbooks.md, "The template format"). Unknown keys are errors, so a typo never
silently drops a number.
"""

import copy
import tomllib
from pathlib import Path

from .expr import TemplateError
from .numfmt import for_unit

WORKBOOK_KEYS = {"file", "title", "subtitle", "source", "headline", "about", "contents", "assumptions", "sources",
                 "data"}
TABLE_KEYS = {
    "table": {"kind", "sheet", "id", "title", "caption", "source", "notes", "prefix", "layout", "items",
              "field", "chart", "label_header", "width", "replica", "lead"},
    "grid": {"kind", "sheet", "id", "title", "caption", "source", "notes", "rows", "cols", "quantity", "args",
             "formula", "format", "spill", "name", "label", "chart", "unit"},
    "catalog": {"kind", "sheet", "id", "title", "caption", "source", "notes", "catalog", "columns", "name"},
    "conf": {"kind", "sheet", "entries"},
}
FIELD_KEYS = {
    "key", "name", "label", "unit", "format", "source", "note", "heading", "value", "values", "catalog",
    "choices", "choices_from", "validate", "text", "quantity", "args", "formula", "method", "published",
    "precision", "expect", "kind", "scale", "free_entry", "replica", "training",
}
AXIS_KEYS = {"key", "name", "label", "values", "format", "unit", "source"}
CHART_KEYS = {"type", "title", "series", "categories", "x_title", "y_title", "y_format", "x_format",
              "log_x", "log_y", "width", "height", "grouping", "by", "y_min", "y_max"}
ITEM_KEYS = {"key", "label", "source"}
REPLICA_KEYS = ("model", "hardware", "n_units", "precision")  # a serving replica, per item or per table
RUN_KEYS = ("seq_len", "global_batch", "tp", "pp", "cp", "ep", "micro_batch", "virtual", "zero")  # a training run's too
STATUSES = ("matches", "differs")
KINDS = ("matches", "rounding", "arithmetic error", "method error", "other source")


def load(path):
    """The template at ``path`` as a checked dict."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise TemplateError(f"{path.name}: not valid TOML ({error})") from None
    check(data, path.name)
    data["_path"] = str(path)
    return data


def _unknown(where, got, allowed):
    extra = sorted(set(got) - allowed)
    if extra:
        raise TemplateError(f"{where}: unknown key {extra[0]!r}; expected some of {', '.join(sorted(allowed))}")


def _need(where, mapping, *keys):
    for key in keys:
        if key not in mapping:
            raise TemplateError(f"{where}: {key!r} is required")


def check(data, where):
    """Raise TemplateError naming the place of the first malformed part of ``data``."""
    _need(where, data, "workbook", "table")
    _unknown(where, [k for k in data if k != "_path"], {"workbook", "table", "group"})
    _expand_groups(data, where)
    _unknown(f"{where} [workbook]", data["workbook"], WORKBOOK_KEYS)
    _need(f"{where} [workbook]", data["workbook"], "file", "title")
    for number, table in enumerate(data["table"], start=1):
        kind = table.setdefault("kind", "table")
        place = f"{where} table {table.get('id') or number}"
        if kind not in TABLE_KEYS:
            raise TemplateError(f"{place}: kind must be one of {', '.join(TABLE_KEYS)}, got {kind!r}")
        _unknown(place, table, TABLE_KEYS[kind])
        _need(place, table, "sheet")
        if kind == "table":
            _check_table(place, table)
        elif kind == "grid":
            for axis in ("rows", "cols"):
                _need(place, table, axis)
                _unknown(f"{place} {axis}", table[axis], AXIS_KEYS)
                _need(f"{place} {axis}", table[axis], "key", "label", "values")
            if ("quantity" in table) == ("formula" in table):
                raise TemplateError(f"{place}: give exactly one of 'quantity' and 'formula'")
        elif kind == "catalog":
            _need(place, table, "catalog", "columns")
        for chart in table.get("chart", []):
            _unknown(f"{place} chart", chart, CHART_KEYS)
            _need(f"{place} chart", chart, "type", "title")


def _expand_groups(data, where):
    """Replace each ``{ group = "name" }`` field by the fields of ``[[group]]`` "name" (written once, used by
    several tables; each table resolves their keys among its own fields)."""
    groups = {}
    for group in data.pop("group", []):
        _unknown(f"{where} group {group.get('name')}", group, {"name", "field"})
        _need(f"{where} group", group, "name", "field")
        groups[group["name"]] = group["field"]
    for table in data["table"]:
        fields = []
        for field in table.get("field", []):
            if "group" not in field:
                fields.append(field)
                continue
            if set(field) != {"group"} or field["group"] not in groups:
                raise TemplateError(f"{where} table {table.get('id')}: a group field names one [[group]] of "
                                    f"{', '.join(groups) or 'none'} and nothing else, got {field}")
            fields.extend(copy.deepcopy(groups[field["group"]]))
        if "field" in table:
            table["field"] = fields


def _check_table(place, table):
    _need(place, table, "field")
    if table.setdefault("layout", "columns") not in ("columns", "rows"):
        raise TemplateError(f"{place}: layout must be 'columns' or 'rows'")
    items = table.setdefault("items", [])
    _unknown(f"{place} replica", table.get("replica", {}), set(REPLICA_KEYS + RUN_KEYS))
    row_inputs = {f["key"] for f in table["field"] if "key" in f and not _value_source(f)}
    for item in items:
        _unknown(f"{place} item {item.get('key')}", item, ITEM_KEYS | set(REPLICA_KEYS + RUN_KEYS) | row_inputs)
        _need(f"{place} item", item, "key", "label")
    n = max(len(items), 1)
    keys = set()
    for field in table["field"]:
        _unknown(f"{place} field {field.get('key', field.get('heading'))}", field, FIELD_KEYS)
        if "heading" in field:
            continue
        fplace = f"{place} field {field.get('key')}"
        _need(fplace, field, "key", "label")
        if "format" in field:  # FLOP/s as TFLOP/s, bytes as GB ... where a scientific format was given
            field["format"] = for_unit(field.get("unit"), field["format"])
        if field["key"] in keys:
            raise TemplateError(f"{fplace}: key used twice")
        keys.add(field["key"])
        if not _value_source(field):
            if field["key"] in ITEM_KEYS | set(REPLICA_KEYS):
                raise TemplateError(f"{fplace}: {field['key']!r} is an item key; name the per-row input otherwise")
            missing = [item["key"] for item in items if field["key"] not in item]
            if not items or missing:
                raise TemplateError(f"{fplace}: give a value, values, catalog, replica, quantity or formula, "
                                    f"or a value in every item (missing in {', '.join(missing[:3]) or 'no items'})")
        if ("replica" in field or "training" in field) and not all({*table.get("replica", {}), *item} >= {"model", "hardware"}
                                          for item in items or [{}]):
            raise TemplateError(f"{fplace}: replica needs a model and a hardware, in the table's replica or each item")
        if "quantity" in field and "formula" in field:
            raise TemplateError(f"{fplace}: give either quantity or formula, not both")
        if "values" in field and len(field["values"]) != n:
            raise TemplateError(f"{fplace}: {len(field['values'])} values for {n} items")
        if "published" in field:
            _need(fplace, field, "precision")
        expects = per_item(field.get("expect", "matches"), items, fplace)
        kinds = per_item(field.get("kind", ""), items, fplace)
        for status, kind in zip(expects, kinds):
            if status not in STATUSES + ("",):
                raise TemplateError(f"{fplace}: expect must be matches or differs, got {status!r}")
            if kind not in KINDS + ("",):
                raise TemplateError(f"{fplace}: kind must be one of {', '.join(KINDS)}, got {kind!r}")
            if status == "differs" and kind in ("", "matches"):
                raise TemplateError(f"{fplace}: a difference needs its kind ({', '.join(KINDS[1:])})")


def _value_source(field):
    """Whether the field itself says where its value comes from (else every item carries it)."""
    return any(k in field for k in ("value", "values", "quantity", "formula", "catalog", "replica", "training"))


def per_item(spec, items, where=""):
    """A scalar, list or {item key: value} spec as one value per item ('' where absent)."""
    n = max(len(items), 1)
    if isinstance(spec, list):
        if len(spec) != n:
            raise TemplateError(f"{where}: {len(spec)} entries for {n} items")
        return list(spec)
    if isinstance(spec, dict):
        keys = [i["key"] for i in items]
        unknown = set(spec) - set(keys)
        if unknown:
            raise TemplateError(f"{where}: no item {sorted(unknown)[0]!r}")
        return [spec.get(k, "") for k in keys]
    return [spec] * n
