"""A catalog model: its models.csv row, and what follows from its architecture.

The parameter count adds up the core's block quantities (``xlcost.core.params``)
layer by layer, because mixture-of-experts and latent-attention models have layers
of two kinds: ``moe_layers`` MoE layers and ``n_layers - moe_layers`` dense ones.
A dense model's count is exactly ``xlcost.core.transformer_params``.
"""

from dataclasses import dataclass

from ..errors import InputError

# fields without which a row's parameters cannot be counted from its architecture
_SHAPE = ("n_layers", "d_model", "n_heads", "vocab")
_MOE = ("n_experts", "experts_per_token", "expert_d_ff")
_MLA = ("kv_lora_rank", "qk_rope_head_dim", "qk_nope_head_dim", "v_head_dim")


@dataclass(frozen=True)
class Model:
    """A model's published size and shape (a models.csv row with derived quantities).

    Columns read as attributes (``model.n_layers``). ``params`` and ``active_params``
    are the published figures, or the counted ones where the row has none.

    >>> from xlcost.catalog import model
    >>> round(model("Mixtral-8x7B").counted_active_params / 1e9, 2)   # Mistral AI: 12.9B active
    12.88
    """

    row: dict

    def __getattr__(self, column):
        try:
            return self.row[column]
        except KeyError:
            raise AttributeError(column) from None

    @property
    def is_moe(self):
        """True when some layers route tokens to experts."""
        return bool(self.row.get("n_experts")) or self.row.get("architecture") == "moe-decoder"

    @property
    def params(self):
        """Total parameters: the published figure, else the count from the architecture."""
        return self.row["params"] if self.row.get("params") else self.counted_params

    @property
    def active_params(self):
        """Parameters one token uses: published, else counted (MoE), else all of them (dense)."""
        if self.row.get("active_params"):
            return self.row["active_params"]
        return self.counted_active_params if self.is_moe else self.params

    @property
    def params_per_token(self):
        """Parameters one token passes through: active ones of an MoE, half of an encoder-decoder."""
        if self.is_moe:
            return self.active_params
        if self.row["architecture"] == "encoder-decoder":
            return self.row["params"] / 2
        return self.row["params"]

    @property
    def head_dim(self):
        """Width of each attention head (query and key): the row's, MLA's nope + rope, else d_model / n_heads."""
        if self.row.get("head_dim"):
            return self.row["head_dim"]
        if self.row.get("kv_lora_rank"):
            return (self.row.get("qk_nope_head_dim") or 0) + (self.row.get("qk_rope_head_dim") or 0)
        return self.row["d_model"] / self.row["n_heads"]

    @property
    def dense_d_ff(self):
        """The feed-forward width of a dense decoder; refused for MoE and latent-attention models,
        whose layers a dense formula (transformer_params) would count wrongly."""
        if self.is_moe or self.row.get("kv_lora_rank"):
            raise InputError("model", f"{self.row['name']} is not a dense decoder (mixture of experts or latent "
                             "attention): transformer_params would miscount it; its count is the catalog's params")
        return self.row["d_ff"]

    @property
    def kv_heads(self):
        """Key/value heads: n_kv_heads, or n_heads where the row has none (multi-head attention)."""
        return self.row.get("n_kv_heads") or self.row["n_heads"]

    @property
    def context_extended(self):
        """The longest window the model card supports with rope scaling (Qwen3: 131,072 tokens via
        YaRN, against a native ``context`` of 32,768), or None where the card gives only ``context``."""
        return self.row.get("context_extended")

    @property
    def learned_context(self):
        """Positions with a learned embedding: the context window if positions are learned (GPT), else 0."""
        return (self.row.get("context") or 0) if self.row.get("learned_positions") else 0

    @property
    def attention_width(self):
        """n_heads x head_dim: Kaplan's d_attn, the width attention works in (PaLM: 12,288, d_model 18,432)."""
        return self.row["n_heads"] * self.head_dim if self.row["n_heads"] else None

    @property
    def dense_params(self):
        """All parameters of a dense model; a mixture of experts is refused (for laws fitted on dense models)."""
        if self.is_moe:
            raise InputError(
                "params", f"comes from {self.row['name']}, a mixture of experts, but this law was fitted on dense "
                "models: give a parameter count as a number"
            )
        return self.params

    @property
    def kv_dim(self):
        """Half the numbers cached per token and layer: KV heads x head dimension (keys, and again values).

        Latent attention (MLA) caches one latent vector and a rotary key instead, so its
        kv_dim is half of kv_lora_rank + qk_rope_head_dim: 2 x kv_dim is the cache in
        every case, as ``kv_cache_bytes`` takes it.
        """
        return self.kv_elements_per_token / 2

    @property
    def matmul_params_per_token(self):
        """Parameters one token is multiplied by (a forward pass costs 2 FLOPs each).

        The active parameters counted from the architecture, less the input embedding of
        an untied model (a table lookup, not a product; a tied table is the output layer's
        matrix and stays). Counting keeps one convention where publishers differ: gpt-oss's
        and DeepSeek's published active figures already leave the input embedding out.
        A row without a full architecture falls back to its published active figure.

        >>> from xlcost.catalog import model
        >>> round(model("gpt-oss-20b").matmul_params_per_token / 1e9, 2)   # OpenAI: 3.61B active
        3.61
        """
        if self.missing_architecture:
            active = self.active_params
        else:
            active = self.counted_active_params
        lookup = 0.0 if self.row.get("tied_embeddings") else (self.row.get("vocab") or 0) * self.row["d_model"]
        return active - lookup

    @property
    def missing_architecture(self):
        """The fields a parameter count needs that the row lacks (empty: it can be counted)."""
        need = list(_SHAPE)
        moe_layers = self.row.get("moe_layers") or 0
        if self.is_moe:
            need += ["moe_layers", *_MOE]
        if not self.is_moe or moe_layers < (self.row.get("n_layers") or 0):
            need.append("d_ff")
        if any(self.row.get(f) for f in _MLA):
            need += list(_MLA)
        return [f for f in dict.fromkeys(need) if not self.row.get(f)]

    @property
    def counted_params(self):
        """Total parameters counted from the architecture (every expert of an MoE)."""
        return self._count(active=False)

    @property
    def counted_active_params(self):
        """Parameters one token uses, counted from the architecture.

        Routed experts count ``experts_per_token`` of ``n_experts``; everything else
        (attention, dense layers, shared experts, router, norms, both embedding
        tables) counts in full. Publishers differ on the input embedding: Mistral AI,
        Meta and Qwen count it, DeepSeek and OpenAI (gpt-oss) leave it out.
        """
        return self._count(active=True)

    def _count(self, active):
        from .. import core

        missing = self.missing_architecture
        if missing:
            raise InputError("model", f"{self.row['name']} has no {', '.join(missing)} in the catalog, "
                             "so its parameters cannot be counted from its architecture")
        r = self.row
        gated, biases = bool(r.get("gated_ffn")), bool(r.get("biases"))
        context = r["context"] if r.get("learned_positions") and r.get("context") else 0
        n_kv = r.get("n_kv_heads") or r["n_heads"]
        if not self.is_moe and not r.get("kv_lora_rank"):
            return core.transformer_params(r["n_layers"], r["d_model"], r["vocab"], context, r["d_ff"], r["n_heads"],
                                           n_kv, gated, bool(r.get("tied_embeddings")), biases, r.get("head_dim") or 0)
        if r.get("kv_lora_rank"):
            attention = core.mla_attention_params(r["d_model"], r["n_heads"], r["kv_lora_rank"], r["qk_rope_head_dim"],
                                                  r["qk_nope_head_dim"], r["v_head_dim"], r.get("q_lora_rank") or 0)
        else:
            attention = core.attention_params(r["d_model"], r["n_heads"], n_kv, self.head_dim, biases)
        moe_layers = r.get("moe_layers") or 0
        dense_layers = r["n_layers"] - moe_layers
        total = r["n_layers"] * (attention + (4 if biases else 2) * r["d_model"])
        if dense_layers > 0:
            total += dense_layers * core.ffn_params(r["d_model"], r["d_ff"], gated, biases)
        if moe_layers > 0:
            total += moe_layers * core.moe_ffn_params(r["d_model"], r["expert_d_ff"], r["n_experts"],
                                                      r["experts_per_token"], r.get("n_shared_experts") or 0,
                                                      gated, biases, active)
        embeddings = r["vocab"] * r["d_model"] * (1 if r.get("tied_embeddings") else 2) + context * r["d_model"]
        return total + embeddings + (2 if biases else 1) * r["d_model"]

    # ------------------------------------------------------------ what the serving core takes
    # (xlcost.core.serving.REPLICA_MODEL declares which argument each fills)

    def _architecture(self, column):
        value = self.row.get(column)
        if value is None:
            raise InputError("model", f"{self.row['name']} has no {column} in the catalog; the serving model needs "
                             "its architecture")
        return value

    @property
    def sliding_window_layers(self):
        """Layers with a sliding window: the row's, else every layer when the row gives a window, else None."""
        layers = self.row.get("sliding_window_layers")
        if layers is None and self.row.get("sliding_window"):
            return self._architecture("n_layers")
        return layers

    @property
    def params_per_expert(self):
        """Parameters of one routed expert of one layer (``ffn_params`` of expert_d_ff); 0 for a dense model.

        >>> from xlcost.catalog import model
        >>> model("Mixtral-8x7B").params_per_expert   # 3 x 4,096 x 14,336 (SwiGLU)
        176160768.0
        """
        from ..core.params import ffn_params

        if not self.is_moe:
            return 0.0
        return ffn_params(self._architecture("d_model"), self._architecture("expert_d_ff"),
                          bool(self.row.get("gated_ffn")), bool(self.row.get("biases")))

    @property
    def shared_params(self):
        """Parameters outside the routed experts: ``params`` less moe_layers x n_experts x one expert
        (attention, dense layers, shared experts, router, embeddings); all of a dense model's."""
        params = self.params
        if not self.is_moe:
            return params
        experts = self._architecture("moe_layers") * self._architecture("n_experts") * self.params_per_expert
        if experts >= params:
            raise InputError("model", f"{self.row['name']}: its experts ({experts:.3g} parameters) exceed its params "
                             f"({params:.3g}) in the catalog")
        return params - experts

    @property
    def linear_flops_per_token(self):
        """FLOPs of the linear layers per token: 2 x :attr:`matmul_params_per_token`."""
        return 2.0 * self.matmul_params_per_token

    @property
    def expert_flops_per_token(self):
        """The routed experts' share of :attr:`linear_flops_per_token`: 2 x k x moe_layers x one expert (0: dense)."""
        if not self.is_moe:
            return 0.0
        return 2.0 * self._architecture("experts_per_token") * self._architecture("moe_layers") * self.params_per_expert

    @property
    def _latent(self):
        return bool(self.row.get("kv_lora_rank"))

    @property
    def attention_flops_per_attended(self):
        """Attention FLOPs per cached token and layer: 2 x n_heads x (qk head dim + v head dim)
        (scores and the weighted values; latent attention decompresses its keys and values)."""
        n_heads = self._architecture("n_heads")
        if self._latent:
            qk = self._architecture("qk_nope_head_dim") + self._architecture("qk_rope_head_dim")
            return 2.0 * n_heads * (qk + self._architecture("v_head_dim"))
        return 2.0 * n_heads * 2 * self.head_dim

    @property
    def decode_attention_flops_per_attended(self):
        """The same in a decode step. Latent attention decodes in the absorbed form: each head
        scores the latent and its rope key, and sums values in the latent:
        2 x n_heads x (kv_lora_rank + qk_rope_head_dim + kv_lora_rank)."""
        if not self._latent:
            return self.attention_flops_per_attended
        latent = self._architecture("kv_lora_rank")
        return 2.0 * self._architecture("n_heads") * (latent + self._architecture("qk_rope_head_dim") + latent)

    @property
    def kv_cache_heads(self):
        """KV heads a token's cache holds: :attr:`kv_heads`; latent attention 1.

        The latent is shared by every head, so tensor parallelism cannot split it: every chip
        holds the whole latent cache of the replica's sequences, as one KV head replicated
        (why SGLang serves MLA models with data-parallel attention: docs.sglang.io, "DP, DPA and
        SGLang DP Router", "The Problem with Tensor Parallelism for MLA Models")."""
        if self._latent:
            return 1
        return self.row.get("n_kv_heads") or self._architecture("n_heads")

    @property
    def kv_values_per_token(self):
        """Numbers cached per token over all layers: n_layers x :attr:`kv_elements_per_token`
        (sliding-window layers stop growing; that cap is the serving model's to apply)."""
        return self._architecture("n_layers") * self.kv_elements_per_token

    @property
    def kv_elements_per_token(self):
        """Numbers cached per token and layer: 2 x KV heads x head_dim, or MLA's latent plus rotary key.

        Sliding-window layers cache at most ``sliding_window`` tokens; that cap is the
        serving model's to apply.
        """
        if self.row.get("kv_lora_rank"):
            return self.row["kv_lora_rank"] + (self.row.get("qk_rope_head_dim") or 0)
        return 2 * (self.row["n_kv_heads"] or self.row["n_heads"]) * self.head_dim
