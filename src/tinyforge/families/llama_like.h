// families/llama_like: the config rules llama, mistral and qwen2 share (their tensors are compiled).
#pragma once
#include <string>
#include <vector>

#include "tinyforge/families/blocks.h"
#include "tinyforge/families/family.h"

namespace tinyforge {

// num_key_value_heads = num_attention_heads when unset, as every one of these configs' __post_init__ does.
void llama_like_derive_kv_heads(Json& config);
// Sizes positive; heads divisible by key/value heads (repeat_kv); head_dim even (rotate_half splits it in
// two).
void llama_like_validate(const Json& config, int64_t head_dim);
}  // namespace tinyforge
