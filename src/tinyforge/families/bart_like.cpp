#include "tinyforge/families/bart_like.h"

#include "tinyforge/catalog/config.h"

namespace tinyforge {

void bart_like_attention(TensorList& t, const std::string& p, int64_t d, double std, bool key_bias) {
  t.linear(p + "k_proj", d, d, std, key_bias);
  t.linear(p + "v_proj", d, d, std);
  t.linear(p + "q_proj", d, d, std);
  t.linear(p + "out_proj", d, d, std);
}

void bart_like_encoder_layer(TensorList& t, const std::string& p, int64_t d, int64_t ffn, double std,
                             bool key_bias) {
  bart_like_attention(t, p + "self_attn.", d, std, key_bias);
  t.layer_norm(p + "self_attn_layer_norm", d);
  t.linear(p + "fc1", d, ffn, std);
  t.linear(p + "fc2", ffn, d, std);
  t.layer_norm(p + "final_layer_norm", d);
}

void bart_like_decoder_layer(TensorList& t, const std::string& p, int64_t d, int64_t ffn, double std,
                             bool key_bias) {
  bart_like_encoder_layer(t, p, d, ffn, std, key_bias);
  bart_like_attention(t, p + "encoder_attn.", d, std, key_bias);
  t.layer_norm(p + "encoder_attn_layer_norm", d);
}

void bart_like_validate(const Json& c, bool encoder, bool decoder) {
  require_positive(c, {"vocab_size", "d_model"});
  for (const std::string stack : {"encoder", "decoder"}) {
    if (stack == "encoder" ? !encoder : !decoder) continue;
    require_positive(c, {stack + "_layers", stack + "_attention_heads", stack + "_ffn_dim"});
    require_divisible(c, "d_model", stack + "_attention_heads");
  }
}

}  // namespace tinyforge
