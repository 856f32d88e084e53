// gemma: modeling_gemma.py (GemmaModel and its heads). A llama-shaped decoder whose RMSNorm scales by
// (1 + weight), so every norm weight starts at zero; the word embeddings are multiplied by sqrt(hidden_size)
// through a non-persistent buffer that save_pretrained leaves out.
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

// GemmaRMSNorm: weight only, zero-centred (the forward multiplies by 1 + weight).
void gemma_rms_norm(TensorList& t, const std::string& name, int64_t dim) { t.rms_norm(name, dim, 0.0); }

// GemmaModel under prefix p: embed_tokens, layers.{i}.(self_attn, mlp, two norms), norm.
void gemma_model(TensorList& t, const std::string& p, const Json& c) {
  const int64_t h = get_int(c, "hidden_size"), inter = get_int(c, "intermediate_size");
  const int64_t head_dim = get_int(c, "head_dim");
  const int64_t q_out = get_int(c, "num_attention_heads") * head_dim;
  const int64_t kv_out = get_int(c, "num_key_value_heads") * head_dim;
  const bool bias = get_bool(c, "attention_bias");
  const double std = get_float(c, "initializer_range");

  t.embedding(p + "embed_tokens", get_int(c, "vocab_size"), h, std, pad_index(c));
  for (int64_t i = 0; i < get_count(c, "num_hidden_layers"); ++i) {
    const std::string l = p + "layers." + std::to_string(i) + ".";
    t.linear(l + "self_attn.q_proj", h, q_out, std, bias);
    t.linear(l + "self_attn.k_proj", h, kv_out, std, bias);
    t.linear(l + "self_attn.v_proj", h, kv_out, std, bias);
    t.linear(l + "self_attn.o_proj", q_out, h, std, bias);
    t.linear(l + "mlp.gate_proj", h, inter, std, false);
    t.linear(l + "mlp.up_proj", h, inter, std, false);
    t.linear(l + "mlp.down_proj", inter, h, std, false);
    gemma_rms_norm(t, l + "input_layernorm", h);
    gemma_rms_norm(t, l + "post_attention_layernorm", h);
  }
  gemma_rms_norm(t, p + "norm", h);
}

std::vector<TensorSpec> tensors(const Json& c, const std::string& arch) {
  TensorList t;
  const int64_t h = get_int(c, "hidden_size");
  const double std = get_float(c, "initializer_range");
  gemma_model(t, arch == "GemmaModel" ? "" : "model.", c);

  // lm_head is tied to model.embed_tokens unless tie_word_embeddings is false.
  if (arch == "GemmaForCausalLM" && !get_bool(c, "tie_word_embeddings", true))
    t.linear("lm_head", h, get_int(c, "vocab_size"), std, false);
  // GenericForSequenceClassification: score without bias; GenericForTokenClassification: bias unless the
  // config sets token_classification_bias to false.
  if (arch == "GemmaForSequenceClassification") t.linear("score", h, num_labels(c), std, false);
  if (arch == "GemmaForTokenClassification")
    t.linear("score", h, num_labels(c), std, get_bool(c, "token_classification_bias", true));
  return t.take();
}

}  // namespace

const Family& gemma_family() {
  static const Family f{"gemma", finalize, tensors, nullptr};
  return f;
}

}  // namespace tinyforge
