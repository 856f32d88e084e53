// roberta: configuration_roberta.py and RobertaEmbeddings' position rule. Its tensors are compiled
// (catalog/data/roberta.json); this file keeps the config derivations and invariants the catalog does not
// capture yet.
#include "tinyforge/catalog/config.h"
#include "tinyforge/families/bert_like.h"

namespace tinyforge {

namespace {

void finalize(Json& c, const std::string&) {
  bert_like_validate(c);
  // RobertaEmbeddings numbers positions from pad_token_id + 1 (create_position_ids_from_input_ids), so the
  // forward pass needs a padding id, and the position table must reach past it.
  if (!pad_index(c))
    throw ConfigError(
        "config field 'pad_token_id' must be set: RoBERTa numbers positions after the padding id");
  const int64_t pad = get_int(c, "pad_token_id");
  if (pad < 0 || pad >= get_int(c, "vocab_size"))
    throw ConfigError("config field 'pad_token_id' (" + std::to_string(pad) +
                      ") must lie in [0, vocab_size)");
  if (get_int(c, "max_position_embeddings") <= pad + 1)
    throw ConfigError(
        "config field 'max_position_embeddings' must exceed pad_token_id + 1 (positions start at " +
        std::to_string(pad + 1) + ")");
  // RobertaLayer refuses cross-attention outside a decoder.
  if (get_bool(c, "add_cross_attention") && !get_bool(c, "is_decoder"))
    throw ConfigError("config field 'add_cross_attention' requires 'is_decoder' to be true");
}

}  // namespace

const Family& roberta_family() {
  static const Family f{"roberta", finalize, nullptr, nullptr};
  return f;
}

}  // namespace tinyforge
