// roberta: modeling_roberta.py (RobertaModel and its heads). The encoder is BERT's (bert_like.h); RoBERTa
// differs in the position embeddings, which carry a padding row at pad_token_id, and in its heads.
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

// RobertaLMHead: dense -> gelu -> layer_norm -> decoder (tied to the word embeddings) + bias.
void lm_head(TensorList& t, const std::string& p, const Json& c) {
  const int64_t h = get_int(c, "hidden_size"), vocab = get_int(c, "vocab_size");
  const double std = get_float(c, "initializer_range");
  t.linear(p + "dense", h, h, std);
  t.layer_norm(p + "layer_norm", h);
  if (!get_bool(c, "tie_word_embeddings", true)) t.linear(p + "decoder", h, vocab, std);
  t.add(p + "bias", {vocab}, zeros());
}

std::vector<TensorSpec> tensors(const Json& c, const std::string& arch) {
  TensorList t;
  const int64_t h = get_int(c, "hidden_size");
  const double std = get_float(c, "initializer_range");
  // Only RobertaModel itself and the multiple-choice head keep the pooler.
  const bool pooled = arch == "RobertaModel" || arch == "RobertaForMultipleChoice";
  const std::string base = arch == "RobertaModel" ? "" : "roberta.";
  bert_like_embeddings(t, base + "embeddings.", c, pad_index(c));
  bert_like_encoder(t, base + "encoder.", c);
  if (pooled) t.linear(base + "pooler.dense", h, h, std);

  if (arch == "RobertaForCausalLM" || arch == "RobertaForMaskedLM") lm_head(t, "lm_head.", c);
  if (arch == "RobertaForSequenceClassification") {  // RobertaClassificationHead
    t.linear("classifier.dense", h, h, std);
    t.linear("classifier.out_proj", h, num_labels(c), std);
  }
  if (arch == "RobertaForTokenClassification") t.linear("classifier", h, num_labels(c), std);
  if (arch == "RobertaForMultipleChoice") t.linear("classifier", h, 1, std);
  if (arch == "RobertaForQuestionAnswering") t.linear("qa_outputs", h, num_labels(c), std);
  return t.take();
}

}  // namespace

const Family& roberta_family() {
  static const Family f{"roberta", finalize, tensors, nullptr};
  return f;
}

}  // namespace tinyforge
