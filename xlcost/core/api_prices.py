"""What an API charges for one request: input, cached input and output tokens at per-1M prices."""

import numpy as np

from . import _check
from ..errors import InputError
from ._check import quantity


@quantity(
    "(({input_tokens}-{cached_input_tokens}-{cache_write_tokens})*{price_input_usd_per_1m_tokens}"
    "+{cached_input_tokens}*{price_cached_input_usd_per_1m_tokens}"
    "+{cache_write_tokens}*{price_cache_write_usd_per_1m_tokens}"
    "+{output_tokens}*{price_output_usd_per_1m_tokens})/1E+6"  # 1E+6: formulas (and the brief) want the sign
)
def api_tokens_cost_usd(
    input_tokens,
    output_tokens,
    price_input_usd_per_1m_tokens,
    price_output_usd_per_1m_tokens,
    cached_input_tokens=0.0,
    price_cached_input_usd_per_1m_tokens=0.0,
    cache_write_tokens=0.0,
    price_cache_write_usd_per_1m_tokens=0.0,
):
    """USD an API charges for a request, at list prices per 1M tokens.

    cached_input_tokens are the part of input_tokens the provider served from
    its prompt cache (OpenAI's cached_tokens, Anthropic's cache reads); they are
    billed at the cached-input price. cache_write_tokens are the part written to
    the cache, billed at the cache-write price where a provider charges for writes
    (Anthropic: 1.25 x input for the 5-minute cache); the rest of the input at the
    input price. Reasoning tokens are output tokens.

    >>> api_tokens_cost_usd(1e6, 1e6, 2.50, 10.00)   # gpt-4o: $2.50 in, $10 out per 1M
    12.5
    >>> api_tokens_cost_usd(1e6, 0, 2.50, 10.00, cached_input_tokens=4e5, price_cached_input_usd_per_1m_tokens=1.25)
    2.0
    >>> api_tokens_cost_usd(1e6, 0, 3.00, 15.00, cache_write_tokens=1e6, price_cache_write_usd_per_1m_tokens=3.75)
    3.75
    """
    input_tokens = _check.nonnegative("input_tokens", input_tokens)
    cached = _check.nonnegative("cached_input_tokens", cached_input_tokens)
    written = _check.nonnegative("cache_write_tokens", cache_write_tokens)
    if np.any(cached > input_tokens):
        raise InputError("cached_input_tokens", "must not exceed input_tokens (they are the cached part of the input)")
    if np.any(cached + written > input_tokens):
        raise InputError("cache_write_tokens", "with cached_input_tokens, must not exceed input_tokens (both are "
                         "parts of the input)")
    return (
        (input_tokens - cached - written)
        * _check.nonnegative("price_input_usd_per_1m_tokens", price_input_usd_per_1m_tokens)
        + written * _check.nonnegative("price_cache_write_usd_per_1m_tokens", price_cache_write_usd_per_1m_tokens)
        + cached * _check.nonnegative("price_cached_input_usd_per_1m_tokens", price_cached_input_usd_per_1m_tokens)
        + _check.nonnegative("output_tokens", output_tokens)
        * _check.nonnegative("price_output_usd_per_1m_tokens", price_output_usd_per_1m_tokens)
    ) / 1e6
