// llama: modeling_llama.py (LlamaModel and its heads) and configuration_llama.py.
#include "tinyforge/catalog/config.h"
#include "tinyforge/families/llama_like.h"

namespace tinyforge {

namespace {

void finalize(Json& c, const std::string&) {
  require_positive(c, {"hidden_size", "num_attention_heads"});
  // LlamaConfig.__post_init__: head_dim and num_key_value_heads default from the head count.
  if (c["head_dim"].is_null()) c["head_dim"] = get_int(c, "hidden_size") / get_int(c, "num_attention_heads");
  llama_like_derive_kv_heads(c);
  // LlamaConfig.validate_architecture.
  require_divisible(c, "hidden_size", "num_attention_heads");
  llama_like_validate(c, get_int(c, "head_dim"));
}

std::vector<TensorSpec> tensors(const Json& c, const std::string& arch) {
  // LlamaAttention: bias on all four projections iff attention_bias; LlamaMLP: bias iff mlp_bias.
  const bool attention_bias = get_bool(c, "attention_bias");
  return llama_like_tensors(
      c, arch,
      {get_int(c, "head_dim"), attention_bias, attention_bias, get_bool(c, "mlp_bias"), "transformer"});
}

}  // namespace

const Family& llama_family() {
  static const Family f{"llama", finalize, tensors, nullptr};
  return f;
}

}  // namespace tinyforge
