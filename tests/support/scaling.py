"""The scaled config of each model type: chosen here, by the test, never read from tinyforge's catalog.

A few model types carry hand-picked values (SCALED in test_oracle.py). Every other type gets the generic rule
below: each field the type's transformers config class declares gets the value listed for it, so widths,
depths, head and kv-head counts, expert counts and state sizes all differ from the tiny config."""
import dataclasses

from transformers import CONFIG_MAPPING

# field -> scaled value; only fields the config class declares are set.
GENERIC = {
    "vocab_size": 600,
    "hidden_size": 64, "n_embd": 64, "d_model": 64, "n_embed": 64,
    "num_hidden_layers": 3, "n_layer": 3, "num_layers": 3,
    "num_attention_heads": 4, "n_head": 4, "num_heads": 4,
    "num_key_value_heads": 2, "num_kv_heads": 2,
    "intermediate_size": 50, "ffn_hidden_size": 50, "n_inner": 50,
    "num_local_experts": 4, "num_experts": 4, "n_routed_experts": 4, "moe_num_experts": 4,
    "num_experts_per_tok": 2, "moe_k": 2,
    "moe_intermediate_size": 24, "shared_expert_intermediate_size": 40,
    "state_size": 8, "ssm_state_size": 8, "mamba_d_state": 8, "d_state": 8,
    "conv_kernel": 3, "mamba_d_conv": 3,
}


def _fields(model_type):
    cls = CONFIG_MAPPING[model_type]
    return {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set(cls().to_dict())


def generic_overrides(model_type):
    fields = _fields(model_type)
    return [f"{k}={v}" for k, v in GENERIC.items() if k in fields]
