"""Chip fields the serving and training models read (issues 16 and 17): memory as the driver
exposes it, the scale-up domain and scale-out network, training precisions, and achieved
efficiencies measured by public microbenchmarks. Expected values are the published figures,
written beside each assertion."""

import re

import pytest

from xlcost import catalog, udfs
from xlcost.catalog import report
from xlcost.errors import CatalogError, InputError

DATE, URL = re.compile(r"\b20\d\d-\d\d\b"), re.compile(r"https?://")


def test_memory_is_what_the_driver_exposes():
    # issue 17: nvidia-smi shows 81,559 MiB per H100 and 143,771 MiB per H200
    assert udfs.XLCOST_SPEC("H100", "memory_bytes") >= 84e9
    assert udfs.XLCOST_SPEC("H200", "memory_bytes") >= 148e9
    assert catalog.hardware("H100").memory_bytes == 81559 * 2**20
    assert catalog.hardware("H200").memory_bytes == 143771 * 2**20
    assert "80 GB" in catalog.hardware("H100").chip["notes"]  # the datasheet figure is kept in the notes


@pytest.mark.parametrize(
    "chip, dtype, measured, peak",
    [
        ("H100", "bf16", (789.24 + 783.66) / 2, 989e12 / 1e12),  # torch.matmul on two H100s, TFLOP/s
        ("H100", "fp8", 1382.2, 1979),  # Azure ND H100 v5, cuBLASLt FP8, random inputs
        ("MI300X", "bf16", 708, 1307.4),  # AMD's max-achievable FLOPs, hipBLASLt
        ("MI300X", "fp8", 1159.5, 2614.9),  # Azure ND MI300X v5, hipBLASLt FP8
        ("MI325X", "bf16", 843, 1307.4),
        ("A100-80GB", "fp16", 256.5, 312),  # Azure ND A100 v4, cuBLASLt FP16, random inputs
        ("B200", "bf16", 1696.03, 2250),  # torch.matmul on GCP a4-highgpu-8g
        ("B200", "fp8", 2544.68, 4500),  # vLLM's CUTLASS FP8 GEMM benchmark on SM100
        ("GB200", "fp8", 2906.9, 5000),  # Azure ND GB200 v6, cuBLASLt
        ("GB200", "fp4", 7627.6, 10000),
    ],
)
def test_compute_efficiency_is_the_measured_fraction_of_peak(chip, dtype, measured, peak):
    unit = catalog.hardware(chip)
    assert unit.compute_efficiency(dtype) == pytest.approx(measured / peak, abs=0.0005)
    assert 0 < unit.compute_efficiency(dtype) <= 1


@pytest.mark.parametrize(
    "chip, measured, datasheet",
    [
        ("H100", 2.97e12, 3.35e12),  # Azure ND H100 v5: triad 2.97 TB/s
        ("H800", 3000e9, 3.35e12),  # FlashMLA: 3,000 GB/s memory-bound on H800 SXM5
        ("H200", 4.15e12, 4.8e12),  # Azure ND H200 v5: triad 4.15 TB/s
        ("A100-80GB", 1.70e12, 2.039e12),  # Azure ND A100 v4: triad 1.70 TB/s
        ("MI300X", 4.09e12, 5.3e12),  # Azure ND MI300X v5: triad 4.09 TB/s
    ],
)
def test_bandwidth_efficiency_is_the_measured_fraction_of_the_datasheet(chip, measured, datasheet):
    assert catalog.hardware(chip).bandwidth_efficiency == pytest.approx(measured / datasheet, abs=0.0005)


def test_efficiencies_are_sourced_with_a_url_and_a_date_or_their_absence_is_said():
    for row in catalog.table("chips").rows:
        figures = [row[c] for c in ("compute_efficiency", "compute_efficiency_fp8", "compute_efficiency_fp4",
                                    "bandwidth_efficiency")]
        if any(f is not None for f in figures):
            assert all(0 < f <= 1 for f in figures if f is not None), row["name"]
            assert DATE.search(row["efficiency_source"]) and URL.search(row["efficiency_source"]), row["name"]
        if row["compute_efficiency"] is None or row["bandwidth_efficiency"] is None:
            assert "global default" in row["notes"], row["name"]
    for chip in ("H100", "MI300X", "B200"):  # issue 17: Hopper, AMD and Blackwell each measured
        assert catalog.hardware(chip).compute_efficiency() is not None


def test_a_low_precision_efficiency_never_borrows_the_bf16_one():
    h20 = catalog.hardware("H20")  # a bf16 GEMM measured, no fp8 one
    assert h20.compute_efficiency("bf16") is not None and h20.compute_efficiency("fp8") is None
    assert catalog.hardware("B200").compute_efficiency("fp4") is None
    assert catalog.hardware("L40S").bandwidth_efficiency is None  # no measurement: the caller's default
    assert catalog.hardware("H100").compute_efficiency("mxfp8") == catalog.hardware("H100").compute_efficiency("fp8")
    with pytest.raises(InputError, match="dtype"):
        catalog.hardware("H100").compute_efficiency("fp6")


@pytest.mark.parametrize(
    "chip, domain",
    [("H100", 8), ("H200", 8), ("H800", 8), ("B200", 8), ("B300", 8), ("GB200", 72), ("GB300", 72),
     ("MI300X", 8), ("L40S", 1), ("RTX PRO 6000", 1), ("TPU v5p", 8960), ("TPU v7", 9216)],
)
def test_scale_up_domain(chip, domain):
    # HGX boards join 8 GPUs; NVL72 racks 72; PCIe cards none; a TPU pod its ICI torus (v5p 8,960; Ironwood 9,216)
    assert catalog.hardware(chip).scale_up_domain == domain


def test_scale_out_is_per_chip_one_direction_like_the_interconnect():
    # 400 Gb/s NDR per GPU = 50 GB/s; DeepSeek-V3: H800 IB 50 GB/s; ConnectX-8 800 Gb/s = 100 GB/s
    assert catalog.hardware("H100").scale_out_bytes_per_s == 400e9 / 8
    assert catalog.hardware("H800").scale_out_bytes_per_s == 50e9
    assert catalog.hardware("GB300").scale_out_bytes_per_s == 800e9 / 8
    p5 = catalog.hardware("p5.48xlarge")  # 8 x H100: per chip, not times the chip count
    assert p5.scale_out_bytes_per_s == catalog.hardware("H100").scale_out_bytes_per_s
    assert p5.scale_up_domain == 8 and p5.compute_efficiency() == catalog.hardware("H100").compute_efficiency()
    # H800's NVLink: 400 GB/s bidirectional
    assert catalog.hardware("H800").interconnect_bytes_per_s == 400e9 / 2


def test_a_missing_cluster_figure_is_an_error_naming_the_field():
    with pytest.raises(InputError, match="scale_out_bytes_per_s.*L40S"):
        catalog.hardware("L40S").scale_out_bytes_per_s
    with pytest.raises(InputError, match="train_dtypes.*Inferentia2"):
        catalog.hardware("Inferentia2").train_dtypes


def test_training_precisions():
    assert catalog.hardware("H100").train_dtypes == ("bf16", "fp8")  # Hopper: FP8 (DeepSeek-V3 on H800)
    assert catalog.hardware("B200").train_dtypes == ("bf16", "fp8", "mxfp8", "fp4")  # Blackwell: MXFP8, NVFP4
    assert catalog.hardware("A100").train_dtypes == ("bf16",)


def test_gb300_and_b300_are_complete():
    # Verda's per-GPU dense table: GB300 FP4 15, FP8 5, BF16 2.5 PFLOPS, 8 TB/s, 1.4 kW; HGX B300 1.1 kW
    gb300 = catalog.hardware("GB300")
    assert (gb300.peak("fp4"), gb300.peak("fp8"), gb300.peak("bf16")) == (15e15, 5e15, 2.5e15)
    assert gb300.memory_bandwidth_bytes_per_s == 8e12 and gb300.tdp_watts == 1400
    assert gb300.interconnect_bytes_per_s == 1.8e12 / 2
    assert catalog.hardware("B300").tdp_watts == 1100
    lines = [line for line in report.check() if line.startswith("missing chips")]
    assert not [line for line in lines if re.search(r"\b(GB300|B300|B200|GB200|H100-SXM5-80GB|H800-SXM5-80GB|MI300X)\b", line)]


@pytest.mark.parametrize(
    "column, value, reason",
    [("compute_efficiency", "1.2", "in \\(0, 1\\]"), ("bandwidth_efficiency", "0", "in \\(0, 1\\]"),
     ("scale_up_domain", "2.5", "whole number"), ("train_dtypes", "bf16;fp6", "'fp6'")],
)
def test_an_override_with_an_impossible_figure_is_refused(column, value, reason):
    text = f"name,{column},source,date\nMy-Chip,{value},my measurement https://example.com,2026-01\n"
    with pytest.raises(CatalogError, match=f"{column}.*{reason}"):
        catalog.parse_rows("chips", text, "my_chips.csv")


def test_models_carry_native_and_extended_context():
    # Qwen3 model cards: 32,768 tokens natively, 131,072 with YaRN
    for name in ("Qwen3-8B", "Qwen3-235B-A22B", "Qwen2.5-72B"):
        found = catalog.model(name)
        assert (found.context, found.context_extended) == (32768, 131072)
        assert "YaRN" in found.row["source"]
    assert udfs.XLCOST_SPEC("Qwen3-32B", "context_extended") == 131072
    assert catalog.model("Llama-3.1-70B").context_extended is None  # 128K is its native window


def test_cluster_figures_are_sourced():
    for row in catalog.table("chips").rows:
        assert row["scale_up_domain"] is not None, row["name"]
        assert URL.search(row["cluster_source"]) or row["scale_up_domain"] == 1, row["name"]
        if row["scale_out_bytes_per_s"] is not None:
            assert "scale_out" in row["cluster_source"] and URL.search(row["cluster_source"]), row["name"]
