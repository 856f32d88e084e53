// llama: configuration_llama.py. Its tensors are compiled (catalog/data/llama.json); this file keeps the
// config derivations and invariants the catalog does not capture yet.
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

}  // namespace

const Family& llama_family() {
  static const Family f{"llama", finalize, nullptr, nullptr};
  return f;
}

}  // namespace tinyforge
