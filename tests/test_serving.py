"""The serving core against published configs, hand arithmetic and properties.

Architectures below are typed from the models' published config.json files (Hugging
Face), not from the catalog, so these tests hold the core's physics on their own.
"""

import inspect
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlcost.core import serving
from xlcost.errors import FitError, InputError


def _dense(n_layers, d_model, n_heads, n_kv_heads, head_dim, params, vocab, bytes_per_param=2.0, kv_bytes=2.0):
    return dict(
        n_layers=n_layers, d_model=d_model, shared_weight_bytes=params * bytes_per_param, expert_weight_bytes=0.0,
        moe_layers=0, n_experts=1, experts_per_token=1, linear_flops_per_token=2 * (params - vocab * d_model),
        expert_flops_per_token=0.0, attention_flops_per_attended=2 * n_heads * 2 * head_dim,
        decode_attention_flops_per_attended=0.0,
        kv_bytes_per_token=serving.kv_bytes_per_token(n_layers, n_kv_heads * head_dim, kv_bytes),
        window=0, window_layers=0,
    )


# meta-llama/Llama-2-70b-hf: 80 layers, hidden 8192, 64 heads, 8 KV heads, vocab 32000, 68.98e9 parameters
LLAMA2_70B = _dense(80, 8192, 64, 8, 128, 68.98e9, 32000)
# meta-llama/Llama-3.1-8B: 32 layers, hidden 4096, 32 heads, 8 KV heads, vocab 128256, 8.03e9 parameters
LLAMA31_8B = _dense(32, 4096, 32, 8, 128, 8.03e9, 128256)
# mistralai/Mixtral-8x7B-v0.1: 32 layers, hidden 4096, 32 heads, 8 KV heads, 8 experts of
# intermediate 14336 (SwiGLU: 3 matrices), 2 per token; 46.7e9 parameters, 12.9e9 active
MIXTRAL_EXPERT = 3 * 4096 * 14336  # 176.2e6 parameters per expert per layer
MIXTRAL_SHARED = 46.7e9 - 32 * 8 * MIXTRAL_EXPERT  # 1.59e9: attention, norms, router, embeddings
MIXTRAL_BF16 = dict(
    n_layers=32, d_model=4096, shared_weight_bytes=MIXTRAL_SHARED * 2, expert_weight_bytes=MIXTRAL_EXPERT * 2,
    moe_layers=32, n_experts=8, experts_per_token=2, linear_flops_per_token=2 * (12.9e9 - 32000 * 4096),
    expert_flops_per_token=2 * 2 * 32 * MIXTRAL_EXPERT, attention_flops_per_attended=2 * 32 * 2 * 128,
    decode_attention_flops_per_attended=0.0, kv_bytes_per_token=serving.kv_bytes_per_token(32, 8 * 128),
    window=0, window_layers=0,
)
# datasheets: H100 SXM 989 TFLOP/s bf16, 80 GB, 3.35 TB/s, NVLink 900 GB/s both ways; H200 141 GB, 4.8 TB/s
H100 = dict(peak_flops_per_s=989e12, memory_bytes=80e9, memory_bandwidth_bytes_per_s=3.35e12,
            interconnect_bytes_per_s=450e9)
H200 = dict(H100, memory_bytes=141e9, memory_bandwidth_bytes_per_s=4.8e12)
A100_40GB = dict(peak_flops_per_s=312e12, memory_bytes=40e9, memory_bandwidth_bytes_per_s=1.555e12,
                 interconnect_bytes_per_s=300e9)


# ---------------------------------------------------------------- KV cache per token, exact


def test_a_checked_replica_stands_for_its_keywords_and_only_alone():
    # what xlcost.serving hands the core: the same answers, checked once; mixed with keywords it is refused
    checked = serving.checked_replica(**MIXTRAL_BF16, n_units=2, **H100)
    for quantity in (serving.output_tokens_per_s, serving.ttft_seconds, serving.tpot_seconds):
        assert quantity(700, 300, 16, replica=checked) == quantity(700, 300, 16, **MIXTRAL_BF16, n_units=2, **H100)
    with pytest.raises(TypeError, match="unknown"):
        serving.output_tokens_per_s(700, 300, 16, replica=checked, n_units=2)
    # a dense model's defaults: the expert keywords may be left out
    dense = {k: v for k, v in LLAMA31_8B.items() if k not in serving.MODEL_DEFAULTS}
    assert serving.max_batch(2000, **dense, n_units=1, **H100) == serving.max_batch(2000, **LLAMA31_8B, n_units=1,
                                                                                     **H100)


def test_kv_bytes_per_token_llama2_7b():
    # 32 layers x (K and V) x 32 heads x 128 dims x 2 bytes
    assert serving.kv_bytes_per_token(32, 32 * 128, 2) == 524_288


def test_kv_bytes_per_token_gqa_70b():
    # 80 layers x 2 x 8 KV heads (of 64) x 128 x 2 bytes
    assert serving.kv_bytes_per_token(80, 8 * 128, 2) == 327_680


def test_kv_bytes_per_token_deepseek_v3_mla():
    # deepseek-ai/DeepSeek-V3 config: 61 layers, kv_lora_rank 512, qk_rope_head_dim 64; one latent, 2 bytes
    assert serving.kv_bytes_per_token(61, 128 * 128, 2, 512 + 64) == 70_272


def test_sliding_window_layers_stop_growing():
    # Gemma-2-9B style: 42 layers, half of them with a 4,096-token window; at 8,192 tokens
    # the windowed half holds 4,096 tokens each: 21 x 8192 + 21 x 4096
    assert serving.attended_token_layers(8192, 42, 4096, 21) == 21 * 8192 + 21 * 4096
    assert serving.attended_token_layers(1000, 42, 4096, 21) == 42 * 1000


# ---------------------------------------------------------------- MoE reads


def test_mixtral_batch_32_reads_nearly_every_expert():
    touched = serving.weight_bytes_read(32, **{k: MIXTRAL_BF16[k] for k in (
        "shared_weight_bytes", "expert_weight_bytes", "moe_layers", "n_experts", "experts_per_token")})
    # 8 x (1 - (6/8)^32) = 7.992 experts per layer: ~93.3 of 93.4 GB
    assert touched == pytest.approx(2 * (MIXTRAL_SHARED + 32 * 7.992 * MIXTRAL_EXPERT), rel=1e-3)
    assert touched > 93e9


def test_mixtral_bf16_two_h100_batch_32_below_3000_tokens_per_s():
    replica = dict(MIXTRAL_BF16, n_units=2, **H100)
    tokens_per_s = 32 / serving.decode_step_seconds(32, 128, **replica)
    assert tokens_per_s < 3000
    # charging only the active 12.9B parameters' 25.8 GB (a dense model of that size) gives
    # well over twice as much: the ~93 GB of experts read each step are what binds
    active_only = dict(replica, shared_weight_bytes=12.9e9 * 2, moe_layers=0, expert_flops_per_token=0)
    assert 32 / serving.decode_step_seconds(32, 128, **active_only) > 2 * tokens_per_s


def test_mixtral_batch_1_reads_its_active_weights():
    reads = serving.weight_bytes_read(1, MIXTRAL_SHARED * 2, MIXTRAL_EXPERT * 2, 32, 8, 2)
    assert reads == pytest.approx(12.9e9 * 2, rel=0.02)  # Mistral's published 12.9B active parameters
    step = serving.decode_step_seconds(1, 128, **MIXTRAL_BF16, n_units=2, **H100)
    read_s = 12.9e9 * 2 / (2 * 3.35e12)  # active weights at the full datasheet bandwidth: 3.85 ms
    # the step is the read at the achieved bandwidth plus fixed per-layer and all-reduce times
    fixed_s = 32 * serving.LAYER_OVERHEAD_S + 64 * serving.ALLREDUCE_LATENCY_S
    assert step == pytest.approx(read_s / serving.BANDWIDTH_EFFICIENCY + fixed_s, rel=0.05)


def test_mixtral_bf16_does_not_fit_one_h100():
    with pytest.raises(FitError, match=r"n_units: needs 93.4 GB of weights; 1 x 80 GB holds 80 GB"):
        serving.output_tokens_per_s(128, 128, 1, **MIXTRAL_BF16, n_units=1, **H100)


def test_llama2_70b_bf16_on_a100_40gb_names_the_shortfall():
    with pytest.raises(FitError) as caught:
        serving.max_batch(4096, **LLAMA2_70B, n_units=1, **A100_40GB)
    assert str(caught.value.describe("A100-40GB")) == "n_units: needs 138 GB of weights; 1 x A100-40GB holds 40 GB"


def test_a_batch_too_large_is_an_error_naming_batch():
    replica = dict(LLAMA31_8B, n_units=1, **H100)
    fits = serving.max_batch(2000, **replica)
    # (80 GB - 16.06 GB) x 0.9 / (2,000 x 131,072 B) = 219.5
    assert fits == math.floor((80e9 - 8.03e9 * 2) * 0.9 / (2000 * 131072))
    with pytest.raises(FitError) as caught:
        serving.output_tokens_per_s(1000, 1000, fits + 1, "static", **replica)
    assert caught.value.argument == "batch"


# ---------------------------------------------------------------- hand arithmetic


def test_decode_step_at_batch_1_is_the_weight_read():
    # Llama-3.1-8B bf16 on one H100, no fixed costs, full bandwidth: 16.06 GB / 3.35 TB/s
    # plus 100 tokens x 131,072 B of KV
    step = serving.decode_step_seconds(1, 100, **LLAMA31_8B, n_units=1, **H100, bandwidth_efficiency=1,
                                       layer_overhead_s=0)
    assert step == pytest.approx((8.03e9 * 2 + 100 * 131072) / 3.35e12, rel=1e-9)


def test_prefill_is_compute_bound():
    # 2 x (8.03e9 - 128256 x 4096) FLOPs x 4096 tokens + attention 32 layers x 2048 tokens
    # x 2 x 32 x 256 x 4096, at 0.5 x 989 TFLOP/s
    seconds = serving.prefill_seconds(1, 4096, **LLAMA31_8B, n_units=1, **H100, layer_overhead_s=0)
    flops = 2 * (8.03e9 - 128256 * 4096) * 4096 + 4096 * 32 * 2048 * 2 * 32 * 256
    assert seconds == pytest.approx(flops / (0.5 * 989e12), rel=1e-9)


def test_tensor_parallel_adds_two_allreduces_per_layer():
    one = serving.decode_step_seconds(8, 500, **LLAMA2_70B, n_units=4, **H100)
    no_link_cost = serving.decode_step_seconds(8, 500, **LLAMA2_70B, n_units=4, **H100, allreduce_latency_s=0)
    # 160 all-reduces x 10 us, plus 160 x 1.5 x 8 x 8192 x 2 B / 450 GB/s
    assert one - no_link_cost == pytest.approx(160 * 10e-6, rel=1e-9)


def test_latencies_and_costs_add_up():
    replica = dict(LLAMA2_70B, n_units=4, **H100)
    ttft = serving.ttft_seconds(700, 300, 16, "static", **replica)
    tpot = serving.tpot_seconds(700, 300, 16, "static", **replica)
    assert serving.request_seconds(700, 300, 16, "static", **replica) == pytest.approx(ttft + 299 * tpot)
    assert serving.output_tokens_per_s(700, 300, 16, "static", **replica) == pytest.approx(
        16 * 300 / (ttft + 299 * tpot))
    cost = [f(700, 300, 3.0, 16, "static", **replica) for f in (
        serving.input_usd_per_million, serving.output_usd_per_million, serving.request_usd)]
    # 4 chips x $3/h = $1/300 a second; the batch's time shared by 16 requests
    assert cost[2] == pytest.approx(4 * 3.0 / 3600 * (ttft + 299 * tpot) / 16)
    assert (cost[0] * 700 + cost[1] * 300) / 1e6 == pytest.approx(cost[2])


def test_chips_for_load_meets_its_targets():
    replica = dict(LLAMA31_8B, **H100)
    loose = serving.chips_for_load(100, 1000, 200, **replica)
    tight = serving.chips_for_load(100, 1000, 200, tpot_s=0.012, **replica)
    assert tight > loose
    with pytest.raises(InputError, match="tpot_s cannot be met"):
        serving.chips_for_load(100, 1000, 200, tpot_s=0.001, **replica)


# ---------------------------------------------------------------- Excel renderings


@pytest.mark.parametrize("name", [
    "kv_bytes_per_token", "attended_token_layers", "kv_bytes_per_sequence", "weight_bytes", "weight_bytes_read",
    "allreduce_seconds", "expert_gemm_efficiency", "expert_seconds", "alltoall_seconds",
    "max_batch", "prefill_seconds", "decode_step_seconds", "output_tokens_per_s",
    "ttft_seconds", "tpot_seconds", "request_seconds", "input_usd_per_million", "output_usd_per_million",
    "request_usd",
])
def test_excel_rendering_equals_the_core(name):
    formulas = pytest.importorskip("formulas")
    function = getattr(serving, name)
    values = {**MIXTRAL_BF16, "n_units": 2, **H200, **serving.EFFICIENCY_ARGUMENTS, "activation_bytes": 2.0,
              "tokens": 48.0, "context": 900.0, "batch": 24.0, "input_tokens": 700.0, "output_tokens": 300.0,
              "price_usd_per_hour": 3.5, "kv_dim": 1024.0, "bytes_per_value": 2.0, "latent_dim": 0.0,
              "window": 512.0, "window_layers": 16.0,  # half the layers windowed below the context
              "tokens_per_expert": 12.0, "params_per_expert": MIXTRAL_EXPERT, "expert_weight_bytes_read": 40e9}
    options = function.excel_by_choice[1] if function.excel_by_choice else {None: function.excel}
    for option, text in options.items():  # a tensor-parallel replica under each batching
        for key, value in values.items():
            text = text.replace("{" + key + "}", repr(float(value)))
        assert "{" not in text, text
        excel = float(np.ravel(formulas.Parser().ast("=" + text)[1].compile()())[0])
        wanted = [p for p in inspect.signature(function).parameters if p != "replica"]
        kwargs = {p: values[p] for p in wanted if p in values}
        if option is not None:
            kwargs[function.excel_by_choice[0]] = option
        if "replica" in inspect.signature(function).parameters:
            kwargs.update({k: values[k] for k in (*serving.MODEL_ARGUMENTS, *serving.HARDWARE_ARGUMENTS,
                                                  *serving.EFFICIENCY_ARGUMENTS)})
        assert excel == pytest.approx(function(**kwargs), rel=1e-9), option


# ---------------------------------------------------------------- properties

DENSE = {"Llama-2-70B": LLAMA2_70B, "Llama-3.1-8B": LLAMA31_8B}
CHIPS = {"H100": H100, "H200": H200}


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(DENSE)), st.sampled_from(sorted(CHIPS)), st.sampled_from([1, 2, 4, 8]),
       st.integers(128, 8000), st.one_of(st.none(), st.integers(1, 256)))
def test_input_token_cheaper_than_output_for_dense_models(model, chip, n_units, tokens, batch):
    # From 128 tokens up. Below that, at the thousands of sequences that fit, a decode step is
    # compute-bound like a prefill and the two prices meet (the physics, not a failure).
    replica = dict(DENSE[model], n_units=n_units, **CHIPS[chip])
    try:
        fits = serving.max_batch(2 * tokens, **replica)
    except FitError:
        return
    batch = None if batch is None else min(batch, fits)
    cost_in = serving.input_usd_per_million(tokens, tokens, 2.0, batch, **replica)
    cost_out = serving.output_usd_per_million(tokens, tokens, 2.0, batch, **replica)
    assert cost_in < cost_out


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 4000), st.integers(2, 4000), st.integers(1, 64), st.floats(0.1, 50))
def test_cost_split_adds_up(input_tokens, output_tokens, batch, price):
    # output_tokens from 2: with one there is no decode step and the output cost is refused (test_serving_refusals)
    replica = dict(MIXTRAL_BF16, n_units=4, **H200)
    parts = [f(input_tokens, output_tokens, price, batch, **replica) for f in (
        serving.input_usd_per_million, serving.output_usd_per_million, serving.request_usd)]
    assert (parts[0] * input_tokens + parts[1] * output_tokens) / 1e6 == pytest.approx(parts[2], rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([LLAMA2_70B, LLAMA31_8B, MIXTRAL_BF16]), st.integers(1, 4096), st.integers(2, 4096))
def test_throughput_rises_with_batch_until_memory_or_compute_binds(model, input_tokens, output_tokens):
    replica = dict(model, n_units=8, **H200)
    most = serving.max_batch(input_tokens + output_tokens, **replica)
    for batching, cap in (("static", most), ("continuous", min(most, serving.MAX_SEQUENCES))):
        batches = np.unique(np.geomspace(1, cap, 12).round())
        rates = serving.output_tokens_per_s(input_tokens, output_tokens, batches, batching, **replica)
        assert np.all(np.diff(rates) >= -1e-9 * rates[1:]), batching


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([LLAMA2_70B, LLAMA31_8B, MIXTRAL_BF16]), st.integers(1, 64), st.integers(1, 30000))
def test_tpot_grows_with_context(model, batch, context):
    replica = dict(model, n_units=8, **H200)
    assert serving.decode_step_seconds(batch, context + 1000, **replica) > serving.decode_step_seconds(
        batch, context, **replica)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([LLAMA2_70B, LLAMA31_8B, MIXTRAL_BF16]), st.sampled_from([H100, H200, A100_40GB]),
       st.sampled_from([1, 2, 4]), st.integers(1, 200_000))
def test_more_chips_never_make_a_fitting_model_not_fit(model, chip, n_units, context):
    try:
        fewer = serving.max_batch(context, **model, n_units=n_units, **chip)
    except FitError:
        return
    assert serving.max_batch(context, **model, n_units=2 * n_units, **chip) >= fewer
