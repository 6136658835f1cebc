"""Serving inputs that make no physical sense are refused, naming the argument (QA review of issue 11)."""

import math

import pytest

from xlcost import serving, udfs
from xlcost.core import serving as core
from xlcost.errors import FitError, InputError, UnknownNameError

from test_serving import H100, LLAMA2_70B


def test_a_request_longer_than_the_context_window_is_refused():
    # Llama-2-7B's context is 4,096 tokens (Touvron et al. 2023): 10,000 + 1,000 cannot be served
    with pytest.raises(InputError, match=r"input_tokens \+ output_tokens must not exceed Llama-2-7B's context of "
                                         r"4,096 tokens, got 11000"):
        serving.serve_throughput("Llama-2-7B", "H100", 1, 10_000, 1_000)
    with pytest.raises(InputError, match="context must not exceed"):
        serving.max_batch("Llama-2-7B", "H100", 1, 4_097)
    assert serving.max_batch("Llama-2-7B", "H100", 1, 4_096) >= 1  # exactly the window is fine


@pytest.mark.parametrize("argument, kwargs", [("n_units", {"n_units": 1.5}), ("batch", {"batch": 2.5})])
def test_fractional_chips_and_sequences_are_refused(argument, kwargs):
    call = {"model": "Llama-2-7B", "hardware": "H100", "n_units": 1, **kwargs}
    with pytest.raises(InputError, match=f"{argument} must be a whole number"):
        serving.serve_throughput(**call)


def test_a_tensor_parallel_size_must_divide_the_heads():
    # Llama-2-70B has 64 attention heads: 3 chips cannot each take the same share
    with pytest.raises(InputError, match=r"n_units must divide the model's 64 attention heads .*, got 3"):
        serving.serve_throughput("Llama-2-70B", "H100", 3, 1000, 1000, "fp8")
    with pytest.raises(InputError, match="n_units must divide the model's 64 attention heads"):
        core.max_batch(2000, **LLAMA2_70B, **H100, n_units=3, n_heads=64)


def test_more_chips_than_the_16_of_an_nvl72_rack_are_not_capped():
    # 16 divides Llama-3.1-405B's 128 heads; the serving functions take any whole count
    assert serving.max_batch("Llama-3.1-405B", "H100", 16, 2000, "fp8") > 0


def test_kv_heads_are_replicated_when_chips_outnumber_them():
    # Qwen3-235B-A22B (config.json): 94 layers, 4 KV heads of 128; fp8 cache: 94 x 2 x 4 x 128 x 1 = 96,256 B/token.
    # On 8 chips each holds one KV head: 8 heads' worth, 192,512 B/token for the replica.
    # H200 exposes 143,771 MiB = 150.75 GB (nvidia-smi). 8 x 150.75 GB - 235 GB of fp8 weights = 971.0 GB,
    # 90 % for KV: 873.9 GB / (2,000 x 192,512 B) = 2,269.8
    assert serving.max_batch("Qwen3-235B-A22B", "H200", 8, 2000, "fp8") == 2269
    # 4 chips hold the 4 heads once: 4 x 150.75 - 235 = 368.0 GB; 331.2 GB / (2,000 x 96,256) = 1,720.7
    assert serving.max_batch("Qwen3-235B-A22B", "H200", 4, 2000, "fp8") == 1720


def test_the_mla_latent_is_held_on_every_chip_of_the_replica():
    # DeepSeek-V3 (config.json): 61 layers, latent 512 + rope key 64 = 576 values; fp8 cache: 35,136 B/token.
    # Tensor parallelism cannot split the one latent: each of 8 chips holds it, 281,088 B/token for the replica.
    # 8 x 150.75 GB (H200's 143,771 MiB) - 671 GB of fp8 weights = 535.0 GB, 90 % for KV: 481.5 GB
    # / (2,000 x 281,088 B) = 856.6
    assert serving.kv_cache_per_token("DeepSeek-V3", "fp8") == 35_136
    assert serving.max_batch("DeepSeek-V3", "H200", 8, 2000, "fp8") == 856
    # one chip cannot hold 671 GB; on 8 chips the latent split eight ways would have fit 8 times as many
    assert serving.max_batch("DeepSeek-V3", "H200", 8, 2000, "fp8") < 8 * 856.6 / 7


def test_kv_replication_leaves_enough_kv_heads_alone():
    # 8 KV heads on 8 chips: one each, nothing replicated
    with_heads = core.max_batch(2000, **LLAMA2_70B, **H100, n_units=8, n_heads=64, n_kv_heads=8)
    assert with_heads == core.max_batch(2000, **LLAMA2_70B, **H100, n_units=8)


def test_one_output_token_has_no_output_cost():
    # the first token comes out of the prefill (input); with one token there is no decode step to price
    with pytest.raises(InputError, match="output_tokens must be at least 2 .*prefill"):
        serving.serve_cost("Llama-2-7B", "H100", 2.0, 1, 1000, 1)
    assert serving.serve_cost("Llama-2-7B", "H100", 2.0, 1, 1000, 1, per="input") > 0


def test_an_encoder_is_not_served_as_a_generator():
    with pytest.raises(InputError, match="model must generate tokens .*BERT-Large is an encoder"):
        serving.serve_throughput("BERT-Large", "H100", 1, 100, 100)


def test_errors_name_the_argument():
    with pytest.raises(UnknownNameError, match="^model: unknown model '70B'"):
        serving.serve_throughput("70B", "H100")
    with pytest.raises(UnknownNameError, match="^hardware: unknown hardware"):
        serving.serve_throughput("Llama-2-7B", "H1000")
    assert udfs.SERVE_COST("70B", "H100", 2.0).startswith("#VALUE! model: unknown model '70B'")
    assert udfs.API_COST("gpt-5o", 1000, 1000).startswith("#VALUE! api_model: unknown API model 'gpt-5o'")
    with pytest.raises(FitError, match=r"^n_units: needs 93.4 GB of weights; 1 x H100-SXM5-80GB holds 85.5 GB"):
        serving.serve_throughput("Mixtral-8x7B", "H100", 1)


def test_sizes_that_round_alike_get_more_digits():
    # 16.02 GB needed against 16 GB held: three digits would print "16" twice
    assert str(FitError("weights", 16.02e9, 1, 16e9, 0.1)) == (
        "n_units: needs 16.02 GB of weights; 1 x 16 GB holds 16 GB")


def test_python_callers_get_input_errors_and_named_keywords():
    with pytest.raises(InputError, match=r"price_per_hour must be a number of USD per hour of the hardware .*got '\$1.50'"):
        serving.serve_cost("Llama-2-7B", "H100", "$1.50")
    with pytest.raises(TypeError, match=r"unknown keyword argument 'n_unit'; valid: .*n_units.*compute_efficiency"):
        serving.serve_cost("Llama-2-7B", "H100", 2.0, n_unit=2)


def test_fp4_on_a_chip_without_fp4_points_to_int4():
    # H100 has no fp4 tensor cores; it serves 4-bit checkpoints weights-only
    with pytest.raises(InputError, match='^precision "fp4" needs fp4 tensor cores.*give precision "int4"'):
        serving.serve_throughput("gpt-oss-120b", "H100", 1, 1000, 1000, "fp4")
    assert math.isfinite(serving.serve_throughput("gpt-oss-120b", "H100", 1, 1000, 1000, "int4"))


def test_mistral_7b_v0_1_does_not_answer_to_v0_2_names():
    # v0.2 Instruct has a 32k context and no sliding window: not this row
    with pytest.raises(UnknownNameError):
        serving.serve_throughput("mistralai/Mistral-7B-Instruct-v0.2", "H100")


def test_mla_decode_attention_counts_the_absorbed_latent_form():
    # DeepSeek-V3 config.json: 128 heads, kv_lora_rank 512, qk_rope_head_dim 64, qk_nope 128, v_head_dim 128.
    # Decode (absorbed): per cached token and layer 2 x 128 x ((512 + 64) + 512) = 278,528 FLOPs;
    # prefill (decompressed K and V): 2 x 128 x ((128 + 64) + 128) = 81,920.
    r = serving.replica("DeepSeek-V3", "H200", 8, "fp8")
    assert r["decode_attention_flops_per_attended"] == 278_528
    assert r["attention_flops_per_attended"] == 81_920


def test_the_decode_attention_figure_drives_decode_not_prefill():
    # Llama-2-70B shape, batch 256 at 4,000 tokens on 8 x H100. Attention FLOPs per attended token 100x
    # (3,276,800): 256 x 80 x 4,000 x 3.2768e6 = 2.68e14 FLOPs / (8 x 989e12 x 0.5) = 68 ms, above the KV
    # reads' 256 x 4,000 x 327,680 B / (8 x 3.35e12 x 0.8) = 15.6 ms: the step grows by ~52 ms (of ~35 ms).
    base = dict(LLAMA2_70B, **H100, n_units=8)
    heavy = dict(base, decode_attention_flops_per_attended=100 * LLAMA2_70B["attention_flops_per_attended"])
    assert core.decode_step_seconds(256, 4000, **heavy) > 1.5 * core.decode_step_seconds(256, 4000, **base)
    assert core.prefill_seconds(4, 2000, **heavy) == core.prefill_seconds(4, 2000, **base)


def test_an_instance_price_is_shared_per_chip_and_n_units_counts_chips():
    # p5.48xlarge holds 8 H100s (AWS): with the price empty, a chip-hour costs the instance's price / 8
    from xlcost import catalog

    instance = catalog.hardware("p5.48xlarge").price_usd_per_hour()
    per_chip = instance / 8
    empty = serving.serve_cost("Llama-3.1-8B", "p5.48xlarge", None, 2, 1000, 1000)
    # a price typed for an instance is the instance's (as INFER_COST reads it): its catalog price gives the same answer
    assert empty == pytest.approx(serving.serve_cost("Llama-3.1-8B", "p5.48xlarge", instance, 2, 1000, 1000))
    # n_units = 2 means two chips of the instance, the same replica as 2 x H100 at that price
    assert empty == pytest.approx(serving.serve_cost("Llama-3.1-8B", "H100", per_chip, 2, 1000, 1000))
