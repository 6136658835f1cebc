"""Properties of the core, checked with hypothesis (seeded in tests/conftest.py).

- Costs are linear in parameters, tokens, FLOPs and price, and inversely proportional
  to utilisation.
- Arrays broadcast like numpy. Each element of an array result equals the scalar call
  made in a plain Python loop, and scalar calls return a Python float.
- The scaling laws and rooflines are monotone where physics says they must be.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import xlcost


def positive(low, high):
    return st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)


params = positive(1e6, 1e13)
tokens = positive(1e6, 1e14)
peaks = positive(1e11, 1e16)
prices = positive(0.01, 1e3)
utilizations = positive(1e-3, 1.0)
factors = positive(1e-3, 1e3)
loads = positive(0, 1e9)  # tokens/s: zero and tiny (even subnormal) loads are valid

REL = 1e-12


# ---------------------------------------------------------------- linearity and proportionality
@given(params, tokens, peaks, utilizations, prices, factors)
def test_train_cost_is_linear_in_params_tokens_and_price(n, d, peak, u, price, k):
    base = xlcost.train_cost_usd(n, d, peak, u, price)
    assert xlcost.train_cost_usd(k * n, d, peak, u, price) == pytest.approx(k * base, rel=REL)
    assert xlcost.train_cost_usd(n, k * d, peak, u, price) == pytest.approx(k * base, rel=REL)
    assert xlcost.train_cost_usd(n, d, peak, u, k * price) == pytest.approx(k * base, rel=REL)


@given(params, tokens, peaks, utilizations, utilizations, prices)
def test_train_cost_is_inversely_proportional_to_utilization(n, d, peak, u1, u2, price):
    assert xlcost.train_cost_usd(n, d, peak, u1, price) * u1 == pytest.approx(
        xlcost.train_cost_usd(n, d, peak, u2, price) * u2, rel=REL
    )


@given(params, tokens, peaks, utilizations, prices, factors)
def test_train_cost_is_inversely_proportional_to_peak(n, d, peak, u, price, k):
    assert xlcost.train_cost_usd(n, d, k * peak, u, price) == pytest.approx(
        xlcost.train_cost_usd(n, d, peak, u, price) / k, rel=REL
    )


@given(params, peaks, utilizations, utilizations, prices, factors)
def test_inference_cost_linear_in_params_and_price_inverse_in_utilization(n, peak, u1, u2, price, k):
    base = xlcost.inference_cost_usd_per_1k_tokens(n, peak, u1, price)
    assert xlcost.inference_cost_usd_per_1k_tokens(k * n, peak, u1, price) == pytest.approx(k * base, rel=REL)
    assert xlcost.inference_cost_usd_per_1k_tokens(n, peak, u1, k * price) == pytest.approx(k * base, rel=REL)
    assert xlcost.inference_cost_usd_per_1k_tokens(n, peak, u2, price) * u2 == pytest.approx(base * u1, rel=REL)


@given(params, peaks, utilizations, prices)
def test_training_costs_three_times_inference_per_token(n, peak, u, price):
    # 6N against 2N FLOPs per token (Kaplan et al. 2020)
    per_1k_train = xlcost.train_cost_usd(n, 1000, peak, u, price)
    assert per_1k_train == pytest.approx(3 * xlcost.inference_cost_usd_per_1k_tokens(n, peak, u, price), rel=REL)


@given(positive(1e10, 1e27), peaks, utilizations, prices, factors)
def test_compute_cost_linear_in_flops(flops, peak, u, price, k):
    assert xlcost.compute_cost_usd(k * flops, peak, u, price) == pytest.approx(
        k * xlcost.compute_cost_usd(flops, peak, u, price), rel=REL
    )


@given(params, tokens, positive(1, 1e5), peaks, utilizations)
def test_training_days_times_units_is_unit_hours(n, d, units, peak, u):
    days = xlcost.training_days(n, d, units, peak, u)
    hours = xlcost.unit_hours(xlcost.training_flops(n, d), peak, u)
    assert days * units * 24 == pytest.approx(hours, rel=REL)


@given(positive(1, 1e6), positive(0, 1e6))
def test_duty_cycle_is_a_fraction_that_scales_cost(busy, idle):
    duty = xlcost.duty_cycle(busy, idle)
    assert 0 < duty <= 1
    # paying for idle time: cost at utilisation x duty = cost at utilisation / duty
    assert xlcost.compute_cost_usd(1e18, 1e14, 0.5 * duty, 2.0) == pytest.approx(
        xlcost.compute_cost_usd(1e18, 1e14, 0.5, 2.0) / duty, rel=REL
    )


@given(positive(1, 1e5), positive(1, 1e6), positive(1, 1e3), factors)
def test_kv_cache_linear_in_context_and_batch(layers, context, batch, k):
    base = xlcost.kv_cache_bytes(layers, 4096, context, batch)
    assert xlcost.kv_cache_bytes(layers, 4096, k * context, batch) == pytest.approx(k * base, rel=REL)
    assert xlcost.kv_cache_bytes(layers, 4096, context, k * batch) == pytest.approx(k * base, rel=REL)


# ---------------------------------------------------------------- monotonicity
@given(params, tokens, positive(1.01, 100))
def test_chinchilla_loss_decreases_in_params_and_tokens(n, d, k):
    loss = xlcost.chinchilla_loss(n, d)
    assert xlcost.chinchilla_loss(k * n, d) < loss
    assert xlcost.chinchilla_loss(n, k * d) < loss
    assert loss > 1.69  # never below the irreducible loss E


@pytest.mark.parametrize("fit", ["approach3", "besiroglu"])
@given(flops=positive(1e18, 1e28), k=positive(1.01, 100))
def test_compute_optimal_split_minimises_its_fits_loss(fit, flops, k):
    # for the parametric fits the compute-optimal split is the argmin of the loss (eq. 4)
    n = xlcost.compute_optimal_params(flops, method=fit)
    d = xlcost.compute_optimal_tokens(flops, method=fit)
    best = xlcost.chinchilla_loss(n, d, fit=fit)
    assert xlcost.chinchilla_loss(n * k, d / k, fit=fit) > best
    assert xlcost.chinchilla_loss(n / k, d * k, fit=fit) > best


@pytest.mark.parametrize("method", ["approach1", "approach2", "approach3", "besiroglu"])
@given(flops=positive(1e18, 1e28), k=positive(1.01, 100))
def test_compute_optimal_split_spends_the_budget_and_grows_with_it(method, flops, k):
    n = xlcost.compute_optimal_params(flops, method=method)
    d = xlcost.compute_optimal_tokens(flops, method=method)
    assert xlcost.training_flops(n, d) == pytest.approx(flops, rel=1e-9)
    assert xlcost.compute_optimal_params(k * flops, method=method) > n
    assert xlcost.compute_optimal_tokens(k * flops, method=method) > d


@given(params, positive(1, 4096), positive(1.01, 16), peaks, positive(1e11, 1e13))
def test_decode_throughput_grows_with_batch_up_to_the_compute_roof(n, batch, k, peak, bandwidth):
    small = xlcost.decode_tokens_per_s(n, batch, peak, bandwidth)
    large = xlcost.decode_tokens_per_s(n, k * batch, peak, bandwidth)
    roof = peak / (2 * n)
    assert large >= small * (1 - 1e-12)
    assert large <= roof * (1 + 1e-12)
    # and never faster than the memory roof of reading the weights once per step
    assert small <= batch * bandwidth / (2 * n) * (1 + 1e-12)


@given(params, loads, peaks, utilizations, positive(1e9, 1e12))
def test_units_needed_is_the_larger_of_compute_and_memory(n, load, peak, u, memory):
    need = xlcost.units_needed(n, load, peak, u, memory)
    compute = xlcost.units_for_compute(n, load, peak, u)
    floor = xlcost.units_for_memory(n, 2, memory)
    assert need == pytest.approx(max(compute, floor), rel=REL)


@given(st.integers(1, 200), st.integers(1, 64).map(lambda h: 128 * h), st.integers(1000, 300_000))
def test_transformer_params_increase_with_shape(layers, d_model, vocab):
    base = xlcost.transformer_params(layers, d_model, vocab)
    assert xlcost.transformer_params(layers + 1, d_model, vocab) > base
    assert xlcost.transformer_params(layers, d_model + 128, vocab) > base
    assert xlcost.transformer_params(layers, d_model, vocab + 1) > base
    # grouped-query attention (fewer KV heads) never adds parameters
    heads = d_model // 128
    assert xlcost.transformer_params(layers, d_model, vocab, n_heads=heads, n_kv_heads=1) <= base
    # untied output embeddings add exactly vocab x d_model
    untied = xlcost.transformer_params(layers, d_model, vocab, tied_embeddings=False)
    assert untied - base == pytest.approx(vocab * d_model, rel=REL)


# ---------------------------------------------------------------- broadcasting
def column(values):
    return np.asarray(values, dtype=float).reshape(-1, 1)


def row(values):
    return np.asarray(values, dtype=float)


def assert_broadcasts_like_a_loop(function, arrays, scalars=None):
    """``function(**arrays)`` has the broadcast shape, and each element equals the scalar call."""
    scalars = scalars or {}
    result = function(**arrays, **scalars)
    names = list(arrays)
    expanded = np.broadcast_arrays(*arrays.values())
    assert isinstance(result, np.ndarray)
    assert result.shape == expanded[0].shape
    for index in np.ndindex(result.shape):
        single = function(**{name: float(a[index]) for name, a in zip(names, expanded)}, **scalars)
        assert isinstance(single, float)
        assert result[index] == pytest.approx(single, rel=REL)


lists = lambda strategy: st.lists(strategy, min_size=1, max_size=4)  # noqa: E731


@settings(max_examples=40)  # each example checks up to 64 elements
@given(lists(params), lists(tokens), utilizations)
def test_train_cost_broadcasts(ns, ds, u):
    assert_broadcasts_like_a_loop(
        xlcost.train_cost_usd, {"params": column(ns), "tokens": row(ds)},
        {"peak_flops_per_s": 1.1e15, "utilization": u, "price_usd_per_hour": 8.12},
    )


@settings(max_examples=40)  # each example checks up to 64 elements
@given(lists(params), lists(utilizations), lists(prices))
def test_inference_cost_broadcasts(ns, us, ps):
    # three arguments, three shapes: (n, 1, 1) x (m, 1) x (k,)
    assert_broadcasts_like_a_loop(
        xlcost.inference_cost_usd_per_1k_tokens,
        {"params": row(ns).reshape(-1, 1, 1), "utilization": column(us), "price_usd_per_hour": row(ps)},
        {"peak_flops_per_s": 2.5e15},
    )


@settings(max_examples=40)  # each example checks up to 64 elements
@given(lists(params), lists(tokens))
def test_chinchilla_loss_broadcasts(ns, ds):
    assert_broadcasts_like_a_loop(xlcost.chinchilla_loss, {"params": column(ns), "tokens": row(ds)})


@settings(max_examples=40)  # each example checks up to 64 elements
@given(lists(positive(1e18, 1e28)))
def test_compute_optimal_broadcasts(budgets):
    assert_broadcasts_like_a_loop(xlcost.compute_optimal_params, {"flops": row(budgets)})
    assert_broadcasts_like_a_loop(xlcost.compute_optimal_tokens, {"flops": row(budgets)})


@settings(max_examples=40)  # each example checks up to 64 elements
@given(lists(params), lists(positive(1, 1024)))
def test_decode_throughput_broadcasts(ns, batches):
    assert_broadcasts_like_a_loop(
        xlcost.decode_tokens_per_s, {"params": column(ns), "batch": row(batches)},
        {"peak_flops_per_s": 154.8e12, "memory_bandwidth_bytes_per_s": 768e9,
         "context": 1024, "kv_bytes_per_token": 819_200},
    )


@settings(max_examples=40)  # each example checks up to 64 elements
@given(lists(params), lists(loads))
def test_units_needed_broadcasts(ns, loads):
    assert_broadcasts_like_a_loop(
        xlcost.units_needed, {"params": column(ns), "tokens_per_s": row(loads)},
        {"peak_flops_per_s": 312e12, "utilization": 0.5, "memory_bytes": 80e9},
    )


@settings(max_examples=40)  # each example checks up to 64 elements
@given(lists(st.integers(1, 128)), lists(st.integers(1, 64).map(lambda h: 128 * h)))
def test_transformer_params_broadcasts(layers, widths):
    assert_broadcasts_like_a_loop(
        xlcost.transformer_params, {"n_layers": column(layers), "d_model": row(widths)}, {"vocab": 50257}
    )


@settings(max_examples=40)  # each example checks up to 64 elements
@given(lists(positive(1, 1e6)), lists(positive(0, 1e6)))
def test_duty_cycle_and_serving_cost_broadcast(busy, idle):
    assert_broadcasts_like_a_loop(xlcost.duty_cycle, {"busy": column(busy), "idle": row(idle)})
    fractions = [min(x / 1e6, 0.99) for x in idle]
    assert_broadcasts_like_a_loop(
        xlcost.serving_cost_usd, {"cache_hit_rate": column(fractions), "gross_margin": row(fractions)},
        {"revenue_usd": 0.375},
    )


@settings(max_examples=40)  # each example checks up to 64 elements; MFU stays <= 1 (1e4 x 1e13 < 1024 x 312e12)
@given(lists(positive(1, 1e4)), lists(positive(1e9, 1e13)))
def test_mfu_broadcasts(rates, flops_per_token):
    assert_broadcasts_like_a_loop(
        xlcost.mfu, {"tokens_per_s": column(rates), "flops_per_token": row(flops_per_token)},
        {"n_units": 1024, "peak_flops_per_s": 312e12},
    )


def test_scalars_give_python_floats_and_zero_d_arrays_too():
    assert type(xlcost.train_cost_usd(175e9, 300e9, 275e12, 0.462, 2.03)) is float
    assert type(xlcost.train_cost_usd(np.float64(175e9), np.array(300e9), 275e12, 0.462, 2.03)) is float
    assert type(xlcost.chinchilla_loss(np.array(70e9), 1.4e12)) is float


def test_lists_are_accepted_like_arrays():
    result = xlcost.chinchilla_loss([70e9, 1e12], [1.4e12, 300e9])
    assert isinstance(result, np.ndarray) and result.shape == (2,)
    assert math.isclose(result[0], xlcost.chinchilla_loss(70e9, 1.4e12))
