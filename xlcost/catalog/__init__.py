"""Chips, cloud instances, models and API prices: data files, each row with source and date.

Tables load on first use and are cached. Names resolve through forgiving aliases
(case, spaces, hyphens and underscores are ignored); an unknown name raises
UnknownNameError listing the closest names.

>>> hardware("A100").peak_flops_per_s
312000000000000.0
>>> model("GPT-3").params
175000000000.0

Analysts add or correct rows without touching the shipped files: ``load_overrides``
takes a CSV named like a shipped table (chips.csv, instances.csv, models.csv,
api_prices.csv), a directory of such files, or an .xlsx with sheets named chips,
instances, models, api; the environment variable ``XLCOST_CATALOG_OVERRIDES`` (paths
separated by ``os.pathsep``) applies them at first use. A row whose name (or alias)
matches a shipped row replaces it; any other row is added.
"""

import csv
import functools
import io
import os
import re
from pathlib import Path
from dataclasses import dataclass
from importlib import resources

from ..errors import CatalogError, InputError, UnknownNameError
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
        "source": _TEXT, "date": _TEXT, "notes": _TEXT,
    },
    "instances": {
        "name": _TEXT, "aliases": _TEXT, "provider": _TEXT, "chip": _TEXT, "chip_count": _NUMBER,
        "price_on_demand_usd_per_hour": _NUMBER, "price_1yr_usd_per_hour": _NUMBER,
        "price_3yr_usd_per_hour": _NUMBER, "region": _TEXT, "source": _TEXT, "date": _TEXT, "notes": _TEXT,
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
        "year": _NUMBER,
        "source": _TEXT, "date": _TEXT, "notes": _TEXT,
    },
    "api": {
        "name": _TEXT, "aliases": _TEXT, "provider": _TEXT, "price_input_usd_per_1k_tokens": _NUMBER,
        "price_output_usd_per_1k_tokens": _NUMBER, "source": _TEXT, "date": _TEXT, "notes": _TEXT,
    },
}
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
    (the header is row 1).
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
        if table == "models" and row["architecture"] and row["architecture"] not in _ARCHITECTURES:
            raise CatalogError(where, number, "architecture", f"must be one of {sorted(_ARCHITECTURES)}")
        rows.append(row)
    return rows


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


class Table:
    """Rows of one catalog table with an alias index."""

    def __init__(self, kind, rows, where):
        self.kind, self.rows, self.index = kind, list(rows), {}
        for number, row in enumerate(self.rows, start=2):
            names = [row["name"], *filter(None, (a.strip() for a in (row.get("aliases") or "").split(";")))]
            for name in names:
                key = normalize(name)
                other = self.index.get(key)
                if other is not None and other is not row:
                    raise CatalogError(where, number, "aliases", f"{name!r} already names {other['name']!r}")
                self.index[key] = row

    def get(self, name):
        """The row named ``name`` (or one of its aliases), or None."""
        return self.index.get(normalize(name))

    def find(self, name):
        """The row named ``name``; UnknownNameError with suggestions when there is none."""
        row = self.get(name)
        if row is None:
            raise UnknownNameError(self.kind, name, self.names(), key=normalize)
        return row

    def names(self):
        """Every name and alias -> the row's name, for suggestions."""
        return {n: r["name"] for r in self.rows for n in [r["name"], *(r["aliases"] or "").split(";")] if n.strip()}


_KINDS = {"chips": "chip", "instances": "instance", "models": "model", "api": "API model"}
_overrides = {name: [] for name in FILES}  # table -> [(where, rows)] in the order loaded
_env_loaded = False


@functools.cache
def shipped_rows(name):
    """Rows of the shipped table ``name`` (chips, instances, models or api), read once."""
    text = resources.files(__package__).joinpath("data", FILES[name]).read_text(encoding="utf-8")
    return tuple(parse_rows(name, text, f"catalog/data/{FILES[name]}"))


@functools.cache
def table(name):
    """The catalog table ``name``: shipped rows, then the analyst's overrides on top."""
    global _env_loaded
    if not _env_loaded:
        _env_loaded = True
        for path in filter(None, os.environ.get("XLCOST_CATALOG_OVERRIDES", "").split(os.pathsep)):
            load_overrides(path)
    merged = Table(_KINDS[name], shipped_rows(name), FILES[name])
    for where, rows in _overrides[name]:
        for row in rows:
            keys = [row["name"], *filter(None, (a.strip() for a in (row["aliases"] or "").split(";")))]
            replaced = next((merged.get(k) for k in keys if merged.get(k) is not None), None)
            kept = [r for r in merged.rows if r is not replaced]
            merged = Table(_KINDS[name], [*kept, row], where)
    return merged


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
    hardware.cache_clear()
    model.cache_clear()


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
        """Dense 16-bit tensor peak FLOP/s of the unit: bf16, else fp16, else fp32."""
        dtype = next((d for d in ("bf16", "fp16") if self.chip[DTYPES[d]] is not None), "fp32")
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
    def tdp_watts(self):
        return _required(self.chip, "tdp_watts") * self.chips

    @property
    def list_price_usd(self):
        return _required(self.chip, "list_price_usd") * self.chips

    def price_usd_per_hour(self, term="on_demand"):
        """Hourly price of the unit for ``term`` (on_demand, 1yr, 3yr); instances only."""
        if self.instance is None:
            raise InputError("price_per_hour", f"is required: {self.name} is a chip, and chips have no hourly price in the catalog")
        column = {"on_demand": "price_on_demand_usd_per_hour", "1yr": "price_1yr_usd_per_hour", "3yr": "price_3yr_usd_per_hour"}.get(term)
        if column is None:
            raise InputError("term", "must be on_demand, 1yr or 3yr", term)
        return _required(self.instance, column)


def _required(row, column):
    value = row[column]
    if value is None:
        raise InputError(column, f"is not in the catalog for {row['name']}")
    return value


@functools.lru_cache(maxsize=1024)
def hardware(name):
    """A chip or cloud instance by name: "A100", "TPU v4", "p4d.24xlarge"."""
    chip = table("chips").get(name)
    if chip is not None:
        return Hardware(chip["name"], chip)
    instance = table("instances").get(name)
    if instance is not None:
        return Hardware(instance["name"], table("chips").find(instance["chip"]), instance["chip_count"], instance)
    raise UnknownNameError("hardware", name, {**table("instances").names(), **table("chips").names()}, key=normalize)


@functools.lru_cache(maxsize=1024)
def model(name):
    """A model by name: "GPT-3", "Mixtral-8x7B", "Llama-2-70B"."""
    return Model(table("models").find(name))


def api_price(name):
    """An API price row by name: "davinci", "gpt-3.5-turbo"."""
    return table("api").find(name)
