// mistral: modeling_mistral.py (MistralModel and its heads) and configuration_mistral.py. The llama decoder
// without biases; its sliding window only changes the attention mask.
#include "tinyforge/catalog/config.h"
#include "tinyforge/families/llama_like.h"

namespace tinyforge {

namespace {

void finalize(Json& c, const std::string&) {
  require_positive(c, {"hidden_size", "num_attention_heads"});
  // MistralConfig.__post_init__: head_dim defaults to hidden_size // num_attention_heads.
  if (c["head_dim"].is_null()) c["head_dim"] = get_int(c, "hidden_size") / get_int(c, "num_attention_heads");
  llama_like_derive_kv_heads(c);
  llama_like_validate(c, get_int(c, "head_dim"));
  if (!c["sliding_window"].is_null() && get_int(c, "sliding_window") <= 0)
    throw ConfigError("config field 'sliding_window' must be positive or null (got " +
                      c["sliding_window"].dump() + ")");
}

std::vector<TensorSpec> tensors(const Json& c, const std::string& arch) {
  // MistralForQuestionAnswering keeps base_model_prefix "model".
  return llama_like_tensors(c, arch, {get_int(c, "head_dim"), false, false, false, "model"});
}

}  // namespace

const Family& mistral_family() {
  static const Family f{"mistral", finalize, tensors, nullptr};
  return f;
}

}  // namespace tinyforge
