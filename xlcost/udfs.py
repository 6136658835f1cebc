"""Excel functions (xlwings UDFs): ``UDF Modules: xlcost.udfs``.

Each function is thin: coerce the cells (``xlcost.excel_values``), call one core
quantity (``xlcost.core``), shape the answer for Excel. No formula lives here.

Arguments
    Any argument may be a single value or a range. Ranges broadcast numpy-style and the
    result spills: a column of parameter counts against a row of utilisations gives a
    grid. ``params`` is a number, text like "175B", or a catalog model name ("GPT-3":
    an MoE counts its active parameters for compute and all of them for memory).
    ``hardware`` is a chip ("A100", "TPU v4"), a cloud instance ("p4d.24xlarge"), or a
    number, the peak FLOP/s of one unit; one unit is one chip or one whole instance, and
    ``price_per_hour`` is per unit (omitted: the catalog's on-demand instance price).
    Empty or omitted optional arguments take the defaults written in each argument's
    description (utilization 0.213 for inference, seed article T4; 0.462 for training,
    T5; bytes per parameter 2 for inference, 20 for training, T12).

Errors
    Never a traceback in a cell; every message names the argument and the problem.
    A bad element of a range errors in its own cell only; a problem with the whole
    call (a bad single-cell argument, ranges that do not fit together) errors the call.
    Values of the wrong kind (text that is not a quantity, unknown names, TRUE, dates)
    give ``#VALUE!``, numbers outside a quantity's domain and results that overflow give
    ``#NUM!``, and an Excel error arriving in an argument (``#N/A``) comes back as itself.

    - Classic xlwings (Windows, COM) cannot return real error values, so a failing cell
      holds the text ``"#VALUE! <message>"`` whatever the kind of failure (the message
      says which). A whole-call problem returns that text as a single value.
    - Office.js (xlwings Server, xlwings Lite): a whole-call problem raises
      ``xlwings.XlwingsError(message)``, which the add-in shows as ``#VALUE!`` with the
      message; a bad element of a range is the bare error code (``"#NUM!"``,
      ``"#VALUE!"``, ``"#N/A"``), which xlwings turns into a real Excel error value. A
      call whose every cell fails is a whole-call problem, so its message is shown.
      (xlwings.server converts only an exact error string, and NaN, to an error value;
      longer text such as "#VALUE! message" would stay text, hence this split.)

Which client is calling
    ``OFFICEJS`` is decided once, at import, by the switch xlwings itself reads at
    import to choose its decorators: the environment variable ``XLWINGS_ON_SERVER``
    (xlwings Server and xlwings Lite set it to "true" before importing xlwings; classic
    desktop xlwings never does). The module therefore always agrees with the decorators
    it registered with, and a call costs no detection. In Office.js mode the functions
    register with ``xlwings.server`` (PRO) decorators under the namespace ``XLCOST``; in
    classic mode with ``xw.func`` (BSD), so the classic path never needs a licence.

Every function description and argument description (the function wizard's text) is
at most 255 characters. Functions are non-volatile.
"""

import functools
import inspect
import os

import numpy as np
import xlwings as xw

from . import build_vs_buy, catalog, core, serving
from . import excel_values as ev
from .core.inputs import (
    CHOICES,
    INFERENCE_BYTES_PER_PARAM,
    INFERENCE_UTILIZATION,
    TRAINING_BYTES_PER_PARAM,
    TRAINING_UTILIZATION,
)
from .errors import UnknownNameError, XlcostError
from .excel_values import LATER, NA, VALUE, Arg, CellError, Result

OFFICEJS = os.environ.get("XLWINGS_ON_SERVER") == "true"

if OFFICEJS:
    from xlwings.server import arg as _xlarg
    from xlwings.server import func as _xlfunc

    from .jsnull_workaround import skip_jsnull_import_retries

    skip_jsnull_import_retries()  # xlwings re-tries a failing pyodide import per cell: see that module
else:
    _xlarg, _xlfunc = xw.arg, xw.func

__xlwings_func_namespace__ = "XLCOST"
NAMESPACE = "XLCOST"

FLOPS_PER_PARAM = {"inference": 2.0, "training": 6.0}  # per token: forward 2N, training 6N
INFERENCE, TRAINING = 0.0, 1.0
MODES = {"inference": INFERENCE, "training": TRAINING}


# ---------------------------------------------------------------- Excel shaping


def _whole(error):
    """A whole-call problem, as the calling client wants it."""
    if not OFFICEJS:
        return f"{VALUE} {error.message}"
    if error.propagated:
        return error.code
    raise xw.XlwingsError(error.message)


def _to_excel(result):
    """A Result as Excel values: a scalar, or a list of rows that spills."""
    value = result.value
    if not isinstance(value, np.ndarray):
        return value
    if result.codes is not None:
        return _coded_to_excel(value, result.codes, result.objects)
    rows = value.tolist()
    errors = result.errors
    if not errors:
        return rows
    if OFFICEJS:
        if len(errors) == value.size and not all(e.propagated for e in errors.values()):
            _every_cell_fails(errors[min(errors)], set(errors.values()))
        for (i, j), error in errors.items():
            rows[i][j] = error.code
    else:
        for (i, j), error in errors.items():
            rows[i][j] = f"{VALUE} {error.message}"
    return rows


def _coded_to_excel(value, codes, objects):
    """Values with the errors of ``codes`` (indices into ``objects``) put in, as arrays, not cell by cell."""
    bad = codes >= 0
    if OFFICEJS and bad.all():
        used = [objects[c] for c in np.unique(codes).tolist()]
        if not all(e.propagated for e in used):
            _every_cell_fails(objects[int(codes.flat[0])], set(used))
    texts = np.array([e.code if OFFICEJS else f"{VALUE} {e.message}" for e in objects] + [None], dtype=object)
    out = value.astype(object)
    out[bad] = texts[codes[bad]]
    return out.tolist()


def _every_cell_fails(first, distinct):
    raise xw.XlwingsError(first.message if len(distinct) == 1 else f"every cell fails; the first: {first.message}")


def _udf(description, **docs):
    """Register an Excel function: wizard texts, 2-D ranges in, errors per client out."""
    for text in (description, *docs.values()):
        if len(text) > 255:  # Excel's limit for the function wizard
            raise ValueError(f"description longer than 255 characters: {text!r}")

    def register(body):
        @functools.wraps(body)
        def udf(*args, **kwargs):
            try:
                result = body(*args, **kwargs)
            except CellError as error:
                return _whole(error)
            except Exception as error:  # noqa: BLE001 - never a traceback in a cell
                return _whole(CellError(VALUE, f"{body.__name__} could not compute ({type(error).__name__}: {error})"))
            return _to_excel(result)

        udf.__doc__ = description
        for name, doc in docs.items():
            udf = _xlarg(name, ndim=2, err_to_str=True, doc=doc)(udf)
        return _xlfunc(category="xlcost", namespace=NAMESPACE)(udf)

    return register


# ---------------------------------------------------------------- shared arguments


def _utilization(value, default):
    return ev.number(value, "utilization", "fraction", default=default)


@functools.lru_cache(maxsize=None)
def _choice_codes(function, argument):
    """(options, {option: code}, the default's code) of a text choice of a core function."""
    options = list(CHOICES[argument])
    default = inspect.signature(function).parameters[argument].default
    return options, {o: float(i) for i, o in enumerate(options)}, float(options.index(default))


def _option(value, function, argument):
    """A text choice (``xlcost.core.inputs.CHOICES``) from one cell; empty: the core function's default."""
    options, codes, default = _choice_codes(function, argument)
    code = ev.choice(value, argument, codes, default)
    if code.shape is not None:
        raise CellError(VALUE, f"{argument} must be a single cell")
    return Arg(argument, options[int(code.value)])


def _mode(value):
    return ev.choice(value, "mode", MODES, INFERENCE)


def _per_mode(mode, inference, training):
    """An Arg holding ``inference`` or ``training`` for each mode code."""
    if mode.shape is None:
        return Arg(mode.name, training if mode.value == TRAINING else inference)
    return Arg(mode.name, np.where(mode.value == TRAINING, training, inference), mode.errors)


def _by_mode(mode, inference, training):
    """Call the core function(s) the mode codes need and pick per cell."""
    if isinstance(mode, float):
        return training() if mode == TRAINING else inference()
    is_training = np.asarray(mode) == TRAINING
    if is_training.all():
        return training()
    if not is_training.any():
        return inference()
    return np.where(is_training, training(), inference())


_PARAMS = (
    'Parameters: a number (175e9), text like "175B", or a catalog model name ("GPT-3"; an MoE counts its '
    "active parameters)."
)
_PARAMS_TOTAL = (
    'Parameters: a number (175e9), text like "175B", or a catalog model name ("GPT-3"; an MoE counts all '
    "its parameters)."
)
_HARDWARE = (
    'One hardware unit: a chip ("A100", "TPU v4", dense 16-bit peak) or a cloud instance ("p4d.24xlarge"), '
    "or a number = peak FLOP/s of one unit."
)
_HARDWARE_CATALOG = (
    'One hardware unit from the catalog: a chip ("H100", "TPU v4") or a cloud instance ("p4d.24xlarge"); '
    "its peak FLOP/s and memory are used."
)
_PRICE = (
    "Optional. USD per hour for one unit (one chip or one whole instance). Empty: the catalog's on-demand "
    "price of the instance; chips have none, so give a price."
)
_TOKENS = 'Training tokens: a number (300e9) or text like "300B".'
_MODE = 'Optional. "inference" (2 FLOPs per parameter per token, the default) or "training" (6, forward + backward).'


def _utilization_doc(default, source):
    return (
        f"Optional. Fraction of peak FLOP/s achieved (MFU), in (0, 1], e.g. 0.3 or \"30%\". Empty: {default}, "
        f"{source}."
    )


# ---------------------------------------------------------------- the four required functions


def _flops_per_token(params, mode, n_layers, context, d_attn, attention):
    return _by_mode(
        mode,
        lambda: core.forward_flops_per_token(params, n_layers, context, d_attn, attention),
        lambda: core.training_flops_per_token(params, n_layers, context, d_attn, attention),
    )


@_udf(
    "FLOPs per token: 2 x params for inference, 6 x params for training (Kaplan et al. 2020), plus attention "
    "over the context when n_layers, d_attn and context are given (x3 for training).",
    params=_PARAMS,
    mode=_MODE,
    n_layers="Optional. Transformer layers, for the attention term (e.g. 96). Empty: the model's, if params names "
    "one; else 0, no attention term.",
    d_attn="Optional. Attention width = n_heads x head_dim (GPT-3: 96 x 128 = 12288; PaLM: 48 x 256 = 12288, "
    "not its d_model 18432). Empty: the model's, if params names one; else 0.",
    context="Optional. Tokens of context (e.g. 2048). Empty: 0, no attention term.",
    attention='Optional. "causal" (Kaplan: average token of a causal sequence, 2 x n_layers x context x d_attn), '
    '"full" (PaLM, non-causal: twice that) or "decode" (one token vs context cached: twice). Empty: "causal".',
)
def FLOPS_PER_TOKEN(params, mode=None, n_layers=None, d_attn=None, context=None, attention=None):
    function = core.forward_flops_per_token
    return ev.evaluate(
        _flops_per_token,
        params=ev.declared(function, "params", params),
        mode=_mode(mode),
        # empty: from the model named in params (a number there: 0, no attention term)
        n_layers=ev.fill(ev.declared(function, "n_layers", n_layers, default=LATER),
                         ev.model_shape(params, "params", function, "n_layers", 0.0)),
        context=ev.declared(function, "context", context, default=0.0),
        d_attn=ev.fill(ev.declared(function, "d_attn", d_attn, default=LATER),
                       ev.model_shape(params, "params", function, "d_attn", 0.0)),
        attention=_option(attention, function, "attention"),
    )


@_udf(
    "Inference cost, USD per 1,000 generated tokens: 2 FLOPs per parameter per token on one hardware unit "
    "at a utilization, times its price per hour (seed article T4).",
    params=_PARAMS,
    hardware=_HARDWARE,
    utilization=_utilization_doc(INFERENCE_UTILIZATION, "the article's T4 inference value"),
    price_per_hour=_PRICE,
)
def INFER_COST(params, hardware, utilization=None, price_per_hour=None):
    function = core.inference_cost_usd_per_1k_tokens
    unit = ev.hardware(hardware)
    return ev.evaluate(
        function,
        params=ev.declared(function, "params", params),
        peak_flops_per_s=ev.from_hardware(unit, function, "peak_flops_per_s"),
        utilization=ev.declared(function, "utilization", utilization),
        price_usd_per_hour=ev.price(price_per_hour, unit),
    )


@_udf(
    "Training cost, USD for the whole run: 6 x params x tokens FLOPs on hardware units at a utilization, "
    "times the price per unit-hour (seed article T5).",
    params=_PARAMS,
    tokens=_TOKENS,
    hardware=_HARDWARE,
    utilization=_utilization_doc(TRAINING_UTILIZATION, "the article's T5 training value (PaLM)"),
    price_per_hour=_PRICE,
)
def TRAIN_COST(params, tokens, hardware, utilization=None, price_per_hour=None):
    function = core.train_cost_usd
    unit = ev.hardware(hardware)
    return ev.evaluate(
        function,
        params=ev.declared(function, "params", params),
        tokens=ev.declared(function, "tokens", tokens),
        peak_flops_per_s=ev.from_hardware(unit, function, "peak_flops_per_s"),
        utilization=ev.declared(function, "utilization", utilization),
        price_usd_per_hour=ev.price(price_per_hour, unit),
    )


@_udf(
    "Hardware units a load needs (fractional): the larger of the compute need (FLOPs per token x "
    "tokens_per_second / achieved FLOP/s) and the memory floor (params x bytes_per_param / memory per unit).",
    params=_PARAMS + " Memory counts all parameters.",
    tokens_per_second="Tokens processed per second (0 for the memory floor alone).",
    hardware=_HARDWARE_CATALOG,
    utilization="Optional. Fraction of peak FLOP/s achieved, in (0, 1]. Empty: 0.213 for inference, 0.462 for "
    "training (the article's T4 and T5 values).",
    mode=_MODE,
    bytes_per_param="Optional. Bytes of memory per parameter. Empty: 2 for inference (16-bit weights), 20 for "
    "training (weights, gradients, Adam state; article T12).",
)
def GPUS_NEEDED(params, tokens_per_second, hardware, utilization=None, mode=None, bytes_per_param=None):
    function = core.units_needed
    modes = _mode(mode)
    unit = ev.hardware(hardware)
    return ev.evaluate(
        function,
        params=ev.declared(function, "params", params),
        tokens_per_s=ev.declared(function, "tokens_per_s", tokens_per_second, name="tokens_per_second"),
        peak_flops_per_s=ev.from_hardware(unit, function, "peak_flops_per_s"),
        utilization=ev.fill(
            _utilization(utilization, LATER), _per_mode(modes, INFERENCE_UTILIZATION, TRAINING_UTILIZATION)
        ),
        memory_bytes=ev.from_hardware(unit, function, "memory_bytes"),
        bytes_per_param=ev.fill(
            ev.number(bytes_per_param, "bytes_per_param", "bytes", default=LATER),
            _per_mode(modes, INFERENCE_BYTES_PER_PARAM, TRAINING_BYTES_PER_PARAM),
        ),
        flops_per_param=_per_mode(modes, FLOPS_PER_PARAM["inference"], FLOPS_PER_PARAM["training"]),
        memory_params=ev.declared(function, "memory_params", params, name="params"),
    )


# ---------------------------------------------------------------- training


@_udf(
    "Total training FLOPs: 6 x params x tokens (Brown et al. 2020).",
    params=_PARAMS,
    tokens=_TOKENS,
)
def TRAIN_FLOPS(params, tokens):
    function = core.training_flops
    return ev.evaluate(
        function, params=ev.declared(function, "params", params), tokens=ev.declared(function, "tokens", tokens)
    )


@_udf(
    "Wall-clock days to train on n_units hardware units working in parallel: 6 x params x tokens / "
    "(n_units x peak FLOP/s x utilization) / 86,400.",
    params=_PARAMS,
    tokens=_TOKENS,
    n_units="Hardware units training in parallel (chips, or whole instances), e.g. 1024.",
    hardware=_HARDWARE,
    utilization=_utilization_doc(TRAINING_UTILIZATION, "the article's T5 training value (PaLM)"),
)
def TRAIN_DAYS(params, tokens, n_units, hardware, utilization=None):
    function = core.training_days
    return ev.evaluate(
        function,
        params=ev.declared(function, "params", params),
        tokens=ev.declared(function, "tokens", tokens),
        n_units=ev.declared(function, "n_units", n_units),
        peak_flops_per_s=ev.from_hardware(ev.hardware(hardware), function, "peak_flops_per_s"),
        utilization=ev.declared(function, "utilization", utilization),
    )


def _train_unit_hours(params, tokens, peak_flops_per_s, utilization):
    return core.unit_hours(core.training_flops(params, tokens), peak_flops_per_s, utilization)


@_udf(
    "Hours of one hardware unit to train (chip-hours for a chip, instance-hours for an instance): "
    "6 x params x tokens / (peak FLOP/s x utilization) / 3,600.",
    params=_PARAMS,
    tokens=_TOKENS,
    hardware=_HARDWARE,
    utilization=_utilization_doc(TRAINING_UTILIZATION, "the article's T5 training value (PaLM)"),
)
def TRAIN_UNIT_HOURS(params, tokens, hardware, utilization=None):
    return ev.evaluate(
        _train_unit_hours,
        params=ev.declared(core.training_flops, "params", params),
        tokens=ev.declared(core.training_flops, "tokens", tokens),
        peak_flops_per_s=ev.from_hardware(ev.hardware(hardware), core.unit_hours, "peak_flops_per_s"),
        utilization=ev.declared(core.unit_hours, "utilization", utilization),
    )


@_udf(
    "Model FLOPs utilisation (MFU): tokens_per_second x flops_per_token / (n_units x peak FLOP/s), "
    "a fraction.",
    tokens_per_second="Tokens processed per second by all units together, e.g. 238300.",
    flops_per_token="FLOPs per token, e.g. FLOPS_PER_TOKEN(params, \"training\") = 6 x params.",
    n_units="Hardware units working together (chips, or whole instances), e.g. 6144.",
    hardware=_HARDWARE,
)
def MFU(tokens_per_second, flops_per_token, n_units, hardware):
    return ev.evaluate(
        core.mfu,
        tokens_per_s=ev.number(tokens_per_second, "tokens_per_second", "count"),
        flops_per_token=ev.number(flops_per_token, "flops_per_token", "flops"),
        n_units=ev.number(n_units, "n_units", "count"),
        peak_flops_per_s=ev.from_hardware(ev.hardware(hardware), core.mfu, "peak_flops_per_s"),
    )


# ---------------------------------------------------------------- size and memory


def _param_count(n_layers, d_model, vocab, context, d_ff, d_ff_given, n_heads, n_kv_heads, n_kv_given,
                 gated_ffn, tied_embeddings, biases, head_dim):
    """transformer_params over ranges: the core takes its switches one value at a time, so call it
    once per combination of switches present and pick per cell."""
    def count(gated, tied, bias, ff_given, kv_given):
        return core.transformer_params(
            n_layers, d_model, vocab, context,
            d_ff=d_ff if ff_given else None,
            n_heads=n_heads,
            n_kv_heads=n_kv_heads if kv_given else None,
            gated_ffn=gated, tied_embeddings=tied, biases=bias,
            head_dim=head_dim,
        )

    flags = (gated_ffn, tied_embeddings, biases, d_ff_given, n_kv_given)
    if all(np.ndim(f) == 0 for f in flags):  # the usual call: one value per switch
        return count(*(float(f) > 0.5 for f in flags))
    switches = np.broadcast_arrays(*(np.asarray(f) > 0.5 for f in flags))
    out = 0.0
    for combo in np.unique(np.stack([s.ravel() for s in switches], axis=1), axis=0):
        chosen = np.logical_and.reduce([s == c for s, c in zip(switches, combo)])
        out = np.where(chosen, count(*(bool(v) for v in combo)), out)
    return out


@_udf(
    "Parameters of a dense decoder-only transformer from its shape: attention (grouped-query when n_kv_heads < "
    "n_heads), feed-forward, norms, embeddings (+ learned positions when context > 0).",
    n_layers="Transformer layers, e.g. 96.",
    d_model="Model width, e.g. 12288.",
    vocab="Vocabulary size, e.g. 50257.",
    context="Optional. Learned position embeddings (GPT-style), e.g. 2048. Empty: 0 (rotary/relative positions).",
    d_ff="Optional. Feed-forward width. Empty: 4 x d_model.",
    n_heads="Optional. Attention heads (matters with n_kv_heads or head_dim). Empty: 1.",
    n_kv_heads="Optional. Key/value heads for grouped-query attention. Empty: n_heads.",
    gated_ffn="Optional. TRUE for a gated feed-forward (SwiGLU: 3 matrices). Empty: FALSE.",
    tied_embeddings="Optional. TRUE if the output layer shares the input embedding. Empty: TRUE.",
    biases="Optional. TRUE for linear biases and LayerNorm shifts (GPT); FALSE for RMSNorm-style (Llama). "
    "Empty: TRUE.",
    head_dim="Optional. Width of each attention head, e.g. 256 (PaLM: 48 heads x 256 = 12288, not d_model). "
    "Empty (or 0): d_model / n_heads.",
)
def PARAM_COUNT(n_layers, d_model, vocab, context=None, d_ff=None, n_heads=None, n_kv_heads=None,
                gated_ffn=None, tied_embeddings=None, biases=None, head_dim=None):
    d_ff_arg = ev.number(d_ff, "d_ff", "count", default=LATER)
    n_kv_arg = ev.number(n_kv_heads, "n_kv_heads", "count", default=LATER)
    return ev.evaluate(
        _param_count,
        n_layers=ev.number(n_layers, "n_layers", "count"),
        d_model=ev.number(d_model, "d_model", "count"),
        vocab=ev.number(vocab, "vocab", "count"),
        context=ev.number(context, "context", "count", default=0.0),
        d_ff=d_ff_arg,
        d_ff_given=_given(d_ff_arg),
        n_heads=ev.number(n_heads, "n_heads", "count", default=1.0),
        n_kv_heads=n_kv_arg,
        n_kv_given=_given(n_kv_arg),
        gated_ffn=ev.flag(gated_ffn, "gated_ffn", 0.0),
        tied_embeddings=ev.flag(tied_embeddings, "tied_embeddings", 1.0),
        biases=ev.flag(biases, "biases", 1.0),
        head_dim=ev.number(head_dim, "head_dim", "count", default=0.0),
    )


def _given(arg):
    """1.0 where an optional argument was given, 0.0 where its cell was empty."""
    if arg.empty is None:
        return Arg(arg.name, 1.0)
    return Arg(arg.name, 1.0 - np.asarray(arg.empty, dtype=float) if arg.shape else float(not arg.empty))


@_udf(
    "Bytes to hold a model: params x bytes_per_param (2 for 16-bit weights; about 16-20 for mixed-precision "
    "Adam training state).",
    params=_PARAMS_TOTAL,
    bytes_per_param="Optional. Bytes per parameter. Empty: 2 (16-bit weights). Training state: 20 (article T12).",
)
def MODEL_MEMORY(params, bytes_per_param=None):
    return ev.evaluate(
        core.model_memory_bytes,
        params=ev.declared(core.model_memory_bytes, "params", params),
        bytes_per_param=ev.declared(core.model_memory_bytes, "bytes_per_param", bytes_per_param),
    )


@_udf(
    "Bytes of KV cache: 2 x n_layers x kv_dim x context x batch x bytes_per_value (keys and values of "
    "every layer for every cached token).",
    n_layers='Transformer layers, e.g. 80 (or XLCOST_SPEC("Llama-2-70B", "n_layers")).',
    kv_dim='Key/value width per layer = KV heads x head dimension, e.g. 1024 (XLCOST_SPEC(model, "kv_dim")).',
    context="Tokens cached per sequence, e.g. 4096.",
    batch="Optional. Sequences cached at once. Empty: 1.",
    bytes_per_value="Optional. Bytes per cached number. Empty: 2 (16-bit).",
)
def KV_CACHE(n_layers, kv_dim, context, batch=None, bytes_per_value=None):
    return ev.evaluate(
        core.kv_cache_bytes,
        n_layers=ev.number(n_layers, "n_layers", "count"),
        kv_dim=ev.number(kv_dim, "kv_dim", "count"),
        context=ev.number(context, "context", "count"),
        batch=ev.number(batch, "batch", "count", default=1.0),
        bytes_per_value=ev.number(bytes_per_value, "bytes_per_value", "bytes", default=2.0),
    )


# ---------------------------------------------------------------- serving speed


@_udf(
    "Tokens/s one hardware unit generates (decode roofline): batch / the slower of reading weights and KV "
    "cache and doing 2 x params FLOPs per sequence. A model name: an MoE batch reads every expert it touches; "
    "must fit.",
    params=_PARAMS,
    hardware=_HARDWARE_CATALOG.replace("peak FLOP/s and memory are used", "peak FLOP/s and memory bandwidth are used"),
    batch="Optional. Sequences decoded together. Empty: 1.",
    bytes_per_param="Optional. Bytes per weight read each step. Empty: 2 (16-bit).",
    context="Optional. Tokens of KV cache per sequence read each step. Empty: 0.",
    kv_bytes_per_token="Optional. KV-cache bytes per token (KV_CACHE_PER_TOKEN(model)). Empty: 0; with a "
    "catalog model, the model's own (16-bit).",
    utilization="Optional. Fraction of peak FLOP/s reachable when compute-bound, in (0, 1]. Empty: 1 (the "
    "roofline).",
)
def DECODE_TOKENS_PER_SECOND(params, hardware, batch=None, bytes_per_param=None, context=None,
                             kv_bytes_per_token=None, utilization=None):
    named = _model_cells(params)
    if not named.any():
        return _decode_by_number(params, hardware, batch, bytes_per_param, context, kv_bytes_per_token, utilization)
    by_model = _decode_by_model(params, hardware, batch, bytes_per_param, context, kv_bytes_per_token, utilization)
    if named.all():
        return by_model
    # a range mixing numbers and model names: each cell as its single cell would be
    by_number = _decode_by_number(params, hardware, batch, bytes_per_param, context, kv_bytes_per_token, utilization)
    shape = np.shape(by_model.value)
    pick = np.broadcast_to(named, shape)
    errors = {key: error for result, keep in ((by_model, True), (by_number, False))
              for key, error in (result.errors or {}).items() if pick[key] == keep}
    return Result(np.where(pick, by_model.value, np.asarray(by_number.value, dtype=object)), errors)


def _decode_by_number(params, hardware, batch, bytes_per_param, context, kv_bytes_per_token, utilization):
    function = core.decode_tokens_per_s
    unit = ev.hardware(hardware)
    return ev.evaluate(
        function,
        params=ev.declared(function, "params", params),
        batch=ev.declared(function, "batch", batch, default=1.0),
        peak_flops_per_s=ev.from_hardware(unit, function, "peak_flops_per_s"),
        memory_bandwidth_bytes_per_s=ev.from_hardware(unit, function, "memory_bandwidth_bytes_per_s"),
        bytes_per_param=ev.declared(function, "bytes_per_param", bytes_per_param, default=2.0),
        context=ev.declared(function, "context", context, default=0.0),
        kv_bytes_per_token=ev.declared(function, "kv_bytes_per_token", kv_bytes_per_token, default=0.0),
        utilization=ev.declared(function, "utilization", utilization, default=1.0),
    )


def _model_cells(value):
    """Per cell of ``value`` (2-D bool array): whether it names a catalog model (not a number like "70B")."""
    rows = value if isinstance(value, (list, tuple)) else [[value]]
    rows = [row if isinstance(row, (list, tuple)) else [row] for row in rows]
    models = catalog.table("models")
    return np.array([[isinstance(cell, str) and models.get(cell.strip()) is not None for cell in row] for row in rows],
                    dtype=bool)


def _decode_by_model(params, hardware, batch, bytes_per_param, context, kv_bytes_per_token, utilization):
    """DECODE_TOKENS_PER_SECOND for catalog models: the weights a batch reads (MoE) and a fit check."""
    def one(model, hardware, batch, bytes_per_param, context, kv_bytes_per_token, utilization):
        return float(serving.named(lambda: serving.decode_roofline(
            model, hardware, batch, bytes_per_param, context, _given_or_none(kv_bytes_per_token), utilization),
            hardware))

    return ev.evaluate_each(
        one, model=ev.text(params, "params"), hardware=ev.text(hardware, "hardware"),
        batch=ev.number(batch, "batch", "count", default=1.0),
        bytes_per_param=ev.number(bytes_per_param, "bytes_per_param", "bytes", default=INFERENCE_BYTES_PER_PARAM),
        context=ev.number(context, "context", "count", default=0.0),
        kv_bytes_per_token=_optional(kv_bytes_per_token, "kv_bytes_per_token", "bytes"),
        utilization=_utilization(utilization, 1.0),
    )


# ---------------------------------------------------------------- scaling laws


@_udf(
    "Chinchilla loss (nats/token) of params trained on tokens: E + A / params^alpha + B / tokens^beta. Fit "
    '"approach3": Hoffmann et al. 2022 eq. 10 (1.69, 406.4, 410.7, 0.34, 0.28; article T7); "besiroglu": the '
    "2024 refit.",
    params='Parameters: a number (70e9), text like "70B", or a catalog dense model name (an MoE is outside the fit).',
    tokens=_TOKENS,
    fit='Optional. "approach3" (Hoffmann et al. 2022, eq. 10, as printed) or "besiroglu" (Besiroglu et al. 2024, '
    'arXiv 2404.10102: 1.8172, 482.01, 2085.43, 0.3478, 0.3658). Empty: "approach3".',
)
def CHINCHILLA_LOSS(params, tokens, fit=None):
    function = core.chinchilla_loss
    return ev.evaluate(
        function,
        params=ev.declared(function, "params", params),
        tokens=ev.declared(function, "tokens", tokens),
        fit=_option(fit, function, "fit"),
    )


_BUDGET = 'Training compute budget in FLOPs, e.g. 5.76e23 (text like "5.76e23 FLOPs" or "3640 PF-days" works too).'
_METHOD = (
    'Optional. "approach1" (Hoffmann et al. 2022 Table 3, how Chinchilla was sized), "approach2" (Table A3), '
    '"approach3" (argmin of eq. 10 as printed) or "besiroglu" (2024 refit). Empty: "approach1".'
)


@_udf(
    "Compute-optimal parameters for a training budget of flops (FLOPs = 6 x params x tokens). Default "
    "Chinchilla Approach 1: 67B at Gopher's 5.76e23 FLOPs (Chinchilla: 70B).",
    flops=_BUDGET,
    method=_METHOD,
)
def COMPUTE_OPTIMAL_PARAMS(flops, method=None):
    function = core.compute_optimal_params
    return ev.evaluate(
        function, flops=ev.declared(function, "flops", flops), method=_option(method, function, "method")
    )


@_udf(
    "Training tokens for the compute-optimal model of a budget of flops: flops / (6 x compute-optimal params). "
    "Default Chinchilla Approach 1: 1.43T tokens at 5.76e23 FLOPs (Chinchilla: 1.4T).",
    flops=_BUDGET,
    method=_METHOD,
)
def COMPUTE_OPTIMAL_TOKENS(flops, method=None):
    function = core.compute_optimal_tokens
    return ev.evaluate(
        function, flops=ev.declared(function, "flops", flops), method=_option(method, function, "method")
    )


# ---------------------------------------------------------------- API prices per query (T2)

_API_PRICE = (
    'USD per 1,000 tokens: a number (0.02) or an API model name from the catalog ("Davinci", its output '
    "price)."
)


def _api_price(value):
    return ev.number(value, "price_per_1k_tokens", "usd", lookup=ev.api_output_price)


@_udf(
    "Words of English text in tokens: words x 1,000 / words_per_1k_tokens (OpenAI's rule of thumb: 1,000 "
    "tokens = 750 words).",
    words="Words, e.g. 2050 (a 50-word prompt and five 400-word answers).",
    words_per_1k_tokens="Optional. Words per 1,000 tokens. Empty: 750.",
)
def WORDS_TO_TOKENS(words, words_per_1k_tokens=None):
    return ev.evaluate(
        core.words_to_tokens,
        words=ev.declared(core.words_to_tokens, "words", words),
        words_per_1k_tokens=ev.declared(core.words_to_tokens, "words_per_1k_tokens", words_per_1k_tokens, default=750.0),
    )


@_udf(
    "API revenue per query, USD: tokens / 1,000 x price_per_1k_tokens (seed article T2).",
    tokens="Tokens per query (prompt + generated), e.g. WORDS_TO_TOKENS(2050).",
    price_per_1k_tokens=_API_PRICE,
)
def QUERY_REVENUE(tokens, price_per_1k_tokens):
    return ev.evaluate(
        core.api_cost_usd,
        tokens=ev.number(tokens, "tokens", "count"),
        price_usd_per_1k_tokens=_api_price(price_per_1k_tokens),
    )


def _query_cost(tokens, price_usd_per_1k_tokens, cache_hit_rate, gross_margin):
    return core.serving_cost_usd(core.api_cost_usd(tokens, price_usd_per_1k_tokens), cache_hit_rate, gross_margin)


@_udf(
    "Provider's cost per query, USD: revenue per query x (1 - cache_hit_rate) x (1 - gross_margin); "
    "cached answers cost nothing (seed article T2).",
    tokens="Tokens per query (prompt + generated), e.g. WORDS_TO_TOKENS(2050).",
    price_per_1k_tokens=_API_PRICE,
    cache_hit_rate="Optional. Share of queries answered from cache, in [0, 1). Empty: 0.30 (article T2).",
    gross_margin="Optional. API gross margin, in [0, 1). Empty: 0.75 (article T2).",
)
def QUERY_COST(tokens, price_per_1k_tokens, cache_hit_rate=None, gross_margin=None):
    return ev.evaluate(
        _query_cost,
        tokens=ev.number(tokens, "tokens", "count"),
        price_usd_per_1k_tokens=_api_price(price_per_1k_tokens),
        cache_hit_rate=ev.declared(core.serving_cost_usd, "cache_hit_rate", cache_hit_rate, placeholder=0.5),
        gross_margin=ev.declared(core.serving_cost_usd, "gross_margin", gross_margin, placeholder=0.5),
    )


# ---------------------------------------------------------------- catalog

_HARDWARE_FIELDS = {
    "peak_flops_per_s": lambda unit: unit.peak_flops_per_s,
    "memory_bytes": lambda unit: unit.memory_bytes,
    "memory_bandwidth_bytes_per_s": lambda unit: unit.memory_bandwidth_bytes_per_s,
    "interconnect_bytes_per_s": lambda unit: unit.interconnect_bytes_per_s,  # per chip, one direction
    "price_usd_per_hour": lambda unit: unit.price_usd_per_hour(),
    "chips": lambda unit: unit.chips,
}
_MODEL_FIELDS = {
    "params_per_token": lambda m: m.params_per_token,
    "head_dim": lambda m: m.head_dim,
    "kv_dim": lambda m: m.kv_dim,
}
_TABLES = {"chips": "chips", "chip": "chips", "instances": "instances", "instance": "instances",
           "models": "models", "model": "models", "api": "api", "apis": "api", "api_prices": "api"}


def _spec(name, field, as_of=None):
    """One catalog value: a row's column (the row in force ``as_of``), or a derived quantity.

    A name in several tables (``deepseek-chat``: the model DeepSeek-V3 and the API model)
    resolves per field: the first table, of hardware, models and API prices, that has it.
    """
    key = str(field).strip().lower().replace(" ", "_").replace("-", "_")
    found = []  # (name, row, derived fields, entry) per table the name is in
    if catalog.table("chips").get(name) is not None or catalog.table("instances").get(name) is not None:
        unit = catalog.hardware(name, as_of)
        found.append((unit.name, unit.instance if unit.instance is not None else unit.chip, _HARDWARE_FIELDS, unit))
    if catalog.table("models").get(name) is not None:
        model = catalog.model(name, as_of)
        found.append((model.name, model.row, _MODEL_FIELDS, model))
    api = catalog.table("api").get(name, as_of)
    if api is not None:
        found.append((f"API model {api['name']}", api, {}, None))
    if not found:
        known = [r["name"] for t in ("chips", "instances", "models", "api") for r in catalog.table(t).rows]
        raise CellError(VALUE, f"entry: {UnknownNameError('catalog entry', name, known, key=catalog.normalize)}")
    for entry_name, row, derived, entry in found:
        if key in derived or key in row:
            return _field(entry_name, row, key, field, derived, entry)
    fields = [f for _, row, derived, _ in found for f in (*derived, *row)]
    names = " or ".join(entry_name for entry_name, *_ in found)
    raise CellError(VALUE, f"field: {UnknownNameError(f'field of {names}', field, list(dict.fromkeys(fields)))}")


def _field(name, row, key, field, derived, entry):
    if key in derived:
        try:
            value = derived[key](entry)
        except Exception as error:  # noqa: BLE001 - e.g. a chip has no hourly price
            raise CellError(NA, f"field {key} is not available for {name}: {error}") from None
    elif key in row:
        value = row[key]
    else:
        fields = [*derived, *row]
        raise CellError(VALUE, f"field: {UnknownNameError(f'field of {name}', field, fields)}")
    if value is None or value == "":
        raise CellError(NA, f"field {key} is empty in the catalog for {name} (row dated {row.get('date')})")
    if isinstance(value, bool) or isinstance(value, str):
        return value
    return float(value)


_AS_OF = (
    "Optional. The date whose catalog row to use: a date cell, an Excel date number or text such as "
    '"2024-06-01". Empty: the newest row. A date before the entry\'s first row is an error.'
)


def _as_of(value):
    """The ``as_of`` argument (one cell): None for empty, else a ``datetime.date``.

    Office.js sends a date cell as its serial number, classic xlwings as a datetime;
    typed text "2024-06-01" works in both.
    """
    scalar, rows = ev.cells(value, "as_of") if value is not None else (None, None)
    if rows is not None:
        raise CellError(VALUE, "as_of must be a single cell (one date for the whole call)")
    if isinstance(scalar, dict):
        scalar = ev._unwrap(scalar, "as_of")
    if isinstance(scalar, str) and scalar.strip().startswith("#"):
        ev._text(scalar, "as_of")  # an Excel error value arriving in the cell comes back as itself
    try:
        return catalog.as_of_date(scalar)
    except XlcostError as error:
        raise CellError(VALUE, str(error)) from None


@_udf(
    "One catalog value: XLCOST_SPEC(\"H100\", \"memory_bytes\"). Names are chips, instances, models or API "
    "models; fields are the catalog's columns (see XLCOST_CATALOG) plus derived ones like kv_dim.",
    entry='A catalog name: chip ("H100"), instance ("p4d.24xlarge"), model ("GPT-3") or API model ("gpt-4o").',
    field="A column (memory_bytes, params, source, date ...) or: peak_flops_per_s, memory_bandwidth_bytes_per_s, "
    "price_usd_per_hour (instances: whole instance, on-demand), params_per_token, head_dim, kv_dim.",
    as_of=_AS_OF,
)
def XLCOST_SPEC(entry, field, as_of=None):
    when = _as_of(as_of)
    return ev.evaluate_each(
        lambda name, field: _spec(name, field, when), name=ev.text(entry, "entry"), field=ev.text(field, "field")
    )


@_udf(
    "A whole catalog table, spilled: a header row, then one row per entry (the row in force as_of), with "
    "every value's source and date.",
    table='"chips", "instances", "models" or "api" (API prices).',
    as_of="Optional. A date: each entry's row in force then (entries that did not exist yet are left out). "
    "Empty: the newest rows.",
)
def XLCOST_CATALOG(table, as_of=None):
    name = ev.text(table, "table")
    if name.shape is not None:
        raise CellError(VALUE, "table must be a single cell")
    key = _TABLES.get(name.value.lower().replace(" ", "_"))
    if key is None:
        raise CellError(VALUE, f'table must be "chips", "instances", "models" or "api", got {name.value!r}')
    columns = list(catalog.SCHEMAS[key])
    found = catalog.table(key).at(_as_of(as_of))
    if not found:
        raise CellError(NA, f"the {key} table has no entry as of {_as_of(as_of)}")
    rows = [columns] + [["" if row.get(c) is None else row.get(c) for c in columns] for row in found]
    out = np.empty((len(rows), len(columns)), dtype=object)
    for i, row in enumerate(rows):
        out[i, :] = row
    return Result(out)


_SERVICES = {name: float(code) for code, name in enumerate(catalog.SERVICES)}


@_udf(
    "USD an API charges for a request as billed: catalog list prices per 1M tokens (the long-prompt tier where the "
    "prompt exceeds its threshold), cached and cache-written input at their prices, reasoning tokens as output.",
    api_model='An API model from the catalog: "gpt-4o", "claude-sonnet-4", "deepseek-chat" (XLCOST_CATALOG("api")). '
    "One its provider shut down by as_of (empty: today) is refused: nobody bills it then.",
    input_tokens="Input (prompt) tokens, e.g. 1E6. Includes the cached and cache-written ones. Over a tier's "
    "threshold (Gemini 2.5 Pro, Claude Sonnet 4: 200,000) the whole request bills at that tier.",
    output_tokens="Output (completion) tokens, e.g. 1E6; add reasoning (thinking) tokens: they are billed as output.",
    cached_input_tokens="Optional. The part of input_tokens read from the provider's prompt cache. Empty: 0.",
    as_of=_AS_OF,
    service='Optional. "standard" (default) or "batch": the provider\'s batch service (about half price, results '
    "within 24 hours); a model with no batch price in the catalog refuses it.",
    cache_write_tokens="Optional. The part of input_tokens written to the prompt cache, at the cache-write price "
    "where the provider bills writes (Anthropic: 1.25 x input); elsewhere billed as input. Empty: 0.",
)
def API_COST(api_model, input_tokens, output_tokens, cached_input_tokens=None, as_of=None, service=None,
             cache_write_tokens=None):
    when = _as_of(as_of)

    def cost(api_model, input_tokens, output_tokens, cached_input_tokens, service, cache_write_tokens):
        try:
            return catalog.api_request_cost_usd(api_model, input_tokens, output_tokens, cached_input_tokens, when,
                                                catalog.SERVICES[int(service)], cache_write_tokens)
        except UnknownNameError as error:
            raise CellError(ev.VALUE, f"api_model: {error}") from None

    return ev.evaluate_each(
        cost,
        api_model=ev.text(api_model, "api_model"),
        input_tokens=ev.number(input_tokens, "input_tokens", "count"),
        output_tokens=ev.number(output_tokens, "output_tokens", "count"),
        cached_input_tokens=ev.number(cached_input_tokens, "cached_input_tokens", "count", default=0.0),
        service=ev.choice(service, "service", _SERVICES, 0.0),
        cache_write_tokens=ev.number(cache_write_tokens, "cache_write_tokens", "count", default=0.0),
    )


# ---------------------------------------------------------------- serving (issue 11)
# The serving functions take a catalog model (its architecture is needed) and a chip or
# instance, and follow xlcost.serving (which fields, which precision) and xlcost.core.serving.

_NOT_GIVEN = float("nan")  # an empty optional number: the serving default (cannot be typed in a cell)
_PRECISION_CODES = {name: float(code) for code, name in enumerate(serving.PRECISIONS)}
_PRECISION_NAMES = dict(enumerate(serving.PRECISIONS))
_SERVE_MODEL = 'A catalog model with its architecture, e.g. "Llama-3.1-70B" or "Mixtral-8x7B".'
_SERVE_HARDWARE = ('A chip ("H100") or a cloud instance ("p5.48xlarge": its chip, and by default its chip count '
                   "and on-demand price).")
_N_UNITS = ("Optional. Chips (not instances) in the tensor-parallel replica, e.g. 2; a whole number dividing the "
            "model's attention heads. Empty: 1 for a chip, the chip count of an instance.")
_INPUT = f"Optional. Prompt tokens per request. Empty: {serving.DEFAULT_INPUT_TOKENS:,.0f}."
_OUTPUT = f"Optional. Generated tokens per request. Empty: {serving.DEFAULT_OUTPUT_TOKENS:,.0f}."
_PRECISION = ('Optional. Weights and math: "bf16" (default), "fp16", "fp8", "fp4", "int8", "int4". The KV cache is '
              "8-bit with fp8/fp4 weights, else 16-bit.")
_BATCH_MAX = "Optional. Requests decoded together. Empty: the largest batch that fits in memory (maximum load)."


def _optional(value, name, expect="count"):
    return ev.number(value, name, expect, default=_NOT_GIVEN)


def _given_or_none(value):
    return None if value != value else value  # NaN: not given


def _precision_arg(value):
    return ev.choice(value, "precision", _PRECISION_CODES, 0.0)


_DEFAULT_TOKENS = {"input_tokens": serving.DEFAULT_INPUT_TOKENS, "output_tokens": serving.DEFAULT_OUTPUT_TOKENS}


def _serving_call(function, names, model, hardware, precision, **values):
    """One cell: names and numbers in, ``function`` of xlcost.serving out (NaN optionals -> defaults, the
    codes of text choices back to their ``names``)."""
    for key, value in values.items():
        options = names.get(key)
        if options is not None:
            values[key] = options[value]
        elif value != value:  # NaN: not given
            values[key] = _DEFAULT_TOKENS.get(key)
    return float(function(model, hardware, precision_name=_PRECISION_NAMES[int(precision)], **values))


def _serve(call, model, hardware, precision, **values):
    """``call`` (from :func:`_with_choice`) cell by cell."""
    return ev.evaluate_each(call, model=ev.text(model, "model"), hardware=ev.text(hardware, "hardware"),
                            precision=_precision_arg(precision), **values)


def _with_choice(function, **codes):
    """One cell's call of ``function``, its text choices (``key`` -> {name: code}) back as names from their codes."""
    names = {key: {code: name for name, code in options.items()} for key, options in codes.items()}
    return functools.partial(_serving_call, function, names)


_PRICE_PER_HOUR = ("Optional. USD per hour of the hardware as named: an instance's own price (shared by its chips), a "
                   "chip's per chip, as INFER_COST reads it. Empty: the instance's on-demand catalog price (a chip: give one).")


def _codes(argument):
    return {name: float(code) for code, name in enumerate(CHOICES[argument])}


_WHICH = {"ttft": 0.0, "tpot": 1.0, "request": 2.0}
_PER = {"output": 0.0, "input": 1.0, "request": 2.0}
_BATCHING = _codes("batching")  # "continuous" (the default) first
_PARALLEL = _codes("parallel")  # "tp" (the default) first
_PARALLEL_NAMES = {code: name for name, code in _PARALLEL.items()}
_BATCHING_DOC = ('Optional. "continuous" (the default: batch = requests in flight, prompts prefilled beside the '
                 'others\' decode steps) or "static" (the batch starts and ends together, its prefill first).')
_PARALLEL_DOC = ('Optional. "tp" (tensor parallel, the default) or "dep" (mixture of experts: attention data-parallel '
                 '+ expert parallel, each chip with its own sequences\' KV cache).')


def _choices(batching=None, parallel=None):
    """The batching and parallel cells as their codes (empty: the defaults)."""
    out = {"parallel": ev.choice(parallel, "parallel", _PARALLEL, 0.0)}
    if batching is not False:
        out["batching"] = ev.choice(batching, "batching", _BATCHING, 0.0)
    return out


# the serving functions taking their text choices back as names (built once)
_SERVE_THROUGHPUT = _with_choice(serving.serve_throughput, batching=_BATCHING, parallel=_PARALLEL)
_SERVE_COST = _with_choice(serving.serve_cost, per=_PER, batching=_BATCHING, parallel=_PARALLEL)
_SERVE_LATENCY = _with_choice(serving.serve_latency, which=_WHICH, batching=_BATCHING, parallel=_PARALLEL)
_GPUS_FOR_LOAD = _with_choice(serving.gpus_for_load)
_MAX_BATCH = _with_choice(serving.max_batch, parallel=_PARALLEL)


@_udf(
    "Output tokens/s of one replica of n_units chips (tensor parallel) serving a catalog model: roofline of "
    "compute and memory bandwidth with calibrated efficiencies, prefill included (docs/serving.md).",
    model=_SERVE_MODEL, hardware=_SERVE_HARDWARE, n_units=_N_UNITS, input_tokens=_INPUT, output_tokens=_OUTPUT,
    precision=_PRECISION, batch=_BATCH_MAX, batching=_BATCHING_DOC, parallel=_PARALLEL_DOC,
)
def SERVE_THROUGHPUT(model, hardware, n_units=None, input_tokens=None, output_tokens=None, precision=None,
                     batch=None, batching=None, parallel=None):
    return _serve(_SERVE_THROUGHPUT, model, hardware,
                  precision, n_units=_optional(n_units, "n_units"), input_tokens=_optional(input_tokens, "input_tokens"),
                  output_tokens=_optional(output_tokens, "output_tokens"), batch=_optional(batch, "batch"),
                  **_choices(batching, parallel))


@_udf(
    "Serving cost in USD of a catalog model on a replica: per 1M output tokens (decode time), per 1M input tokens "
    "(prefill time) or per request; input x in + output x out = request.",
    model=_SERVE_MODEL, hardware=_SERVE_HARDWARE,
    price_per_hour=_PRICE_PER_HOUR,
    n_units=_N_UNITS, input_tokens=_INPUT, output_tokens=_OUTPUT, precision=_PRECISION, batch=_BATCH_MAX,
    per='Optional. "output" (USD per 1M output tokens, the default), "input" (per 1M input tokens) or "request".',
    batching=_BATCHING_DOC, parallel=_PARALLEL_DOC,
)
def SERVE_COST(model, hardware, price_per_hour=None, n_units=None, input_tokens=None, output_tokens=None,
               precision=None, batch=None, per=None, batching=None, parallel=None):
    return _serve(_SERVE_COST, model,
                  hardware, precision,
                  price_per_hour=_optional(price_per_hour, "price_per_hour", "usd"),
                  n_units=_optional(n_units, "n_units"), input_tokens=_optional(input_tokens, "input_tokens"),
                  output_tokens=_optional(output_tokens, "output_tokens"), batch=_optional(batch, "batch"),
                  per=ev.choice(per, "per", _PER, 0.0), **_choices(batching, parallel))


@_udf(
    "Share of a replica's maximum load at which self-hosting costs what an API charges: SERVE_COST(..., \"request\") / "
    "API_COST for the same tokens. Above 1: self-hosting never pays at that price.",
    model=_SERVE_MODEL, hardware=_SERVE_HARDWARE,
    api_model='An API model from the catalog to compare with, e.g. "gpt-4o" or "deepseek-chat" (standard service).',
    price_per_hour=_PRICE_PER_HOUR, n_units=_N_UNITS, input_tokens=_INPUT, output_tokens=_OUTPUT,
    precision=_PRECISION,
    as_of="Optional. A date: the instance's and the API's prices in force then. Empty: the newest.",
    parallel=_PARALLEL_DOC,
)
def BREAK_EVEN_LOAD(model, hardware, api_model, price_per_hour=None, n_units=None, input_tokens=None,
                    output_tokens=None, precision=None, as_of=None, parallel=None):
    when = _as_of(as_of)

    def call(model, hardware, precision_name, api_model, parallel, **values):
        return build_vs_buy.break_even_load(model, hardware, api_model, precision_name=precision_name, as_of=when,
                                            parallel=_PARALLEL_NAMES[parallel], **values)

    return _serve(_with_choice(call), model, hardware, precision, api_model=ev.text(api_model, "api_model"),
                  price_per_hour=_optional(price_per_hour, "price_per_hour", "usd"),
                  n_units=_optional(n_units, "n_units"), input_tokens=_optional(input_tokens, "input_tokens"),
                  output_tokens=_optional(output_tokens, "output_tokens"), **_choices(False, parallel))


@_udf(
    "Seconds a request takes on a replica: time to first token (the batch's prefill), time per output token "
    "(a decode step) or the whole request.",
    model=_SERVE_MODEL, hardware=_SERVE_HARDWARE, n_units=_N_UNITS, input_tokens=_INPUT, output_tokens=_OUTPUT,
    precision=_PRECISION,
    batch="Optional. Requests served together (continuous: in flight). Empty: 1.",
    which='Optional. "ttft" (time to first token, the default), "tpot" (time per output token) or "request".',
    batching=_BATCHING_DOC, parallel=_PARALLEL_DOC,
)
def SERVE_LATENCY(model, hardware, n_units=None, input_tokens=None, output_tokens=None, precision=None, batch=None,
                  which=None, batching=None, parallel=None):
    return _serve(_SERVE_LATENCY, model,
                  hardware, precision, n_units=_optional(n_units, "n_units"),
                  input_tokens=_optional(input_tokens, "input_tokens"),
                  output_tokens=_optional(output_tokens, "output_tokens"),
                  batch=ev.number(batch, "batch", "count", default=1.0), which=ev.choice(which, "which", _WHICH, 0.0),
                  **_choices(batching, parallel))


_LOAD_DOCS = dict(
    model=_SERVE_MODEL, hardware='A chip ("H100") or an instance (its chip, and its on-demand price per chip).',
    requests_per_second="Requests arriving per second, e.g. 333 (1,000 users asking every 3 s).",
    input_tokens=_INPUT, output_tokens=_OUTPUT, precision=_PRECISION,
    ttft_s='Optional. Longest acceptable time to first token, e.g. 1 or "1 s" or "800ms". Empty: no target.',
    tpot_s='Optional. Longest acceptable time per output token, e.g. 0.05 or "50ms". Empty: no target.',
)


def _load_arguments(requests_per_second, input_tokens, output_tokens, ttft_s, tpot_s):
    return dict(requests_per_s=ev.number(requests_per_second, "requests_per_second", "count"),
                input_tokens=_optional(input_tokens, "input_tokens"),
                output_tokens=_optional(output_tokens, "output_tokens"),
                ttft_s=_optional(ttft_s, "ttft_s", "seconds"), tpot_s=_optional(tpot_s, "tpot_s", "seconds"))


@_udf(
    "Whole chips a load of requests_per_second needs under continuous batching: the cheapest replica (1, 2, 4 or 8 "
    "chips) and concurrency that fit and meet the latency targets, times the replicas needed (LOAD_PLAN details it).",
    **_LOAD_DOCS,
)
def GPUS_FOR_LOAD(model, hardware, requests_per_second, input_tokens=None, output_tokens=None, precision=None,
                  ttft_s=None, tpot_s=None):
    return _serve(_GPUS_FOR_LOAD, model, hardware, precision,
                  **_load_arguments(requests_per_second, input_tokens, output_tokens, ttft_s, tpot_s))


_PLAN = {name: float(code) for code, name in enumerate(serving.PLAN_FIELDS)}
_LOAD_PLAN = _with_choice(serving.load_plan_value, which=_PLAN)


@_udf(
    "The plan GPUS_FOR_LOAD chose: replicas, chips per replica, concurrency per replica, its TTFT and TPOT in "
    "seconds, and USD per 1M output tokens at that load (replicas x chips per replica = GPUS_FOR_LOAD).",
    **_LOAD_DOCS,
    which='Optional. "replicas" (the default), "chips_per_replica", "concurrency", "ttft", "tpot" or '
          '"usd_per_1m_output" (the chips\' on-demand price over the output tokens of the load).',
)
def LOAD_PLAN(model, hardware, requests_per_second, input_tokens=None, output_tokens=None, precision=None,
              ttft_s=None, tpot_s=None, which=None):
    return _serve(_LOAD_PLAN, model, hardware, precision,
                  **_load_arguments(requests_per_second, input_tokens, output_tokens, ttft_s, tpot_s),
                  which=ev.choice(which, "which", _PLAN, 0.0))


@_udf(
    "Bytes of KV cache one token occupies in a catalog model: layers x 2 x KV heads x head_dim (grouped-query), or "
    "the latent (multi-head latent attention), at the cache's precision.",
    model=_SERVE_MODEL,
    precision=_PRECISION,
)
def KV_CACHE_PER_TOKEN(model, precision=None):
    return ev.evaluate_each(
        lambda model, precision: float(serving.kv_cache_per_token(model, _PRECISION_NAMES[int(precision)])),
        model=ev.text(model, "model"), precision=_precision_arg(precision),
    )


@_udf(
    "Sequences of context tokens whose KV cache fits beside the weights on n_units chips (after a 10% reserve of "
    "the memory the weights leave).",
    model=_SERVE_MODEL, hardware=_SERVE_HARDWARE, n_units=_N_UNITS,
    context=f"Optional. Tokens per sequence (prompt + output). Empty: {serving.DEFAULT_CONTEXT:,.0f}.",
    precision=_PRECISION, parallel=_PARALLEL_DOC,
)
def MAX_BATCH(model, hardware, n_units=None, context=None, precision=None, parallel=None):
    return _serve(_MAX_BATCH, model, hardware, precision,
                  n_units=_optional(n_units, "n_units"),
                  context=ev.number(context, "context", "count", default=serving.DEFAULT_CONTEXT),
                  **_choices(False, parallel))


__all__ = [
    "FLOPS_PER_TOKEN", "INFER_COST", "TRAIN_COST", "GPUS_NEEDED",
    "TRAIN_FLOPS", "TRAIN_DAYS", "TRAIN_UNIT_HOURS", "MFU",
    "PARAM_COUNT", "MODEL_MEMORY", "KV_CACHE", "DECODE_TOKENS_PER_SECOND",
    "CHINCHILLA_LOSS", "COMPUTE_OPTIMAL_PARAMS", "COMPUTE_OPTIMAL_TOKENS",
    "WORDS_TO_TOKENS", "QUERY_REVENUE", "QUERY_COST",
    "XLCOST_SPEC", "XLCOST_CATALOG", "API_COST",
    "SERVE_THROUGHPUT", "SERVE_COST", "BREAK_EVEN_LOAD", "SERVE_LATENCY", "GPUS_FOR_LOAD", "LOAD_PLAN",
    "KV_CACHE_PER_TOKEN", "MAX_BATCH",
]


# training plans (xlcost.udfs_training): bodies and wizard texts there, registered here in this module's mode
from . import udfs_training as _training  # noqa: E402

for _name, (_body, _description, _docs) in _training.FUNCTIONS.items():
    globals()[_name] = _udf(_description, **_docs)(_body)
__all__ += list(_training.FUNCTIONS)
