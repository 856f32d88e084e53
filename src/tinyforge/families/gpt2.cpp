// gpt2: configuration_gpt2.py and GPT2Attention's invariant. Its tensors are compiled
// (catalog/data/gpt2.json); this file keeps the config derivations and invariants the catalog does not
// capture yet.
#include "tinyforge/catalog/config.h"
#include "tinyforge/families/blocks.h"
#include "tinyforge/families/family.h"

namespace tinyforge {

namespace {

void finalize(Json& c, const std::string&) {
  require_positive(c, {"n_embd", "n_layer", "n_head", "vocab_size", "n_positions"});
  if (c.contains("n_inner") && !c["n_inner"].is_null()) require_positive(c, {"n_inner"});
  require_divisible(c, "n_embd", "n_head");  // GPT2Attention: embed_dim divisible by num_heads
}

}  // namespace

const Family& gpt2_family() {
  static const Family f{"gpt2", finalize, nullptr, nullptr};
  return f;
}

}  // namespace tinyforge
