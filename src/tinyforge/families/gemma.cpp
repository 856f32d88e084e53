// gemma: configuration_gemma.py. Its tensors are compiled (catalog/data/gemma.json); this file keeps the
// config derivations and invariants the catalog does not capture yet.
#include "tinyforge/catalog/config.h"
#include "tinyforge/families/blocks.h"
#include "tinyforge/families/family.h"

namespace tinyforge {

namespace {

void finalize(Json& c, const std::string&) {
  // GemmaConfig.__post_init__: the released Gemma 1.0 configs say "gelu" but mean the tanh approximation.
  if (c.contains("hidden_act") && c["hidden_act"] == "gelu") c["hidden_act"] = "gelu_pytorch_tanh";

  require_positive(c, {"vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
                       "num_attention_heads", "num_key_value_heads", "head_dim"});
  // GemmaAttention repeats each key/value head num_attention_heads / num_key_value_heads times.
  require_divisible(c, "num_attention_heads", "num_key_value_heads");
}

}  // namespace

const Family& gemma_family() {
  static const Family f{"gemma", finalize, nullptr, nullptr};
  return f;
}

}  // namespace tinyforge
