"""Write templates/serving_economics.toml from the catalog through xlcost.serving.

    python scripts/make_serving_economics.py     # after a catalog or serving-model change

The template's inputs (model shapes, chip figures, prices) are the numbers
``xlcost.serving.replica`` gives the core, each with its catalog source; its formulas
are the core quantities' Excel renderings. tests/test_serving_workbook.py checks the
workbook's answers against the Python serving functions.
"""

import csv
import json
import re
from pathlib import Path

from xlcost import catalog, serving
from xlcost.core import serving as cs

ROOT = Path(__file__).resolve().parents[1]

OUT = []
def w(line=""): OUT.append(line)
def q(text): return json.dumps(text, ensure_ascii=False)
def num(x):
    x = float(x)
    if x == int(x) and abs(x) < 1e15: return str(int(x))
    return repr(x)

EFF_SOURCE = "xlcost default, docs/serving.md (calibrated on 62 measured anchors; cited there)"
def efficiency_fields(prefix=""):
    rows = [("compute_efficiency", "Achieved fraction of peak FLOP/s (GEMMs)", "fraction", "0%", cs.COMPUTE_EFFICIENCY),
            ("bandwidth_efficiency", "Achieved fraction of memory bandwidth", "fraction", "0%", cs.BANDWIDTH_EFFICIENCY),
            ("layer_overhead_s", "Fixed time per layer per forward pass", "s", "0.000000", cs.LAYER_OVERHEAD_S),
            ("allreduce_latency_s", "Fixed time per all-reduce (tensor parallel)", "s", "0.000000", cs.ALLREDUCE_LATENCY_S),
            ("memory_reserve", "Share of the memory left by the weights kept for activations", "fraction", "0%", cs.MEMORY_RESERVE)]
    for key, label, unit, fmt, value in rows:
        field(key, label, unit, fmt, value=value, source=EFF_SOURCE)

def field(key, label, unit="", fmt=None, **kw):
    w("[[table.field]]")
    w(f"key = {q(key)}")
    w(f"label = {q(label)}")
    if unit: w(f"unit = {q(unit)}")
    if fmt: w(f"format = {q(fmt)}")
    for k, v in kw.items():
        if k == "args":
            w("args = { " + ", ".join(f"{a} = {q(e)}" for a, e in v.items()) + " }")
        elif isinstance(v, str): w(f"{k} = {q(v)}")
        elif isinstance(v, list):
            w(f"{k} = [" + ", ".join(q(x) if isinstance(x, str) else num(x) for x in v) + "]")
        elif isinstance(v, dict):
            w(f"{k} = {{ " + ", ".join(f"{a} = {q(b) if isinstance(b, str) else num(b)}" for a, b in v.items()) + " }")
        else: w(f"{k} = {num(v)}")
    w()

def heading(text):
    w("[[table.field]]"); w(f"heading = {q(text)}"); w()

def forward_args(tokens, attended, kv_moved, weights_read):
    return {"tokens": tokens, "attended_per_token": attended, "kv_bytes_moved": kv_moved,
            "weight_bytes_read": weights_read, "linear_flops_per_token": "linear_flops_per_token",
            "attention_flops_per_attended": "attention_flops_per_attended", "n_layers": "n_layers",
            "d_model": "d_model", "n_units": "n_units", "peak_flops_per_s": "peak_flops_per_s",
            "memory_bandwidth_bytes_per_s": "memory_bandwidth_bytes_per_s",
            "interconnect_bytes_per_s": "interconnect_bytes_per_s", "compute_efficiency": "compute_efficiency",
            "bandwidth_efficiency": "bandwidth_efficiency", "layer_overhead_s": "layer_overhead_s",
            "allreduce_latency_s": "allreduce_latency_s"}

MODEL_LABELS = [
    ("n_layers", "Layers", "", "#,##0"), ("d_model", "Model width (all-reduced activations)", "", "#,##0"),
    ("shared_weight_bytes", "Shared weights (all but routed experts)", "bytes", "0.00E+00"),
    ("expert_weight_bytes", "One routed expert of one MoE layer", "bytes", "0.00E+00"),
    ("moe_layers", "MoE layers", "", "#,##0"), ("n_experts", "Routed experts per MoE layer", "", "#,##0"),
    ("experts_per_token", "Experts per token", "", "#,##0"),
    ("linear_flops_per_token", "Linear-layer FLOPs per token (2 x active, no lookup)", "FLOPs", "0.00E+00"),
    ("attention_flops_per_attended", "Attention FLOPs per cached token per layer (prefill)", "FLOPs", "#,##0"),
    ("decode_attention_flops_per_attended", "Attention FLOPs per cached token per layer (decode; MLA absorbed)", "FLOPs", "#,##0"),
    ("kv_bytes_per_token", "KV cache per token", "bytes", "#,##0"),
    ("n_kv_heads", "KV heads (MLA: 1, its latent; each chip holds at least one)", "", "#,##0"),
    ("window", "Sliding window (0: none)", "tokens", "#,##0"), ("window_layers", "Layers with the window", "", "#,##0"),
]
HW_LABELS = [("n_units", "Chips in the replica (tensor parallel)", "", "0"),
             ("peak_flops_per_s", "Peak FLOP/s per chip at the precision", "FLOP/s", "0.00E+00"),
             ("memory_bytes", "Memory per chip", "bytes", "0.00E+00"),
             ("memory_bandwidth_bytes_per_s", "Memory bandwidth per chip", "bytes/s", "0.00E+00"),
             ("interconnect_bytes_per_s", "Interconnect per chip, one direction", "bytes/s", "0.00E+00")]

def replica_source(model, hardware, precision):
    m = catalog.model(model); h = catalog.hardware(hardware)
    return (f"xlcost.serving.replica({model!r}, {hardware!r}, precision {precision!r}) from catalog models: {m.name} "
            f"({m.row['source'][:90]}...) and chips: {h.chip['name']} ({h.chip['source'][:90]}...)")

def replica_fields(scenarios, shared=False):
    """Per-item inputs: the serving core's arguments for each scenario (model, hardware, n, precision)."""
    reps = [serving.replica(m, h, n, p) for (m, h, n, p) in scenarios]
    srcs = [replica_source(m, h, p) for (m, h, n, p) in scenarios]
    for key, label, unit, fmt in MODEL_LABELS + HW_LABELS:
        vals = [r[key] for r in reps]
        if shared:
            field(key, label, unit, fmt, value=vals[0], source=srcs[0])
        else:
            field(key, label, unit, fmt, values=vals, source="per row: " + "; ".join(dict.fromkeys(srcs))[:600])

def _plain(pattern):
    """A core Excel pattern over field keys named like its arguments."""
    return pattern.replace("{", "").replace("}", "")


def derived_fields(batch_formula):
    field("kv_copies", "Copies of each KV head in the replica (chips beyond the KV heads hold copies)", "", "0.##",
          formula="IF(n_kv_heads>0,MAX(n_kv_heads,n_units)/n_kv_heads,1)")
    field("weight_bytes", "Weights held (every expert)", "bytes", "0.00E+00", quantity="weight_bytes",
          args={"shared_weight_bytes": "shared_weight_bytes", "expert_weight_bytes": "expert_weight_bytes",
                "moe_layers": "moe_layers", "n_experts": "n_experts"})
    field("kv_seq", "KV cache of one sequence at input + output tokens", "bytes", "0.00E+00",
          quantity="kv_bytes_per_sequence", args={"context": "input_tokens+output_tokens",
          "kv_bytes_per_token": "kv_bytes_per_token*kv_copies", "n_layers": "n_layers", "window": "window",
          "window_layers": "window_layers"})
    field("max_batch", "Largest batch that fits", "sequences", "#,##0", quantity="kv_fit_batch",
          args={"n_units": "n_units", "memory_bytes": "memory_bytes", "weight_bytes": "weight_bytes",
                "kv_bytes_per_sequence": "kv_seq", "memory_reserve": "memory_reserve"})
    field("batch", "Batch served", "sequences", "#,##0", formula=batch_formula)
    field("prefill_s", "Prefill of the batch's prompts (time to first token)", "s", "0.0000", quantity="forward_seconds",
          args=forward_args("batch*input_tokens",
                            "(n_layers-window_layers)*input_tokens/2+window_layers*MIN(input_tokens/2,window)",
                            "batch*kv_bytes_per_token*kv_copies/n_layers*((n_layers-window_layers)*input_tokens+window_layers*MIN(input_tokens,window))",
                            _plain(cs._fill(cs.weight_bytes_read.excel, tokens="batch*input_tokens"))))
    field("step_s", "Decode step at the mean context (time per output token)", "s", "0.00000", quantity="forward_seconds",
          args=forward_args("batch",
                            "(n_layers-window_layers)*(input_tokens+output_tokens/2)+window_layers*MIN(input_tokens+output_tokens/2,window)",
                            "batch*kv_bytes_per_token*kv_copies/n_layers*((n_layers-window_layers)*(input_tokens+output_tokens/2)+window_layers*MIN(input_tokens+output_tokens/2,window))",
                            _plain(cs._fill(cs.weight_bytes_read.excel, tokens="batch")))
          | {"attention_flops_per_attended": "decode_attention_flops_per_attended"})
    field("throughput", "Output tokens/s of the replica", "tokens/s", "#,##0",
          formula="batch*output_tokens/(prefill_s+(output_tokens-1)*step_s)")

# ============================================================== workbook
w("# Serving economics: what an input and an output token cost on given hardware (issue 11).")
w("# Generated from the catalog through xlcost.serving; every formula is a core quantity's native Excel")
w("# rendering (docs/serving.md), and tests/test_serving_workbook.py checks the values against the core.")
w()
w("[workbook]")
w('file = "serving_economics.xlsx"')
w('title = "Serving economics: input against output tokens, GPUs for a load, build against buy"')
w('subtitle = "A roofline serving model with calibrated efficiencies, as native Excel formulas (no add-in)"')
w('source = "xlcost serving model (docs/serving.md); seeds 003 and 004 (../shared/article-tables.md T17-T19); measured anchors ../shared/serving-anchors.csv"')
w("about = [")
for line in [
    "Every number is a live formula over the yellow inputs on the Assumptions sheet: model shapes and chip figures from the catalog (sourced and dated), workloads, prices, and the model's five efficiency factors.",
    "A forward pass costs, for the linear layers, the slower of reading the weights it touches and doing their FLOPs; for attention, the slower of moving the KV cache and its FLOPs; plus a fixed time per layer and tensor-parallel all-reduces.",
    "Prefill is one pass over every prompt token (compute-bound); a decode step one pass over one token per sequence (bandwidth-bound at small batch). Input tokens are charged the prefill time, output tokens the decode time.",
    "The Validation sheet predicts every measured anchor (TensorRT-LLM, FasterTransformer) and shows the error; docs/serving.md explains the worst rows.",
]:
    w(f"    {q(line)},")
w("]")
w()

# ------------------------------------------------------------ T19: prefill vs decode (seed 003)
m13 = serving.model_arguments("LLaMA-13B", "bf16")
w("[[table]]")
w('sheet = "Prefill vs decode"'); w('id = "T19"')
w('title = "T19. Why an output token costs more than an input token: LLaMA-13B on one RTX A6000 (seed 003)"')
w('source = "seed 003 (prefill vs decode, figures 10-11: LLaMA-13B, A6000, 1,024-token input); xlcost serving model"')
w("items = [")
w('    { key = "b1", label = "Batch 1" },')
w('    { key = "b18", label = "Batch 18 (the article\'s practical optimum)" },')
w('    { key = "bmax", label = "Largest batch that fits" },')
w("]")
w("notes = [")
w(q("At batch 1 a decode step reads all 26 GB of weights for one token; a prompt's 1,024 tokens share one read and keep the tensor cores busy. The article measured decode at 200+ times prefill's time per token at batch 1, and the linear layers' ratio falling below 20x as the batch grows; it suggests batch 18 once the KV cache takes memory, and batch 256 to make decode compute-bound again (it does not fit: see the largest batch).") + ",")
w(q("API prices charge output about 2x input (seed 003, figure 1), while the time ratio is 20-200x: the article's 'scale' between the two.") + ",")
w("]")
w()
a6000 = catalog.hardware("RTX-A6000")
for key, label, unit, fmt in MODEL_LABELS:
    field(key, label, unit, fmt, value=m13[key], source=replica_source("LLaMA-13B", "RTX-A6000", "bf16"))
field("n_units", "Chips", "", "0", value=1, source="seed 003: one A6000")
field("peak_flops_per_s", "Peak FLOP/s (16-bit tensor)", "FLOP/s", "0.00E+00", catalog="chips:RTX-A6000:peak_bf16_flops")
field("memory_bytes", "Memory", "bytes", "0.00E+00", catalog="chips:RTX-A6000:memory_bytes")
field("memory_bandwidth_bytes_per_s", "Memory bandwidth", "bytes/s", "0.00E+00", catalog="chips:RTX-A6000:memory_bandwidth_bytes_per_s")
field("interconnect_bytes_per_s", "Interconnect, one direction (unused with one chip)", "bytes/s", "0.00E+00", value=32e9,
      source="PCIe 4.0 x16, 32 GB/s one direction; no all-reduce on one chip")
field("input_tokens", "Prompt tokens", "tokens", "#,##0", value=1024, source="seed 003: input sequence 1,024")
field("output_tokens", "Generated tokens", "tokens", "#,##0", value=256, source="assumption (the article does not state it)")
efficiency_fields()
heading("Memory and time")
derived_fields(["1", "18", "max_batch"])
heading("Per token")
field("prefill_per_token_s", "Prefill time per input token", "s", "0.00E+00", formula="prefill_s/(batch*input_tokens)")
field("decode_per_token_s", "Decode time per output token (step / batch)", "s", "0.00E+00", formula="step_s/batch")
field("decode_vs_prefill", "Decode time per token / prefill time per token", "x", "#,##0.0",
      formula="decode_per_token_s/prefill_per_token_s", published={"b1": 200}, precision=100,
      expect={"b1": "differs"}, kind={"b1": "other source"},
      note="seed 003 measured '200+' times at batch 1 on its own stack; the roofline with xlcost's efficiencies gives the ratio shown")
field("output_vs_input_cost", "Cost of an output token / cost of an input token", "x", "#,##0.0",
      formula="((output_tokens-1)*step_s/(batch*output_tokens))/(prefill_s/(batch*input_tokens))")

# ------------------------------------------------------------ price grid
SCEN = [
    ("Llama-3.1-8B", "coreweave-hgx-h100", 1, "bf16"), ("Llama-3.1-8B", "coreweave-hgx-h100", 1, "fp8"),
    ("Llama-3.1-8B", "coreweave-hgx-a100", 1, "bf16"), ("Llama-3.1-8B", "coreweave-l40s", 1, "fp8"),
    ("Llama-3.1-70B", "coreweave-hgx-h100", 2, "fp8"), ("Llama-3.1-70B", "coreweave-hgx-h100", 4, "bf16"),
    ("Llama-3.1-70B", "coreweave-hgx-h200", 1, "fp8"), ("Llama-3.1-70B", "coreweave-hgx-a100", 4, "bf16"),
    ("Llama-3.1-70B", "coreweave-hgx-b200", 1, "fp4"), ("Mixtral-8x7B", "coreweave-hgx-h100", 2, "bf16"),
    ("Mixtral-8x7B", "coreweave-hgx-h200", 1, "fp8"), ("DeepSeek-V3", "coreweave-hgx-h200", 8, "fp8"),
    ("Llama-3.1-405B", "coreweave-hgx-h200", 8, "fp8"),
]
def item_key(model, hw, n, p):
    chip = catalog.hardware(hw).chip["name"].split("-")[0].lower()
    return re.sub(r"[^a-z0-9]+", "_", f"{model}_{n}x{chip}_{p}".lower())
w("[[table]]")
w('sheet = "Price grid"'); w('id = "Prices"'); w('prefix = "grid_"'); w('layout = "rows"'); w('label_header = "Scenario"')
w('title = "USD per 1M input and per 1M output tokens: models x chips x precisions, at the largest batch that fits"')
w('source = "xlcost serving model; catalog models and chips; CoreWeave on-demand prices per chip (catalog instances)"')
w("items = [")
for sc in SCEN:
    m, h, n, p = sc
    chip = catalog.hardware(h).chip["name"]
    w(f"    {{ key = {q(item_key(*sc))}, label = {q(f'{m}, {n} x {chip}, {p}')} }},")
w("]")
w("notes = [")
w(q("Steady maximum load: as many requests in flight as fit (continuous batching). Input tokens pay the prefill time, output tokens the decode steps; both at the replica's price per hour.") + ",")
w(q("fp8/fp4 weights ship an 8-bit KV cache; fp4 is NVFP4 (0.5625 bytes per weight) and needs a chip with an fp4 peak (B200).") + ",")
w("]")
w()
field("input_tokens", "Prompt tokens per request", "tokens", "#,##0", value=1000, source="TensorRT-LLM's 1,000/1,000 benchmark workload (serving-anchors trt015 rows)")
field("output_tokens", "Generated tokens per request", "tokens", "#,##0", value=1000, source="TensorRT-LLM's 1,000/1,000 benchmark workload")
efficiency_fields()
replica_fields(SCEN)
prices = [catalog.hardware(h).price_usd_per_hour() / catalog.hardware(h).chips for (m, h, n, p) in SCEN]
field("price_per_chip_hour", "Price per chip-hour (on demand)", "USD", '"$"#,##0.00', values=prices,
      source="catalog instances, on-demand price / chip count: " + "; ".join(dict.fromkeys(
          f"{catalog.hardware(h).name} ({catalog.hardware(h).instance['source'][:80]}..., {catalog.hardware(h).instance['date']})" for (m, h, n, p) in SCEN)))
derived_fields("max_batch")
field("usd_per_1m_input", "USD per 1M input tokens", "USD", '"$"#,##0.000',
      formula="price_per_chip_hour*n_units/3600*prefill_s/(batch*input_tokens)*1E+6")
field("usd_per_1m_output", "USD per 1M output tokens", "USD", '"$"#,##0.000',
      formula="price_per_chip_hour*n_units/3600*(output_tokens-1)*step_s/(batch*output_tokens)*1E+6")
field("output_vs_input", "Output token cost / input token cost", "x", "#,##0.0", formula="usd_per_1m_output/usd_per_1m_input")

# ------------------------------------------------------------ T17: GPUs for a load (seed 004)
T17_BATCHES = [("b1", "1"), ("b8", "8"), ("b16", "16"), ("b32", "32"), ("bmax", "max_batch")]
w("[[table]]")
w('sheet = "GPUs for a load"'); w('id = "T17"'); w('prefix = "t17_"')
w('title = "T17 redone. GPUs for 1,000 users asking every 3 seconds: GPT-3 175B on 8 x A100-80GB replicas"')
w('source = "seed 004, T16-T17 (1,000 users, a request every 3 s, 50 + 1,000 tokens, A100); xlcost serving model"')
w("items = [" + ", ".join(f'{{ key = {q(k)}, label = {q("Batch " + (e if e != "max_batch" else "that fits"))} }}' for k, e in T17_BATCHES) + "]")
w("notes = [")
w(q("The article multiplies GPU-seconds per request by requests per hour and gets 0.25 A100s; the load is 333 requests per second, and each request generates 1,000 tokens of a 175B model: hundreds of A100s.") + ",")
w(q("Continuous batching: each decode step also does the compute of the ~batch/output prompts that join it, so a request waits one such step plus its own prompt for its first token, and one step per later token. Queueing is not modelled (steady load).") + ",")
w(q("Replicas are 8 chips (the smallest tensor-parallel size that holds 350 GB of 16-bit weights); GPUS_FOR_LOAD also tries 1, 2 and 4 chips and every batch.") + ",")
w("]")
w()
field("users", "Users", "", "#,##0", value=1000, source="seed 004, T17")
field("seconds_between_requests", "Seconds between a user's requests", "s", "0", value=3, source="seed 004, T17")
field("requests_per_s", "Requests per second", "requests/s", "#,##0.0", formula="users/seconds_between_requests")
field("input_tokens", "Prompt tokens", "tokens", "#,##0", value=50, source="seed 004, T16: L = 50 + 1,000")
field("output_tokens", "Generated tokens", "tokens", "#,##0", value=1000, source="seed 004, T16")
field("ttft_target_s", "Longest acceptable time to first token", "s", "0.00", value=0.45,
      source="MLPerf Inference v5.0 Llama 2 70B Interactive (https://mlcommons.org/2025/04/llm-inference-v5): TTFT 4.4x below the server scenario's 2 s = 450 ms")
field("tpot_target_s", "Longest acceptable time per output token", "s", "0.000", value=0.04,
      source="MLPerf Inference v5.0 Llama 2 70B Interactive (https://mlcommons.org/2025/04/llm-inference-v5): TPOT 5x below the server scenario's 200 ms = 40 ms")
efficiency_fields()
replica_fields([("GPT-3 175B", "coreweave-hgx-a100", 8, "bf16")], shared=True)
field("price_per_chip_hour", "Price per chip-hour (on demand)", "USD", '"$"#,##0.00',
      value=catalog.hardware("coreweave-hgx-a100").price_usd_per_hour() / 8,
      source="catalog instances: coreweave-hgx-a100 on-demand price / 8 chips")
derived_fields([e for _, e in T17_BATCHES])
field("prompt_compute_s", "Compute of one prompt joining a decode step", "s", "0.0000",
      formula="input_tokens*(linear_flops_per_token+((n_layers-window_layers)*input_tokens/2+window_layers*MIN(input_tokens/2,window))*attention_flops_per_attended)/(n_units*peak_flops_per_s*compute_efficiency)")
field("ttft_load_s", "Time to first token under load", "s", "0.000", formula="step_s+MAX(batch/output_tokens,1)*prompt_compute_s")
field("tpot_load_s", "Time per output token under load", "s", "0.0000", formula="step_s+batch/output_tokens*prompt_compute_s")
field("requests_per_s_per_replica", "Requests per second one replica serves", "requests/s", "#,##0.00",
      formula="batch/(prefill_s+(output_tokens-1)*step_s)")
field("chips", "Chips for the load", "chips", "#,##0", formula="n_units*ROUNDUP(requests_per_s/requests_per_s_per_replica,0)")
field("meets_targets", "Meets both latency targets (1 = yes)", "", "0",
      formula="(ttft_load_s<=ttft_target_s)*(tpot_load_s<=tpot_target_s)")
field("usd_per_hour", "Cost per hour of the chips", "USD", '"$"#,##0', formula="chips*price_per_chip_hour")

w("[[table]]")
w('sheet = "GPUs for a load"'); w('id = "T17 answer"'); w('prefix = "t17s_"')
w('title = "T17 answer: the fewest chips, without and with the latency targets"')
w('source = "the batches above"')
w()
keys = [k for k, _ in T17_BATCHES]
field("chips_without_targets", "Chips, no latency target", "chips", "#,##0",
      formula="MIN(" + ",".join(f"t17_chips_{k}" for k in keys) + ")", published=0.25, precision=0.01,
      expect="differs", kind="method error",
      note="seed 004 prints 0.25 A100s: GPU-seconds per request (at 128 MFLOPs a request) times requests per hour, not per second, and 1,000 generated tokens of a 175B model need 2 x 175e9 FLOPs each")
field("chips_with_targets", "Chips meeting both latency targets", "chips", "#,##0",
      formula="MIN(" + ",".join(f"IF(t17_meets_targets_{k}=1,t17_chips_{k},1E+99)" for k in keys) + ")")

# ------------------------------------------------------------ build against buy
BVB = ("DeepSeek-V3", "coreweave-hgx-h200", 8, "fp8")
w("[[table]]")
w('sheet = "Build vs buy"'); w('id = "Build vs buy"'); w('prefix = "bvb_"')
w('title = "Build against buy: DeepSeek-V3 on a rented 8 x H200 replica against DeepSeek\'s API list price"')
w('source = "xlcost serving model; catalog: DeepSeek-V3 architecture, H200, CoreWeave price, deepseek-chat API price"')
w("notes = [")
w(q("A rented replica costs the same every hour whether busy or idle; the API charges per token. Self-hosting pays once the load keeps the replica busy beyond the break-even share of its capacity (all prompts cache misses; no engineering or egress cost).") + ",")
w(q("CAVEAT: at maximum load the serving model may overstate mixture-of-experts throughput (nothing caps the "
    f"sequences in flight but memory; routed experts' GEMMs are taken as efficient as dense ones): here it gives "
    f"~{serving.serve_throughput(BVB[0], BVB[1], BVB[2], 1000, 1000, BVB[3]):,.0f} output tokens/s with tensor "
    "parallelism, where DeepSeek reports ~14,800 output tokens/s per H800 node decoding with expert parallelism "
    "(DeepSeek-V3/R1 Inference System Overview, 2025-03-01), and the Mixtral anchor trt090-tput-07 is predicted "
    "2.8x its measurement. Read the break-even as optimistic for self-hosting (docs/serving.md, What the model "
    "leaves out).") + ",")
w("]")
w()
field("input_tokens", "Prompt tokens per request", "tokens", "#,##0", value=1000, source="assumption (TensorRT-LLM's 1,000/1,000 workload)")
field("output_tokens", "Generated tokens per request", "tokens", "#,##0", value=1000, source="assumption")
efficiency_fields()
replica_fields([BVB], shared=True)
field("price_per_chip_hour", "Price per chip-hour (on demand)", "USD", '"$"#,##0.00',
      value=catalog.hardware(BVB[1]).price_usd_per_hour() / 8, source="catalog instances: coreweave-hgx-h200 on-demand price / 8 chips")
field("api_input_usd_per_1m", "API price per 1M input tokens (cache miss)", "USD", '"$"#,##0.000',
      catalog="api:deepseek-chat:price_input_usd_per_1m_tokens")
field("api_output_usd_per_1m", "API price per 1M output tokens", "USD", '"$"#,##0.000',
      catalog="api:deepseek-chat:price_output_usd_per_1m_tokens")
derived_fields("max_batch")
field("replica_usd_per_hour", "Replica cost per hour", "USD", '"$"#,##0.00', formula="price_per_chip_hour*n_units")
field("capacity_requests_per_hour", "Replica capacity at full load", "requests/h", "#,##0", formula="throughput/output_tokens*3600")
field("selfhost_usd_per_request", "Self-hosted cost per request at full load", "USD", '"$"#,##0.00000',
      formula="replica_usd_per_hour/capacity_requests_per_hour")
field("api_usd_per_request", "API cost per request", "USD", '"$"#,##0.00000',
      formula="(input_tokens*api_input_usd_per_1m+output_tokens*api_output_usd_per_1m)/1E+6")
field("breakeven_requests_per_hour", "Break-even load", "requests/h", "#,##0", formula="replica_usd_per_hour/api_usd_per_request")
field("breakeven_utilisation", "Break-even load / capacity", "fraction", "0%", formula="breakeven_requests_per_hour/capacity_requests_per_hour")

# ------------------------------------------------------------ validation
with open(ROOT / "tests" / "reference" / "serving-anchors.csv", encoding="utf-8") as handle:
    anchors = [r for r in csv.DictReader(l for l in handle if not l.startswith("#")) if r["use"] == "calibrate"]
w("[[table]]")
w('sheet = "Validation"'); w('id = "Anchors"'); w('prefix = "val_"'); w('layout = "rows"'); w('label_header = "Anchor"')
w('title = "Validation: every measured anchor (use=calibrate), measured against predicted"')
w('source = "../shared/serving-anchors.csv (each row\'s source in serving-anchors.md and the CSV); xlcost serving model with its default factors"')
w("items = [")
keys = []
for r in anchors:
    k = re.sub(r"[^a-z0-9]+", "_", r["id"].lower())
    keys.append(k)
    lab = f"{r['id']}: {r['model']}, {r['n_units']} x {r['hardware']}, {r['precision']}, {r['input_tokens']}/{r['output_tokens'] or '-'}, batch {r['batch'] or 'max'}, {r['metric']}"
    w(f"    {{ key = {q(k)}, label = {q(lab)}, source = {q(r['source'][:160])} }},")
w("]")
w("notes = [")
w(q("A stated batch is static batching (prefill inside the time); an empty one is maximum load. A row whose batch does not fit the catalog's memory, or whose input + output tokens exceed the model's context window, is refused, as the Excel functions refuse it.") + ",")
w("]")
w()
field("measured", "Measured", "", "0.0000E+00", values=[float(r["value"]) for r in anchors], source="serving-anchors.csv, value")
field("input_tokens", "Prompt tokens", "tokens", "#,##0", values=[float(r["input_tokens"]) for r in anchors], source="serving-anchors.csv")
field("output_tokens", "Generated tokens (TTFT rows: 1)", "tokens", "#,##0", values=[float(r["output_tokens"] or 1) for r in anchors], source="serving-anchors.csv")
efficiency_fields()
replica_fields([(r["model"], r["hardware"], float(r["n_units"]), r["precision"]) for r in anchors])
derived_fields([r["batch"] if r["batch"] else "max_batch" for r in anchors])
field("context_limit", "Model's context window", "tokens", "#,##0",
      values=[float(catalog.model(r["model"]).row["context"]) for r in anchors], source="catalog models.csv, context")
OK = "(batch<=max_batch)*(input_tokens+output_tokens<=context_limit)"
PRED = {"output_tokens_per_s": "batch*output_tokens/(prefill_s+(output_tokens-1)*step_s)", "ttft_s": "prefill_s",
        "tpot_s": "step_s", "request_s": "prefill_s+(output_tokens-1)*step_s"}
field("predicted", "Predicted", "", "0.0000E+00",
      formula=[f'IF({OK},{PRED[r["metric"]]},"refused")' for r in anchors])
field("ratio", "Predicted / measured", "x", "0.00",
      formula=[f'IF({OK},({PRED[r["metric"]]})/measured,"refused")' for r in anchors])
field("abs_error", "Absolute error", "fraction", "0%",
      formula=[f'IF({OK},ABS(({PRED[r["metric"]]})/measured-1),"refused")' for r in anchors])
field("within_2x", "Within 2x (1 = yes)", "", "0",
      formula=[f'IF({OK},(({PRED[r["metric"]]})/measured>=0.5)*(({PRED[r["metric"]]})/measured<=2),0)' for r in anchors])

w("[[table]]")
w('sheet = "Validation"'); w('id = "Anchors summary"'); w('prefix = "vals_"')
w('title = "Validation summary"'); w('source = "the rows above"')
w()
field("rows", "Anchors", "", "0", value=len(anchors), source="serving-anchors.csv, use=calibrate")
field("within_2x_share", "Share within 2x (refused rows count as outside)", "fraction", "0.0%",
      formula="(" + "+".join(f"val_within_2x_{k}" for k in keys) + ")/rows")
field("median_abs_error", "Median absolute error over the rows predicted", "fraction", "0.0%",
      formula="MEDIAN(" + ",".join(f"val_abs_error_{k}" for k in keys) + ")")


if __name__ == "__main__":
    (ROOT / "templates" / "serving_economics.toml").write_text("\n".join(OUT) + "\n", encoding="utf-8")
