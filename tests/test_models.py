"""Models: every catalog architecture reproduces its published parameter count through the core.

Published counts are written here with their sources (papers, model cards, configs),
not read back from the code. Where a publisher prints only a rounded name ("7B") and
the architecture counts outside 1% of it, the row's notes must say so, with the
counted figure ("Parameter count: 6.74B ..."), which this file checks against the count.
"""

import csv
import re
from pathlib import Path

import numpy as np
import pytest

import xlcost
from xlcost import catalog, udfs
from xlcost.catalog import Model
from xlcost.errors import InputError

# name -> (published total, published active (MoE) or None); sources in the comments.
PUBLISHED = {
    # Brown et al. 2020, Table 2.1 names (Table D.1's exact figures are checked in test_papers.py)
    "GPT-3 Small": (125e6, None), "GPT-3 Medium": (350e6, None), "GPT-3 Large": (760e6, None),
    "GPT-3 XL": (1.3e9, None), "GPT-3 2.7B": (2.7e9, None), "GPT-3 6.7B": (6.7e9, None),
    "GPT-3 13B": (13e9, None), "GPT-3 175B": (175e9, None),
    "PaLM 540B": (540.35e9, None),  # Chowdhery et al. 2022, Table 1
    "BERT-Large": (340e6, None),  # Devlin et al. 2019, Sec. 3
    "LLaMA-13B": (13.0e9, None),  # Touvron et al. 2023a, Table 2
    # Touvron et al. 2023b (Llama 2), Table 1
    "Llama-2-7B": (7e9, None), "Llama-2-13B": (13e9, None), "Llama-2-70B": (70e9, None),
    # Meta Llama 3 model card; Llama 3.1: Llama Team 2024 (arXiv 2407.21783), Table 3
    "Llama-3-8B": (8e9, None), "Llama-3-70B": (70e9, None),
    "Llama-3.1-8B": (8e9, None), "Llama-3.1-70B": (70e9, None), "Llama-3.1-405B": (405e9, None),
    # Mistral AI release posts (2023-12-11, 2024-04-17)
    "Mixtral-8x7B": (46.7e9, 12.9e9), "Mixtral-8x22B": (141e9, 39e9),
    "GPT-J-6B": (6_053_381_344, None),  # EleutherAI model card: 6,053,381,344 parameters
    "Falcon-180B": (180e9, None),  # TII model card
    "Llama-3.3-70B": (70e9, None),  # Meta Llama 3.3 model card
    # Meta Llama 4 model card: 109B / 400B total, 17B active (both include the vision encoder)
    "Llama-4-Scout": (109e9, 17e9), "Llama-4-Maverick": (400e9, 17e9),
    "Mistral-7B": (7.3e9, None),  # Mistral AI, 'Announcing Mistral 7B': "a 7.3B parameter model"
    # Qwen model cards: 7.61B, 72.7B; Qwen3: 8.2B, 32.8B, 30.5B/3.3B activated, 235B/22B activated
    "Qwen2.5-7B": (7.61e9, None), "Qwen2.5-72B": (72.7e9, None),
    "Qwen3-8B": (8.2e9, None), "Qwen3-32B": (32.8e9, None),
    "Qwen3-30B-A3B": (30.5e9, 3.3e9), "Qwen3-235B-A22B": (235e9, 22e9),
    # DeepSeek-V3 technical report (arXiv 2412.19437): 671B total, 37B activated; R1 is the same architecture
    "DeepSeek-V3": (671e9, 37e9), "DeepSeek-R1": (671e9, 37e9),
    # OpenAI gpt-oss model card (arXiv 2508.10925), Table 1: 20.91B / 3.61B active, 116.83B / 5.13B active
    "gpt-oss-20b": (20.91e9, 3.61e9), "gpt-oss-120b": (116.83e9, 5.13e9),
    "Gemma-2-27B": (27.2e9, None),  # Gemma 2 paper (arXiv 2408.00118): 27B class, 27.2B on its model card
    "Gemma-3-27B": (27e9, None),  # Gemma 3 technical report (arXiv 2503.19786)
    "OPT-13B": (13e9, None), "OPT-175B": (175e9, None),  # Zhang et al. 2022, Table 1
    "BLOOM-176B": (176_247_271_424, None),  # BigScience BLOOM model card: 176,247,271,424 parameters
    # NeMo benchmark configurations (training-anchors.csv): only their names' sizes are published
    "GPT3-5B": (5e9, None), "GPT3-20B": (20e9, None), "Nemotron-8B": (8e9, None), "Nemotron-22B": (22e9, None),
    "Nemotron-4-340B": (341e9, None),  # Nemotron-4 340B technical report (arXiv 2406.11704): 341B
}

# the models issue 9 asks for, and the models of the use=calibrate serving anchors (../shared/serving-anchors.csv)
REQUIRED = [
    "Llama-2-7B", "Llama-2-13B", "Llama-2-70B", "Llama-3.1-8B", "Llama-3.1-70B", "Llama-3.1-405B", "Llama-3.3-70B",
    "Llama-4-Scout", "Llama-4-Maverick", "Mistral-7B", "Mixtral-8x7B", "Mixtral-8x22B", "Qwen2.5-7B", "Qwen2.5-72B",
    "Qwen3-8B", "Qwen3-32B", "Qwen3-30B-A3B", "Qwen3-235B-A22B", "DeepSeek-V3", "DeepSeek-R1", "gpt-oss-20b",
    "gpt-oss-120b", "Gemma-2-27B", "Gemma-3-27B", "Falcon-180B", "OPT-13B", "OPT-175B", "BLOOM-176B", "GPT-J-6B",
    "Llama-3-8B", "Llama-3-70B", "GPT-3 13B",
]


def _shaped():
    return [r["name"] for r in catalog.table("models").rows if not Model(r).missing_architecture]


def _printed_count(notes, label):
    """The figure after ``label`` in the notes ("Parameter count: 6.74B"), as (value, decimals)."""
    found = re.search(re.escape(label) + r" ([\d.]+)([MB])\b", notes or "")
    if not found:
        return None
    text, scale = found.groups()
    decimals = len(text.split(".")[1]) if "." in text else 0
    return float(text) * (1e6 if scale == "M" else 1e9), decimals, 1e6 if scale == "M" else 1e9


def _agrees_or_explained(counted, published, notes, label):
    if abs(counted / published - 1) <= 0.01:
        return
    printed = _printed_count(notes, label)
    assert printed is not None, f"{counted / 1e9:.3f}B is {counted / published - 1:+.2%} off and the notes do not say why ({label!r})"
    value, decimals, scale = printed
    assert round(counted / scale, decimals) == pytest.approx(value / scale), "the notes' counted figure is stale"


def test_every_shaped_model_has_its_published_count_here():
    assert sorted(_shaped()) == sorted(PUBLISHED)


@pytest.mark.parametrize("name", REQUIRED)
def test_required_models_have_an_architecture(name):
    m = catalog.model(name)
    assert m.missing_architecture == [] and m.source and m.date


def test_serving_anchor_models_are_in_the_catalog():
    anchors = Path(__file__).resolve().parents[1] / ".." / "shared" / "serving-anchors.csv"
    if not anchors.exists():
        pytest.skip("../shared/serving-anchors.csv is not beside the checkout")
    lines = [line for line in anchors.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    names = {row["model"] for row in csv.DictReader(lines) if row["use"] == "calibrate"}
    assert names and all(catalog.model(n).missing_architecture == [] for n in names)


def test_publishers_who_leave_out_the_input_embedding():
    # OpenAI's gpt-oss model card (Table 1) and DeepSeek-V3's report count active parameters without the
    # input embedding table (a lookup, no matmul): the count minus vocab x d_model matches their figures.
    for name, published in [("gpt-oss-20b", 3.61e9), ("gpt-oss-120b", 5.13e9)]:
        m = catalog.model(name)
        assert m.counted_active_params - m.vocab * m.d_model == pytest.approx(published, rel=0.005)
    ds = catalog.model("DeepSeek-V3")
    without = ds.counted_active_params - ds.vocab * ds.d_model
    assert without < 37e9 < ds.counted_active_params  # "37B" lies between the two conventions


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_catalog_rows_carry_the_published_counts(name):
    m = catalog.model(name)
    total, active = PUBLISHED[name]
    assert m.row["params"] == total
    assert m.row["active_params"] == active


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_architecture_reproduces_the_published_count(name):
    m = catalog.model(name)
    total, active = PUBLISHED[name]
    _agrees_or_explained(m.counted_params, total, m.notes, "Parameter count:")
    if active is not None:
        _agrees_or_explained(m.counted_active_params, active, m.notes, "Active parameter count:")


@pytest.mark.parametrize("name", [n for n in sorted(PUBLISHED) if PUBLISHED[n][1] is None])
def test_a_dense_model_is_counted_by_the_core_quantity(name):
    m = catalog.model(name)
    r = m.row
    direct = xlcost.transformer_params(
        r["n_layers"], r["d_model"], r["vocab"], r["context"] if r["learned_positions"] else 0, r["d_ff"],
        r["n_heads"], r["n_kv_heads"] or r["n_heads"], bool(r["gated_ffn"]), bool(r["tied_embeddings"]),
        bool(r["biases"]), r["head_dim"] or 0,
    )
    assert m.counted_params == direct
    assert m.counted_active_params == direct and m.active_params == m.params


# ---------------------------------------------------------------- the core count, by hand
def test_palm_540b_within_half_a_percent():
    # Chowdhery et al. 2022, Table 1: 118 layers, d_model 18,432, 48 heads x 256, one KV head (multi-query),
    # d_ff 73,728 (SwiGLU), 256k vocabulary shared with the output, no biases: 540.35B parameters.
    count = xlcost.transformer_params(118, 18432, 256000, 0, 73728, 48, 1, True, True, False, 256)
    assert count == pytest.approx(540.35e9, rel=0.005)
    # head_dim d_model/48 = 384 instead of 256 over-counts by 50% of the attention: the 567.6B
    assert xlcost.transformer_params(118, 18432, 256000, 0, 73728, 48, 1, True, True, False) / 1e9 == pytest.approx(567.6, abs=0.05)


def test_gated_ffn_biases_are_two_d_ff_plus_d_model():
    # SwiGLU with biases: gate and up projections carry d_ff biases each, down carries d_model.
    assert xlcost.ffn_params(10, 20, True, True) - xlcost.ffn_params(10, 20, True, False) == 2 * 20 + 10
    assert xlcost.ffn_params(10, 20, False, True) - xlcost.ffn_params(10, 20, False, False) == 20 + 10


def test_transformer_params_by_hand():
    # 1 layer, d_model 8, vocab 10, d_ff 16, 2 heads x 6, 1 KV head, gated, biases, untied, no positions:
    # attention 2*8*(2+1)*6 = 288, its biases (2+2*1)*6 + 8 = 32; gated FFN 3*8*16 = 384, biases 2*16 + 8 = 40;
    # two LayerNorms 4*8 = 32 -> 776 per layer; embeddings 2*10*8 = 160; final LayerNorm 16: 952.
    assert xlcost.transformer_params(1, 8, 10, 0, 16, 2, 1, True, False, True, 6) == 952
    # head_dim empty (0): d_model/n_heads = 4: attention 2*8*3*4 = 192, biases 4*4 + 8 = 24 -> 952 - 96 - 8
    assert xlcost.transformer_params(1, 8, 10, 0, 16, 2, 1, True, False, True) == 848


def test_mla_attention_by_hand():
    # q latent: 8*3 + 3 (norm) + 3*2*(4+2) = 63; kv: 8*(5+2) + 5 (norm) + 5*2*(4+3) = 131; output 2*3*8 = 48.
    assert xlcost.mla_attention_params(8, 2, 5, 2, 4, 3, 3) == 63 + 131 + 48
    # without a query latent: 8*2*(4+2) = 96
    assert xlcost.mla_attention_params(8, 2, 5, 2, 4, 3) == 96 + 131 + 48


def test_moe_layer_by_hand():
    # 4 experts + 1 shared, gated, width 6, d_model 5: 3*5*6 = 90 each; router 5*4 = 20.
    assert xlcost.moe_ffn_params(5, 6, 4, 2, 1) == 5 * 90 + 20
    # active: 2 routed + 1 shared, the whole router
    assert xlcost.moe_ffn_params(5, 6, 4, 2, 1, active=True) == 3 * 90 + 20
    # biases: each expert 2*6 + 5 = 17 more; the router 4
    assert xlcost.moe_ffn_params(5, 6, 4, 2, 1, biases=True) == 5 * (90 + 17) + 20 + 4


@pytest.mark.parametrize(
    "call, argument",
    [
        (lambda: xlcost.moe_ffn_params(5, 6, 4, 5), "experts_per_token"),
        (lambda: xlcost.attention_params(8, 2, 3, 4), "n_kv_heads"),
        (lambda: xlcost.transformer_params(2, 8, 10, head_dim=-1), "head_dim"),
        (lambda: xlcost.mla_attention_params(8, 2, 0, 2, 4, 3), "kv_lora_rank"),
    ],
)
def test_bad_shapes_name_the_argument(call, argument):
    with pytest.raises(InputError) as caught:
        call()
    assert caught.value.argument == argument


def test_block_counts_broadcast():
    widths = np.array([[4096.0], [8192.0]])
    gated = np.array([True, False])
    out = xlcost.ffn_params(widths, 14336, gated)
    assert out.shape == (2, 2)
    assert out[1, 0] == 3 * 8192 * 14336 and out[0, 1] == 2 * 4096 * 14336


# ---------------------------------------------------------------- GPT-3 13B's d_model
def test_gpt3_13b_d_model_is_40_heads_of_128():
    # Brown et al. 2020, Table 2.1 prints d_model 5140 for GPT-3 13B with 40 heads of d_head 128:
    # 40 x 128 = 5120, and 5120 reproduces Table D.1's 12,850M (5140 would give 12.95B).
    m = catalog.model("GPT-3 13B")
    assert m.d_model == 40 * 128 == 5120
    assert m.d_ff == 4 * 5120
    assert m.counted_params == pytest.approx(12_850e6, rel=0.001)
    assert "typo" in m.notes


# ---------------------------------------------------------------- Model properties
def test_a_row_without_counts_is_counted_from_its_architecture():
    row = dict(catalog.model("Mixtral-8x7B").row, params=None, active_params=None)
    m = Model(row)
    # Mistral AI: 46.7B total, 12.9B active
    assert m.params == pytest.approx(46.7e9, rel=0.005)
    assert m.active_params == pytest.approx(12.9e9, rel=0.005)
    assert m.params_per_token == m.active_params


def test_a_row_without_a_shape_says_what_is_missing():
    gopher = catalog.model("Gopher 280B")
    assert gopher.missing_architecture == ["d_ff"]
    with pytest.raises(InputError, match="Gopher 280B has no d_ff"):
        gopher.counted_params


def test_kv_elements_per_token():
    # Llama-3.1-70B: 8 KV heads x 128, keys and values: 2048 numbers per token per layer
    assert catalog.model("Llama-3.1-70B").kv_elements_per_token == 2 * 8 * 128
    # DeepSeek-V3 (MLA): latent 512 + rotary key 64 = 576 per token and layer (DeepSeek-V2 paper, Table 1:
    # (d_c + d_h^R) l = 4.5 d_h l with d_h 128); kv_dim is half of it so that kv_cache_bytes stays right
    ds = catalog.model("DeepSeek-V3")
    assert ds.kv_elements_per_token == 576 and ds.kv_dim == 288 and ds.head_dim == 128 + 64
    # 61 layers, one token, 16-bit: 61 x 576 x 2 bytes = 70,272 bytes
    assert xlcost.kv_cache_bytes(ds.n_layers, ds.kv_dim, 1) == 61 * 576 * 2


def test_head_dim_where_heads_do_not_span_d_model():
    # Qwen3-32B config: 64 heads x head_dim 128 = 8192 against hidden_size 5120; Gemma-2-27B: 32 x 128 vs 4608
    assert catalog.model("Qwen3-32B").head_dim * 64 == 8192 != catalog.model("Qwen3-32B").d_model
    assert catalog.model("Gemma-2-27B").kv_dim == 16 * 128


def test_gemma_2_non_embedding_count():
    # Gemma 2 paper, Table 2: 27B has 26,047,480,320 non-embedding parameters. Gemma 2 norms before and after
    # attention and feed-forward (four RMSNorms a layer): the count's two plus 46 x 2 x 4608 is that figure exactly.
    g = catalog.model("Gemma-2-27B")
    assert g.counted_params - g.vocab * g.d_model + 46 * 2 * 4608 == 26_047_480_320


def test_moe_layers_and_dense_layers():
    # DeepSeek-V3: first 3 layers dense (first_k_dense_replace 3) of 61; Llama 4 Maverick alternates (24 of 48)
    assert catalog.model("DeepSeek-V3").moe_layers == 58 and catalog.model("DeepSeek-V3").d_ff == 18432
    assert catalog.model("Llama-4-Maverick").moe_layers == 24
    # one MoE layer of DeepSeek-V3: (256 + 1) experts x 3 x 7168 x 2048 + router 7168 x 256
    assert xlcost.moe_ffn_params(7168, 2048, 256, 8, 1) == 257 * 3 * 7168 * 2048 + 7168 * 256


def test_aliases_people_write():
    for alias, name in [("meta-llama/Llama-3.1-70B-Instruct", "Llama-3.1-70B"), ("llama3-70b", "Llama-3-70B"),
                        ("mistralai/Mixtral-8x22B-Instruct-v0.1", "Mixtral-8x22B"), ("EleutherAI/gpt-j-6b", "GPT-J-6B"),
                        ("tiiuae/falcon-180B", "Falcon-180B"), ("llama2:13b", "Llama-2-13B"), ("deepseek-v3", "DeepSeek-V3"),
                        ("deepseek-ai/DeepSeek-R1", "DeepSeek-R1"), ("openai/gpt-oss-120b", "gpt-oss-120b"),
                        ("Qwen/Qwen3-30B-A3B", "Qwen3-30B-A3B"), ("meta-llama/Llama-4-Scout-17B-16E-Instruct", "Llama-4-Scout"),
                        ("google/gemma-3-27b-it", "Gemma-3-27B"), ("bigscience/bloom", "BLOOM-176B")]:
        assert catalog.model(alias).name == name


def test_every_model_row_has_source_and_date():
    for row in catalog.table("models").rows:
        assert row["source"] and re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", row["date"]), row["name"]


# ---------------------------------------------------------------- PARAM_COUNT (Excel)
def test_param_count_head_dim_is_the_last_argument():
    # PaLM 540B (Chowdhery et al. 2022, Table 1: 540.35B), head_dim 256 typed last
    palm = udfs.PARAM_COUNT(118, 18432, 256000, None, 73728, 48, 1, True, True, False, 256)
    assert palm == pytest.approx(540.35e9, rel=0.005)
    # empty head_dim keeps the old meaning (GPT-3 175B, Table D.1: 174.6B)
    assert round(udfs.PARAM_COUNT(96, 12288, 50257, 2048) / 1e9, 1) == 174.6


def test_param_count_gated_biases():
    # one layer, d_model 8, vocab 10, d_ff 16, 2 heads, gated, tied, biases (hand count above, tied: 952 - 80)
    assert udfs.PARAM_COUNT(1, 8, 10, 0, 16, 2, 1, True, True, True, 6) == 872


def test_param_count_spills_head_dim_per_row_and_errors_alone():
    out = udfs.PARAM_COUNT([[118], [118]], 18432, 256000, None, 73728, 48, 1, True, True, False, [[256], [-1]])
    assert out[0][0] == pytest.approx(540.35e9, rel=0.005)
    assert "head_dim" in out[1][0] and out[1][0].startswith("#VALUE!")


# ---------------------------------------------------------------- Excel renderings, through a spreadsheet engine
def _excel_value(function, kwargs):
    """Evaluate ``function.excel`` with ``formulas`` (a spreadsheet engine), arguments in cells A1, B1, ..."""
    formulas = pytest.importorskip("formulas")
    names = list(kwargs)
    cells = {name: f"{chr(65 + i)}1" for i, name in enumerate(names)}
    text = re.sub(r"\{([a-z_0-9]+)\}", lambda m: cells[m.group(1)], function.excel)
    compiled = formulas.Parser().ast("=" + text)[1].compile()
    by_cell = {cells[n]: kwargs[n] for n in names}
    result = compiled(*(by_cell[str(i).upper()] for i in compiled.inputs))
    return float(np.asarray(result).ravel()[0])


def _random_shapes(rng, n):
    for _ in range(n):
        heads = int(rng.integers(1, 64))
        yield dict(
            d_model=float(rng.integers(64, 20000)), n_heads=float(heads), n_kv_heads=float(rng.integers(1, heads + 1)),
            head_dim=float(rng.integers(16, 300)), d_ff=float(rng.integers(64, 80000)), biases=bool(rng.integers(2)),
            gated_ffn=bool(rng.integers(2)),
        )


def test_block_excel_renderings_equal_the_core():
    rng = np.random.default_rng(9)
    for shape in _random_shapes(rng, 12):
        attn = {k: shape[k] for k in ("d_model", "n_heads", "n_kv_heads", "head_dim", "biases")}
        assert _excel_value(xlcost.attention_params, attn) == pytest.approx(xlcost.attention_params(**attn), rel=1e-12)
        ffn = {k: shape[k] for k in ("d_model", "d_ff", "gated_ffn", "biases")}
        assert _excel_value(xlcost.ffn_params, ffn) == pytest.approx(xlcost.ffn_params(**ffn), rel=1e-12)
        experts = float(rng.integers(1, 300))
        moe = dict(d_model=shape["d_model"], expert_d_ff=shape["d_ff"], n_experts=experts,
                   experts_per_token=float(rng.integers(1, experts + 1)), n_shared_experts=float(rng.integers(0, 3)),
                   gated_ffn=shape["gated_ffn"], biases=shape["biases"], active=bool(rng.integers(2)))
        assert _excel_value(xlcost.moe_ffn_params, moe) == pytest.approx(xlcost.moe_ffn_params(**moe), rel=1e-12)
        mla = dict(d_model=shape["d_model"], n_heads=shape["n_heads"], kv_lora_rank=float(rng.integers(1, 1024)),
                   qk_rope_head_dim=float(rng.integers(0, 128)), qk_nope_head_dim=float(rng.integers(1, 256)),
                   v_head_dim=float(rng.integers(1, 256)), q_lora_rank=float(rng.choice([0, rng.integers(1, 2048)])))
        assert _excel_value(xlcost.mla_attention_params, mla) == pytest.approx(xlcost.mla_attention_params(**mla), rel=1e-12)


def test_transformer_params_excel_rendering_equals_the_core():
    rng = np.random.default_rng(10)
    for shape in _random_shapes(rng, 12):
        args = dict(n_layers=float(rng.integers(1, 130)), d_model=shape["d_model"], vocab=float(rng.integers(1000, 300000)),
                    context=float(rng.choice([0, 2048])), d_ff=shape["d_ff"], n_heads=shape["n_heads"],
                    n_kv_heads=shape["n_kv_heads"], gated_ffn=shape["gated_ffn"], tied_embeddings=bool(rng.integers(2)),
                    biases=shape["biases"], head_dim=float(rng.choice([0, shape["head_dim"]])))
        assert _excel_value(xlcost.transformer_params, args) == pytest.approx(xlcost.transformer_params(**args), rel=1e-12)


def test_matmul_params_per_token_one_convention():
    # gpt-oss model card, Table 1: 3.61B / 5.13B active, counted without the input embedding
    assert catalog.model("gpt-oss-20b").matmul_params_per_token == pytest.approx(3.61e9, rel=0.005)
    assert catalog.model("gpt-oss-120b").matmul_params_per_token == pytest.approx(5.13e9, rel=0.005)
    # Mixtral: Mistral's 12.9B active include both tables; less the 32000 x 4096 lookup: ~12.77B
    assert catalog.model("Mixtral-8x7B").matmul_params_per_token == pytest.approx(12.9e9 - 32000 * 4096, rel=0.005)
    # PaLM ties its table: the output layer multiplies by it, nothing is left out (Table 1: 540.35B)
    assert catalog.model("PaLM").matmul_params_per_token == pytest.approx(540.35e9, rel=0.001)
