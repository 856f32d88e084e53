// families/bart_like: the transformer layers BART introduced and Whisper reuses (modeling_bart.py
// BartEncoderLayer / BartDecoderLayer, modeling_whisper.py WhisperEncoderLayer / WhisperDecoderLayer):
// attention with q/k/v/out_proj, a LayerNorm after each sub-block's name, and a fc1/fc2 feed-forward.
#pragma once
#include <string>

#include "tinyforge/families/blocks.h"

namespace tinyforge {

// {p}q_proj / k_proj / v_proj / out_proj, each [d, d]. Whisper's k_proj has no bias.
void bart_like_attention(TensorList& t, const std::string& prefix, int64_t d_model, double std,
                         bool key_bias);

// {p}self_attn, self_attn_layer_norm, fc1 [ffn, d], fc2 [d, ffn], final_layer_norm.
void bart_like_encoder_layer(TensorList& t, const std::string& prefix, int64_t d_model, int64_t ffn_dim,
                             double std, bool key_bias);

// The encoder layer plus cross-attention: {p}encoder_attn and encoder_attn_layer_norm.
void bart_like_decoder_layer(TensorList& t, const std::string& prefix, int64_t d_model, int64_t ffn_dim,
                             double std, bool key_bias);

// Sizes positive and d_model divisible by the head count of each stack the architecture builds (the
// attention module raises otherwise); a decoder-only or encoder-only head does not check the other stack.
void bart_like_validate(const Json& config, bool encoder, bool decoder);

}  // namespace tinyforge
