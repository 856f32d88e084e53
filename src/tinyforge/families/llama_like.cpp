// llama_like: modeling_llama.py's decoder stack and heads, shared with mistral and qwen2.
#include "tinyforge/families/llama_like.h"

#include "tinyforge/catalog/config.h"

namespace tinyforge {

void llama_like_derive_kv_heads(Json& c) {
  if (!c.contains("num_key_value_heads") || c["num_key_value_heads"].is_null())
    c["num_key_value_heads"] = c.at("num_attention_heads");
}

void llama_like_validate(const Json& c, int64_t head_dim) {
  require_positive(c, {"vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
                       "num_attention_heads", "num_key_value_heads"});
  // repeat_kv shares each key/value head between num_attention_heads / num_key_value_heads query heads.
  require_divisible(c, "num_attention_heads", "num_key_value_heads");
  // The rotary embedding has head_dim / 2 frequencies and rotate_half splits each head in two halves.
  if (head_dim <= 0 || head_dim % 2 != 0)
    throw ConfigError("the attention head width (head_dim = " + std::to_string(head_dim) +
                      ") must be positive and even for the rotary embedding");
}

double llama_like_std(const Json& c) {
  const double std = get_float(c, "initializer_range");
  return std != 0.0 ? std : 0.02;
}

void llama_like_decoder(TensorList& t, const std::string& p, const Json& c, const LlamaLikeShape& s) {
  const int64_t h = get_int(c, "hidden_size"), inter = get_int(c, "intermediate_size");
  const int64_t heads = get_int(c, "num_attention_heads"), kv_heads = get_int(c, "num_key_value_heads");
  const double std = llama_like_std(c);
  t.embedding(p + "embed_tokens", get_int(c, "vocab_size"), h, std, pad_index(c));
  for (int64_t i = 0; i < get_count(c, "num_hidden_layers"); ++i) {
    const std::string l = p + "layers." + std::to_string(i) + ".";
    t.linear(l + "self_attn.q_proj", h, heads * s.head_dim, std, s.qkv_bias);
    t.linear(l + "self_attn.k_proj", h, kv_heads * s.head_dim, std, s.qkv_bias);
    t.linear(l + "self_attn.v_proj", h, kv_heads * s.head_dim, std, s.qkv_bias);
    t.linear(l + "self_attn.o_proj", heads * s.head_dim, h, std, s.o_bias);
    t.linear(l + "mlp.gate_proj", h, inter, std, s.mlp_bias);
    t.linear(l + "mlp.up_proj", h, inter, std, s.mlp_bias);
    t.linear(l + "mlp.down_proj", inter, h, std, s.mlp_bias);
    t.rms_norm(l + "input_layernorm", h);
    t.rms_norm(l + "post_attention_layernorm", h);
  }
  t.rms_norm(p + "norm", h);
}

std::vector<TensorSpec> llama_like_tensors(const Json& c, const std::string& arch, const LlamaLikeShape& s) {
  auto ends_with = [&](const std::string& suffix) {
    return arch.size() > suffix.size() &&
           arch.compare(arch.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  TensorList t;
  const int64_t h = get_int(c, "hidden_size");
  const double std = llama_like_std(c);
  if (ends_with("ForCausalLM")) {
    llama_like_decoder(t, "model.", c, s);
    // lm_head.weight is tied to model.embed_tokens.weight only when tie_word_embeddings is set.
    if (!get_bool(c, "tie_word_embeddings")) t.linear("lm_head", h, get_int(c, "vocab_size"), std, false);
  } else if (ends_with("ForSequenceClassification")) {
    llama_like_decoder(t, "model.", c, s);
    t.linear("score", h, num_labels(c), std, false);
  } else if (ends_with("ForTokenClassification")) {
    llama_like_decoder(t, "model.", c, s);
    t.linear("score", h, num_labels(c), std, true);
  } else if (ends_with("ForQuestionAnswering")) {
    llama_like_decoder(t, s.qa_prefix + ".", c, s);
    t.linear("qa_outputs", h, 2, std, true);
  } else if (ends_with("Model")) {
    llama_like_decoder(t, "", c, s);
  } else {
    throw UserError("architecture '" + arch + "' is not built on the llama decoder");
  }
  return t.take();
}

}  // namespace tinyforge
