"""Chips, cloud instances, models and API prices: data files, each row with source and date.

Tables load on first use and are cached. Names resolve through forgiving aliases
(case, spaces, hyphens and underscores are ignored); an unknown name raises
UnknownNameError listing the closest names.

>>> hardware("A100").peak_flops_per_s
312000000000000.0
>>> model("GPT-3").params
175000000000.0

Rows are dated. ``date`` is when a row took effect (a price: the day it applied; a
chip: its announcement), written YYYY-MM-DD or YYYY-MM (the first of the month). One
name may have several rows, its history: every lookup takes an optional ``as_of``
date and answers with the row in force then, by default the newest. An ``as_of``
before a name's first row is an error that says when its history starts.

>>> api_price("gpt-4o", as_of="2024-06-01")["price_output_usd_per_1m_tokens"]
15.0
>>> api_price("gpt-4o")["price_output_usd_per_1m_tokens"]
10.0

Units and conventions: peaks are dense (no structured sparsity) per chip and per
dtype. ``memory_bytes`` is the memory the driver exposes (nvidia-smi: H100 81,559 MiB =
85.52e9 bytes), with the datasheet figure in ``notes``; where no exposed figure is
published, the vendor figure in the unit the vendor means (Google's TPU v3/v4 "32 GiB" is
2**35 bytes; NVIDIA's "96 GB" is 96e9). ``interconnect_bytes_per_s`` is the chip's
scale-up bandwidth (NVLink, ICI, Infinity Fabric; PCIe for cards that have nothing else)
in ONE direction, per chip: NVIDIA's "900 GB/s" for H100 NVLink is the bidirectional
total and is stored as 450e9. Chips also carry their cluster (``scale_up_domain``: chips
the fast link joins; ``scale_out_bytes_per_s``: each chip's cluster network, one
direction), the precisions they train in (``train_dtypes``; these three cited in
``cluster_source``), and achieved fractions of
peak measured by public microbenchmarks (``compute_efficiency`` per dtype,
``bandwidth_efficiency``; cited in ``efficiency_source``; empty where none was found).
Instance prices are USD per hour for the whole instance (GCP TPU rows: per chip-hour,
``chip_count`` 1); API prices are USD per 1M tokens, with the article's per-1,000-token
values kept readable for the GPT-3 rows (either column may be given; the other is derived).

Analysts add or correct rows without touching the shipped files: ``load_overrides``
takes a CSV named like a shipped table (chips.csv, instances.csv, models.csv,
api_prices.csv), a directory of such files, or an .xlsx with sheets named chips,
instances, models, api; the environment variable ``XLCOST_CATALOG_OVERRIDES`` (paths
separated by ``os.pathsep``) applies them at first use. A row whose name (or alias)
matches a shipped row replaces that row's whole history (several rows of one name in
an override file are its history); any other row is added.
"""

import csv
import datetime
import functools
import io
import os
import re
from pathlib import Path
from dataclasses import dataclass
from importlib import resources

import numpy as np

from ..errors import CatalogError, InputError, UnknownNameError, XlcostError
from .models import Model

# column -> type, for each table; "source" and "date" are required in every row
_TEXT, _NUMBER, _FLAG = "text", "number", "flag"
SCHEMAS = {
    "chips": {
        "name": _TEXT, "aliases": _TEXT, "vendor": _TEXT, "year": _NUMBER,
        "peak_fp32_flops": _NUMBER, "peak_tf32_flops": _NUMBER, "peak_fp16_flops": _NUMBER,
        "peak_bf16_flops": _NUMBER, "peak_fp8_flops": _NUMBER, "peak_fp4_flops": _NUMBER,
        "peak_int8_ops": _NUMBER, "memory_bytes": _NUMBER, "memory_bandwidth_bytes_per_s": _NUMBER,
        "interconnect_bytes_per_s": _NUMBER, "tdp_watts": _NUMBER, "list_price_usd": _NUMBER,
        # clusters: chips one fast link joins, and each chip's share of the cluster network (one direction)
        "scale_up_domain": _NUMBER, "scale_out_bytes_per_s": _NUMBER,
        "train_dtypes": _TEXT,  # precisions the chip trains in, ";"-separated: "bf16;fp8;mxfp8;fp4"
        "cluster_source": _TEXT,  # where the domain, scale-out and training precisions come from
        # achieved fractions of peak from public microbenchmarks, cited in efficiency_source; empty: none found
        "compute_efficiency": _NUMBER, "compute_efficiency_fp8": _NUMBER, "compute_efficiency_fp4": _NUMBER,
        "bandwidth_efficiency": _NUMBER, "efficiency_source": _TEXT,
        "source": _TEXT, "date": _TEXT, "notes": _TEXT,
    },
    "instances": {
        "name": _TEXT, "aliases": _TEXT, "provider": _TEXT, "chip": _TEXT, "chip_count": _NUMBER,
        "price_on_demand_usd_per_hour": _NUMBER, "price_1yr_usd_per_hour": _NUMBER,
        "price_3yr_usd_per_hour": _NUMBER, "price_spot_usd_per_hour": _NUMBER, "region": _TEXT, "source": _TEXT, "date": _TEXT, "notes": _TEXT,
    },
    "models": {
        "name": _TEXT, "aliases": _TEXT, "architecture": _TEXT, "params": _NUMBER, "active_params": _NUMBER,
        "n_layers": _NUMBER, "d_model": _NUMBER, "n_heads": _NUMBER, "n_kv_heads": _NUMBER,
        "head_dim": _NUMBER, "d_ff": _NUMBER, "vocab": _NUMBER, "context": _NUMBER,
        "training_tokens": _NUMBER, "gated_ffn": _FLAG, "tied_embeddings": _FLAG, "biases": _FLAG,
        "learned_positions": _FLAG,  # absolute position embeddings, context x d_model (GPT-2/3, OPT, BERT)
        # mixture of experts: how many layers route, over how many experts, k of them a token
        "moe_layers": _NUMBER, "n_experts": _NUMBER, "experts_per_token": _NUMBER,
        "n_shared_experts": _NUMBER, "expert_d_ff": _NUMBER,
        # multi-head latent attention (DeepSeek-V2/V3)
        "q_lora_rank": _NUMBER, "kv_lora_rank": _NUMBER, "qk_rope_head_dim": _NUMBER,
        "qk_nope_head_dim": _NUMBER, "v_head_dim": _NUMBER,
        # sliding-window attention: window in tokens, and how many layers use it
        "sliding_window": _NUMBER, "sliding_window_layers": _NUMBER,
        # the longest window the model card supports with rope scaling (YaRN ...); empty: only `context`
        "context_extended": _NUMBER,
        "year": _NUMBER,
        "source": _TEXT, "date": _TEXT, "notes": _TEXT,
    },
    "api": {
        "name": _TEXT, "aliases": _TEXT, "provider": _TEXT, "price_input_usd_per_1m_tokens": _NUMBER,
        "price_cached_input_usd_per_1m_tokens": _NUMBER, "price_output_usd_per_1m_tokens": _NUMBER,
        "price_input_usd_per_1k_tokens": _NUMBER, "price_output_usd_per_1k_tokens": _NUMBER,
        "source": _TEXT, "date": _TEXT, "notes": _TEXT,
        # a tier row: the whole request is billed at its prices when the prompt has more input tokens than this
        "input_tokens_above": _NUMBER,
        # the batch service (asynchronous, within 24 hours) as the provider lists it, and cache writes where billed
        "price_batch_input_usd_per_1m_tokens": _NUMBER, "price_batch_cached_input_usd_per_1m_tokens": _NUMBER,
        "price_batch_output_usd_per_1m_tokens": _NUMBER, "price_cache_write_usd_per_1m_tokens": _NUMBER,
        "checked": _TEXT,
        # the day the provider stopped (or has announced it will stop) serving the model: no price from then on
        "retired": _TEXT,
    },
}
SCHEMAS["instances"]["checked"] = _TEXT  # the day a row was last compared with the provider's page (no newer price found)
FILES = {"chips": "chips.csv", "instances": "instances.csv", "models": "models.csv", "api": "api_prices.csv"}
_REQUIRED = ("name", "source", "date")
_ARCHITECTURES = {"decoder", "encoder", "encoder-decoder", "moe-decoder"}

# the dtype names analysts type -> chip column. Each dtype reads its own column and
# nothing else: "fp16" reads peak_fp16_flops, which the shipped rows fill wherever the
# vendor publishes a 16-bit float tensor rate (equal to bf16 on A100, H100, B200, MI300X...;
# the only 16-bit rate on T4, V100, P100). TPUs publish bf16 but no fp16, so "fp16" there
# is an error, never bf16's number borrowed.
DTYPES = {
    "fp32": "peak_fp32_flops", "tf32": "peak_tf32_flops", "bf16": "peak_bf16_flops",
    "fp16": "peak_fp16_flops", "fp8": "peak_fp8_flops", "fp4": "peak_fp4_flops", "int8": "peak_int8_ops",
}


def normalize(name):
    """The key a name is looked up by: lower case, no spaces, hyphens or underscores.

    Dots stay: "GPT-3 1.3B" and "GPT-3 13B" are different models.
    """
    return re.sub(r"[\s\-_]+", "", str(name).lower())


def parse_rows(table, text, where):
    """Typed rows of ``table`` from CSV ``text``; a malformed row raises CatalogError.

    ``where`` names the file in errors. Rows are numbered as a spreadsheet shows them
    (the header is row 1). Each row's ``date`` must read as a date (YYYY-MM-DD or
    YYYY-MM); API rows get both their per-1M and per-1K prices (either may be given).
    """
    schema = SCHEMAS[table]
    reader = csv.DictReader(io.StringIO(text))
    unknown = [c for c in (reader.fieldnames or []) if c not in schema]
    if unknown:
        raise CatalogError(where, 1, unknown[0], f"unknown column; expected some of {', '.join(schema)}")
    rows = []
    for number, raw in enumerate(reader, start=2):
        if None in raw:
            raise CatalogError(where, number, "(extra)", "more fields than the header has columns")
        row = {}
        for column, kind in schema.items():
            value = (raw.get(column) or "").strip()
            row[column] = _typed(value, kind, where, number, column)
        for column in _REQUIRED:
            if not row[column]:
                raise CatalogError(where, number, column, "is required")
        for column in ("date", "checked", "retired"):
            if row.get(column) and effective_date(row[column]) is None:
                raise CatalogError(where, number, column, f"must be a date written YYYY-MM-DD, YYYY-MM or YYYY, "
                                   f"got {row[column]!r}")
        if table == "models" and row["architecture"] and row["architecture"] not in _ARCHITECTURES:
            raise CatalogError(where, number, "architecture", f"must be one of {sorted(_ARCHITECTURES)}")
        if table == "chips":
            _cluster_and_efficiency(row, where, number)
        if table == "api":
            _per_1m_and_1k(row, where, number)
        rows.append(row)
    return rows


_FRACTIONS = ("compute_efficiency", "compute_efficiency_fp8", "compute_efficiency_fp4", "bandwidth_efficiency")
TRAIN_DTYPES = ("fp32", "tf32", "fp16", "bf16", "fp8", "mxfp8", "fp4")


def _cluster_and_efficiency(row, where, number):
    """A chip row's efficiencies are fractions in (0, 1], its domain a whole number of chips,
    its training precisions known names."""
    for column in _FRACTIONS:
        if row[column] is not None and not 0 < row[column] <= 1:
            raise CatalogError(where, number, column, f"must be a fraction of peak in (0, 1], got {row[column]:g}")
    domain = row["scale_up_domain"]
    if domain is not None and (domain < 1 or domain != int(domain)):
        raise CatalogError(where, number, "scale_up_domain", f"must be a whole number of chips >= 1, got {domain:g}")
    unknown = [d for d in _dtype_list(row) if d not in TRAIN_DTYPES]
    if unknown:
        raise CatalogError(where, number, "train_dtypes", f"{unknown[0]!r} is not one of {', '.join(TRAIN_DTYPES)}")


def _dtype_list(row):
    return [d.strip().lower() for d in (row.get("train_dtypes") or "").split(";") if d.strip()]


def _per_1m_and_1k(row, where, number):
    """Fill an API row's per-1M price from its per-1K one, or the other way round."""
    for side in ("input", "output"):
        per_1m, per_1k = f"price_{side}_usd_per_1m_tokens", f"price_{side}_usd_per_1k_tokens"
        if row[per_1m] is None and row[per_1k] is not None:
            row[per_1m] = row[per_1k] * 1000.0
        elif row[per_1k] is None and row[per_1m] is not None:
            row[per_1k] = row[per_1m] / 1000.0
        elif row[per_1m] is not None and abs(row[per_1m] - 1000.0 * row[per_1k]) > 1e-9 * row[per_1m]:
            raise CatalogError(where, number, per_1k, f"disagrees with {per_1m} ({row[per_1k]} x 1000 != {row[per_1m]})")


def _typed(value, kind, where, number, column):
    if kind == _TEXT or not value:
        return value if kind == _TEXT else None
    if kind == _FLAG:
        if value.lower() not in ("true", "false"):
            raise CatalogError(where, number, column, f"must be true or false, got {value!r}")
        return value.lower() == "true"
    try:
        parsed = float(value)
    except ValueError:
        raise CatalogError(where, number, column, f"is not a number: {value!r}") from None
    if not (0 <= parsed < float("inf")):
        raise CatalogError(where, number, column, f"must be a finite number >= 0, got {value!r}")
    return parsed


_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_EXCEL_EPOCH = datetime.date(1899, 12, 30)  # serial 1 is 1900-01-01 after Excel's phantom 1900-02-29


def effective_date(text):
    """The date a row's ``date`` text means ("2024-05" is 2024-05-01, "2024" 2024-01-01), or None.

    >>> effective_date("2024-05")
    datetime.date(2024, 5, 1)
    """
    match = _DATE.match(str(text).strip())
    if match is None:
        return None
    try:
        return datetime.date(int(match[1]), int(match[2] or 1), int(match[3] or 1))
    except ValueError:
        return None


def today():
    """The date a lookup without ``as_of`` is made on: the system date, or the environment
    variable ``XLCOST_TODAY`` (YYYY-MM-DD) for a report that must read the same next year.

    >>> today() >= datetime.date(2026, 1, 1)
    True
    """
    pinned = os.environ.get("XLCOST_TODAY", "").strip()
    if not pinned:
        return datetime.date.today()
    when = effective_date(pinned)
    if when is None:
        raise InputError("XLCOST_TODAY", "must be a date written YYYY-MM-DD", pinned)
    return when


def as_of_date(value):
    """An ``as_of`` argument as a date: None (newest), text "2024-06-01" or "2024-06",
    a date or datetime (classic xlwings, pandas), or an Excel serial date number
    (Office.js sends dates as numbers: 45444 is 2024-06-01).

    >>> as_of_date(45444), as_of_date("2024-06-01")
    (datetime.date(2024, 6, 1), datetime.date(2024, 6, 1))
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if hasattr(value, "astype") and getattr(value, "dtype", None) is not None and value.dtype.kind == "M":
        return value.astype("datetime64[D]").item()  # numpy datetime64
    if isinstance(value, str):
        parsed = effective_date(value)
        if parsed is None:
            raise InputError("as_of", "must be a date such as 2024-06-01 (or 2024-06, 2024)", value)
        return parsed
    if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
        raise InputError("as_of", "must be a date such as 2024-06-01, a date cell, or an Excel date number", value)
    serial = float(value)
    if 1900 <= serial <= 2200 and serial == int(serial):
        raise InputError("as_of", f"reads as an Excel date number in 1905; for the year {serial:g} type {serial:g}-01-01", value)
    if not 61 <= serial < 2958466:
        raise InputError("as_of", "is not an Excel date number from 1900-03-01 to 9999-12-31", value)
    return _EXCEL_EPOCH + datetime.timedelta(days=int(serial))


def _when(row):
    """The date a row took effect (rows built by hand without a date: the earliest date)."""
    return effective_date(row.get("date") or "") or datetime.date.min


def _aliases(row):
    return [a.strip() for a in (row.get("aliases") or "").split(";") if a.strip()]


class Table:
    """Rows of one catalog table: each name's dated history, and an alias index.

    ``rows`` are the newest row of each name (what a lookup without ``as_of`` sees);
    ``history[name]`` every row of a name, oldest first.
    """

    def __init__(self, kind, rows, where):
        self.kind, self.index, self.history, self.tiers = kind, {}, {}, {}
        for number, row in enumerate(rows, start=2):
            name = row["name"]
            own = self.index.get(normalize(name))
            if own is not None and (normalize(own) != normalize(name)):
                raise CatalogError(where, number, "name", f"{name!r} is already an alias of {own!r}")
            canonical = own or name
            for alias in _aliases(row):
                other = self.index.get(normalize(alias))
                if other is not None and other != canonical:
                    raise CatalogError(where, number, "aliases", f"{alias!r} already names {other!r}")
            threshold = row.get("input_tokens_above")
            if threshold:  # a price tier: its own history, beside the name's list prices
                dated = self.tiers.setdefault(canonical, {}).setdefault(threshold, [])
            else:
                dated = self.history.setdefault(canonical, [])
            when = _when(row)
            if any(_when(r) == when for r in dated):
                raise CatalogError(where, number, "date", f"{canonical!r} already has a row in force from {row['date']}")
            dated.append(row)
            for alias in [name, *_aliases(row)]:
                self.index[normalize(alias)] = canonical
        for canonical, tiers in self.tiers.items():
            if canonical not in self.history:
                first = next(iter(tiers.values()))[0]
                raise CatalogError(where, 2, "input_tokens_above", f"{first['name']!r} has tier rows but no list-price row")
            for dated in tiers.values():
                dated.sort(key=_when)
        for dated in self.history.values():
            dated.sort(key=_when)
        self.rows = [dated[-1] for dated in self.history.values()]

    def get(self, name, as_of=None):
        """The row of ``name`` (or an alias) in force ``as_of`` (default: the newest), or None
        if no row has that name; InputError if ``as_of`` is before the name's first row."""
        canonical = self.index.get(normalize(name))
        if canonical is None:
            return None
        return self._in_force(self.history[canonical], as_of_date(as_of), as_of)

    def _in_force(self, dated, when, as_of):
        if when is None:
            return dated[-1]
        found = None
        for row in dated:
            if _when(row) > when:
                break
            found = row
        if found is None:
            raise InputError(
                "as_of", f"is before the catalog's history of {self.kind} {dated[0]['name']!r}, which starts {dated[0]['date']}",
                when.isoformat(),
            )
        return found

    def retired(self, name):
        """The day ``name`` stopped (or will stop) being served: its newest row's ``retired``, or None."""
        return effective_date(self.history[self.index[normalize(name)]][-1].get("retired") or "")

    def retired_by(self, name, day):
        """The day ``name`` was shut down if that is on or before ``day`` (nobody bills it then), else None."""
        shut = self.retired(name)
        return shut if shut is not None and shut <= day else None

    def tier(self, name, input_tokens, as_of=None):
        """The row pricing a request of ``input_tokens`` prompt tokens: the highest tier in force
        ``as_of`` whose threshold the prompt exceeds, else the list-price row."""
        row = self.find(name, as_of)
        when, best = as_of_date(as_of), None
        for threshold, dated in self.tiers.get(self.index[normalize(name)], {}).items():
            in_force = [r for r in dated if when is None or _when(r) <= when]
            if in_force and input_tokens > threshold and (best is None or threshold > best["input_tokens_above"]):
                best = in_force[-1]
        return best or row

    def find(self, name, as_of=None):
        """The row named ``name`` in force ``as_of``; UnknownNameError with suggestions when there is none."""
        row = self.get(name, as_of)
        if row is None:
            raise UnknownNameError(self.kind, name, self.names(), key=normalize)
        return row

    def at(self, as_of=None):
        """The row of every name in force ``as_of``; names whose history starts later are left out."""
        when = as_of_date(as_of)
        if when is None:
            return list(self.rows)
        return [
            self._in_force(dated, when, as_of) for dated in self.history.values()
            if _when(dated[0]) <= when
        ]

    def all_rows(self):
        """Every row of every name, each name's history oldest first, then its tiers'."""
        return [row for name, dated in self.history.items()
                for row in [*dated, *(r for tier in self.tiers.get(name, {}).values() for r in tier)]]

    def names(self):
        """Every name and alias -> the canonical name, for suggestions."""
        return {alias: canonical for canonical, dated in self.history.items()
                for row in dated for alias in [row["name"], *_aliases(row)]}


class OverridesError(XlcostError):
    """The override files ``XLCOST_CATALOG_OVERRIDES`` names cannot be applied; every use says so until fixed."""


_KINDS = {"chips": "chip", "instances": "instance", "models": "model", "api": "API model"}
_overrides = {name: [] for name in FILES}  # table -> [(where, rows)] in the order loaded
_env_loaded = False  # XLCOST_CATALOG_OVERRIDES applied (set only once every file loaded)
_env_loading = False


@functools.cache
def shipped_rows(name):
    """Rows of the shipped table ``name`` (chips, instances, models or api), read once."""
    text = resources.files(__package__).joinpath("data", FILES[name]).read_text(encoding="utf-8")
    return tuple(parse_rows(name, text, f"catalog/data/{FILES[name]}"))


@functools.cache
def table(name):
    """The catalog table ``name``: shipped rows, then the analyst's overrides on top."""
    if not _env_loaded and not _env_loading:
        _load_environment_overrides()
    merged = Table(_KINDS[name], shipped_rows(name), FILES[name])
    for where, rows in _overrides[name]:
        replaced = set()  # a name in the override file replaces the whole history it matches
        for dated in Table(_KINDS[name], rows, where).history.values():
            keys = [normalize(k) for k in [dated[0]["name"], *_aliases(dated[0])]]
            hit = next((merged.index[k] for k in keys if k in merged.index), None)
            if hit is not None:
                replaced.add(hit)
        kept = [r for r in merged.all_rows() if merged.index[normalize(r["name"])] not in replaced]
        merged = Table(_KINDS[name], [*kept, *rows], where)
    return merged


def _load_environment_overrides():
    """Apply the files ``XLCOST_CATALOG_OVERRIDES`` names, all or none. A file that fails is an
    error on every use (each retried), never skipped after the first report: fixing the file
    fixes the next call, without a restart."""
    global _env_loaded, _env_loading
    before = {name: len(loaded) for name, loaded in _overrides.items()}
    _env_loading = True
    try:
        for path in filter(None, os.environ.get("XLCOST_CATALOG_OVERRIDES", "").split(os.pathsep)):
            try:
                load_overrides(path)
            except (OSError, UnicodeError) as error:
                raise OverridesError(f"XLCOST_CATALOG_OVERRIDES: {path}: {getattr(error, 'strerror', None) or error}") from None
            except XlcostError as error:
                raise OverridesError(f"XLCOST_CATALOG_OVERRIDES: {error}") from None
        _env_loaded = True
    finally:
        _env_loading = False
        if not _env_loaded:
            for name, count in before.items():
                del _overrides[name][count:]
            _clear_caches()


def load_overrides(source, table_name=None):
    """Add or correct catalog rows from a CSV, a directory of CSVs, or an .xlsx workbook.

    Every row is checked like a shipped one (CatalogError names file, row, column,
    reason) before any is used; the shipped files are never written. Returns the
    number of rows loaded.
    >>> load_overrides("my_chips.csv")   # doctest: +SKIP
    3
    """
    path = Path(source)
    if path.is_dir():
        found = [path / FILES[t] for t in FILES if (path / FILES[t]).exists()]
        return sum(load_overrides(f) for f in found)
    if path.suffix.lower() == ".xlsx":
        return _load_workbook_overrides(path)
    name = table_name or next((t for t, f in FILES.items() if f == path.name or t == path.stem), None)
    if name is None:
        raise CatalogError(str(path), 1, "(file)", f"name the table: the file should be one of {', '.join(FILES.values())}")
    rows = parse_rows(name, path.read_text(encoding="utf-8-sig"), str(path))
    _add(name, str(path), rows)
    return len(rows)


def _load_workbook_overrides(path):
    from ..safe_xlsx import load_workbook  # only analysts with overrides in a workbook pay for it

    book = load_workbook(path, read_only=True, data_only=True)
    parsed = []
    for sheet in book.worksheets:
        name = sheet.title.strip().lower()
        if name not in FILES:
            continue
        sheet.reset_dimensions()  # every row there is, whatever the file's <dimension> tag claims
        out = io.StringIO()
        writer = csv.writer(out)
        for values in sheet.iter_rows(values_only=True):
            writer.writerow(["" if v is None else (repr(v) if isinstance(v, float) else str(v)) for v in values])
        parsed.append((name, parse_rows(name, out.getvalue(), f"{path.name}!{sheet.title}")))
    book.close()
    for name, rows in parsed:
        _add(name, f"{path.name}!{name}", rows)
    return sum(len(rows) for _, rows in parsed)


def _add(name, where, rows):
    Table(_KINDS[name], rows, where)  # rows of one file must not claim each other's names
    _overrides[name].append((where, rows))
    _clear_caches()
    try:
        table(name)  # a conflicting alias fails now, naming the file, not at a later lookup
    except CatalogError:
        _overrides[name].pop()
        _clear_caches()
        raise


def reset_overrides():
    """Forget every loaded override (the shipped catalog remains)."""
    global _env_loaded
    for rows in _overrides.values():
        rows.clear()
    _env_loaded = True
    _clear_caches()


def _clear_caches():
    table.cache_clear()
    _hardware.cache_clear()
    _model.cache_clear()


@dataclass(frozen=True)
class Hardware:
    """One unit of hardware: a chip, or a whole cloud instance of ``chips`` chips."""

    name: str
    chip: dict
    chips: float = 1.0
    instance: dict | None = None

    def peak(self, dtype="bf16"):
        """Dense peak FLOP/s (or OP/s for int8) of the unit in ``dtype``."""
        column = DTYPES.get(str(dtype).lower())
        if column is None:
            raise InputError("dtype", f"must be one of {', '.join(DTYPES)}", dtype)
        value = self.chip[column]
        if value is None:
            have = [d for d, c in DTYPES.items() if self.chip[c] is not None]
            raise InputError("hardware", f"{self.chip['name']} has no {dtype} peak in the catalog (has {', '.join(have)})")
        return value * self.chips

    @property
    def peak_flops_per_s(self):
        """Dense 16-bit tensor peak FLOP/s of the unit: bf16, else fp16; fp32 for chips
        with no low-precision tensor math at all (Tesla P4). A chip whose vendor publishes
        only fp8/fp4 peaks (TPU v7, RTX PRO 6000) refuses rather than answer with fp32."""
        dtype = next((d for d in ("bf16", "fp16") if self.chip[DTYPES[d]] is not None), None)
        if dtype is None:
            low = [d for d in ("fp8", "fp4") if self.chip[DTYPES[d]] is not None]
            if low:
                raise InputError("hardware", f"{self.chip['name']} has no bf16 or fp16 peak in the catalog "
                                 f"(has {', '.join(low)}): give the dtype, or a peak FLOP/s")
            dtype = "fp32"
        return self.peak(dtype)

    @property
    def memory_bytes(self):
        return _required(self.chip, "memory_bytes") * self.chips

    @property
    def memory_bandwidth_bytes_per_s(self):
        return _required(self.chip, "memory_bandwidth_bytes_per_s") * self.chips

    @property
    def interconnect_bytes_per_s(self):
        """Scale-up bandwidth per chip, one direction (NVLink, ICI, Infinity Fabric; PCIe cards: PCIe).

        Vendors print NVLink as a bidirectional total (H100: 900 GB/s); the catalog stores
        one direction (450e9), the rate a ring all-reduce step moves data at. Per chip, not
        multiplied by the unit's chip count.
        """
        return _required(self.chip, "interconnect_bytes_per_s")

    @property
    def scale_up_domain(self):
        """Chips the fast link joins (int): 8 on an HGX or MI300X board, 72 in an NVL72 rack, a TPU
        pod's ICI torus, 1 for a PCIe card. A collective among more chips than this crosses the
        cluster network (``scale_out_bytes_per_s``). The chip's figure, whatever the unit's chip count."""
        return int(_required(self.chip, "scale_up_domain"))

    @property
    def scale_out_bytes_per_s(self):
        """Each chip's share of the cluster network, one direction, in bytes/s: a 400 Gb/s NDR port
        per GPU is 50e9. Per chip, not multiplied by the unit's chip count (as interconnect_bytes_per_s)."""
        return _required(self.chip, "scale_out_bytes_per_s")

    @property
    def train_dtypes(self):
        """Precisions the chip trains in, as a tuple: ("bf16", "fp8") on Hopper, ("bf16", "fp8",
        "mxfp8", "fp4") on Blackwell. mxfp8 runs at the fp8 peak, fp4 at the fp4 peak."""
        _required(self.chip, "train_dtypes")
        return tuple(_dtype_list(self.chip))

    def compute_efficiency(self, dtype="bf16"):
        """Achieved fraction of the dense peak in large GEMMs at ``dtype``, from a public
        microbenchmark cited in the row's efficiency_source; None where none was found (callers
        then use their global default, and the row's notes say so).

        "bf16" and "fp16" read compute_efficiency (the 16-bit GEMM measurement), "fp8" and "mxfp8"
        compute_efficiency_fp8, "fp4" compute_efficiency_fp4. An fp8 or fp4 figure does not fall
        back to the bf16 one: low-precision GEMMs reach a different fraction (MI300X: 0.54 bf16,
        0.44 fp8), so a missing one is None. Other dtypes are None.

        >>> hardware("MI300X").compute_efficiency()   # AMD: 708 of 1,307.4 TFLOP/s in bf16
        0.542
        """
        column = _EFFICIENCY_COLUMNS.get(str(dtype).lower())
        if column is None and str(dtype).lower() not in DTYPES:
            raise InputError("dtype", f"must be one of {', '.join([*DTYPES, 'mxfp8'])}", dtype)
        return None if column is None else self.chip[column]

    @property
    def bandwidth_efficiency(self):
        """Achieved fraction of the datasheet memory bandwidth (STREAM-like copy or memory-bound
        kernel), cited in efficiency_source; None where no measurement was found."""
        return self.chip["bandwidth_efficiency"]

    @property
    def tdp_watts(self):
        return _required(self.chip, "tdp_watts") * self.chips

    @property
    def list_price_usd(self):
        return _required(self.chip, "list_price_usd") * self.chips

    def price_usd_per_hour(self, term="on_demand"):
        """Hourly price of the unit for ``term`` (on_demand, 1yr, 3yr, spot); instances only.

        The price is the one in the instance row this unit was looked up with
        (``hardware(name, as_of)``); 1yr and 3yr are effective hourly rates of a commitment.
        """
        if self.instance is None:
            raise InputError("price_per_hour", f"is required: {self.name} is a chip, and chips have no hourly price in the catalog")
        column = PRICE_TERMS.get(term)
        if column is None:
            raise InputError("term", f"must be one of {', '.join(PRICE_TERMS)}", term)
        return _required(self.instance, column)


# dtype -> the chip column holding its measured GEMM efficiency
_EFFICIENCY_COLUMNS = {
    "bf16": "compute_efficiency", "fp16": "compute_efficiency", "fp8": "compute_efficiency_fp8",
    "mxfp8": "compute_efficiency_fp8", "fp4": "compute_efficiency_fp4",
}

# hourly price terms -> instances column
PRICE_TERMS = {
    "on_demand": "price_on_demand_usd_per_hour", "1yr": "price_1yr_usd_per_hour",
    "3yr": "price_3yr_usd_per_hour", "spot": "price_spot_usd_per_hour",
}


def _required(row, column):
    value = row[column]
    if value is None or value == "":
        raise InputError(column, f"is not in the catalog for {row['name']} (row dated {row['date']})")
    return value


def hardware(name, as_of=None):
    """A chip or cloud instance by name: "A100", "TPU v4", "p4d.24xlarge", as of a date.

    An instance's price is the row in force ``as_of`` (default: the newest); its chip is
    the chip's newest row.

    >>> hardware("p4d.24xlarge", as_of="2024-06-01").price_usd_per_hour()
    32.77
    >>> hardware("p4d.24xlarge").price_usd_per_hour()   # AWS's June 2025 price
    21.957642
    """
    return _hardware(name, as_of_date(as_of))


@functools.lru_cache(maxsize=1024)
def _hardware(name, when):
    chip = table("chips").get(name, when)
    if chip is not None:
        return Hardware(chip["name"], chip)
    instance = table("instances").get(name, when)
    if instance is not None:
        return Hardware(instance["name"], table("chips").find(instance["chip"]), instance["chip_count"], instance)
    raise UnknownNameError("hardware", name, {**table("instances").names(), **table("chips").names()}, key=normalize)


def model(name, as_of=None):
    """A model by name: "GPT-3", "Mixtral-8x7B", "Llama-2-70B" (``as_of``: the row in force then)."""
    return _model(name, as_of_date(as_of))


@functools.lru_cache(maxsize=1024)
def _model(name, when):
    return Model(table("models").find(name, when))


def api_price(name, as_of=None):
    """An API price row by name ("gpt-4o", "Davinci"), the one in force ``as_of`` (default: newest).

    Prices are USD per 1M tokens: price_input_usd_per_1m_tokens,
    price_cached_input_usd_per_1m_tokens (empty where the provider has no cache price),
    price_output_usd_per_1m_tokens; the per-1K columns hold the same prices / 1000.
    """
    return table("api").find(name, as_of)


def frame(table_name, as_of=None, history=False):
    """A catalog table as a pandas DataFrame: every column, with each row's source and date.

    ``as_of`` gives each name's row in force on that date (names that did not exist yet
    are left out); ``history=True`` gives every dated row instead. Needs pandas
    (the ``pandas`` extra: ``pip install ".[pandas]"`` in a clone of xlcost).

    >>> chips = frame("chips")
    >>> float(chips.set_index("name").loc["H100-SXM5-80GB", "peak_bf16_flops"])
    989000000000000.0
    """
    import pandas as pd  # optional: only frames pay for it

    key = {"api_prices": "api", "chip": "chips", "instance": "instances", "model": "models"}.get(table_name, table_name)
    if key not in FILES:
        raise InputError("table", f"must be one of {', '.join(FILES)}", table_name)
    found = table(key)
    rows = found.all_rows() if history else found.at(as_of)
    columns = list(dict.fromkeys([*SCHEMAS[key], *(c for row in rows for c in row)]))
    return pd.DataFrame(rows, columns=columns)


def _refuse_retired(api_model, as_of):
    """InputError when ``api_model`` was shut down by ``as_of`` (default: today): nobody bills it then."""
    when = as_of_date(as_of)
    shut = table("api").retired_by(api_model, when or today())
    if shut is None:
        return
    earlier = f"give as_of before {shut.isoformat()} for the price it was billed at"
    if when is None:
        raise InputError("api_model", f"{api_model} was shut down on {shut.isoformat()} and is no longer billed; {earlier}")
    raise InputError("as_of", f"is on or after {api_model}'s shutdown on {shut.isoformat()}; {earlier}", as_of)


SERVICES = ("standard", "batch")  # how a request is sent: at once, or through the provider's batch service


def api_request_cost_usd(api_model, input_tokens, output_tokens, cached_input_tokens=0.0, as_of=None,
                         service="standard", cache_write_tokens=0.0):
    """USD ``api_model`` charges for one request, as billed: list prices in force ``as_of``.

    - tier: a prompt of more input tokens than a tier row's ``input_tokens_above``
      bills the whole request at that tier's prices (Gemini 2.5 Pro, Claude Sonnet 4
      over 200k tokens);
    - ``service`` "batch": the provider's batch prices (a model without them refuses);
    - ``cached_input_tokens`` (part of ``input_tokens``) at the cached-input (cache read)
      price; a model with none in force refuses them rather than bill them in full;
    - ``cache_write_tokens`` (part of ``input_tokens``) at the cache-write price where
      the provider bills writes (Anthropic); where the catalog has none they are input.

    Reasoning (thinking) tokens are billed as output: count them in ``output_tokens``.

    >>> api_request_cost_usd("gpt-4o", 1e6, 1e6, as_of="2024-06-01")   # $5 + $15
    20.0
    >>> api_request_cost_usd("gemini-2.5-pro", 500_000, 1_000)   # > 200k prompt: $2.50 in, $15 out
    1.265
    """
    from ..core import api_tokens_cost_usd  # the formula lives in core; this is the lookup

    key = str(service).strip().lower()
    if key not in SERVICES:
        raise InputError("service", 'must be "standard" or "batch"', service)
    prefix = "price_batch_" if key == "batch" else "price_"
    if any(np.ndim(v) for v in (input_tokens, output_tokens, cached_input_tokens, cache_write_tokens)):
        each = np.vectorize(lambda i, o, c, w: api_request_cost_usd(api_model, i, o, c, as_of, service, w), otypes=[float])
        return each(input_tokens, output_tokens, cached_input_tokens or 0.0, cache_write_tokens or 0.0)  # tier per request
    inputs = float(input_tokens)
    row = table("api").tier(api_model, inputs, as_of)
    _refuse_retired(row["name"], as_of)
    tier = f" (prompts over {row['input_tokens_above']:,.0f} tokens)" if row.get("input_tokens_above") else ""
    dated = f"{row['name']}{tier}, row dated {row['date']}"
    prices = {side: row[f"{prefix}{side}_usd_per_1m_tokens"] for side in ("input", "output", "cached_input")}
    for side in ("input", "output"):
        if prices[side] is None:
            if key == "batch":
                raise InputError("service", f'"batch" has no price in the catalog for {dated}')
            raise InputError("api_model", f"{row['name']} has no {side} price in the catalog ({dated})")
    if prices["cached_input"] is None:
        if np.any(np.asarray(cached_input_tokens or 0.0) > 0):
            raise InputError("cached_input_tokens", f"cannot be priced: no {'batch ' * (key == 'batch')}cached-input "
                             f"price in the catalog for {dated}")
        prices["cached_input"] = 0.0
    written = cache_write_tokens or 0.0
    write_price = row.get("price_cache_write_usd_per_1m_tokens")
    if write_price is not None and key == "batch" and np.any(np.asarray(written) > 0):
        raise InputError("cache_write_tokens", f"have no batch price in the catalog for {dated}")
    return api_tokens_cost_usd(inputs, output_tokens, prices["input"], prices["output"], cached_input_tokens or 0.0,
                               prices["cached_input"], written, prices["input"] if write_price is None else write_price)
