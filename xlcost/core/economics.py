"""Unit economics of serving: API prices per query, cache and margin, duty cycle, value per $ and W."""

from . import _check
from ._check import quantity
from .inputs import CACHE_HIT_RATE, GROSS_MARGIN


@quantity("{words}*1000/{words_per_1k_tokens}")
def words_to_tokens(words, words_per_1k_tokens=750):
    """Tokens in ``words`` of English text (OpenAI's rule of thumb: 1,000 tokens = 750 words).

    >>> words_to_tokens(750)
    1000.0
    """
    return (
        _check.nonnegative("words", words) * 1000.0 / _check.positive("words_per_1k_tokens", words_per_1k_tokens)
    )


@quantity("{tokens}/1000*{price_usd_per_1k_tokens}")
def api_cost_usd(tokens, price_usd_per_1k_tokens):
    """USD an API charges for ``tokens`` at a price per 1,000 tokens.

    >>> round(api_cost_usd(2050 / 0.75, 0.02), 5)   # ChatGPT-equivalent query (seed 002, T2)
    0.05467
    """
    return (
        _check.nonnegative("tokens", tokens) / 1000.0 * _check.nonnegative("price_usd_per_1k_tokens", price_usd_per_1k_tokens)
    )


@quantity(
    "{revenue_usd}*(1-{cache_hit_rate})*(1-{gross_margin})",
    defaults={"cache_hit_rate": CACHE_HIT_RATE, "gross_margin": GROSS_MARGIN},
)
def serving_cost_usd(revenue_usd, cache_hit_rate, gross_margin):
    """Provider's cost behind ``revenue_usd`` of API sales: cached answers cost nothing,
    and the rest costs (1 - gross margin) of its price (seed 002, T2).

    >>> round(serving_cost_usd(0.0546667, 0.30, 0.75), 6)
    0.009567
    """
    return (
        _check.nonnegative("revenue_usd", revenue_usd)
        * (1.0 - _check.fraction("cache_hit_rate", cache_hit_rate, closed_low=True))
        * (1.0 - _check.fraction("gross_margin", gross_margin, closed_low=True))
    )


@quantity("{busy}/({busy}+{idle})")
def duty_cycle(busy, idle):
    """Share of rented time doing useful work: busy / (busy + idle) (seed 001, T21).

    >>> duty_cycle(30, 10)
    0.75
    """
    busy = _check.positive("busy", busy)
    return (busy / (busy + _check.nonnegative("idle", idle)))


@quantity("{usd}/{words}*{words_per_1k_tokens}")
def usd_per_1k_tokens_from_words(usd, words, words_per_1k_tokens=750):
    """A price per ``words`` words restated per 1,000 tokens (seed 002, T13).

    >>> usd_per_1k_tokens_from_words(82, 100_000)   # Jasper: $82 per 100,000 words
    0.615
    """
    per_word = _check.nonnegative("usd", usd) / _check.positive("words", words)
    return (per_word * _check.positive("words_per_1k_tokens", words_per_1k_tokens))


@quantity("{peak_flops_per_s}/{price_usd}", hardware={"peak_flops_per_s": "peak_flops_per_s", "price_usd": "list_price_usd"})
def flops_per_s_per_usd(peak_flops_per_s, price_usd):
    """Peak FLOP/s bought per dollar of hardware (seed 002, T8, printed in GFLOPS/$).

    >>> flops_per_s_per_usd(125e12, 10_000)
    12500000000.0
    """
    return (
        _check.positive("peak_flops_per_s", peak_flops_per_s) / _check.positive("price_usd", price_usd)
    )


@quantity("{peak_flops_per_s}/{watts}", hardware={"peak_flops_per_s": "peak_flops_per_s", "watts": "tdp_watts"})
def flops_per_s_per_watt(peak_flops_per_s, watts):
    """Peak FLOP/s per watt of board power (seed 002, T9, printed in GFLOPS/W).

    >>> flops_per_s_per_watt(312e12, 400)
    780000000000.0
    """
    return (
        _check.positive("peak_flops_per_s", peak_flops_per_s) / _check.positive("watts", watts)
    )
