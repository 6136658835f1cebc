"""Every core quantity's Excel rendering, evaluated by a spreadsheet engine, equals the core.

The quantities are discovered, not listed: every function in ``xlcost.core`` that carries
an ``.excel`` rendering (the ``@quantity`` decorator) is evaluated by ``formulas`` (a
Python spreadsheet engine) on random inputs, each argument in a cell of its own, and
compared with the Python function on the same inputs. A quantity added later (serving,
parameter blocks ...) is covered without editing this file; an argument name this file
has no range for is drawn from its declared dimension (``xlcost.core.inputs.ARGUMENTS``).
Every option of a text choice (``attention``, ``method``, ``fit``) is evaluated too.
"""

import importlib
import inspect
import math
import pkgutil
import re
import zlib

import numpy as np
import pytest

import xlcost.core
from xlcost.core.inputs import ARGUMENTS
from xlcost.errors import XlcostError

formulas = pytest.importorskip("formulas")

SAMPLES = 6  # input sets compared per quantity and option
TRIES = 400  # draws allowed to find them (the core refuses draws outside its domain)


def _quantities():
    found = {}
    for info in pkgutil.iter_modules(xlcost.core.__path__):
        module = importlib.import_module(f"xlcost.core.{info.name}")
        for name, value in vars(module).items():
            if callable(value) and isinstance(getattr(value, "excel", None), str) and hasattr(value, "needs"):
                found.setdefault(f"{value.__module__}.{value.__name__}", value)
    return found


QUANTITIES = _quantities()

# log-uniform ranges (low, high) by argument name; integer-valued arguments are rounded
RANGES = {
    "params": (1e8, 2e12), "memory_params": (1e8, 2e12), "tokens": (1.0, 1e13), "flops": (1e18, 1e28),
    "flops_per_token": (1e9, 1e13), "tokens_per_s": (1.0, 1e6), "context": (1.0, 2e5), "batch": (1.0, 256.0),
    "n_layers": (1.0, 128.0), "d_model": (64.0, 2e4), "d_attn": (64.0, 2e4), "d_ff": (64.0, 8e4),
    "n_heads": (1.0, 128.0), "head_dim": (16.0, 256.0), "kv_dim": (64.0, 2e4), "vocab": (1e3, 3e5),
    "n_experts": (1.0, 256.0), "expert_d_ff": (64.0, 2e4), "n_shared_experts": (1.0, 4.0),
    "q_lora_rank": (64.0, 2048.0), "kv_lora_rank": (64.0, 1024.0), "qk_rope_head_dim": (16.0, 128.0),
    "qk_nope_head_dim": (16.0, 256.0), "v_head_dim": (16.0, 256.0), "latent_dim": (64.0, 1024.0),
    "peak_flops_per_s": (1e13, 1e16), "memory_bytes": (4e10, 2e11), "memory_bandwidth_bytes_per_s": (1e11, 1e13),
    "interconnect_bytes_per_s": (1e10, 1e12), "bytes_per_param": (0.5, 20.0), "bytes_per_value": (0.5, 4.0),
    "kv_bytes_per_token": (1e3, 1e6), "shared_weight_bytes": (1e8, 4e10), "expert_weight_bytes": (1e5, 1e8),
    "weight_bytes_read": (1e8, 1e11), "kv_bytes_moved": (1e3, 1e10), "activation_bytes": (1.0, 4.0),
    "linear_flops_per_token": (1e8, 1e12), "attention_flops_per_attended": (1e3, 1e6),
    "attended_per_token": (1.0, 1e7), "n_units": (1.0, 8.0), "input_tokens": (1.0, 8000.0),
    "output_tokens": (1.0, 4000.0), "price_usd_per_hour": (0.1, 100.0), "price_usd": (100.0, 1e5),
    "price_usd_per_1k_tokens": (1e-4, 0.1), "watts": (50.0, 1500.0), "words_per_1k_tokens": (500.0, 1000.0),
    "layer_overhead_s": (1e-6, 1e-4), "allreduce_latency_s": (1e-6, 1e-4), "flops_per_param": (1.0, 8.0),
    "decode_attention_flops_per_attended": (1e3, 1e6), "expert_tokens_half": (1.0, 256.0),
    "expert_params_half": (1e6, 1e9), "max_tokens_per_step": (256.0, 32768.0), "tokens_per_expert": (0.1, 1e4),
    "params_per_expert": (1e5, 1e9), "expert_weight_bytes_read": (1e6, 1e11),
}
INTEGERS = {"n_layers", "n_heads", "n_kv_heads", "head_dim", "batch", "n_experts", "experts_per_token",
            "n_shared_experts", "moe_layers", "window", "window_layers", "n_units", "vocab", "d_model", "d_ff",
            "max_sequences", "max_tokens_per_step"}
# drawn after, and bounded by, another argument
BOUNDED = {"n_kv_heads": "n_heads", "experts_per_token": "n_experts", "window_layers": "n_layers",
           "moe_layers": "n_layers", "window": "context", "max_sequences": "max_tokens_per_step",
           "expert_flops_per_token": "linear_flops_per_token"}
BY_DIMENSION = {"count": (1.0, 1e4), "flops": (1e9, 1e24), "flop/s": (1e12, 1e16), "bytes": (1.0, 1e12),
                "bytes/s": (1e9, 1e13), "usd": (0.01, 1e4)}


def _draw(rng, name, drawn, default):
    kind = ARGUMENTS[name].dimension
    if kind == "flag":
        return bool(rng.integers(0, 2))
    if default == 0 and rng.random() < 0.25:  # exercise the IF(x>0, ...) branches of optional widths
        return 0.0
    if name in BOUNDED and BOUNDED[name] in drawn:
        return float(rng.integers(1, int(drawn[BOUNDED[name]]) + 1)) if drawn[BOUNDED[name]] >= 1 else 0.0
    if kind == "fraction":
        return float(rng.uniform(0.02, 0.98))
    low, high = RANGES.get(name, BY_DIMENSION.get(kind, (1.0, 1e4)))
    value = math.exp(rng.uniform(math.log(low), math.log(high)))
    return float(round(value)) if name in INTEGERS else value


def _arguments(function):
    """(named arguments, whether the function takes **replica-style keywords)."""
    parameters = inspect.signature(function).parameters
    named = [p for p in parameters.values() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
    return named, any(p.kind == p.VAR_KEYWORD for p in parameters.values())


def _keywords(function):
    """The keyword arguments a **replica quantity takes, from its module's lists."""
    module = importlib.import_module(function.__module__)
    return [name for group in ("MODEL_ARGUMENTS", "HARDWARE_ARGUMENTS", "EFFICIENCY_ARGUMENTS")
            for name in getattr(module, group, ())]


def _order(names):
    return sorted(names, key=lambda n: n in BOUNDED)  # bounds first, bounded after


def _cell(i):
    return f"{chr(65 + i % 26)}{1 + i // 26}"


def _compile(pattern):
    names = list(dict.fromkeys(re.findall(r"\{([a-z_0-9]+)\}", pattern)))
    cells = {name: _cell(i) for i, name in enumerate(names)}
    text = re.sub(r"\{([a-z_0-9]+)\}", lambda m: cells[m.group(1)], pattern)
    compiled = formulas.Parser().ast("=" + text)[1].compile()
    by_cell = {cell: name for name, cell in cells.items()}
    order = [by_cell[str(i).upper()] for i in compiled.inputs]
    return lambda values: float(np.asarray(compiled(*(values[n] for n in order))).ravel()[0])


def _cases():
    for key, function in sorted(QUANTITIES.items()):
        if function.excel_by_choice is None:
            yield pytest.param(function, None, None, id=key.removeprefix("xlcost.core."))
            continue
        argument, patterns = function.excel_by_choice
        for option in patterns:
            yield pytest.param(function, argument, option, id=f"{key.removeprefix('xlcost.core.')}[{option}]")


@pytest.mark.parametrize("function, choice, option", list(_cases()))
def test_excel_rendering_equals_the_core_on_random_inputs(function, choice, option):
    pattern = function.excel if choice is None else function.excel_by_choice[1][option]
    excel = _compile(pattern)
    named, takes_keywords = _arguments(function)
    defaults = {p.name: p.default for p in named}
    names = [p.name for p in named if p.name != choice]
    if takes_keywords:
        names += [n for n in _keywords(function) if n not in names]
    placeholders = set(re.findall(r"\{([a-z_0-9]+)\}", pattern))
    assert placeholders <= set(names), f"{function.__name__}: the rendering uses {placeholders - set(names)}, " \
        "which the function does not take (the generator could not fill it)"
    rng = np.random.default_rng(zlib.crc32(f"{function.__name__}{option}".encode()))  # same draws every run
    compared = 0
    for _ in range(TRIES):
        values = {}
        for name in _order(names):
            values[name] = _draw(rng, name, values, defaults.get(name))
        call = dict(values)
        if choice is not None:
            call[choice] = option
        try:
            expected = function(**call)
        except XlcostError:
            continue  # outside the quantity's domain (a bound, a fit): draw again
        got = excel({k: (float(v) if not isinstance(v, bool) else v) for k, v in values.items()})
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-12), (function.__name__, option, values)
        compared += 1
        if compared == SAMPLES:
            return
    pytest.fail(f"{function.__name__}: only {compared} of {TRIES} random draws were inside its domain; "
                "give its arguments ranges in RANGES / BOUNDED")


def test_every_core_quantity_is_discovered():
    # the exported quantities are a subset of those found: none escapes the test above
    exported = {getattr(xlcost.core, name) for name in xlcost.core.__all__}
    marked = {f for f in exported if isinstance(getattr(f, "excel", None), str)}
    assert marked <= set(QUANTITIES.values())
    assert len(marked) == len(exported)  # every exported quantity has an Excel rendering
