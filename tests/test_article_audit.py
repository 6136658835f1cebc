"""Seeds 004, 003, 001 and 000: tables T14-T22, audited.

These articles contain arithmetic and physics errors. Each test first writes out the
article's method, labelled as such, next to the figure the article prints. It then
computes the physically correct figure with the core and pins the size of the error.
See ../shared/article-tables.md for the digest and ../shared/seeds/ for the texts.
"""

import math

import pytest

import xlcost
from xlcost import catalog
from xlcost.units import parse_quantity


def printed(value, published, unit):
    """True when ``value`` prints as ``published`` to the place ``unit`` (half a unit of slack)."""
    return abs(value - published) <= unit / 2 * (1 + 1e-9)


A100_INT8_OPS = 624e12  # the article's "624 TPS", which is A100's dense INT8 peak (catalog: peak_int8_ops)
A100_DENSE_BF16 = 312e12


# ---------------------------------------------------------------- T14: training ChatGPT (seed 004)
def test_t14_3640_pf_days_is_gpt3_175b():
    flops = parse_quantity("3640 PF-days", "flops", "flops")
    assert flops == pytest.approx(3640 * 1e15 * 86400)
    # Brown et al. 2020, Table D.1: 3.64e3 PF-days = 6 x 174.6B params x 300B tokens
    assert flops == pytest.approx(xlcost.training_flops(174.6e9, 300e9), rel=0.01)


def test_t14_about_6000_a100s_uses_the_sparse_peak():
    flops = parse_quantity("3640 PF-days", "flops", "flops")
    # the article's method: 0.6 PFLOP/s per A100, one day of training
    article_a100_days = xlcost.unit_hours(flops, 0.6e15, 1.0) / 24
    assert printed(article_a100_days, 6000, 1000)  # "about 6,000" (6,067)
    # 0.6 PFLOP/s is the 16-bit figure *with sparsity* (dense INT8 has the same number).
    # Dense 16-bit training runs at 312 TFLOP/s, so the ideal count is 11,667 A100-days, 1.92x the article's.
    a100 = catalog.hardware("A100")
    assert a100.peak_flops_per_s == A100_DENSE_BF16
    correct = xlcost.unit_hours(flops, a100.peak_flops_per_s, 1.0) / 24
    assert printed(correct, 3640 * 1e15 / 312e12, 1)
    assert printed(correct / article_a100_days, 1.92, 0.01)


# ---------------------------------------------------------------- T16: FLOPs per request (seed 004)
L_TOKENS = 50 + 1000  # the article's 1,280-wide, 96-layer product is audited in the workbook (article_audit, T16)
T16_PRINTED = 128_448_000




def test_t16_physical_flops_per_request():
    gpt3 = catalog.model("GPT-3")
    assert gpt3.d_model == 12288  # GPT-3's width is 12,288, not the article's 1,280
    per_request = xlcost.forward_flops_per_token(gpt3.params) * L_TOKENS
    assert per_request == pytest.approx(2 * 175e9 * 1050)  # 3.675e14 FLOPs, at 2N per token
    # the article's figure is 2.86 million times too small
    assert printed(per_request / T16_PRINTED, 2.86e6, 0.01e6)
    # Kaplan's attention term (n_layers, context, d_model) adds under 1% at 1,050 tokens.
    with_attention = xlcost.forward_flops_per_token(gpt3.params, gpt3.n_layers, L_TOKENS, gpt3.d_model) * L_TOKENS
    assert 1 < with_attention / per_request < 1.01


# ---------------------------------------------------------------- T17: GPUs for a user load (seed 004)
USERS, SECONDS_PER_REQUEST = 1000, 3
REQUESTS_PER_S = USERS / SECONDS_PER_REQUEST  # 333.3
REQUESTS_PER_HOUR = 3600 / SECONDS_PER_REQUEST * USERS  # 1.2e6
ARTICLE_FLOPS_PER_REQUEST = 128.45e6


def article_gpus():
    """The article's method: GPU-seconds per request x requests per *hour*."""
    return ARTICLE_FLOPS_PER_REQUEST / A100_INT8_OPS * REQUESTS_PER_HOUR




def test_t17_with_the_articles_flops_the_load_needs_6_9e_5_gpus():
    # GPUs kept busy = GPU-hours of work per wall-clock hour
    busy = xlcost.unit_hours(ARTICLE_FLOPS_PER_REQUEST * REQUESTS_PER_HOUR, A100_INT8_OPS, 1.0)
    assert printed(busy, 6.9e-5, 0.1e-5)
    # Mixing per-second and per-hour figures inflates the count by exactly 3,600.
    assert article_gpus() / busy == pytest.approx(3600)


def test_t17_physically_the_load_needs_about_196_a100s():
    gpt3 = catalog.model("GPT-3")
    tokens_per_s = REQUESTS_PER_S * L_TOKENS  # 350,000 tokens/s
    at_article_peak = xlcost.units_for_compute(gpt3.params, tokens_per_s, A100_INT8_OPS, 1.0)
    # 2 x 175e9 x 350,000 / 624e12 = 196.3 A100s at 100% utilisation, at the article's own INT8 peak
    assert printed(at_article_peak, 196.3, 0.1)
    # the article's printed 0.25 GPUs is 785x too few
    assert printed(at_article_peak / 0.25, 785, 1)
    # In 16-bit at the dense 312 TFLOP/s, twice as many: 393.
    a100 = catalog.hardware("A100")
    assert a100.peak("int8") == A100_INT8_OPS
    dense = xlcost.units_for_compute(gpt3.params, tokens_per_s, a100.peak_flops_per_s, 1.0)
    assert printed(dense, 392.6, 0.1)
    # compute, not memory, sets the count: 350 GB of 16-bit weights fit on 5 A100-80GB
    a100_80 = catalog.hardware("A100-80GB")
    need = xlcost.units_needed(gpt3.params, tokens_per_s, a100_80.peak_flops_per_s, 1.0, a100_80.memory_bytes)
    assert need == pytest.approx(dense)
    assert math.ceil(xlcost.units_for_memory(gpt3.params, 2, a100_80.memory_bytes)) == 5


def test_t17_overhead_and_domestic_card():
    # "20% overhead -> 0.387 GPUs": 0.247 / 0.8 = 0.309. The printed figure is 25% higher.
    with_overhead = article_gpus() / 0.8
    assert printed(with_overhead, 0.31, 0.01)
    assert printed(0.387 / with_overhead - 1, 0.25, 0.01)
    # The remaining steps follow from the printed 0.387: CNY 38,700, then 0.943 MLU370 cards.
    assert printed(0.387 * 100_000, 38_700, 1)
    a100, mlu = catalog.hardware("A100"), catalog.hardware("MLU370")
    assert mlu.peak("int8") == 256e12
    assert printed(0.387 * a100.peak("int8") / mlu.peak("int8"), 0.943, 0.001)
    # physically the load needs 479 MLU370s at 100% of their INT8 peak
    physical = xlcost.units_for_compute(175e9, REQUESTS_PER_S * L_TOKENS, mlu.peak("int8"), 1.0)
    assert printed(physical, 478.5, 0.1)


# ---------------------------------------------------------------- T18: Mixtral memory (seed 003)
def test_t18_mixtral_parameters():
    mixtral = catalog.model("Mixtral-8x7B")
    # The article prints 45B total and 12B active. The official figures are 46.7B and 12.9B.
    assert mixtral.params == 46.7e9
    assert mixtral.params_per_token == 12.9e9
    assert printed(mixtral.params / 45e9 - 1, 0.038, 0.001)


def test_t18_fp16_needs_at_least_90_gb():
    mixtral = catalog.model("Mixtral-8x7B")
    fp16 = xlcost.model_memory_bytes(mixtral.params, 2)
    assert fp16 >= 90e9
    assert printed(fp16, 93.4e9, 0.1e9)
    assert xlcost.model_memory_bytes(45e9, 2) == 90e9  # the article's 45B gives exactly its 90 GB
    # 2 x A100-80GB or 3 x A100-40GB
    assert math.ceil(xlcost.units_for_memory(mixtral.params, 2, catalog.hardware("A100-80GB").memory_bytes)) == 2
    assert math.ceil(xlcost.units_for_memory(mixtral.params, 2, catalog.hardware("A100-40GB").memory_bytes)) == 3


def test_t18_four_bit_needs_more_than_23_gb():
    mixtral = catalog.model("Mixtral-8x7B")
    int4 = xlcost.model_memory_bytes(mixtral.params, 0.5)
    assert int4 > 23e9  # 23.35 GB with the official 46.7B
    # With the article's own 45B it would be 22.5 GB. Only the official count supports "> 23 GB".
    assert xlcost.model_memory_bytes(45e9, 0.5) < 23e9


def test_t18_moe_compute_follows_active_parameters():
    mixtral = catalog.model("Mixtral-8x7B")
    dense = xlcost.forward_flops_per_token(mixtral.params)
    moe = xlcost.forward_flops_per_token(mixtral.params_per_token)
    assert printed(moe / dense, 0.276, 0.001)  # 12.9 / 46.7
    # Serving 1,000 tokens/s: compute scales with active params, memory with total params.
    a100 = catalog.hardware("A100-80GB")
    need = xlcost.units_needed(mixtral.params_per_token, 1000, a100.peak_flops_per_s, 1.0, a100.memory_bytes,
                               memory_params=mixtral.params)
    assert need == pytest.approx(xlcost.units_for_memory(mixtral.params, 2, a100.memory_bytes))  # memory-bound
    assert xlcost.units_for_compute(mixtral.params_per_token, 1000, a100.peak_flops_per_s, 1.0) < need


# ---------------------------------------------------------------- T19: prefill vs decode (seed 003)
def llama13b_on_a6000():
    return catalog.model("LLaMA-13B"), catalog.hardware("A6000")


def test_t19_decode_over_200x_slower_per_token_at_batch_1():
    llama, a6000 = llama13b_on_a6000()
    prefill_per_token = xlcost.prefill_seconds(llama.params, 1024, a6000.peak_flops_per_s) / 1024
    decode_per_token = 1 / xlcost.decode_tokens_per_s(
        llama.params, 1, a6000.peak_flops_per_s, a6000.memory_bandwidth_bytes_per_s
    )
    ratio = decode_per_token / prefill_per_token
    # The ratio is the A6000's FLOP:byte ratio, 154.8e12 / 768e9 = 201.6.
    assert ratio > 200
    assert printed(ratio, 201.6, 0.1)
    # Reading the 1,024-token KV cache on top of the weights makes it worse, not better.
    kv = xlcost.kv_cache_bytes(llama.n_layers, llama.kv_dim, 1)
    with_kv = 1 / xlcost.decode_tokens_per_s(
        llama.params, 1, a6000.peak_flops_per_s, a6000.memory_bandwidth_bytes_per_s,
        context=1024, kv_bytes_per_token=kv,
    )
    assert with_kv / prefill_per_token > ratio


def test_t19_decode_turns_compute_bound_between_batch_128_and_256():
    llama, a6000 = llama13b_on_a6000()
    peak, bandwidth = a6000.peak_flops_per_s, a6000.memory_bandwidth_bytes_per_s
    compute_roof = peak / (2 * llama.params)  # tokens/s when compute-bound

    def rate(batch):
        return xlcost.decode_tokens_per_s(llama.params, batch, peak, bandwidth)

    assert rate(128) < compute_roof * 0.99  # still memory-bound
    assert rate(256) == pytest.approx(compute_roof)  # compute-bound: "near 256"
    assert rate(1) == pytest.approx(bandwidth / (2 * llama.params))  # weights read once per step


def test_t19_batch_256_does_not_fit_with_kv_cache_batch_18_does():
    llama, a6000 = llama13b_on_a6000()
    weights = xlcost.model_memory_bytes(llama.params, 2)

    def fits(batch, context):
        return weights + xlcost.kv_cache_bytes(llama.n_layers, llama.kv_dim, context, batch) <= a6000.memory_bytes

    assert fits(18, 1024)  # the article's practical batch
    assert not fits(256, 1024)  # the compute-bound batch needs 241 GB
    # With the KV cache included, decode at batch 256 would still be memory-bound.
    kv = xlcost.kv_cache_bytes(llama.n_layers, llama.kv_dim, 1)
    rate = xlcost.decode_tokens_per_s(llama.params, 256, a6000.peak_flops_per_s,
                                      a6000.memory_bandwidth_bytes_per_s, context=1024, kv_bytes_per_token=kv)
    assert rate < 0.5 * a6000.peak_flops_per_s / (2 * llama.params)


# ---------------------------------------------------------------- T20: decoder block (seed 003)
def test_t20_decoder_block_parameter_count():
    h = 5120
    per_layer = xlcost.transformer_params(2, h, 32000) - xlcost.transformer_params(1, h, 32000)
    attention = 4 * (h * h + h)  # W_Q, W_K, W_V, W_O [H, H] plus four biases [H]
    ffn = h * 4 * h + 4 * h + 4 * h * h + h  # H -> 4H -> H with biases
    norms = 2 * 2 * h
    assert per_layer == attention + ffn + norms == 12 * h * h + 13 * h


# ---------------------------------------------------------------- T21: toy formula (seed 001)
PARAMS_117M, P4_ARTICLE_FLOPS, P4_CNY_PER_HOUR, RUN_MIN, IDLE_MIN = 1.17e8, 1e11, 0.3, 30, 10


def test_t21_duty_cycle():
    assert xlcost.duty_cycle(RUN_MIN, IDLE_MIN) == 0.75




def test_t21_closed_form_coefficients_are_misprinted():
    # F_res = 1.17e8 / 1e11 = 0.00117 (printed 0.0117: 10x)
    assert printed(PARAMS_117M / P4_ARTICLE_FLOPS, 0.00117, 0.00001)
    # C_total = 1.17e8 / (1e11 x 0.3 x 0.75) = 0.0052 (printed 0.0212: 4.1x)
    coefficient = PARAMS_117M / (P4_ARTICLE_FLOPS * P4_CNY_PER_HOUR * xlcost.duty_cycle(RUN_MIN, IDLE_MIN))
    assert printed(coefficient, 0.0052, 0.0001)
    assert printed(0.0212 / coefficient, 4.1, 0.1)


def test_t21_what_carries_over_the_duty_cycle_divides_useful_work():
    duty = xlcost.duty_cycle(RUN_MIN, IDLE_MIN)
    # Idle time is paid for: at 75% busy, useful work costs 1/0.75 of the always-busy price.
    flops = xlcost.forward_flops_per_token(PARAMS_117M) * 1000  # an illustrative 1,000-token request
    busy = xlcost.compute_cost_usd(flops, P4_ARTICLE_FLOPS, 1.0, P4_CNY_PER_HOUR)
    rented = xlcost.compute_cost_usd(flops, P4_ARTICLE_FLOPS, duty, P4_CNY_PER_HOUR)
    assert rented == pytest.approx(busy / 0.75)
    assert rented == pytest.approx(2 * 1.17e8 * 1000 / 1e11 / 3600 * 0.3 / 0.75)  # CNY 0.00026
    # The article's 1e11 FLOP/s "P4" is 55x below the P4's datasheet FP32 peak.
    assert catalog.hardware("P4").peak("fp32") / P4_ARTICLE_FLOPS == pytest.approx(55)


# ---------------------------------------------------------------- T22: parameter count (seed 000)
GPT3_SHAPE = dict(n_layers=96, d_model=12288, vocab=50257, context=2048)


def test_t22_gpt3_is_174_6b():
    assert printed(xlcost.transformer_params(**GPT3_SHAPE) / 1e9, 174.6, 0.1)
    # the standard approximation 12 x n_layers x d_model^2 is within 0.4%
    assert xlcost.transformer_params(**GPT3_SHAPE) == pytest.approx(12 * 96 * 12288**2, rel=0.004)


def test_t22_seed_per_head_formula_double_counts_attention():
    d, heads, d_k = 12288, 96, 128
    # the article's method: h x 4 x (d_model d_k + d_k d_v + d_v d_model), d_v = d_k
    article_attention = heads * 4 * (d * d_k + d_k * d_k + d_k * d)
    standard_attention = 4 * d * d  # Q, K, V, O projections, each d_model x d_model
    assert printed(article_attention / standard_attention, 2.01, 0.01)
    # one stack of 96 such layers, with its FFN and norm terms, gives 233.2B: 33.5% over
    article_total = 50257 * d + 96 * (article_attention + 2 * d * 4 * d + 2 * d)
    correct = xlcost.transformer_params(**GPT3_SHAPE)
    assert printed(article_total / 1e9, 233.2, 0.1)
    assert printed(article_total / correct - 1, 0.335, 0.001)
