// bart: modeling_bart.py (BartModel, its heads, and the decoder-only BartForCausalLM). One token table
// (`shared`) that both stacks' embed_tokens and the LM head tie to; learned positions with two extra rows
// (BartLearnedPositionalEmbedding's offset of 2); a LayerNorm right after the embeddings of each stack.
#include "tinyforge/catalog/config.h"
#include "tinyforge/families/bart_like.h"
#include "tinyforge/families/family.h"

namespace tinyforge {

namespace {

// BartLearnedPositionalEmbedding looks positions up at position + offset, so the table has offset more rows.
constexpr int64_t kPositionOffset = 2;

void finalize(Json& c, const std::string& arch) {
  bart_like_validate(c, /*encoder=*/arch != "BartForCausalLM", /*decoder=*/true);
  require_positive(c, {"max_position_embeddings"});
  // BartForQuestionAnswering.__init__ sets config.num_labels = 2 (start and end logits) on the config it is
  // given, so the saved config carries two labels whatever was asked for.
  if (arch == "BartForQuestionAnswering" && num_labels(c) != 2) {
    c["id2label"] = Json{{"0", "LABEL_0"}, {"1", "LABEL_1"}};
    c["label2id"] = Json{{"LABEL_0", 0}, {"LABEL_1", 1}};
  }
}

// BartEncoder / BartDecoder under `p`. Their embed_tokens are tied to `shared` in BartModel, so they are
// written only when tie_word_embeddings is false (or, for the decoder-only model, always: it is the source).
void stack(TensorList& t, const std::string& p, const Json& c, const std::string& which, bool embed_tokens) {
  const int64_t d = get_int(c, "d_model");
  const double std = get_float(c, "init_std");
  if (embed_tokens) t.embedding(p + "embed_tokens", get_int(c, "vocab_size"), d, std, pad_index(c));
  t.embedding(p + "embed_positions", get_int(c, "max_position_embeddings") + kPositionOffset, d, std);
  for (int64_t i = 0; i < get_count(c, which + "_layers"); ++i) {
    const std::string l = p + "layers." + std::to_string(i) + ".";
    if (which == "encoder")
      bart_like_encoder_layer(t, l, d, get_int(c, "encoder_ffn_dim"), std, /*key_bias=*/true);
    else
      bart_like_decoder_layer(t, l, d, get_int(c, "decoder_ffn_dim"), std, /*key_bias=*/true);
  }
  t.layer_norm(p + "layernorm_embedding", d);
}

// BartModel under `p`: shared + encoder + decoder.
void model(TensorList& t, const std::string& p, const Json& c) {
  const bool tied = get_bool(c, "tie_word_embeddings", true);
  t.embedding(p + "shared", get_int(c, "vocab_size"), get_int(c, "d_model"), get_float(c, "init_std"),
              pad_index(c));
  stack(t, p + "encoder.", c, "encoder", !tied);
  stack(t, p + "decoder.", c, "decoder", !tied);
}

std::vector<TensorSpec> tensors(const Json& c, const std::string& arch) {
  TensorList t;
  const int64_t d = get_int(c, "d_model"), vocab = get_int(c, "vocab_size");
  const double std = get_float(c, "init_std");
  const bool tied = get_bool(c, "tie_word_embeddings", true);

  if (arch == "BartForCausalLM") {
    // BartDecoderWrapper: the decoder alone; lm_head ties to its embed_tokens.
    stack(t, "model.decoder.", c, "decoder", true);
    if (!tied) t.linear("lm_head", d, vocab, std, /*bias=*/false);
    return t.take();
  }

  model(t, arch == "BartModel" ? "" : "model.", c);
  if (arch == "BartForConditionalGeneration") {
    t.add("final_logits_bias", {1, vocab}, zeros(), TensorRole::Buffer);
    if (!tied) t.linear("lm_head", d, vocab, std, /*bias=*/false);
  }
  if (arch == "BartForSequenceClassification") {
    // BartClassificationHead(d_model, d_model, num_labels).
    t.linear("classification_head.dense", d, d, std);
    t.linear("classification_head.out_proj", d, num_labels(c), std);
  }
  if (arch == "BartForQuestionAnswering") t.linear("qa_outputs", d, num_labels(c), std);
  return t.take();
}

}  // namespace

const Family& bart_family() {
  static const Family f{"bart", finalize, tensors, nullptr};
  return f;
}

}  // namespace tinyforge
