"""The core against published papers' own numbers.

Reference values and their provenance are collected in tests/reference/papers.md.
Each value carries a comment naming the paper and table it comes from. The key ones were
re-checked against stored copies of the papers' text (GPT-3 Table D.1, Chinchilla Table 3,
PaLM sec. 4.1 and Appendix B). Tolerances are those the issue states, or half a unit of
the paper's last printed digit.
"""

import math

import numpy as np
import pytest

import xlcost
from xlcost import catalog


def printed(value, published, unit):
    """True when ``value`` prints as ``published`` to the place ``unit`` (half a unit of slack)."""
    return abs(value - published) <= unit / 2 * (1 + 1e-9)


PF_DAY = 1e15 * 86400  # = 8.64e19 FLOPs (Brown et al. 2020, Table D.1 caption)

# ---------------------------------------------------------------- GPT-3 (Brown et al. 2020)
GPT3_VOCAB, GPT3_CONTEXT, GPT3_TOKENS = 50257, 2048, 300e9  # GPT-2 BPE vocab; n_ctx = 2048 (sec. 2.1); 300B tokens

GPT3_FAMILY = [
    # name, n_layers, d_model (Table 2.1), params in millions (Table D.1), train FLOPs and PF-days (Table D.1)
    ("Small", 12, 768, 125, 2.25e20, 2.60),
    ("Medium", 24, 1024, 356, 6.41e20, 7.42),
    ("Large", 24, 1536, 760, 1.37e21, 15.8),
    ("XL", 24, 2048, 1_320, 2.38e21, 27.5),
    ("2.7B", 32, 2560, 2_650, 4.77e21, 55.2),
    ("6.7B", 32, 4096, 6_660, 1.20e22, 139),
    # Table 2.1 prints d_model 5140 for 13B, but 40 heads x 128 = 5120 (see the typo test below)
    ("13B", 40, 5120, 12_850, 2.31e22, 268),
    ("175B", 96, 12288, 174_600, 3.14e23, 3640),
]
IDS = [row[0] for row in GPT3_FAMILY]


@pytest.mark.parametrize("name, n_layers, d_model, params_m, flops, pf_days", GPT3_FAMILY, ids=IDS)
def test_gpt3_param_count_from_table_2_1_matches_table_d1(name, n_layers, d_model, params_m, flops, pf_days):
    count = xlcost.transformer_params(n_layers, d_model, GPT3_VOCAB, GPT3_CONTEXT)
    assert count == pytest.approx(params_m * 1e6, rel=0.005)


def test_gpt3_13b_printed_d_model_5140_is_a_typo():
    # Table 2.1 prints 5140. Taken literally it gives 12.95B, 0.8% over Table D.1's 12,850M,
    # which is outside 0.5%. The 5120 implied by 40 heads x 128 gives 12.85B.
    literal = xlcost.transformer_params(40, 5140, GPT3_VOCAB, GPT3_CONTEXT)
    assert literal / 12_850e6 - 1 > 0.005
    assert printed(literal / 12_850e6 - 1, 0.008, 0.001)


@pytest.mark.parametrize("name, n_layers, d_model, params_m, flops, pf_days", GPT3_FAMILY, ids=IDS)
def test_gpt3_training_flops_table_d1(name, n_layers, d_model, params_m, flops, pf_days):
    computed = xlcost.training_flops(params_m * 1e6, GPT3_TOKENS)
    assert computed == pytest.approx(flops, rel=0.01)
    # and to Table D.1's printed three significant figures, in FLOPs and PF-days
    assert printed(computed, flops, 10 ** (math.floor(math.log10(flops)) - 2))
    assert printed(computed / PF_DAY, pf_days, 10 ** (math.floor(math.log10(pf_days)) - 2))


@pytest.mark.parametrize(
    "name, params_m, tokens_b, flops, architecture",
    [  # Brown et al. 2020, Table D.1: the other models in the table
        ("T5-Small", 60, 1000, 1.80e20, "encoder-decoder"),
        ("T5-Base", 220, 1000, 6.60e20, "encoder-decoder"),
        ("T5-Large", 770, 1000, 2.31e21, "encoder-decoder"),
        ("T5-3B", 3000, 1000, 9.00e21, "encoder-decoder"),
        ("T5-11B", 11000, 1000, 3.30e22, "encoder-decoder"),
        ("BERT-Base", 109, 250, 1.64e20, "encoder"),
        ("BERT-Large", 355, 250, 5.33e20, "encoder"),
        ("RoBERTa-Base", 125, 2000, 1.50e21, "encoder"),
        ("RoBERTa-Large", 355, 2000, 4.26e21, "encoder"),
    ],
)
def test_table_d1_other_models(name, params_m, tokens_b, flops, architecture):
    # Encoder-decoder: half the parameters see each token, so 3N per token instead of 6N.
    active = params_m * 1e6 / (2 if architecture == "encoder-decoder" else 1)
    computed = xlcost.training_flops_per_token(active) * tokens_b * 1e9
    assert computed == pytest.approx(flops, rel=0.01)


# ---------------------------------------------------------------- Chinchilla (Hoffmann et al. 2022)
CHINCHILLA_TABLE_3 = [
    # Hoffmann et al. 2022, Table 3 (Approach 1): parameters, FLOPs, tokens
    (400e6, 1.92e19, 8.0e9),
    (1e9, 1.21e20, 20.2e9),
    (10e9, 1.23e22, 205.1e9),
    (175e9, 3.85e24, 3.7e12),
    (280e9, 9.90e24, 5.9e12),
    (520e9, 3.43e25, 11.0e12),
    (1e12, 1.27e26, 21.2e12),
    (10e12, 1.30e28, 216.2e12),
]


@pytest.mark.parametrize("params, flops, tokens", CHINCHILLA_TABLE_3)
def test_chinchilla_table_3_flops_are_6nd(params, flops, tokens):
    assert xlcost.training_flops(params, tokens) == pytest.approx(flops, rel=0.02)


def test_chinchilla_table_3_67b_row_is_inconsistent():
    # Table 3's 67B row prints 5.76e23 FLOPs (one "Gopher unit") with 1.5T tokens. At 6ND
    # that is 6.03e23, 4.7% over, outside 2%. The printed FLOPs imply 1.43T tokens,
    # which would print as 1.4T.
    assert printed(xlcost.training_flops(67e9, 1.5e12) / 5.76e23 - 1, 0.047, 0.001)
    assert printed(5.76e23 / (6 * 67e9), 1.43e12, 0.01e12)


def test_chinchilla_70b_on_1_4t_tokens():
    # PaLM Appendix F table: Chinchilla 70B, 1400B tokens, 588.0 ZFLOPs
    assert printed(xlcost.training_flops(70e9, 1.4e12) / 1e21, 588.0, 0.1)
    # Hoffmann et al. sec. 4: trained for the same FLOPs as Gopher (5.76e23, Table 3), within 2.1%
    assert xlcost.training_flops(70e9, 1.4e12) == pytest.approx(5.76e23, rel=0.021)


def test_chinchilla_approach_3_exponent_with_rounded_constants():
    # Table 2 prints a = 0.46 for Approach 3. The rounded eq. (10) constants (alpha 0.34,
    # beta 0.28) give beta / (alpha + beta) = 0.452. The paper's figure presumably comes
    # from the unrounded fit, so the core is 0.008 below it.
    budgets = np.array([1e21, 1e25])
    n = xlcost.compute_optimal_params(budgets, method="approach3")
    a = math.log(n[1] / n[0]) / math.log(budgets[1] / budgets[0])
    assert printed(a, 0.452, 0.001)
    assert printed(0.46 - a, 0.008, 0.001)


# Table 3 (Approach 1) and Table A3 (Approach 2) rows, (parameters, FLOPs), other than the
# 67B rows the core is anchored at: the power law with the Table 2 exponent must
# reproduce them. Table 3's token column is rounded, so allow 5% (tests/reference/papers.md 2b).
APPROACH_ROWS = {
    "approach1": [(400e6, 1.92e19), (1e9, 1.21e20), (10e9, 1.23e22), (175e9, 3.85e24), (1e12, 1.27e26),
                  (10e12, 1.30e28)],
    "approach2": [(400e6, 1.84e19), (1e9, 1.20e20), (10e9, 1.32e22), (175e9, 4.54e24), (1e12, 1.59e26),
                  (10e12, 1.75e28)],
}


@pytest.mark.parametrize("method", sorted(APPROACH_ROWS))
def test_chinchilla_approaches_1_and_2_reproduce_the_papers_tables(method):
    params, flops = map(np.array, zip(*APPROACH_ROWS[method]))
    assert xlcost.compute_optimal_params(flops, method=method) == pytest.approx(params, rel=0.05)


@pytest.mark.parametrize("method", ["approach1", "besiroglu"])
def test_compute_optimal_at_gophers_budget_is_chinchilla(method):
    # Hoffmann et al. sec. 4: Chinchilla, 70B parameters on 1.4T tokens, the compute-optimal
    # model for Gopher's 5.76e23 FLOPs; the default and the 2024 refit both land within 10%
    params = xlcost.compute_optimal_params(5.76e23, method=method)
    tokens = xlcost.compute_optimal_tokens(5.76e23, method=method)
    assert params == pytest.approx(70e9, rel=0.10)
    assert tokens == pytest.approx(1.4e12, rel=0.10)
    assert 6 * params * tokens == pytest.approx(5.76e23)


def test_default_compute_optimal_model_is_chinchillas():
    assert xlcost.compute_optimal_params(5.76e23) == pytest.approx(70e9, rel=0.10)
    assert xlcost.compute_optimal_tokens(5.76e23) == pytest.approx(1.4e12, rel=0.10)


def test_besiroglu_refit_about_20_tokens_per_parameter():
    # Besiroglu et al. 2024 (arXiv 2404.10102), Table 1: E 1.8172, A 482.01, B 2085.43,
    # alpha 0.3478, beta 0.3658; their Figure 1: the optimal ratio is ~20 tokens per
    # parameter at Chinchilla's scale, "consistent with the scaling policy used for Chinchilla".
    # Hand arithmetic at 5.76e23: G = (0.3478*482.01 / (0.3658*2085.43))^(1/0.7136) = 0.1197,
    # N = 0.1197 x (9.6e22)^(0.3658/0.7136) = 7.2e10; D = 5.76e23 / (6 N) = 1.33e12; D/N = 18.4
    params = xlcost.compute_optimal_params(5.76e23, method="besiroglu")
    assert printed(params / 1e9, 72, 1)
    assert printed(xlcost.compute_optimal_tokens(5.76e23, method="besiroglu") / params, 18.4, 0.1)
    # and the printed Approach 3 constants give ~93 tokens per parameter (the discrepancy they report)
    n3 = xlcost.compute_optimal_params(5.76e23, method="approach3")
    assert printed(xlcost.compute_optimal_tokens(5.76e23, method="approach3") / n3, 93, 1)


def test_chinchilla_loss_fits():
    # Approach 3, eq. (10): 1.69 + 406.4/70e9^0.34 + 410.7/1.4e12^0.28 = 1.9366 (papers.md 2d)
    assert printed(xlcost.chinchilla_loss(70e9, 1.4e12), 1.9366, 0.0001)
    # refit: 1.8172 + 482.01/70e9^0.3478 + 2085.43/1.4e12^0.3658
    #      = 1.8172 + 482.01/5917 + 2085.43/27750 = 1.8172 + 0.0815 + 0.0752 = 1.974
    assert printed(xlcost.chinchilla_loss(70e9, 1.4e12, fit="besiroglu"), 1.974, 0.001)


# ---------------------------------------------------------------- PaLM (Chowdhery et al. 2022)
# Table 1: 540.35B parameters, 118 layers, 48 heads; head dim 256 (48 x 256 = 12,288, not
# d_model). Sequence length 2048. Sec. 4.1: 238.3K tokens/s on 6144 TPU v4 chips.
# Appendix B: 275 TFLOP/s peak per chip.
PALM_PARAMS, PALM_L, PALM_H, PALM_Q, PALM_T = 540.35e9, 118, 48, 256, 2048
PALM_TOKENS_PER_S, PALM_CHIPS, TPU_V4_PEAK = 238.3e3, 6144, 275e12


def palm_attention_flops_per_token():
    """PaLM Appendix B: dense self-attention adds 6LH(2QT) training FLOPs per token."""
    return 6 * PALM_L * PALM_H * (2 * PALM_Q * PALM_T)


def test_palm_mfu_with_attention_is_46_2_percent():
    # PaLM counts the whole attention matrix (attention="full"): 6N + 12LHQT per token
    flops_per_token = xlcost.training_flops_per_token(PALM_PARAMS, PALM_L, PALM_T, PALM_H * PALM_Q,
                                                      attention="full")
    assert flops_per_token == pytest.approx(6 * PALM_PARAMS + palm_attention_flops_per_token())
    # Table 22: 3.28 TFLOPs per token (non-attention + attention)
    assert printed(flops_per_token / 1e12, 3.28, 0.01)
    assert printed(xlcost.mfu(PALM_TOKENS_PER_S, flops_per_token, PALM_CHIPS, TPU_V4_PEAK), 0.462, 0.001)


def test_palm_mfu_without_attention_is_45_7_percent():
    # Appendix B: (238.3 x 6 x 540) / (275 x 6144) = 45.7%
    value = xlcost.mfu(PALM_TOKENS_PER_S, xlcost.training_flops_per_token(540e9), PALM_CHIPS, TPU_V4_PEAK)
    assert printed(value, 0.457, 0.001)


def test_palm_hfu_is_57_8_percent():
    # sec. 4.1 and Table 22: 4.10 TFLOPs per token with rematerialisation, giving 57.8% HFU
    assert printed(xlcost.mfu(PALM_TOKENS_PER_S, 4.10e12, PALM_CHIPS, TPU_V4_PEAK), 0.578, 0.001)


def test_palm_attention_term_is_twice_kaplans_causal_count():
    # Kaplan's term (2 n_layers n_ctx d_attn per forward pass) counts the causal half of
    # QK^T and of the attention-weighted values; PaLM counts the full T x T matrices.
    d_attn = PALM_H * PALM_Q
    kaplan = xlcost.training_flops_per_token(PALM_PARAMS, PALM_L, PALM_T, d_attn) - 6 * PALM_PARAMS
    assert palm_attention_flops_per_token() == pytest.approx(2 * kaplan)
    # with the causal count, the MFU is 46.0%, not the paper's 46.2%
    causal = xlcost.training_flops_per_token(PALM_PARAMS, PALM_L, PALM_T, d_attn)
    assert printed(xlcost.mfu(PALM_TOKENS_PER_S, causal, PALM_CHIPS, TPU_V4_PEAK), 0.460, 0.001)


def test_palm_training_flops():
    # Appendix F table: PaLM 540B on 780B tokens = 2527.2 ZFLOPs (6ND with N = 540B)
    assert printed(xlcost.training_flops(540e9, 780e9) / 1e21, 2527.2, 0.1)
    # the same for PaLM 62B on 795B tokens = 295.7 ZFLOPs
    assert printed(xlcost.training_flops(62e9, 795e9) / 1e21, 295.7, 0.1)
    # Table 22: 2.56e24 train FLOPs = 3.28 TFLOPs/token x 780B, i.e. 29,600 PF-days
    total = (xlcost.training_flops_per_token(PALM_PARAMS) + palm_attention_flops_per_token()) * 780e9
    assert printed(total, 2.56e24, 0.01e24)
    assert printed(total / PF_DAY, 29_600, 100)


def test_palm_catalog_row():
    palm = catalog.model("PaLM")
    assert palm.params == PALM_PARAMS
    assert (palm.n_layers, palm.n_heads, palm.training_tokens) == (PALM_L, PALM_H, 780e9)


def test_mt_nlg_mfu_is_truncated_not_rounded():
    # PaLM Appendix B: MT-NLG at 65.43K tokens/s (1920 x 2048 / 60.1 s) on 2240 A100s at
    # 312 TFLOP/s gives "29.7% without attention or 30.2% with it". The values are 29.77%
    # and 30.27%, so both printed figures are truncated. (PaLM's own 45.70% is rounded.)
    tokens_per_s = 1920 * 2048 / 60.1
    assert printed(tokens_per_s, 65.43e3, 0.01e3)
    without = xlcost.mfu(65.43e3, xlcost.training_flops_per_token(530e9), 2240, 312e12)
    # 105 layers, 128 heads, head dim 20480 / 128 = 160 (Smith et al. 2022)
    with_attention = xlcost.mfu(65.43e3, 6 * 530e9 + 6 * 105 * 128 * (2 * 160 * 2048), 2240, 312e12)
    assert math.floor(without * 1000) == 297 and not printed(without, 0.297, 0.001)
    assert math.floor(with_attention * 1000) == 302 and not printed(with_attention, 0.302, 0.001)


def test_gopher_mfu_32_5_percent():
    # PaLM sec. 4.1: Gopher's 32.5% MFU "based on training speed of 0.0152 steps per second"
    # on 4096 TPU v3 chips (123 TFLOP/s bf16 each, Google Cloud TPU v3 docs).
    # Reconstruction: the batch is 3072 x 2048 = 6.3M tokens, the "6M" end of the batch
    # schedule in Hoffmann et al. Table 4. The attention term (PaLM Appendix B) uses
    # 80 layers, 128 heads and head dim 128. This reproduces the printed 32.5%.
    tpu_v3 = catalog.hardware("TPU v3")
    flops_per_token = xlcost.training_flops_per_token(280e9) + 6 * 80 * 128 * (2 * 128 * 2048)
    value = xlcost.mfu(0.0152 * 3072 * 2048, flops_per_token, 4096, tpu_v3.peak_flops_per_s)
    assert printed(value, 0.325, 0.001)


# ---------------------------------------------------------------- Megatron-LM (Narayanan et al. 2021)
MEGATRON_TABLE_1 = [
    # Narayanan et al. 2021, Table 1: parameters (billions, printed to 0.1), hidden size, layers
    # (V = 51,200, s = 2048)
    (1.7, 2304, 24), (3.6, 3072, 30), (7.5, 4096, 36), (18.4, 6144, 40), (39.1, 8192, 48),
    (76.1, 10240, 60), (145.6, 12288, 80), (310.1, 16384, 96), (529.6, 20480, 105), (1008.0, 25600, 128),
]


@pytest.mark.parametrize("billions, hidden, layers", MEGATRON_TABLE_1)
def test_megatron_table_1_parameter_counts(billions, hidden, layers):
    count = xlcost.transformer_params(layers, hidden, 51200, 2048)
    assert printed(count / 1e9, billions, 0.1)
    # eq. (2): P = 12 l h^2 (1 + 13/(12h) + (V+s)/(12lh)); the core adds the final norm (2h)
    eq2 = 12 * layers * hidden**2 * (1 + 13 / (12 * hidden) + (51200 + 2048) / (12 * layers * hidden))
    assert count - eq2 == pytest.approx(2 * hidden, abs=1e-12 * eq2)


def test_megatron_gpt3_34_days():
    # sec. 5.1, eq. (4): 8TP/(nX), with 4 passes for recomputation. GPT-3 on 300B tokens,
    # 1024 A100s at 140 TFLOP/s gives "34 days".
    days = xlcost.unit_hours(8 * 300e9 * 175e9, 312e12, 140 / 312) / 1024 / 24
    assert printed(days, 34, 1)
    # at 6 FLOPs per parameter per token (no recomputation) the same run takes 6/8 of the
    # paper's 34 days: 25.5 days (the paper does not print this figure)
    assert xlcost.training_days(175e9, 300e9, 1024, 312e12, 140 / 312) == pytest.approx(34 * 6 / 8, rel=0.01)


def test_megatron_1t_84_days():
    # "1 trillion parameter model ... 450 billion tokens ... 3072 A100 ... 163 teraFLOP/s ... 84 days".
    # With the Table 1 count of 1008.0B, this gives 83.9, which prints as 84.
    # The round 1e12 gives 83.2, which does not.
    params = xlcost.transformer_params(128, 25600, 51200, 2048)
    assert printed(xlcost.unit_hours(8 * 450e9 * params, 312e12, 163 / 312) / 3072 / 24, 84, 1)
    assert not printed(xlcost.unit_hours(8 * 450e9 * 1e12, 312e12, 163 / 312) / 3072 / 24, 84, 1)


# ---------------------------------------------------------------- LaMDA (Thoppilan et al. 2022, sec. 10)
def test_lamda_total_flops():
    # "1024 TPU-V3 chips and 123 TFLOPS/s for 57.7 days with FLOPS utilization of 56.5%
    # ... = 3.55E+23"
    days = xlcost.unit_hours(3.55e23, 123e12, 0.565) / 1024 / 24
    assert printed(days, 57.7, 0.1)


# ---------------------------------------------------------------- inference arithmetic (kipply 2022)
A100_HBM_KIPPLY = 1.5e12  # kipply's assumed A100 bandwidth, "Transformer Inference Arithmetic"


def test_kipply_kv_cache_per_token():
    # 52B model, 64 layers, d_model 8192: 2 x 2 x 64 x 8192 = 2,097,152 bytes per token
    assert xlcost.kv_cache_bytes(64, 8192, 1) == 2_097_152
    # the 13B shape (40 layers x 40 heads x 128) gives 819,200 bytes, about 0.8 MB (derived)
    assert xlcost.kv_cache_bytes(40, 40 * 128, 1) == 819_200


def test_kipply_gopher_sized_latencies():
    # 260B on 16 A100s: ~22 ms per token at small batch, ~53 ms at batch 512 (compute-bound)
    peak, bandwidth = 16 * 312e12, 16 * A100_HBM_KIPPLY
    assert printed(1 / xlcost.decode_tokens_per_s(260e9, 1, peak, bandwidth) * 1e3, 22, 1)
    assert printed(512 / xlcost.decode_tokens_per_s(260e9, 512, peak, bandwidth) * 1e3, 53, 1)


def test_kipply_13b_expected_latency():
    # 2 x 40 x 12 x 5120^2 / 1.5e12 = 16.8 ms per token on one GPU
    params = 12 * 40 * 5120**2
    assert printed(1 / xlcost.decode_tokens_per_s(params, 1, 312e12, A100_HBM_KIPPLY) * 1e3, 16.8, 0.1)


# ---------------------------------------------------------------- Databricks (Agarwal et al. 2023)
@pytest.mark.parametrize(
    "batch, fp16_gib, int8_gib", [(1, 0.312, 0.156), (16, 5, 2.5), (32, 10, 5), (64, 20, 10)]
)
def test_databricks_llama2_70b_kv_cache(batch, fp16_gib, int8_gib):
    # "LLM Inference Performance Engineering", Table 3: Llama-2-70B at sequence length 1024
    llama = catalog.model("Llama-2-70B")
    assert llama.kv_dim == 8 * 128  # 8 KV heads (GQA) x head dim 128
    fp16 = xlcost.kv_cache_bytes(llama.n_layers, llama.kv_dim, 1024, batch, 2) / 2**30
    int8 = xlcost.kv_cache_bytes(llama.n_layers, llama.kv_dim, 1024, batch, 1) / 2**30
    unit = 0.001 if batch == 1 else 0.1  # .312 / .156 are printed to three decimals
    assert printed(fp16, fp16_gib, unit)
    assert printed(int8, int8_gib, unit)


def test_databricks_mbu_example():
    # 7B in 16-bit at 14 ms per token moves 14 GB in 14 ms = 1 TB/s. On a 2 TB/s machine
    # that is 50% MBU. The roofline time at full bandwidth is 7 ms.
    ideal_s = 1 / xlcost.decode_tokens_per_s(7e9, 1, 1e18, 2e12)
    assert ideal_s == pytest.approx(0.007)
    assert ideal_s / 0.014 == pytest.approx(0.5)
