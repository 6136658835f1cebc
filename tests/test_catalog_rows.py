"""Every chip, instance and API row issue 9 asks for is present, sourced and dated, and
spot checks against the vendors' datasheets (figures written beside each assertion)."""

import re

import pytest

from xlcost import catalog
from xlcost.errors import InputError

DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")

CHIPS = [
    # issue 9, item 2
    "A100-PCIe-80GB", "H20", "GH200", "L40S", "RTX 4090", "RTX PRO 6000 Blackwell", "B200", "B300", "GB200",
    "MI250X", "MI325X", "MI355X", "TPU v5e", "TPU v5p", "TPU v6e", "Trillium", "TPU v7", "Ironwood",
    "Gaudi 3", "Trainium2", "Inferentia2",
    # the calibrate rows of serving-anchors.csv, and the H100/A100 variants
    "H100", "H200", "A100-80GB", "A100-40GB", "MI300X", "H100 PCIe", "H100 NVL",
]
INSTANCES = [
    "p4de.24xlarge", "p5.48xlarge", "p5e.48xlarge", "p5en.48xlarge", "p6-b200.48xlarge", "g6e.xlarge",
    "a2-ultragpu-8g", "a3-highgpu-8g", "a3-megagpu-8g", "a3-ultragpu-8g",
    "gcp-tpu-v5e", "gcp-tpu-v5p", "gcp-tpu-v6e",
    "ND A100 v4", "ND H100 v5", "ND MI300X v5",
]
APIS = [
    "davinci", "gpt-3.5-turbo", "gpt-4", "gpt-4-turbo", "gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-5",
    "o1", "o3", "claude-3-haiku", "claude-3.5-sonnet", "claude-sonnet-4", "claude-opus-4", "gemini-1.5-pro",
    "gemini-2.5-pro", "gemini-2.5-flash", "deepseek-chat", "deepseek-reasoner",
]


def _sourced_and_dated(row):
    assert len(row["source"]) > 20 and "http" in row["source"], row["name"]
    assert DATE.match(row["date"]), (row["name"], row["date"])


@pytest.mark.parametrize("name", CHIPS)
def test_chip_present_sourced_and_dated(name):
    _sourced_and_dated(catalog.table("chips").find(name))


@pytest.mark.parametrize("name", INSTANCES)
def test_instance_present_sourced_and_dated(name):
    for row in catalog.table("instances").history[catalog.table("instances").find(name)["name"]]:
        _sourced_and_dated(row)


@pytest.mark.parametrize("name", APIS)
def test_api_row_present_sourced_and_dated_with_input_and_output_prices(name):
    table = catalog.table("api")
    for row in table.history[table.find(name)["name"]]:
        _sourced_and_dated(row)
        assert row["price_input_usd_per_1m_tokens"] is not None and row["price_output_usd_per_1m_tokens"] is not None


def test_specialist_clouds_price_h100_h200_and_b200():
    providers = {"aws", "gcp", "azure"}
    specialist = [r for r in catalog.table("instances").rows if r["provider"] not in providers]
    for chip in ("H100-SXM5-80GB", "H200-SXM-141GB", "B200"):
        priced_by = {r["provider"] for r in specialist if r["chip"] == chip and r["price_on_demand_usd_per_hour"]}
        assert len(priced_by) >= 2, (chip, priced_by)


def test_every_anchor_chip_resolves():
    # serving-anchors.csv rows with use=calibrate name these chips
    for name in ("H100", "H200", "A100-80GB", "A100-40GB", "A100-PCIe-80GB", "L40S", "MI300X"):
        unit = catalog.hardware(name)
        assert unit.memory_bandwidth_bytes_per_s > 0 and unit.peak_flops_per_s > 0


# ---------------------------------------------------------------- datasheet spot checks
@pytest.mark.parametrize(
    "chip, dtype, dense",
    [
        ("H100", "bf16", 989.4e12),  # Hopper whitepaper: 989.4 dense BF16 (1,979 with sparsity)
        ("B200", "bf16", 2.25e15),  # HGX B200: 36 PF BF16 sparse per 8 GPUs -> 4.5 / 2
        ("B200", "fp8", 4.5e15),  # HGX B200: 72 PF FP8 sparse per 8 GPUs -> 9 / 2
        ("B200", "fp4", 9e15),  # HGX B200: 72 PF FP4 dense per 8 GPUs
        ("MI355X", "fp8", 5.03e15),  # AMD: 5.0 PF FP8 dense; 8,192 FLOP/clk/CU x 256 CU x 2.4 GHz = 5.03e15
        ("MI355X", "bf16", 2.5e15),  # AMD: 2.5 PF FP16/BF16 dense (half the FP8 rate)
        ("MI355X", "fp4", 10.1e15),  # AMD: 10.1 PF MXFP4 dense (20.1 with sparsity per Tom's Hardware)
        ("L40S", "fp8", 733e12),  # L40S datasheet: 733 | 1,466*
        ("A100-PCIe-80GB", "bf16", 312e12),  # A100 datasheet: 312 | 624*
        ("H20", "bf16", 148e12),  # reported: 148 TFLOPS dense FP16/BF16, ~15% of H100
        ("Trainium2", "fp8", 1299e12),  # AWS Neuron docs: 1,299 FP8 TFLOPS
        ("Trainium2", "bf16", 667e12),  # AWS Neuron docs: 667 BF16/FP16/TF32 TFLOPS
        ("Inferentia2", "bf16", 190e12),  # AWS Neuron docs: 190 FP16/BF16/cFP8/TF32 TFLOPS
        ("TPU v6e", "bf16", 918e12),  # Cloud TPU v6e docs: 918 TFLOPs bf16
        ("TPU v7", "fp8", 4614e12),  # Google, Ironwood: 4,614 TFLOPs FP8 per chip
        ("Gaudi 3", "bf16", 1835e12),  # Intel Gaudi 3 white paper: 1,835 TFLOPS BF16 matrix
        ("RTX 4090", "bf16", 165.2e12),  # Ada whitepaper: 165.2 (FP32 accumulate) | 330.4*
        ("GB200", "fp4", 10e15),  # Blackwell brief, GB200 at 1,200 W: 10 PF FP4 dense
    ],
)
def test_dense_peaks_match_datasheets(chip, dtype, dense):
    assert catalog.hardware(chip).peak(dtype) == pytest.approx(dense, rel=0.01)


@pytest.mark.parametrize(
    "chip, memory, bandwidth",
    [
        ("B200", 183359 * 2**20, 7.7e12),  # nvidia-smi 183,359 MiB per B200; HGX B200: 62 TB/s over 8 GPUs
        ("MI355X", 288e9, 8e12),  # AMD: 288 GB HBM3E, 8 TB/s
        ("MI325X", 256e9, 6e12),  # AMD: 256 GB HBM3E, 6 TB/s
        ("TPU v7", 192e9, 7.37e12),  # Google: 192 GB, 7.37 TB/s
        ("Trainium2", 96 * 2**30, 2.9e12),  # AWS: 96 GiB at 2.9 TB/s
        ("TPU v4", 32 * 2**30, 1.2e12),  # Google: 32 GiB, 1,200 GBps
        ("H20", 96e9, 4.0e12),  # 96 GB HBM3 at 4.0 TB/s
        ("RTX PRO 6000", 96e9, 1792e9),  # 96 GB GDDR7, 512-bit at 28 Gbps = 1,792 GB/s
    ],
)
def test_memory_matches_datasheets(chip, memory, bandwidth):
    unit = catalog.hardware(chip)
    assert unit.memory_bytes == pytest.approx(memory, rel=0.005)
    assert unit.memory_bandwidth_bytes_per_s == pytest.approx(bandwidth, rel=0.01)


def test_chips_publishing_only_low_precision_peaks_refuse_a_16_bit_default():
    # Ironwood's vendor publishes no bf16/fp16 rate: fp32 would be a plausible wrong number
    with pytest.raises(InputError, match="no bf16 or fp16 peak"):
        catalog.hardware("TPU v7").peak_flops_per_s


def test_rtx_pro_6000_has_its_whitepaper_dense_peaks():
    # RTX Blackwell whitepaper: FP16/BF16 503.8, FP8 1,007.6 TFLOPS dense (FP32 accumulate), FP4 4,000 sparse
    pro = catalog.hardware("RTX PRO 6000")
    assert pro.peak_flops_per_s == pro.peak("bf16") == 503.8e12
    assert pro.peak("fp8") == 1007.6e12 and pro.peak("fp4") == 4000e12 / 2


def test_interconnect_of_every_scale_up_chip_is_one_direction():
    # NVLink 4: 900 GB/s total = 18 links x 25 GB/s x 2 directions; one direction = 450 GB/s
    assert catalog.hardware("H200").interconnect_bytes_per_s == 18 * 25e9
    # Ironwood: ICI 1.2 TB/s bidirectional
    assert catalog.hardware("TPU v7").interconnect_bytes_per_s == 1.2e12 / 2
    # Gaudi 3: 24 x 200 Gb/s Ethernet = 4.8 Tb/s = 600 GB/s each way
    assert catalog.hardware("Gaudi 3").interconnect_bytes_per_s == 24 * 200e9 / 8


def test_providers_prices_for_open_models():
    # Groq: Llama-3.3-70B $0.59 in / $0.79 out; gpt-oss-120b $0.15 / $0.60 per 1M (Groq pricing page)
    from xlcost import udfs

    assert udfs.API_COST("groq/llama-3.3-70b-versatile", 1e6, 1e6) == pytest.approx(0.59 + 0.79)
    assert udfs.API_COST("groq/gpt-oss-120b", 1e6, 1e6) == pytest.approx(0.15 + 0.60)
    open_rows = [r for r in catalog.table("api").rows if r["provider"] not in ("openai", "anthropic", "google", "deepseek")]
    assert len(open_rows) >= 2 and all(r["source"] and r["date"] for r in open_rows)


def test_xlcost_spec_gives_an_instances_interconnect_per_chip():
    from xlcost import udfs

    # p5.48xlarge: 8 x H100 SXM, NVLink 4 at 900 GB/s bidirectional per GPU -> 450e9 one way, per chip
    assert udfs.XLCOST_SPEC("p5.48xlarge", "interconnect_bytes_per_s") == 450e9
