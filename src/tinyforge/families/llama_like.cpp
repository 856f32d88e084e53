// llama_like: the config rules of modeling_llama.py's decoder, shared with mistral and qwen2.
#include "tinyforge/families/llama_like.h"

#include "tinyforge/catalog/config.h"

namespace tinyforge {

void llama_like_derive_kv_heads(Json& c) {
  if (!c.contains("num_key_value_heads") || c["num_key_value_heads"].is_null())
    c["num_key_value_heads"] = c.at("num_attention_heads");
}

void llama_like_validate(const Json& c, int64_t head_dim) {
  require_positive(c, {"vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
                       "num_attention_heads", "num_key_value_heads"});
  // repeat_kv shares each key/value head between num_attention_heads / num_key_value_heads query heads.
  require_divisible(c, "num_attention_heads", "num_key_value_heads");
  // The rotary embedding has head_dim / 2 frequencies and rotate_half splits each head in two halves.
  if (head_dim <= 0 || head_dim % 2 != 0)
    throw ConfigError("the attention head width (head_dim = " + std::to_string(head_dim) +
                      ") must be positive and even for the rotary embedding");
}

}  // namespace tinyforge
