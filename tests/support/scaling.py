"""The scaled config of each model type: chosen here, by the test, never read from tinyforge's catalog.

A few model types carry hand-picked values (SCALED in test_oracle.py). Every other type gets the generic rule
below: each field the type's transformers config class declares gets the value listed for it, so widths,
depths, head and kv-head counts, expert counts and state sizes all differ from the tiny config."""
import contextlib
import dataclasses
import json
import warnings

from transformers import CONFIG_MAPPING, logging

# field -> scaled value; only fields the config class declares are set.
GENERIC = {
    "vocab_size": 600,
    "hidden_size": 64, "n_embd": 64, "d_model": 64, "n_embed": 64,
    "num_hidden_layers": 3, "n_layer": 3, "num_layers": 3,
    "num_attention_heads": 4, "n_head": 4, "num_heads": 4,
    "num_key_value_heads": 2, "num_kv_heads": 2,
    # Expert widths are multiples of 8: transformers' default experts implementation (torch grouped_mm)
    # refuses strides that are not multiples of 16 bytes.
    "intermediate_size": 56, "ffn_hidden_size": 56, "n_inner": 56,
    "num_local_experts": 4, "num_experts": 4, "n_routed_experts": 4, "moe_num_experts": 4,
    "num_experts_per_tok": 2, "moe_k": 2,
    "moe_intermediate_size": 24, "shared_expert_intermediate_size": 40,
    "state_size": 8, "ssm_state_size": 8, "mamba_d_state": 8, "d_state": 8,
    "conv_kernel": 3, "mamba_d_conv": 3,
}

# Per-layer patterns where transformers has no default of its own to cut to the scaled depth (the
# ModelTester lists one); the test's choice, different from the tiny config's.
LAYER_PATTERNS = {
    "gpt_neo": {"attention_types": [[["global", "local"], 1], [["local"], 1]]},
    "lfm2_moe": {"layer_types": ["conv", "full_attention", "conv"]},
    "zaya": {"layer_types": ["hybrid_sliding", "hybrid", "hybrid"]},
    # Their default at 3 layers is linear attention only, whose cache transformers' forward pass refuses.
    "granitemoehybrid": {"layer_types": ["linear_attention", "full_attention", "linear_attention"]},
    "qwen3_next": {"layer_types": ["linear_attention", "full_attention", "linear_attention"]},
    "kimi_linear": {"layer_types": ["linear_attention", "full_attention", "linear_attention"]},
    "bailing_hybrid": {"layer_types": ["linear_attention", "full_attention", "linear_attention"]},
    # ZambaModel ties every hybrid layer's shared transformer to the first one's and refuses a config with one.
    "zamba": {"layers_block_type": ["linear_attention", "hybrid", "hybrid"]},
}


# Where transformers' model runs only with some generic values changed (the test's choice, with the reason).
GENERIC_EXCEPTIONS = {
    # Its mixer checks hidden_size * expand == num_heads * head_dim, and its groups split the heads.
    "mamba2": {"head_dim": 32, "n_groups": 2},
    # Its config refuses any other top-k.
    "zaya": {"num_experts_per_tok": 1},
    # Its layer count is n_layers (no generic field): the test's scaled depth and head count.
    "dbrx": {"n_layers": 3, "n_heads": 8},
    # The backbone's output stage must exist at the scaled depth.
    "rf_detr_dinov2": {"out_features": ["stage3"], "out_indices": [3]},
    # Its first module takes the embeddings as they are: embedding_size is the hidden size.
    "squeezebert": {"embedding_size": 64},
}


def _fields(model_type):
    cls = CONFIG_MAPPING[model_type]
    return {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set(cls().to_dict())


@contextlib.contextmanager
def _quiet():
    """transformers logs about token ids outside the scaled vocabulary; they are not used here."""
    level = logging.get_verbosity()
    logging.set_verbosity_error()
    try:
        yield
    finally:
        logging.set_verbosity(level)


def _layer_field(values):
    return next((k for k in ("num_hidden_layers", "n_layer", "num_layers") if k in values), None)


def _per_layer_lists(model_type, values):
    """The per-layer lists (layer_types, mlp_layer_types, ...) transformers builds for `values`: the config's
    lists as long as the layer count, token ids aside. They are passed explicitly because a tiny config may list its own
    (of the tiny depth), which would contradict the scaled depth."""
    cls = CONFIG_MAPPING[model_type]
    layer_field = _layer_field(values)
    if layer_field is None:
        return {}
    defaults = {f.name: f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
                for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else {}
    n_default = defaults.get(layer_field)

    n = values[layer_field]
    # List defaults of the default depth, cut to the new depth: the config may refuse them uncut.
    cut = {k: (v * n)[:n] for k, v in defaults.items()
           if isinstance(v, list) and v and isinstance(n_default, int) and len(v) == n_default}
    for extra in ({}, cut):
        try:
            with warnings.catch_warnings(), _quiet():
                warnings.simplefilter("ignore")
                cfg = cls(**{**values, **extra}).to_dict()
        except Exception:  # noqa: BLE001 - a config that refuses these values has no lists to add
            continue
        return {k: v for k, v in cfg.items()
                if isinstance(v, list) and len(v) == n and not k.endswith("_token_id")}  # eos ids are no layers
    return {}


def generic_overrides(model_type):
    fields = _fields(model_type)
    values = {**{k: v for k, v in GENERIC.items() if k in fields},
              **GENERIC_EXCEPTIONS.get(model_type, {})}  # chosen for this type: always set
    if "kv_lora_rank" in fields and "num_key_value_heads" in values:
        # Multi-head latent attention decompresses one key and value per query head (real checkpoints set
        # num_key_value_heads = num_attention_heads); several of these models fail in transformers otherwise.
        values["num_key_value_heads"] = values["num_attention_heads"]
    lists = {**LAYER_PATTERNS.get(model_type, {})}
    lists.update(_per_layer_lists(model_type, {**values, **lists}))
    lists.update({k: v for k, v in values.items() if isinstance(v, list)})
    return ([f"{k}={v}" for k, v in values.items() if not isinstance(v, list)]
            + [f"{k}={json.dumps(v)}" for k, v in sorted(lists.items())])
