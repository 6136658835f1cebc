"""One declaration per quantity: which parameter count and which model fields it takes.

The declaration lives beside each core quantity (``function.needs``, see
``xlcost.core.inputs``); the CLI, the Excel functions and the catalog filling all read it.
These tests check the declarations against the catalog, and the front ends against each
other, with the expected values written out from the models' published figures.
"""

import json
import pathlib

import pytest

import xlcost.core
from xlcost import catalog, udfs
from xlcost.cli import main
from xlcost.core.inputs import ARGUMENTS, HARDWARE_FIELDS, MODEL_FIELDS
from xlcost.errors import InputError
from xlcost.fill import model_value

ROOT = pathlib.Path(xlcost.core.__file__).parents[1]
QUANTITIES = {name: getattr(xlcost.core, name) for name in xlcost.core.__all__}


def calc(capsys, *argv):
    status = main(["calc", *argv, "--json"])
    out, err = capsys.readouterr()
    assert status == 0, err
    return json.loads(out)["value"]


def test_the_rule_has_one_home():
    # the three former copies of "active for compute, total for memory" are gone
    # (the CLI's argument -> model table, the Excel "compute"/"memory" switch and its lookup)
    for path in ("cli.py", "udfs.py", "excel_values.py"):
        text = (ROOT / path).read_text()
        for copy in ("_FROM_MODEL", "_FROM_HARDWARE", "model_params(", '"memory")', 'use == "compute"'):
            assert copy not in text, (path, copy)


@pytest.mark.parametrize("name", sorted(QUANTITIES))
def test_every_declared_field_is_in_the_vocabulary(name):
    needs = QUANTITIES[name].needs
    assert set(needs.model.values()) <= set(MODEL_FIELDS)
    assert set(needs.hardware.values()) <= set(HARDWARE_FIELDS)


def test_every_declared_model_field_resolves_or_refuses_clearly_for_every_model():
    # a field is a number, or an InputError that says why (never an AttributeError or a None)
    fields = {f for q in QUANTITIES.values() for f in q.needs.model.values()}
    for row in catalog.table("models").rows:
        model = catalog.model(row["name"])
        for field in fields:
            try:
                value = model_value(model, field)
            except InputError as error:
                assert str(error), (row["name"], field)
                continue
            assert isinstance(value, (int, float)), (row["name"], field, value)


def test_prompt_and_api_tokens_are_never_training_tokens():
    for name, function in QUANTITIES.items():
        if "tokens" in function.needs.model:
            assert function.needs.model["tokens"] == "training_tokens"
            assert name in {"training_flops", "train_cost_usd", "training_days", "chinchilla_loss"}, name
    assert "tokens" not in xlcost.core.prefill_seconds.needs.model
    assert xlcost.core.api_cost_usd.needs.model == {}


def test_memory_takes_total_and_compute_takes_active_parameters():
    for name, function in QUANTITIES.items():
        field = function.needs.model.get("params")
        if name in {"model_memory_bytes", "units_for_memory"}:
            assert field == "params", name
        elif field is not None and name != "chinchilla_loss":
            assert field == "params_per_token", name
    assert xlcost.core.units_needed.needs.model["memory_params"] == "params"


# ---------------------------------------------------------------- the front ends agree
def test_mixtral_memory_in_excel_and_on_the_command_line(capsys):
    # Mistral AI: 46.7B parameters in all, 12.9B active per token
    assert udfs.MODEL_MEMORY("Mixtral-8x7B") == calc(capsys, "model_memory_bytes", "--model", "Mixtral-8x7B") \
        == 46.7e9 * 2
    # GPUS_NEEDED with no load: the memory floor, all parameters: 93.4 GB / H100's 81,559 MiB
    excel = udfs.GPUS_NEEDED("Mixtral-8x7B", 0, "H100")
    cli = calc(capsys, "units_needed", "--model", "Mixtral-8x7B", "--hardware", "H100", "--tokens-per-s", "0",
               "--bytes-per-param", "2")
    assert excel == cli == pytest.approx(46.7e9 * 2 / (81559 * 2**20))


def test_chinchilla_law_refuses_a_moe_in_excel_too():
    assert udfs.CHINCHILLA_LOSS("Mixtral-8x7B", "1T").startswith("#VALUE! params comes from Mixtral-8x7B, a mixture")


def test_flops_per_token_takes_the_shape_from_the_model_in_both(capsys):
    # Llama-3.1-70B decoding at 131,072 tokens: 2 x 70e9 + 4 x 80 x 131072 x (64 x 128)
    expected = 2 * 70e9 + 4 * 80 * 131072 * 8192
    assert udfs.FLOPS_PER_TOKEN("Llama-3.1-70B", "inference", None, None, 131072, "decode") == pytest.approx(expected)
    assert calc(capsys, "forward_flops_per_token", "--model", "Llama-3.1-70B", "--context", "131072",
                "--attention", "decode") == pytest.approx(expected)
    # without a context there is no attention term: 2 x 70e9
    assert udfs.FLOPS_PER_TOKEN("Llama-3.1-70B") == 2 * 70e9


def test_palm_non_causal_from_excel():
    # PaLM Appendix B, training: 6N + 12 L H Q T = 3.28e12 FLOPs per token (Table 22)
    value = udfs.FLOPS_PER_TOKEN("PaLM 540B", "training", None, None, 2048, "full")
    assert value == pytest.approx(6 * 540.35e9 + 12 * 118 * 48 * 256 * 2048)
    assert round(value / 1e12, 2) == 3.28


def test_excel_defaults_are_the_declared_ones(capsys):
    # TRAIN_COST without utilization uses 0.462 (article T5), as xlcost calc does
    excel = udfs.TRAIN_COST(175e9, 300e9, 275e12, None, 2.03)
    assert round(excel) == 1_398_072
    assert calc(capsys, "train_cost_usd", "--params", "175B", "--tokens", "300B", "--hardware", "275T",
                "--price-usd-per-hour", "2.03") == pytest.approx(excel)


def test_every_argument_has_a_dimension_for_the_front_ends():
    import inspect

    for name, function in QUANTITIES.items():
        for parameter in inspect.signature(function).parameters.values():
            if parameter.kind not in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL):
                assert parameter.name in ARGUMENTS, (name, parameter.name)


# ---------------------------------------------------------------- the templates follow it too
# A template field computing a core quantity from a catalog model's column must feed each
# argument the value the declaration would: Mixtral's memory from its 46.7B, its FLOPs from
# its 12.9B. Fields that compute a stated counterfactual are listed, with the reason.
COUNTERFACTUALS = {
    ("article_audit", "dense_flops", "params"): "labelled 'FLOPs per token if all parameters were active'",
}


def _template_bindings():
    import tomllib

    for path in sorted((ROOT.parent / "templates").glob("*.toml")):
        for table in tomllib.loads(path.read_text(encoding="utf-8")).get("table", []):
            fields = {f["key"]: f for f in table.get("field", []) if "key" in f}
            for field in table.get("field", []):
                for argument, ref in (field.get("args") or {}).items() if "quantity" in field else ():
                    source = fields.get(ref, {}).get("catalog") if isinstance(ref, str) else None
                    if isinstance(source, str) and source.startswith("models:"):
                        yield path.stem, field["key"], field["quantity"], argument, source


BINDINGS = list(_template_bindings())


def test_templates_bind_catalog_models():
    assert len(BINDINGS) >= 10  # the audit's Mixtral, GPT-3 and LLaMA-13B rows, at least


@pytest.mark.parametrize("template, key, quantity, argument, source", BINDINGS,
                         ids=[f"{b[0]}:{b[1]}:{b[3]}" for b in BINDINGS])
def test_template_inputs_are_what_the_declaration_fills(template, key, quantity, argument, source):
    _, name, column = source.split(":")
    model = catalog.model(name)
    field = getattr(xlcost.core, quantity).needs.model.get(argument)
    assert field is not None, f"{template}:{key}: {quantity} declares no model field for {argument}"
    declared, given = model_value(model, field), model.row[column]
    if (template, key, argument) in COUNTERFACTUALS:
        assert given != declared  # still a counterfactual: the exemption is needed
        return
    assert given == declared, f"{template}:{key}: {argument} reads {column} ({given}); the declaration: {field} ({declared})"


@pytest.mark.parametrize("argv, expected", [
    # Llama-2-7B config: 32 layers x 2 (K and V) x 32 KV heads x 128 x 2 bytes
    (["kv_bytes_per_token", "--model", "Llama-2-7B"], 32 * 2 * 32 * 128 * 2),
    # DeepSeek-V3 config: 61 layers x (kv_lora_rank 512 + qk_rope_head_dim 64) x 2 bytes (MLA caches the latent)
    (["kv_bytes_per_token", "--model", "DeepSeek-V3"], 61 * (512 + 64) * 2),
    # Gemma 2 27B: 46 layers, every other one (23) a 4,096-token window; at 8,192 tokens:
    # 23 x 8192 + 23 x 4096
    (["attended_token_layers", "--model", "Gemma-2-27B", "--context", "8192"], 23 * 8192 + 23 * 4096),
])
def test_serving_blocks_take_their_shape_from_the_model(capsys, argv, expected):
    assert calc(capsys, *argv) == expected


# ---------------------------------------------------------------- serving follows the same declarations
def test_serving_fills_its_replica_through_the_declarations():
    from xlcost.core import serving as core_serving

    text = (ROOT / "serving.py").read_text()
    for copy in ("_model_arguments", "_chip_arguments", '"kv_lora_rank"', '"expert_d_ff"', 'get("scale_'):
        assert copy not in text, copy  # the former second table of model and chip fields
    replica_quantities = [core_serving.output_tokens_per_s, core_serving.ttft_seconds, core_serving.tpot_seconds,
                          core_serving.request_seconds, core_serving.max_batch, core_serving.input_usd_per_million,
                          core_serving.output_usd_per_million, core_serving.request_usd, core_serving.load_plan]
    for function in replica_quantities:
        assert function.needs.model == core_serving.REPLICA_MODEL, function.__name__
        assert function.needs.hardware == core_serving.REPLICA_HARDWARE, function.__name__
        assert set(function.needs.model.values()) <= set(MODEL_FIELDS)
        assert set(function.needs.hardware.values()) <= set(HARDWARE_FIELDS)


def test_replica_fields_resolve_or_refuse_clearly_for_every_decoder():
    from xlcost.core import serving as core_serving

    for row in catalog.table("models").rows:
        if row["architecture"] not in ("decoder", "moe-decoder"):
            continue
        model = catalog.model(row["name"])
        for field in core_serving.REPLICA_MODEL.values():
            try:
                value = model_value(model, field, "fp8")
            except InputError as error:
                assert str(error), (row["name"], field)
                continue
            assert isinstance(value, (int, float)) and value >= 0, (row["name"], field, value)


def test_replica_figures_from_published_configs():
    from xlcost import serving

    # Mixtral-8x7B (Mistral AI's config): 32 MoE layers of 8 SwiGLU experts, 4,096 x 14,336; 46.7B in all
    expert = 3 * 4096 * 14336
    r = serving.replica("Mixtral-8x7B", "H100", 2, "fp8")
    assert r["expert_weight_bytes"] == expert * 1.0  # fp8: one byte per weight
    assert r["shared_weight_bytes"] == pytest.approx(46.7e9 - 32 * 8 * expert)
    assert (r["moe_layers"], r["n_experts"], r["experts_per_token"]) == (32, 8, 2)
    assert r["kv_bytes_per_token"] == 32 * 2 * 8 * 128 * 1.0  # 8 KV heads of 128, 8-bit cache
    # the peak at the precision's math: H100 SXM fp8 (NVIDIA datasheet: 3,958 TFLOP/s with sparsity, half dense)
    assert r["peak_flops_per_s"] == pytest.approx(3958e12 / 2, rel=1e-3)
    # DeepSeek-V3 (its config): MLA, one 512 + 64 latent per token and layer over 61 layers, shared by every head
    d = serving.replica("DeepSeek-V3", "H200", 8, "fp8")
    assert d["kv_bytes_per_token"] == 61 * (512 + 64) and d["n_kv_heads"] == 1
    assert d["decode_attention_flops_per_attended"] == 2 * 128 * (512 + 64 + 512)
    # a dense model leaves the expert arguments at the core's dense defaults
    dense = serving.replica("Llama-3.1-8B", "H100", 1, "bf16")
    assert (dense["moe_layers"], dense["n_experts"], dense["expert_weight_bytes"]) == (0, 1, 0)
