"""What an API charges for one request: input, cached input and output tokens at per-1M prices."""

import numpy as np

from . import _check
from ..errors import InputError
from ._check import quantity


@quantity(
    "(({input_tokens}-{cached_input_tokens})*{price_input_usd_per_1m_tokens}"
    "+{cached_input_tokens}*{price_cached_input_usd_per_1m_tokens}"
    "+{output_tokens}*{price_output_usd_per_1m_tokens})/1E+6"  # 1E+6: formulas (and the brief) want the sign
)
def api_tokens_cost_usd(
    input_tokens,
    output_tokens,
    price_input_usd_per_1m_tokens,
    price_output_usd_per_1m_tokens,
    cached_input_tokens=0.0,
    price_cached_input_usd_per_1m_tokens=0.0,
):
    """USD an API charges for a request, at list prices per 1M tokens.

    cached_input_tokens are the part of input_tokens the provider served from
    its prompt cache (OpenAI's cached_tokens, Anthropic's cache reads); they are
    billed at the cached-input price, the rest of the input at the input price.

    >>> api_tokens_cost_usd(1e6, 1e6, 2.50, 10.00)   # gpt-4o: $2.50 in, $10 out per 1M
    12.5
    >>> api_tokens_cost_usd(1e6, 0, 2.50, 10.00, cached_input_tokens=4e5, price_cached_input_usd_per_1m_tokens=1.25)
    2.0
    """
    input_tokens = _check.nonnegative("input_tokens", input_tokens)
    cached = _check.nonnegative("cached_input_tokens", cached_input_tokens)
    if np.any(cached > input_tokens):
        raise InputError("cached_input_tokens", "must not exceed input_tokens (they are the cached part of the input)")
    return (
        (input_tokens - cached) * _check.nonnegative("price_input_usd_per_1m_tokens", price_input_usd_per_1m_tokens)
        + cached * _check.nonnegative("price_cached_input_usd_per_1m_tokens", price_cached_input_usd_per_1m_tokens)
        + _check.nonnegative("output_tokens", output_tokens)
        * _check.nonnegative("price_output_usd_per_1m_tokens", price_output_usd_per_1m_tokens)
    ) / 1e6
