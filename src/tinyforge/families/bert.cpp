// bert: modeling_bert.py (BertModel and its heads). Shared with the encoder families built like BERT.
#include "tinyforge/catalog/config.h"
#include "tinyforge/families/bert_like.h"

namespace tinyforge {

void bert_like_validate(const Json& c) {
  require_positive(c, {"hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                       "vocab_size", "max_position_embeddings", "type_vocab_size"});
  require_divisible(c, "hidden_size", "num_attention_heads");
}

void bert_like_embeddings(TensorList& t, const std::string& p, const Json& c,
                          std::optional<int64_t> position_padding) {
  const int64_t h = get_int(c, "hidden_size");
  const double std = get_float(c, "initializer_range");
  t.embedding(p + "word_embeddings", get_int(c, "vocab_size"), h, std, pad_index(c));
  t.embedding(p + "position_embeddings", get_int(c, "max_position_embeddings"), h, std, position_padding);
  t.embedding(p + "token_type_embeddings", get_int(c, "type_vocab_size"), h, std);
  t.layer_norm(p + "LayerNorm", h);
}

void bert_like_encoder(TensorList& t, const std::string& p, const Json& c) {
  const int64_t h = get_int(c, "hidden_size"), inter = get_int(c, "intermediate_size");
  const double std = get_float(c, "initializer_range");
  const bool cross = get_bool(c, "add_cross_attention") && get_bool(c, "is_decoder");
  for (int64_t i = 0; i < get_count(c, "num_hidden_layers"); ++i) {
    const std::string l = p + "layer." + std::to_string(i) + ".";
    auto attention = [&](const std::string& a) {
      t.linear(a + "self.query", h, h, std);
      t.linear(a + "self.key", h, h, std);
      t.linear(a + "self.value", h, h, std);
      t.linear(a + "output.dense", h, h, std);
      t.layer_norm(a + "output.LayerNorm", h);
    };
    attention(l + "attention.");
    if (cross) attention(l + "crossattention.");
    t.linear(l + "intermediate.dense", h, inter, std);
    t.linear(l + "output.dense", inter, h, std);
    t.layer_norm(l + "output.LayerNorm", h);
  }
}

void bert_like_lm_head(TensorList& t, const std::string& p, const Json& c) {
  const int64_t h = get_int(c, "hidden_size");
  const double std = get_float(c, "initializer_range");
  t.linear(p + "transform.dense", h, h, std);
  t.layer_norm(p + "transform.LayerNorm", h);
  if (!get_bool(c, "tie_word_embeddings", true))
    t.add(p + "decoder.weight", {get_int(c, "vocab_size"), h}, normal(std));
  t.add(p + "bias", {get_int(c, "vocab_size")}, zeros());
}

namespace {

void finalize(Json& c, const std::string&) { bert_like_validate(c); }

std::vector<TensorSpec> tensors(const Json& c, const std::string& arch) {
  TensorList t;
  const int64_t h = get_int(c, "hidden_size");
  const double std = get_float(c, "initializer_range");
  // Heads that run BertModel(add_pooling_layer=False).
  const bool pooled = !(arch == "BertForMaskedLM" || arch == "BertLMHeadModel" ||
                        arch == "BertForQuestionAnswering" || arch == "BertForTokenClassification");
  const std::string base = arch == "BertModel" ? "" : "bert.";
  bert_like_embeddings(t, base + "embeddings.", c, std::nullopt);
  bert_like_encoder(t, base + "encoder.", c);
  if (pooled) t.linear(base + "pooler.dense", h, h, std);

  if (arch == "BertForMaskedLM" || arch == "BertLMHeadModel" || arch == "BertForPreTraining")
    bert_like_lm_head(t, "cls.predictions.", c);
  if (arch == "BertForPreTraining" || arch == "BertForNextSentencePrediction")
    t.linear("cls.seq_relationship", h, 2, std);
  if (arch == "BertForSequenceClassification" || arch == "BertForTokenClassification")
    t.linear("classifier", h, num_labels(c), std);
  if (arch == "BertForMultipleChoice") t.linear("classifier", h, 1, std);
  if (arch == "BertForQuestionAnswering") t.linear("qa_outputs", h, 2, std);
  return t.take();
}

}  // namespace

const Family& bert_family() {
  static const Family f{"bert", finalize, tensors, nullptr};
  return f;
}

}  // namespace tinyforge
