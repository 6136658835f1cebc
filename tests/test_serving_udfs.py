"""The serving Excel functions: Excel-shaped arguments, spills, one error per bad cell, same numbers as Python."""

import pytest

from xlcost import serving, udfs


def test_serve_throughput_equals_python():
    cell = udfs.SERVE_THROUGHPUT("Llama-3.1-70B", "H100", 2, 500, 2000, "fp8")
    assert cell == pytest.approx(serving.serve_throughput("Llama-3.1-70B", "H100", 2, 500, 2000, "fp8"))


def test_empty_optionals_take_the_documented_defaults():
    # n_units empty: 1 chip; 1,000 in / 1,000 out; bf16; the largest batch that fits
    empty = udfs.SERVE_THROUGHPUT("Llama-3.1-8B", "H100", None, None, None, None, None)
    batch = serving.max_batch("Llama-3.1-8B", "H100", 1, 2000, "bf16")
    assert empty == pytest.approx(serving.serve_throughput("Llama-3.1-8B", "H100", 1, 1000, 1000, "bf16", batch))


def test_a_model_that_does_not_fit_is_an_error_cell_naming_the_shortfall():
    assert udfs.SERVE_THROUGHPUT("Llama-2-70B", "A100-40GB") == (
        "#VALUE! n_units: needs 140 GB of weights; 1 x A100-SXM4-40GB holds 42.9 GB")
    assert udfs.SERVE_COST("Mixtral-8x7B", "H100", 3.0).startswith("#VALUE! n_units: needs 93.4 GB of weights; 1 x H100")


def test_ranges_spill_and_a_bad_cell_errors_alone():
    grid = udfs.SERVE_THROUGHPUT([["Llama-3.1-8B"], ["Llama-2-70B"]], [["H100", "A100-40GB"]])
    assert isinstance(grid[0][0], float) and isinstance(grid[0][1], float)
    assert grid[1][0].startswith("#VALUE! n_units: needs 140 GB of weights")
    assert grid[1][1].startswith("#VALUE! n_units: needs 140 GB of weights")
    assert grid[0][0] > grid[0][1]  # H100 serves an 8B model faster than an A100-40GB


def test_cost_per_input_and_output_add_up_to_the_request():
    args = ("Llama-3.1-70B", "H200", 3.5, 2, 2000, 500, "fp8")
    cost_in, cost_out, request = (udfs.SERVE_COST(*args, None, per) for per in ("input", "output", "request"))
    assert (cost_in * 2000 + cost_out * 500) / 1e6 == pytest.approx(request)
    assert cost_in < cost_out


def test_latency_which():
    ttft, tpot, request = (udfs.SERVE_LATENCY("GPT-3 13B", "A100-40GB", 1, 512, 10, "fp16", 1, which)
                           for which in ("ttft", "tpot", "request"))
    assert request == pytest.approx(ttft + 9 * tpot)
    assert udfs.SERVE_LATENCY("GPT-3 13B", "A100-40GB", which="soon").startswith("#VALUE! which must be one of")


def test_kv_cache_per_token_from_the_catalog():
    assert udfs.KV_CACHE_PER_TOKEN("Llama-2-7B") == 524_288  # 32 x 2 x 32 x 128 x 2
    assert udfs.KV_CACHE_PER_TOKEN("Llama-2-70B") == 327_680  # 80 x 2 x 8 x 128 x 2
    assert udfs.KV_CACHE_PER_TOKEN("Llama-2-70B", "fp8") == 163_840  # fp8 weights ship an fp8 cache


def test_max_batch_and_gpus_for_load():
    # (85.52e9 - 2 x 8.03e9) x 0.9 / (2,000 x 131,072 B) = 238.5: H100's 81,559 MiB, Meta's 8.03B parameters
    assert udfs.MAX_BATCH("Llama-3.1-8B", "H100", 1, 2000) == pytest.approx(238, abs=1)
    loose = udfs.GPUS_FOR_LOAD("Llama-3.1-70B", "H100", 333, 50, 1000)
    tight = udfs.GPUS_FOR_LOAD("Llama-3.1-70B", "H100", 333, 50, 1000, None, 1.0, 0.03)
    assert loose == int(loose) and tight >= loose


def test_decode_tokens_per_second_reads_every_expert_a_batch_touches():
    assert udfs.DECODE_TOKENS_PER_SECOND("Mixtral-8x7B", "H100", 32).startswith("#VALUE! hardware: needs 93.4 GB of weights")
    assert udfs.DECODE_TOKENS_PER_SECOND("Llama-2-70B", "A100", 1).startswith("#VALUE! hardware: needs 140 GB of weights")
    one, many = udfs.DECODE_TOKENS_PER_SECOND("Mixtral-8x7B", "H200", [[1, 32]])[0]
    # batch 1 reads the active 12.9B of 46.7B parameters; batch 32 nearly all of them, so
    # 32 sequences are far less than 32x faster: 4.8 TB/s / 93.3 GB x 32 = 1,646
    assert one == pytest.approx(4.8e12 / (2 * 12.9e9), rel=0.03)
    assert many == pytest.approx(4.8e12 / (2 * 46.7e9) * 32, rel=0.02)
    assert udfs.DECODE_TOKENS_PER_SECOND(13e9, "A6000", 1) == pytest.approx(768e9 / 26e9)  # numbers: unchanged



def test_catalog_deepseek_v3_caches_its_mla_latent():
    # deepseek-ai/DeepSeek-V3 config: 61 layers x (kv_lora_rank 512 + qk_rope_head_dim 64) x 2 bytes
    assert udfs.KV_CACHE_PER_TOKEN("DeepSeek-V3") == 70_272


def test_catalog_mixtral_bf16_two_h100_batch_32_below_3000_tokens_per_s():
    from xlcost.core import serving as core

    replica = serving.replica("Mixtral-8x7B", "H100", 2, "bf16")
    assert 32 / core.decode_step_seconds(32, 128, **replica) < 3000
    # its batch-1 step reads the active 12.9B parameters (Mistral AI), not all 46.7B
    assert core.weight_bytes_read(1, replica["shared_weight_bytes"], replica["expert_weight_bytes"],
                                  replica["moe_layers"], replica["n_experts"], 2) == pytest.approx(2 * 12.9e9, rel=0.02)
