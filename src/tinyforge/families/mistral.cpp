// mistral: configuration_mistral.py. Its tensors are compiled (catalog/data/mistral.json); this file keeps
// the config derivations and invariants the catalog does not capture yet.
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

}  // namespace

const Family& mistral_family() {
  static const Family f{"mistral", finalize, nullptr, nullptr};
  return f;
}

}  // namespace tinyforge
