"""docs/serving.md quotes the serving model's own figures: each is checked here against the code.

The page explains the model with worked numbers (a batch that fits, a TTFT, the anchors'
validation table and its summary, held-out rows). They are the code's output, so a change
to the model or the catalog that moves one fails this test instead of leaving the page
stale. Nothing here judges the model (tests/test_serving_anchors.py does, against the
measurements); this only keeps the page honest. To regenerate the validation table and
its summary line after a deliberate change::

    python tests/test_serving_docs.py

The held-out rows are TensorRT-LLM 1.2's perf-overview tables the anchors do not carry
(output tokens/s per GPU at 1,000 + 1,000 tokens; NVIDIA/TensorRT-LLM
docs/source/developer-guide/perf-overview.md, release 1.2).
"""

import functools
import math
import statistics
from pathlib import Path

import pytest

import test_serving_anchors as anchors
from xlcost import catalog, serving
from xlcost.core import serving as core

DOC = Path(__file__).parents[1] / "docs" / "serving.md"
# held out: (model, hardware, chips, precision, parallel, measured output tokens/s per GPU), TensorRT-LLM 1.2
HELD_OUT = {
    "qwen235-h200": ("Qwen3-235B-A22B", "H200", 4, "fp8", "dep", 3288),
    "qwen235-b200": ("Qwen3-235B-A22B", "B200", 4, "fp4", "dep", 5764),
    "qwen235-h100": ("Qwen3-235B-A22B", "H100", 8, "fp8", "dep", 1932),
    "qwen30-b200": ("Qwen3-30B-A3B", "B200", 1, "fp4", "tp", 26971),
    "llama33-b200": ("Llama-3.3-70B", "B200", 1, "fp4", "tp", 6920),
    "llama33-h100": ("Llama-3.3-70B", "H100", 2, "fp8", "tp", 2209),
}


def _ratio(anchor_id):
    row, predicted, _ = next(p for p in anchors.predictions() if p[0]["id"] == anchor_id)
    return predicted / float(row["value"])


@functools.cache
def _moe_fit(expert_params_half):
    """(median absolute error, geometric-mean ratio) of the trt12 rows at ``expert_params_half``."""
    ratios = []
    for row, _, _ in anchors.predictions():
        if row["id"].startswith("trt12-"):
            predicted = serving.serve_throughput(
                row["model"], row["hardware"], float(row["n_units"]), float(row["input_tokens"]),
                float(row["output_tokens"]), row["precision"], parallel=anchors.parallel(row),
                expert_params_half=expert_params_half)
            ratios.append(predicted / float(row["value"]))
    return statistics.median(abs(r - 1) for r in ratios), math.exp(statistics.mean(map(math.log, ratios)))


def _held_out(key):
    model, hardware, n, precision, parallel, measured = HELD_OUT[key]
    return serving.serve_throughput(model, hardware, n, 1000, 1000, precision, parallel=parallel) / n / measured


def markdown_table():
    """The validation table as docs/serving.md shows it, from the predictions of the anchor test."""
    lines = ["| anchor | model | replica | precision | in / out | batch | batching | metric | measured | predicted "
             "| ratio |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for row, predicted, _ in anchors.predictions():
        replica = f"{row['n_units']} x {row['hardware']}" + (" (DEP)" if anchors.parallel(row) == "dep" else "")
        refused = math.isnan(predicted)
        lines.append(" | ".join((
            f"| {row['id']}", row["model"], replica, row["precision"],
            f"{row['input_tokens']}/{row['output_tokens'] or '-'}", row["batch"] or "max", anchors.batching(row),
            row["metric"], f"{float(row['value']):.4g}", "refused (context)" if refused else f"{predicted:.4g}",
            "—" if refused else f"{predicted / float(row['value']):.2f} |")))
    return "\n".join(lines)


def _share(pairs):
    within = sum(0.5 <= anchors._ratio(r, p) <= 2 for r, p, _ in pairs if not math.isnan(p))
    return f"{100 * anchors._median_error(pairs):.1f} %", within


def summary():
    """The summary line under the table."""
    rows = anchors.predictions()
    moe = [p for p in rows if p[0]["id"].startswith("trt12-")]
    older = rows[:anchors.ISSUE_11_ROWS]
    (median, within), (moe_median, moe_within), (old_median, old_within) = map(_share, (rows, moe, older))
    return (f"**Result: median absolute error {median}; {within} of {len(rows)} rows "
            f"({100 * within / len(rows):.1f} %) within 2x; the {len(moe)} `trt12-*` rows {moe_median} "
            f"({moe_within} of {len(moe)} within 2x); the {len(older)} older rows {old_median} "
            f"({old_within} of {len(older)}).**")


def claims():
    """Every other figure the page quotes, as the text it must contain."""
    qwen = serving.replica("Qwen3-235B-A22B", "H200", 8, "fp8")
    deepseek = serving.replica("DeepSeek-V3", "H200", 8, "fp8")
    yield (f"max batch {serving.max_batch('Qwen3-235B-A22B', 'H200', 8, 2000, 'fp8'):,.0f} "
           f"({core.max_batch(2000, **dict(qwen, n_kv_heads=0)):,.0f} before this was modelled)")
    yield f"fits {serving.max_batch('DeepSeek-V3', 'H200', 8, 2000, 'fp8'):,.0f} sequences"
    yield f"the {core.max_batch(2000, **dict(deepseek, n_kv_heads=8)):,.0f} of the latent split eight ways"
    size = {m: catalog.model(m).params_per_expert for m in ("Mixtral-8x7B", "DeepSeek-V3", "gpt-oss-120b")}
    s = {m: f"{p / (p + core.EXPERT_PARAMS_HALF):.2f}" for m, p in size.items()}
    yield (f"Mixtral's {size['Mixtral-8x7B'] / 1e6:.0f}M-parameter experts run at `s = {s['Mixtral-8x7B']}`, "
           f"DeepSeek's {size['DeepSeek-V3'] / 1e6:.0f}M at {s['DeepSeek-V3']}, gpt-oss's "
           f"{size['gpt-oss-120b'] / 1e6:.0f}M at {s['gpt-oss-120b']}")
    args = ("Llama-3.3-70B", "H100", 2, 5000, 500, "fp8", 50)
    yield f"TTFT of {serving.serve_latency(*args):.2f} s continuous"
    yield f"against {serving.serve_latency(*args, batching='static'):.1f} s static"
    for chip in ("H100", "MI300X"):
        unit = catalog.hardware(chip)
        yield f"{chip} bf16 {unit.compute_efficiency('bf16')}, fp8 {unit.compute_efficiency('fp8')}"
    yield f"B200 fp8 {catalog.hardware('B200').compute_efficiency('fp8')}"
    yield (f"H100 {catalog.hardware('H100').bandwidth_efficiency}, "
           f"MI300X {catalog.hardware('MI300X').bandwidth_efficiency}: chips.csv")
    ratios = {r["id"]: p / float(r["value"]) for r, p, _ in anchors.predictions()}

    def span(*ids):
        low, high = min(ratios[i] for i in ids), max(ratios[i] for i in ids)
        return f"{low:.2f}-{high:.2f}x"

    yield f"1,024/32,768: predicted {ratios['trt12-28']:.2f}x."
    yield f"The same model's other H100 rows are {span('trt12-18', 'trt12-22', 'trt12-32', 'trt12-36')}."
    yield (f"trt050-h200-05 (Llama-2-70B, 2 x H200, 128/2048, batch 512): {ratios['trt050-h200-05']:.2f}x; "
           f"trt061-h100-03 (4 x H100, 128/2048, batch 480): {ratios['trt061-h100-03']:.2f}x; "
           f"trt061-h100-05 (2 x H100, 2048/2048, batch 64): {ratios['trt061-h100-05']:.2f}x.")
    yield f"(trt12-07, -08, -09, -12): {span('trt12-07', 'trt12-08', 'trt12-09', 'trt12-12')}."
    yield f"its 8k/1k rows {span('trt12-13', 'trt12-14')}"
    yield f"(trt12-24, one GB200 at 1,024/8,192: {ratios['trt12-24']:.2f}x)"
    yield f"trt05-ftl-01, 70B 4 x H100 128 tokens: {ratios['trt05-ftl-01']:.2f}x"
    yield f"trt050-hva-03, GPT-J H100 128 tokens: {ratios['trt050-hva-03']:.2f}x"
    yield (f"(trt12-53, one H200 at 8,192/1,024: {ratios['trt12-53']:.2f}x; trt12-54, -57, -58: "
           f"{span('trt12-54', 'trt12-57', 'trt12-58')})")
    yield f"its 1k/1k rows there {span('trt12-39', 'trt12-40', 'trt12-43', 'trt12-44')}"
    yield f"on Blackwell they are {span('trt12-37', 'trt12-38', 'trt12-41', 'trt12-42')}"
    fits = [(f"{100 * error:.1f} %", f"{ratio:.2f}") for error, ratio in map(_moe_fit, (150e6, 175e6, 200e6, 225e6))]
    yield (f"{fits[0][0]} at 150e6 (their geometric-mean ratio {fits[0][1]}), {fits[1][0]} at 175e6 ({fits[1][1]}), "
           f"{fits[2][0]} at 200e6 ({fits[2][1]}), {fits[3][0]} at 225e6 ({fits[3][1]})")
    held = {key: f"{_held_out(key):.2f}x" for key in HELD_OUT}
    yield (f"predicted {held['qwen235-h200']} its 3,288 tok/s per GPU, on 4 x B200 fp4 {held['qwen235-b200']}, "
           f"DEP8 on 8 x H100 {held['qwen235-h100']}; Qwen3-30B-A3B on one B200 fp4 {held['qwen30-b200']}; "
           f"the dense Llama-3.3-70B {held['llama33-h100']} (2 x H100 fp8) to {held['llama33-b200']} (one B200 fp4)")
    yield f"(Qwen3-235B {held['qwen235-h200'][:-1]}-{held['qwen235-b200']}, Qwen3-30B {held['qwen30-b200']})"
    yield f"the MoE predictions are {held['qwen235-h200'][:-1]}-{held['qwen235-b200']} their measurements"


@pytest.fixture(scope="module")
def doc():
    return DOC.read_text(encoding="utf-8")


def test_the_validation_table_is_the_codes(doc):
    assert markdown_table() in doc, "regenerate it: python tests/test_serving_docs.py"


def test_the_summary_is_the_codes(doc):
    assert summary() in " ".join(doc.split()), summary()


def test_every_other_figure_is_the_codes(doc):
    flat = " ".join(doc.split())
    missing = [text for text in claims() if text not in flat]
    assert not missing, missing


def test_the_expert_size_factor_is_the_best_of_its_neighbours_on_the_moe_rows():
    """docs/serving.md: of 150e6, 175e6 and 200e6, 175e6 gives the trt12 rows' lowest median error."""
    errors = {half: _moe_fit(half)[0] for half in (150e6, 175e6, 200e6)}
    assert errors[175e6] == min(errors.values()), errors


if __name__ == "__main__":
    print(markdown_table())
    print()
    print(summary())
