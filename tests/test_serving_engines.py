"""Serving as engines run it (issue 17): experts' grouped GEMMs, engine caps, continuous batching,
attention data-parallel + expert parallel, scale-up domains, and the plan for a load.

Architectures are typed from published config.json files (tests/test_serving.py has the
dense ones); measured figures are cited where they are used.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlcost import serving as by_name
from xlcost import udfs
from xlcost.core import serving
from xlcost.units import parse_quantity

from test_serving import H100, H200, LLAMA2_70B, LLAMA31_8B, MIXTRAL_BF16

# openai/gpt-oss-20b config.json: 24 layers, hidden 2880, 64 heads of 64, 8 KV heads, 32 experts
# (intermediate 2880, SwiGLU) top-4, sliding window 128 on every other layer; 20.91e9 parameters,
# 3.61e9 active (model card); fp8 weights and KV cache
GPT_OSS_EXPERT = 3 * 2880 * 2880
GPT_OSS_20B_FP8 = dict(
    n_layers=24, d_model=2880, shared_weight_bytes=20.91e9 - 24 * 32 * GPT_OSS_EXPERT,
    expert_weight_bytes=GPT_OSS_EXPERT, moe_layers=24, n_experts=32, experts_per_token=4,
    linear_flops_per_token=2 * (3.61e9 - 201088 * 2880), expert_flops_per_token=2 * 4 * 24 * GPT_OSS_EXPERT,
    attention_flops_per_attended=2 * 64 * 2 * 64, decode_attention_flops_per_attended=0.0,
    kv_bytes_per_token=serving.kv_bytes_per_token(24, 8 * 64, 1), window=128, window_layers=12,
)
H100_FP8 = dict(H100, peak_flops_per_s=1979e12)
H200_FP8 = dict(H200, peak_flops_per_s=1979e12)


# ---------------------------------------------------------------- experts' grouped GEMMs


@settings(max_examples=200, deadline=None)
@given(st.floats(0, 1e5), st.floats(0, 1e5), st.floats(1e5, 1e10))
def test_fewer_tokens_per_expert_never_raise_the_expert_gemm_efficiency(fewer, more, params):
    fewer, more = min(fewer, more), max(fewer, more)
    assert serving.expert_gemm_efficiency(fewer, params) <= serving.expert_gemm_efficiency(more, params)
    assert 0 <= serving.expert_gemm_efficiency(more, params) < 1


def test_a_dense_model_has_no_expert_time():
    assert serving.expert_seconds(4096, 0, 0, 1, 1, 0, 1, 989e12, 3.35e12) == 0


def test_few_rows_per_expert_leave_the_experts_bandwidth_bound():
    # DeepSeek-R1 fp8, 8 x H200, 16 tokens: 1.25 rows per touched expert; reading the 58 x 103 x 44M
    # expert bytes the tokens touch takes longer than their FLOPs, padded tiles included
    experts = dict(expert_flops_per_token=2 * 8 * 58 * 44e6, n_experts=256, experts_per_token=8, moe_layers=58,
                   n_units=8, peak_flops_per_s=1979e12, memory_bandwidth_bytes_per_s=4.8e12)
    touched = 256 * (1 - (1 - 8 / 256) ** 16)
    read = 58 * touched * 44e6
    assert serving.expert_seconds(16, read, **experts) == pytest.approx(read / (8 * 4.8e12 * 0.8), rel=1e-12)


# ---------------------------------------------------------------- engine caps


@settings(max_examples=40, deadline=None)
@given(st.integers(128, 2048), st.integers(128, 2048))
def test_engine_caps_bind_before_memory_at_small_active_parameter_counts(input_tokens, output_tokens):
    # gpt-oss-20b (3.6B active, 21 GB in fp8, ~1 KB of KV per token per full layer) on one H200:
    # memory holds thousands of sequences; the engine admits max_sequences
    replica = dict(GPT_OSS_20B_FP8, n_units=1, **H200_FP8)
    memory = serving.max_batch(input_tokens + output_tokens, **replica)
    assert memory > serving.MAX_SEQUENCES
    at_max_load = serving.output_tokens_per_s(input_tokens, output_tokens, None, **replica)
    assert at_max_load == serving.output_tokens_per_s(input_tokens, output_tokens, serving.MAX_SEQUENCES, **replica)
    # more than the engine admits is refused, naming the batch
    with pytest.raises(Exception, match="max_sequences"):
        serving.output_tokens_per_s(input_tokens, output_tokens, serving.MAX_SEQUENCES + 1, **replica)


def test_the_token_budget_limits_the_sequences_decoding():
    # 8,192 tokens per step at 32,768 in / 1,024 out: prompts arrive at 32 tokens per decoded
    # token, so at most 8,192 / 33 = 248 sequences decode per step, however many are in flight
    replica = dict(GPT_OSS_20B_FP8, n_units=1, **H200_FP8)
    assert serving.max_batch(32768 + 1024, **replica) > 255
    full = serving.output_tokens_per_s(32768, 1024, 250, **replica)
    assert serving.output_tokens_per_s(32768, 1024, 255, **replica) == full
    assert serving.output_tokens_per_s(32768, 1024, 200, **replica) < full


# ---------------------------------------------------------------- continuous batching


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([LLAMA2_70B, LLAMA31_8B, MIXTRAL_BF16]), st.integers(16, 8000), st.integers(2, 2000),
       st.integers(1, 2047))
def test_more_concurrency_never_lowers_ttft(model, input_tokens, output_tokens, batch):
    replica = dict(model, n_units=8, **H200)
    most = min(serving.max_batch(input_tokens + output_tokens, **replica), serving.MAX_SEQUENCES)
    fewer, more = min(batch, most - 1), min(batch + 1, most)
    if fewer < 1 or more <= fewer:
        return
    assert serving.ttft_seconds(input_tokens, output_tokens, fewer, **replica) <= serving.ttft_seconds(
        input_tokens, output_tokens, more, **replica)


def test_ttft_at_concurrency_50_is_seconds_under_continuous_batching_and_not_static():
    # NVIDIA NIM 1.8 (serving-anchors nim-l33-70b-01): Llama-3.3-70B fp8 on 2 x H100, 5,000 in / 500
    # out, concurrency 50: mean TTFT 0.835 s with in-flight batching. Static batching prefills all
    # 50 prompts (250,000 tokens) before the first token.
    args = ("Llama-3.3-70B", "H100", 2, 5000, 500, "fp8", 50, "ttft")
    continuous = udfs.SERVE_LATENCY(*args)
    static = udfs.SERVE_LATENCY(*args, "static")
    assert continuous == udfs.SERVE_LATENCY(*args, "continuous")
    assert 0.2 < continuous < 3
    assert static > 3


def test_static_and_continuous_agree_for_one_request():
    # one request alone: its prompt in one step (8,191 tokens of budget), then its decode steps
    replica = dict(LLAMA31_8B, n_units=1, **H100)
    static = serving.tpot_seconds(1000, 200, 1, "static", **replica)
    continuous = serving.tpot_seconds(1000, 200, 1, **replica)
    assert continuous == pytest.approx(static * (1 + 0.2), rel=0.5)  # the joining prompt's share, no more


def test_continuous_costs_add_up():
    replica = dict(MIXTRAL_BF16, n_units=4, **H200)
    parts = [f(700, 300, 3.0, None, **replica) for f in (
        serving.input_usd_per_million, serving.output_usd_per_million, serving.request_usd)]
    assert (parts[0] * 700 + parts[1] * 300) / 1e6 == pytest.approx(parts[2], rel=1e-12)


# ---------------------------------------------------------------- parallelism


def test_dep_keeps_one_copy_of_the_mla_latent():
    # DeepSeek-V3 fp8 on 8 x H200 at 2,000 tokens: tensor parallel holds the latent cache on every
    # chip (731 sequences); attention data-parallel holds each sequence's on one chip
    tp = by_name.max_batch("DeepSeek-V3", "H200", 8, 2000, "fp8")
    dep = by_name.max_batch("DeepSeek-V3", "H200", 8, 2000, "fp8", parallel="dep")
    assert dep > 5 * tp


def test_dep_needs_experts():
    with pytest.raises(Exception, match="parallel"):
        by_name.serve_throughput("Llama-3.1-8B", "H100", 2, parallel="dep")
    with pytest.raises(Exception, match="parallel"):
        by_name.serve_throughput("Mixtral-8x7B", "H100", 2, parallel="ep")


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([LLAMA2_70B, LLAMA31_8B, MIXTRAL_BF16]), st.sampled_from([2, 4, 8]),
       st.integers(128, 4000), st.integers(2, 2000), st.sampled_from(["static", "continuous"]))
def test_tensor_parallel_beyond_the_scale_up_domain_never_raises_per_chip_throughput(
        model, domain, input_tokens, output_tokens, batching):
    # 2 x the domain of chips, collectives over 400 Gb/s (50 GB/s) per chip, against the same chips
    # joined by one domain (more chips may still hold a larger batch than one domain: more memory)
    outside = dict(model, n_units=2 * domain, **H100, scale_up_domain=domain, scale_out_bytes_per_s=50e9)
    per_chip_outside = serving.output_tokens_per_s(input_tokens, output_tokens, None, batching, **outside) / (
        2 * domain)
    one_domain = dict(outside, scale_up_domain=0)  # the same chips, as if one scale-up link joined them
    assert per_chip_outside <= serving.output_tokens_per_s(input_tokens, output_tokens, None, batching,
                                                           **one_domain) / (2 * domain)


def test_beyond_the_domain_needs_a_scale_out_figure():
    with pytest.raises(Exception, match="scale-up domain"):
        serving.output_tokens_per_s(1000, 1000, None, **LLAMA2_70B, n_units=16, **H100, scale_up_domain=8)


# ---------------------------------------------------------------- the plan for a load


def test_load_plan_agrees_with_gpus_for_load():
    args = ("Llama-3.1-70B", "p5.48xlarge", 20, 1000, 200, "fp8", "1 s", "50ms")
    chips = udfs.GPUS_FOR_LOAD(*args)
    replicas, per_replica = udfs.LOAD_PLAN(*args), udfs.LOAD_PLAN(*args, "chips_per_replica")
    assert replicas * per_replica == chips
    assert udfs.LOAD_PLAN(*args, "ttft") <= 1 and udfs.LOAD_PLAN(*args, "tpot") <= 0.05
    assert udfs.LOAD_PLAN(*args[:6], 1, 0.05, "concurrency") == udfs.LOAD_PLAN(*args, "concurrency")
    # the chips' on-demand price over the output tokens of the load
    plan = by_name.load_plan(*args[:6], ttft_s=1, tpot_s=0.05)
    price = by_name.price_per_chip_hour("p5.48xlarge")
    assert udfs.LOAD_PLAN(*args, "usd_per_1m_output") == pytest.approx(chips * price / 3600 / (20 * 200) * 1e6)
    assert plan["chips"] == chips


def test_latency_targets_read_units():
    assert parse_quantity("1 s", "ttft_s", "seconds") == 1
    assert parse_quantity("50ms", "tpot_s", "seconds") == 0.05
    assert isinstance(udfs.LOAD_PLAN("Llama-3.1-8B", "H100", 10, 1000, 200, "fp8", "1 min", "50 mb"), str)


def test_a_chip_without_a_price_has_no_plan_cost():
    assert "price" in udfs.LOAD_PLAN("Llama-3.1-8B", "H100", 10, 1000, 200, "fp8", None, None, "usd_per_1m_output")
    assert math.isfinite(udfs.LOAD_PLAN("Llama-3.1-8B", "H100", 10, 1000, 200, "fp8", None, None, "replicas"))


def test_chips_for_load_broadcasts():
    replica = dict(LLAMA31_8B, **H100)
    many = serving.chips_for_load(np.array([10.0, 100.0]), 1000, 200, **replica)
    assert list(many) == [serving.chips_for_load(10, 1000, 200, **replica),
                          serving.chips_for_load(100, 1000, 200, **replica)]
