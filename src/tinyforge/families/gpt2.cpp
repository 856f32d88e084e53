// gpt2: modeling_gpt2.py (GPT2Model and its heads). GPT-2 projects with Conv1D, whose weight is stored
// [in, out] (the transpose of nn.Linear), and scales the residual projections' init by 1/sqrt(2·n_layer).
#include <cmath>

#include "tinyforge/catalog/config.h"
#include "tinyforge/families/blocks.h"
#include "tinyforge/families/family.h"

namespace tinyforge {

namespace {

// GPT2Block: n_inner, or 4·n_embd when unset (the config itself leaves n_inner null).
int64_t inner_dim(const Json& c) {
  return c.contains("n_inner") && !c["n_inner"].is_null() ? get_int(c, "n_inner") : 4 * get_int(c, "n_embd");
}

void finalize(Json& c, const std::string&) {
  require_positive(c, {"n_embd", "n_layer", "n_head", "vocab_size", "n_positions"});
  if (c.contains("n_inner") && !c["n_inner"].is_null()) require_positive(c, {"n_inner"});
  require_divisible(c, "n_embd", "n_head");  // GPT2Attention: embed_dim divisible by num_heads
}

// Conv1D(nf=out, nx=in): weight [in, out] ~ N(0, std), bias zeros.
void conv1d(TensorList& t, const std::string& name, int64_t in, int64_t out, double std) {
  t.add(name + ".weight", {in, out}, normal(std));
  t.add(name + ".bias", {out}, zeros());
}

void transformer(TensorList& t, const std::string& p, const Json& c) {
  const int64_t h = get_int(c, "n_embd"), layers = get_count(c, "n_layer"), inner = inner_dim(c);
  const double std = get_float(c, "initializer_range");
  // c_proj of every GPT2Attention and GPT2MLP: two residual paths per block.
  const double proj_std = std / std::sqrt(2.0 * static_cast<double>(layers));
  const bool cross = get_bool(c, "add_cross_attention");
  t.embedding(p + "wte", get_int(c, "vocab_size"), h, std);
  t.embedding(p + "wpe", get_int(c, "n_positions"), h, std);
  for (int64_t i = 0; i < layers; ++i) {
    const std::string b = p + "h." + std::to_string(i) + ".";
    t.layer_norm(b + "ln_1", h);
    conv1d(t, b + "attn.c_attn", h, 3 * h, std);
    conv1d(t, b + "attn.c_proj", h, h, proj_std);
    t.layer_norm(b + "ln_2", h);
    if (cross) {
      conv1d(t, b + "crossattention.c_attn", h, 2 * h, std);  // key and value
      conv1d(t, b + "crossattention.q_attn", h, h, std);
      conv1d(t, b + "crossattention.c_proj", h, h, proj_std);
      t.layer_norm(b + "ln_cross_attn", h);
    }
    conv1d(t, b + "mlp.c_fc", h, inner, std);
    conv1d(t, b + "mlp.c_proj", inner, h, proj_std);
  }
  t.layer_norm(p + "ln_f", h);
}

std::vector<TensorSpec> tensors(const Json& c, const std::string& arch) {
  TensorList t;
  const int64_t h = get_int(c, "n_embd");
  const double std = get_float(c, "initializer_range");
  transformer(t, arch == "GPT2Model" ? "" : "transformer.", c);
  if (arch == "GPT2LMHeadModel" && !get_bool(c, "tie_word_embeddings", true))
    t.linear("lm_head", h, get_int(c, "vocab_size"), std, /*bias=*/false);
  if (arch == "GPT2ForSequenceClassification") t.linear("score", h, num_labels(c), std, /*bias=*/false);
  if (arch == "GPT2ForTokenClassification") t.linear("classifier", h, num_labels(c), std);
  if (arch == "GPT2ForQuestionAnswering") t.linear("qa_outputs", h, 2, std);
  return t.take();
}

}  // namespace

const Family& gpt2_family() {
  static const Family f{"gpt2", finalize, tensors, nullptr};
  return f;
}

}  // namespace tinyforge
