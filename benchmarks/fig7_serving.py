"""Figure 7: serving throughput, side by side with llm-analysis' inference analysis.

The same scenarios in both tools, configured alike wherever both have the knob (16-bit
weights and math, 50 % of peak FLOP/s and 80 % of HBM bandwidth achieved: xlcost's
defaults, handed to llm-analysis as ``flops_efficiency`` / ``hbm_memory_efficiency``):

* one scenario: Llama-2-70B on 4 A100-SXM4-80GB (tensor parallel), batch 16, 512
  prompt + 128 generated tokens. xlcost through its Excel function
  ``SERVE_THROUGHPUT`` (names in, catalog lookups, one cell out), through
  ``xlcost.serving.serve_throughput`` and through the core with the replica's numbers
  already in hand; llm-analysis' ``infer`` (one call, logging off).
* a sweep of 10,000 scenarios of the same replica: 100 batch sizes x 100 prompt
  lengths. xlcost: one array call of ``core.serving.output_tokens_per_s`` (static batches,
  as llm-analysis computes them; the scalar call against INFER_COST is in figure 3);
  llm-analysis: one ``infer`` call per scenario, timed on a sample.
* answers: both tools' figures for the measured serving anchors they can both
  express (static batch given, a chip and a model llm-analysis ships a config for),
  against the measurement.

Prints ratios; asserts nothing.
"""

import csv
import statistics
import time
from pathlib import Path

import numpy as np

from harness import Row, median_of

SWEEP = 10_000
EFFICIENCY = {"flops": 0.5, "hbm": 0.8}  # xlcost's COMPUTE_EFFICIENCY and BANDWIDTH_EFFICIENCY
SCENARIO = dict(model="Llama-2-70B", hardware="A100-80GB", n_units=4, batch=16, prompt=512, generate=128)
ANCHORS = Path(__file__).resolve().parents[1] / "tests" / "reference" / "serving-anchors.csv"
# xlcost name -> llm-analysis name, where llm-analysis ships a config for the model or the chip
LLM_MODELS = {"GPT-J-6B": "EleutherAI_gpt-j-6b", "Llama-2-7B": "NousResearch_Llama-2-7b-hf",
              "Llama-2-70B": "upstage_Llama-2-70b-instruct-v2", "GPT-3 13B": "test-13b"}
LLM_GPUS = {"A100-40GB": "a100-sxm-40gb", "A100-80GB": "a100-sxm-80gb", "H100": "h100-sxm-80gb"}


def _llm_infer(model, gpu, n_units, batch, prompt, generate, precision="fp16"):
    from llm_analysis.analysis import infer

    eight_bit = precision == "fp8"  # llm-analysis has no fp8: its 8-bit path (w8a8) at the chip's int8 peak
    return infer(model_name=model, gpu_name=gpu, log_level="ERROR", tp_size=n_units, batch_size_per_gpu=batch,
                 seq_len=prompt, num_tokens_to_generate=generate, dtype_name="w8a8e16" if eight_bit else "w16a16e16",
                 kv_cache_dtype_bytes=1 if eight_bit else 2, flops_efficiency=EFFICIENCY["flops"],
                 hbm_memory_efficiency=EFFICIENCY["hbm"])


def _llm_figure(result, metric, batch, generate):
    """llm-analysis' answer for an anchor metric (its request = prefill + ``generate`` decode steps)."""
    if metric == "output_tokens_per_s":
        return batch * generate / result["total_latency"]
    return {"ttft_s": result["prefill_latency"], "tpot_s": result["decode_latency"],
            "request_s": result["total_latency"]}[metric]


def _anchor_lines():
    from xlcost import serving

    lines = []
    with ANCHORS.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(line for line in handle if not line.startswith("#"))
                if r["use"] == "calibrate" and r["batch"] and r["model"] in LLM_MODELS and r["hardware"] in LLM_GPUS]
    for row in rows:
        n, batch, prompt = int(row["n_units"]), int(row["batch"]), int(row["input_tokens"])
        generate = int(row["output_tokens"] or 1)
        measured = float(row["value"])
        args = (row["model"], row["hardware"], n, prompt, generate, row["precision"])
        try:
            if row["metric"] == "output_tokens_per_s":
                xl = serving.serve_throughput(*args, batch, batching="static")
            else:
                xl = serving.serve_latency(*args, batch, row["metric"][:-2], batching="static")
        except Exception as error:  # noqa: BLE001 - a refusal is reported, not hidden
            xl, xl_note = float("nan"), f"refused: {error}"
        else:
            xl_note = ""
        try:
            la = _llm_figure(_llm_infer(LLM_MODELS[row["model"]], LLM_GPUS[row["hardware"]], n, batch, prompt,
                                        generate, row["precision"]), row["metric"], batch, generate)
        except Exception as error:  # noqa: BLE001
            la = float("nan")
            xl_note += f" llm-analysis refused: {type(error).__name__}"
        lines.append((row["id"], row["metric"], measured, xl, la, xl_note.strip()))
    return lines


def _error_summary(ratios):
    ratios = np.asarray(ratios, dtype=float)
    errors = np.where(np.isnan(ratios), np.inf, np.abs(ratios - 1))
    within = np.mean((ratios >= 0.5) & (ratios <= 2))
    return float(np.median(errors)), float(within)


def run(quick=False):
    try:
        t0 = time.perf_counter()
        import llm_analysis.analysis  # noqa: F401

        import_s = time.perf_counter() - t0
    except ImportError as error:
        return [Row("7", "serving, side by side with llm-analysis", None,
                    note=f"unavailable: llm-analysis is not installed ({error}); pip install -e '.[bench]'")]
    import logging

    logging.getLogger("__name__").setLevel(logging.ERROR)
    from xlcost import serving, udfs
    from xlcost.core import serving as core

    s = SCENARIO
    repeat = 3 if quick else 7
    replica = serving.replica(s["model"], s["hardware"], s["n_units"], "fp16")
    la_name, la_gpu = LLM_MODELS[s["model"]], LLM_GPUS[s["hardware"]]

    # ------------------------------------------------------------ one scenario: answers
    la = _llm_infer(la_name, la_gpu, s["n_units"], s["batch"], s["prompt"], s["generate"])
    xl = {
        "output tokens/s": core.output_tokens_per_s(s["prompt"], s["generate"], s["batch"], "static", **replica),
        "TTFT, s": core.ttft_seconds(s["prompt"], s["generate"], s["batch"], "static", **replica),
        "TPOT, s": core.tpot_seconds(s["prompt"], s["generate"], s["batch"], "static", **replica),
    }
    theirs = {"output tokens/s": _llm_figure(la, "output_tokens_per_s", s["batch"], s["generate"]),
              "TTFT, s": la["prefill_latency"], "TPOT, s": la["decode_latency"]}
    text = ["Figure 7, one scenario: Llama-2-70B fp16 on 4 x A100-80GB, batch 16, 512 + 128 tokens "
            "(llm-analysis' shipped Llama-2-70B config has a non-gated 32,768-wide FFN and tied embeddings)",
            f"  {'quantity':<16} {'xlcost':>12} {'llm-analysis':>14} {'xl / llm':>9}"]
    for key in xl:
        text.append(f"  {key:<16} {xl[key]:>12.5g} {theirs[key]:>14.5g} {xl[key] / theirs[key]:>9.2f}")

    # ------------------------------------------------------------ time per scenario
    def excel():
        return udfs.SERVE_THROUGHPUT(s["model"], s["hardware"], s["n_units"], s["prompt"], s["generate"], "fp16",
                                     s["batch"], "static")

    def by_name():
        return serving.serve_throughput(s["model"], s["hardware"], s["n_units"], s["prompt"], s["generate"], "fp16",
                                        s["batch"], "static")

    def numbers():
        return core.output_tokens_per_s(s["prompt"], s["generate"], s["batch"], "static", **replica)

    def theirs_once():
        return _llm_infer(la_name, la_gpu, s["n_units"], s["batch"], s["prompt"], s["generate"])

    t_la = median_of(theirs_once, repeat=repeat, min_time=0.02)
    rows = []
    for label, function in (("SERVE_THROUGHPUT, one scenario (Excel function)", excel),
                            ("xlcost.serving.serve_throughput, one scenario", by_name),
                            ("core output_tokens_per_s, one scenario", numbers)):
        t = median_of(function, repeat=repeat, min_time=0.02)
        rows.append(Row("7", label, t, "llm-analysis infer, same scenario", t_la, ratio=t / t_la,
                        note=f"{t_la / t:,.0f}x faster"))
    rows[0].note += f"; importing llm-analysis takes {import_s:.2f} s (transformers)"

    # ------------------------------------------------------------ sweep of 10,000
    batches = np.arange(1.0, 101.0)[:, None]
    prompts = np.linspace(128, 3968, 100).round()[None, :]
    t_xl_sweep = median_of(lambda: core.output_tokens_per_s(prompts, s["generate"], batches, "static", **replica),
                           repeat=repeat, min_time=0.02) / SWEEP
    sample = [(int(b), int(p)) for b, p in zip((1, 4, 8, 16, 24, 32, 64, 100), np.linspace(128, 3968, 8).round())]
    times, ratios = [], []
    for b, p in sample:
        start = time.perf_counter()
        result = _llm_infer(la_name, la_gpu, s["n_units"], b, p, s["generate"])
        times.append(time.perf_counter() - start)
        ratios.append(core.output_tokens_per_s(p, s["generate"], b, "static", **replica)
                      / _llm_figure(result, "output_tokens_per_s", b, s["generate"]))
    t_la_sweep = statistics.median(times)
    rows.append(Row("7", f"throughput, per scenario in a sweep of {SWEEP:,}", t_xl_sweep,
                    "llm-analysis infer, one call per scenario (sampled)", t_la_sweep, ratio=t_xl_sweep / t_la_sweep,
                    note=f"{t_la_sweep / t_xl_sweep:,.0f}x faster; xlcost / llm-analysis throughput on the sample: "
                         f"{min(ratios):.2f} to {max(ratios):.2f}"))

    # ------------------------------------------------------------ answers against measurements
    lines = _anchor_lines()
    text.append("Figure 7, measured anchors both tools can express (static batch; llm-analysis given xlcost's "
                "efficiencies; fp8 rows run as its w8a8 at the int8 peak, 8-bit KV)")
    text.append(f"  {'anchor':<16} {'metric':<20} {'measured':>10} {'xlcost':>10} {'ratio':>6} "
                f"{'llm-analysis':>12} {'ratio':>6}")
    for anchor, metric, measured, xl_value, la_value, note in lines:
        text.append(f"  {anchor:<16} {metric:<20} {measured:>10.4g} {xl_value:>10.4g} {xl_value / measured:>6.2f} "
                    f"{la_value:>12.4g} {la_value / measured:>6.2f} {note}")
    xl_median, xl_within = _error_summary([line[3] / line[2] for line in lines])
    la_median, la_within = _error_summary([line[4] / line[2] for line in lines])
    text.append(f"  {len(lines)} rows: median absolute error xlcost {xl_median:.0%} (within 2x: {xl_within:.0%}), "
                f"llm-analysis {la_median:.0%} (within 2x: {la_within:.0%})")
    return rows, {"text": "\n".join(text), "anchors": lines}
