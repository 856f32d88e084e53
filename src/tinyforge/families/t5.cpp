// t5: modeling_t5.py (T5Model, T5EncoderModel and their heads). An encoder-decoder with one embedding table
// (`shared`) that both stacks and the LM head tie to, relative attention bias only in each stack's first
// block, and weights drawn with stds scaled by config.initializer_factor rather than initializer_range.
#include <cmath>

#include "tinyforge/catalog/config.h"
#include "tinyforge/families/blocks.h"
#include "tinyforge/families/family.h"

namespace tinyforge {

namespace {

// Heads built on T5EncoderModel: no decoder stack, and the encoder-only model rewrites its config.
bool encoder_only(const std::string& arch) {
  return arch == "T5EncoderModel" || arch == "T5ForTokenClassification";
}

std::vector<std::string> split_dash(const std::string& s) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    auto dash = s.find('-', start);
    parts.push_back(s.substr(start, dash == std::string::npos ? std::string::npos : dash - start));
    if (dash == std::string::npos) return parts;
    start = dash + 1;
  }
}

void finalize(Json& c, const std::string& arch) {
  // T5Config.__post_init__: the decoder mirrors the encoder depth unless told otherwise.
  if (c["num_decoder_layers"].is_null()) c["num_decoder_layers"] = c["num_layers"];

  // feed_forward_proj is "{act}" or "gated-{act}"; it decides the activation and whether the MLP is gated.
  if (!c["feed_forward_proj"].is_string())
    throw ConfigError("config field 'feed_forward_proj' must be a string such as \"relu\" or \"gated-gelu\"");
  const std::string proj = c["feed_forward_proj"].get<std::string>();
  const auto act = split_dash(proj);
  if ((act.size() > 1 && act[0] != "gated") || act.size() > 2 || act.back().empty())
    throw ConfigError(
        "config field 'feed_forward_proj' (\"" + proj +
        "\") must be of the form \"gated-{ACT_FN}\" or \"{ACT_FN}\", e.g. \"gated-gelu\" or \"relu\"");
  if (c["dense_act_fn"].is_null()) c["dense_act_fn"] = proj == "gated-gelu" ? "gelu_new" : act.back();
  if (c["is_gated_act"].is_null()) c["is_gated_act"] = act[0] == "gated";

  // A given tie_word_embeddings=false only turns off the decoder-output scaling; the embeddings stay tied.
  if (c["scale_decoder_outputs"].is_null())
    c["scale_decoder_outputs"] =
        !(c["tie_word_embeddings"].is_boolean() && !c["tie_word_embeddings"].get<bool>());
  c["tie_word_embeddings"] = true;

  // T5EncoderModel.__init__ sets these on the config it is given (not on a copy), so they are saved.
  if (encoder_only(arch)) {
    c["use_cache"] = false;
    c["is_encoder_decoder"] = false;
  }

  require_positive(c, {"vocab_size", "d_model", "d_kv", "d_ff", "num_layers", "num_heads",
                       "relative_attention_num_buckets"});
  if (!encoder_only(arch)) require_positive(c, {"num_decoder_layers"});
  // T5ForQuestionAnswering splits its num_labels logits into start and end logits.
  if (arch == "T5ForQuestionAnswering" && num_labels(c) != 2)
    throw ConfigError(
        "config field 'id2label' must have 2 labels for T5ForQuestionAnswering (start and end logits)");
}

struct T5Dims {
  int64_t d_model, d_kv, d_ff, heads, buckets;
  double factor;  // initializer_factor
  bool gated;
};

T5Dims dims_of(const Json& c) {
  return {get_int(c, "d_model"),
          get_int(c, "d_kv"),
          get_int(c, "d_ff"),
          get_int(c, "num_heads"),
          get_int(c, "relative_attention_num_buckets"),
          get_float(c, "initializer_factor"),
          get_bool(c, "is_gated_act")};
}

// T5LayerNorm: weight only (no bias, no mean subtraction), initialised to the factor.
void t5_layer_norm(TensorList& t, const std::string& name, const T5Dims& d) {
  t.add(name + ".weight", {d.d_model}, constant(d.factor));
}

// T5Attention: bias-free q/k/v/o over inner_dim = num_heads * d_kv, each with its own std.
void t5_attention(TensorList& t, const std::string& p, const T5Dims& d, bool relative_bias) {
  const int64_t inner = d.heads * d.d_kv;
  const double dm = static_cast<double>(d.d_model);
  t.linear(p + "q", d.d_model, inner, d.factor * std::pow(dm * static_cast<double>(d.d_kv), -0.5), false);
  t.linear(p + "k", d.d_model, inner, d.factor * std::pow(dm, -0.5), false);
  t.linear(p + "v", d.d_model, inner, d.factor * std::pow(dm, -0.5), false);
  t.linear(p + "o", inner, d.d_model, d.factor * std::pow(static_cast<double>(inner), -0.5), false);
  if (relative_bias)
    t.add(p + "relative_attention_bias.weight", {d.buckets, d.heads}, normal(d.factor * std::pow(dm, -0.5)),
          TensorRole::Parameter, /*embedding=*/true);
}

// T5DenseActDense (wi, wo) or T5DenseGatedActDense (wi_0, wi_1, wo), all bias-free.
void t5_feed_forward(TensorList& t, const std::string& p, const T5Dims& d) {
  const double wi_std = d.factor * std::pow(static_cast<double>(d.d_model), -0.5);
  if (d.gated) {
    t.linear(p + "wi_0", d.d_model, d.d_ff, wi_std, false);
    t.linear(p + "wi_1", d.d_model, d.d_ff, wi_std, false);
  } else {
    t.linear(p + "wi", d.d_model, d.d_ff, wi_std, false);
  }
  t.linear(p + "wo", d.d_ff, d.d_model, d.factor * std::pow(static_cast<double>(d.d_ff), -0.5), false);
}

// T5Stack under prefix p: block.{i}.layer.{0: self-attention, [1: cross-attention,] last: feed-forward},
// final_layer_norm. Its embed_tokens is tied to `shared` and not saved.
void t5_stack(TensorList& t, const std::string& p, const T5Dims& d, int64_t layers, bool decoder) {
  for (int64_t i = 0; i < layers; ++i) {
    const std::string b = p + "block." + std::to_string(i) + ".layer.";
    t5_attention(t, b + "0.SelfAttention.", d, i == 0);
    t5_layer_norm(t, b + "0.layer_norm", d);
    if (decoder) {
      t5_attention(t, b + "1.EncDecAttention.", d, false);
      t5_layer_norm(t, b + "1.layer_norm", d);
    }
    const std::string ff = b + (decoder ? "2." : "1.");
    t5_feed_forward(t, ff + "DenseReluDense.", d);
    t5_layer_norm(t, ff + "layer_norm", d);
  }
  t5_layer_norm(t, p + "final_layer_norm", d);
}

std::vector<TensorSpec> tensors(const Json& c, const std::string& arch) {
  TensorList t;
  const T5Dims d = dims_of(c);
  const double head_std = d.factor * std::pow(static_cast<double>(d.d_model), -0.5);
  // The classification heads wrap a T5Model / T5EncoderModel as `transformer`.
  const bool wrapped = arch == "T5ForSequenceClassification" || arch == "T5ForTokenClassification";
  const std::string base = wrapped ? "transformer." : "";

  t.embedding(base + "shared", get_int(c, "vocab_size"), d.d_model, d.factor);
  t5_stack(t, base + "encoder.", d, get_count(c, "num_layers"), false);
  if (!encoder_only(arch)) t5_stack(t, base + "decoder.", d, get_count(c, "num_decoder_layers"), true);

  if (arch == "T5ForConditionalGeneration" && !get_bool(c, "tie_word_embeddings", true))
    t.linear("lm_head", d.d_model, get_int(c, "vocab_size"), d.factor, false);
  if (arch == "T5ForQuestionAnswering") t.linear("qa_outputs", d.d_model, num_labels(c), head_std);
  if (arch == "T5ForSequenceClassification") {
    t.linear("classification_head.dense", d.d_model, d.d_model, head_std);
    t.linear("classification_head.out_proj", d.d_model, num_labels(c), head_std);
  }
  if (arch == "T5ForTokenClassification") t.linear("classifier", d.d_model, num_labels(c), d.factor);
  return t.take();
}

}  // namespace

const Family& t5_family() {
  static const Family f{"t5", finalize, tensors, nullptr};
  return f;
}

}  // namespace tinyforge
