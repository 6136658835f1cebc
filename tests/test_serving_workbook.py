"""serving_economics.xlsx (templates/serving_economics.toml) says what the serving core says.

The workbook's numbers are native formulas; ``xlcost.workbook.evaluate`` computes them in
Python (quantity cells through the core, formula cells through their Excel text), and
test_workbooks_libreoffice.py proves LibreOffice gets the same. Here the workbook's
answers are compared with the Python serving functions asked the same questions.
"""

import pytest

from xlcost import serving, udfs
from xlcost.workbook import compile_file, templates
from xlcost.workbook.evaluate import evaluate


@pytest.fixture(scope="module")
def book():
    book = compile_file(next(p for p in templates() if p.stem == "serving_economics"))
    values = evaluate(book)
    return lambda name: values[book.names[name]]


@pytest.mark.parametrize("item, model, hardware, n_units, precision, parallel", [
    ("llama_3_1_8b_1xh100_fp8", "Llama-3.1-8B", "coreweave-hgx-h100", 1, "fp8", "tp"),
    ("llama_3_1_70b_4xa100_bf16", "Llama-3.1-70B", "coreweave-hgx-a100", 4, "bf16", "tp"),
    ("llama_3_1_70b_1xb200_fp4", "Llama-3.1-70B", "coreweave-hgx-b200", 1, "fp4", "tp"),
    ("mixtral_8x7b_2xh100_bf16", "Mixtral-8x7B", "coreweave-hgx-h100", 2, "bf16", "tp"),
    ("deepseek_v3_8xh200_fp8", "DeepSeek-V3", "coreweave-hgx-h200", 8, "fp8", "dep"),
])
def test_price_grid_equals_serve_throughput_and_serve_cost(book, item, model, hardware, n_units, precision, parallel):
    args = (model, hardware, n_units, 1000, 1000, precision)
    assert book(f"grid_throughput_{item}") == pytest.approx(serving.serve_throughput(*args, parallel=parallel),
                                                             rel=1e-9)
    for per in ("input", "output"):
        cost = serving.serve_cost(model, hardware, None, *args[2:], per=per, parallel=parallel)  # price per chip
        assert book(f"grid_usd_per_1m_{per}_{item}") == pytest.approx(cost, rel=1e-9)
    assert book(f"grid_usd_per_1m_input_{item}") < book(f"grid_usd_per_1m_output_{item}")


def test_prefill_against_decode_follows_seed_003(book):
    # LLaMA-13B bf16 (26 GB) on a 48 GB A6000 at 1,024 + 256 tokens: the KV of 18 sequences
    # fits in 90% of the 22 GB the weights leave, the article's practical optimum
    assert book("max_batch") == serving.max_batch("LLaMA-13B", "RTX-A6000", 1, 1280)
    assert book("max_batch") == 18
    # the article's comparison: a prompt's prefill against a decode step (static batches)
    ttft = serving.serve_latency("LLaMA-13B", "RTX-A6000", 1, 1024, 256, "bf16", 1, "ttft", "static")
    tpot = serving.serve_latency("LLaMA-13B", "RTX-A6000", 1, 1024, 256, "bf16", 1, "tpot", "static")
    assert book("decode_vs_prefill_b1") == pytest.approx(tpot / (ttft / 1024), rel=1e-9)
    # decode is two orders of magnitude slower per token at batch 1, about ten times at 18
    assert 100 < book("decode_vs_prefill_b1") < 300
    assert 5 < book("decode_vs_prefill_b18") < 20


def test_t17_and_build_against_buy(book):
    # 1,000 users every 3 s, 50 + 1,000 tokens, GPT-3 175B: thousands of A100s, not 0.25
    assert book("t17s_chips_without_targets") > 1000
    assert book("t17s_chips_with_targets") >= book("t17s_chips_without_targets")
    assert book("t17_max_batch") == serving.max_batch("GPT-3 175B", "A100-80GB", 8, 1050)
    assert book("bvb_throughput") == pytest.approx(
        serving.serve_throughput("DeepSeek-V3", "coreweave-hgx-h200", 8, 1000, 1000, "fp8", parallel="dep"),
        rel=1e-9)
    # DeepSeek's API list price: $0.28 in, $0.42 out per 1M (2025-09-29): 1,000 + 1,000 tokens = $0.0007
    assert book("bvb_api_usd_per_request") == pytest.approx(0.0007)
    # the sheet's break-even is BREAK_EVEN_LOAD's: self-hosted per request over the API's
    load = udfs.BREAK_EVEN_LOAD("DeepSeek-V3", "coreweave-hgx-h200", "deepseek-chat", None, 8, 1000, 1000, "fp8", None,
                                "dep")  # as engines serve DeepSeek-V3: attention data-parallel + expert parallel
    assert book("bvb_breakeven_utilisation") == pytest.approx(load, rel=1e-9)


def test_a_break_even_above_one_reads_never_on_the_sheet():
    # at DeepSeek's $0.28/$0.42 list price a request costs $0.0007, less than the replica's own cost per request
    # at full load ($50.44/h for 8 x H200 over its capacity): above 1, the sheet says "never"
    compiled = compile_file(next(p for p in templates() if p.stem == "serving_economics"))
    values = evaluate(compiled)
    share = values[compiled.names["bvb_breakeven_utilisation"]]
    assert share > 1 and values[compiled.names["bvb_selfhost_pays_from"]] == "never"
    # an API ten times dearer: the same cell shows the share (below 1), the formula unchanged
    dearer = evaluate(compiled, {"bvb_api_input_usd_per_1m": 2.8, "bvb_api_output_usd_per_1m": 4.2})
    assert dearer[compiled.names["bvb_selfhost_pays_from"]] == pytest.approx(share / 10, rel=1e-9)


def test_validation_sheet_agrees_with_the_anchor_test(book):
    import test_serving_anchors as anchors

    rows = anchors.anchor_rows()
    within = 0
    for row in rows:
        try:
            ratio = anchors.predict(row) / float(row["value"])
        except Exception:  # noqa: BLE001 - refused rows count as outside
            continue
        within += 0.5 <= ratio <= 2
    assert book("vals_within_2x_share") == pytest.approx(within / len(rows))


def test_validation_rows_are_the_anchor_rows():
    """The hand-maintained Validation rows say what serving-anchors.csv says, row by row."""
    import test_serving_anchors as anchors
    from xlcost.workbook.template import load

    template = load(next(p for p in templates() if p.stem == "serving_economics"))
    table = next(t for t in template["table"] if t.get("id") == "Anchors")
    rows = {r["id"].lower().replace("-", "_"): r for r in anchors.anchor_rows()}
    items = {item["key"]: item for item in table["items"]}
    assert items.keys() == rows.keys()
    for key, row in rows.items():
        item = items[key]
        assert (item["model"], item["hardware"], item["precision"]) == (row["model"], row["hardware"], row["precision"])
        assert item["n_units"] == float(row["n_units"])
        assert (item["input_tokens"], item["output_tokens"]) == (float(row["input_tokens"]), float(row["output_tokens"] or 1))
        assert item["stated_batch"] == float(row["batch"] or 0)
        assert (item["metric"], item["measured"]) == (row["metric"], float(row["value"]))
        assert (item["batching"], item["parallel"]) == (anchors.batching(row), anchors.parallel(row))


def test_rows_keep_their_inputs_and_cite_short_keys_listed_on_the_sources_sheet():
    """Issue 19: the headline first, per-row catalog inputs beside their rows, sources as keys (Sources sheet)."""
    book = compile_file(next(p for p in templates() if p.stem == "serving_economics"))
    assert list(book.sheets)[:2] == ["Contents", "Price grid"]
    assert book.names["grid_n_layers_llama_3_1_8b_1xh100_bf16"].sheet == "Price grid"
    assert book.names["val_measured_trt015_ifb_01"].sheet == "Validation"
    assert book.names["compute_efficiency"].sheet == "Assumptions"  # shared by every row: typed once
    listed = {cell.value for (r, c), cell in book.sheets["Sources"].cells.items() if c == 1 and r > 3}
    validation = book.sheets["Validation"]
    source_col = next(c for (r, c), cell in validation.cells.items() if cell.value == "Source")
    cited = [cell.value for (r, c), cell in validation.cells.items() if c == source_col and cell.value != "Source"]
    assert len(cited) >= 62
    for text in cited:
        assert all(key in listed for key in text.split("; ")), text
    # a calibrate row's source document, in full, under its key
    text = dict((cell.value, book.sheets["Sources"].cells[(r, 2)].value)
                for (r, c), cell in book.sheets["Sources"].cells.items() if c == 1 and r > 3)
    assert "v0.9.0" in text["trtllm-0.9-perf"]


def test_docs_and_notes_quote_the_workbooks_figures(book):
    """docs/serving.md and the Build vs buy note quote the workbook's headline figures, rounded as they say."""
    from pathlib import Path

    root = Path(__file__).parents[1]
    doc = " ".join((root / "docs" / "serving.md").read_text(encoding="utf-8").split())
    decode = [book(f"decode_per_token_s_{b}") / book(f"prefill_per_token_s_{b}") for b in ("b1", "b18")]
    quoted = [
        f"Decode costs ~{round(decode[0], -1):.0f}x prefill per token at batch 1",
        f"and ~{decode[1]:.0f}x at 18",
        f"~{round(book('t17s_chips_without_targets'), -2):,.0f} A100-80GB at the largest concurrency",
        f"~{round(book('t17s_chips_with_targets'), -2):,.0f} under MLPerf's interactive latency limits",
        f"~{round(book('bvb_throughput'), -2):,.0f} output tokens/s at 1,000 + 1,000",
    ]
    assert [text for text in quoted if text not in doc] == []
    note = (root / "templates" / "serving_economics.toml").read_text(encoding="utf-8")
    assert f"~{round(book('bvb_throughput'), -2):,.0f} output tokens/s at 1,000 + 1,000 tokens" in note
