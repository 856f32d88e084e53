// families/llama_like: the pre-norm rotary decoder that llama, mistral and qwen2 share (modeling_llama.py's
// LlamaModel: embed_tokens, layers.{i}.self_attn/mlp/input_layernorm/post_attention_layernorm, norm) and the
// heads built on it (ForCausalLM, and the Generic sequence / token classification and question answering
// heads).
#pragma once
#include <string>
#include <vector>

#include "tinyforge/families/blocks.h"
#include "tinyforge/families/family.h"

namespace tinyforge {

// What differs between the families sharing the block.
struct LlamaLikeShape {
  int64_t head_dim;  // width of one attention head (config.head_dim, or hidden_size // num_attention_heads)
  bool qkv_bias;     // q_proj / k_proj / v_proj carry a bias
  bool o_bias;       // o_proj carries a bias
  bool mlp_bias;     // gate_proj / up_proj / down_proj carry a bias
  std::string qa_prefix;  // base_model_prefix of ForQuestionAnswering ("transformer" for llama and qwen2)
};

// num_key_value_heads = num_attention_heads when unset, as every one of these configs' __post_init__ does.
void llama_like_derive_kv_heads(Json& config);
// Sizes positive; heads divisible by key/value heads (repeat_kv); head_dim even (rotate_half splits it in
// two).
void llama_like_validate(const Json& config, int64_t head_dim);
// initializer_range, or 0.02 when it is 0 (PreTrainedModel._init_weights: `initializer_range or 0.02`).
double llama_like_std(const Json& config);
// {p}embed_tokens, {p}layers.{i}.*, {p}norm.
void llama_like_decoder(TensorList& t, const std::string& prefix, const Json& config,
                        const LlamaLikeShape& shape);
// Every tensor of `arch` = <Name>Model or <Name>For{CausalLM, SequenceClassification, TokenClassification,
// QuestionAnswering}; throws UserError for any other architecture.
std::vector<TensorSpec> llama_like_tensors(const Json& config, const std::string& arch,
                                           const LlamaLikeShape& shape);

}  // namespace tinyforge
