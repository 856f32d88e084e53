// bert: configuration_bert.py and the BERT encoder's module invariants. Its tensors are compiled
// (catalog/data/bert.json); this file keeps the config derivations and invariants the catalog does not
// capture yet.
#include "tinyforge/catalog/config.h"
#include "tinyforge/families/bert_like.h"

namespace tinyforge {

void bert_like_validate(const Json& c) {
  require_positive(c, {"hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                       "vocab_size", "max_position_embeddings", "type_vocab_size"});
  require_divisible(c, "hidden_size", "num_attention_heads");
}

namespace {

void finalize(Json& c, const std::string&) { bert_like_validate(c); }

}  // namespace

const Family& bert_family() {
  static const Family f{"bert", finalize, nullptr, nullptr};
  return f;
}

}  // namespace tinyforge
