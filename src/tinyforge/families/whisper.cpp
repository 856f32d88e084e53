// whisper: modeling_whisper.py (WhisperModel, WhisperForConditionalGeneration, the decoder-only
// WhisperForCausalLM and the encoder-only WhisperForAudioClassification). The encoder reads log-mel frames
// through two 1-d convolutions (the second halves the time axis) and adds fixed sinusoidal positions, which
// are saved like any parameter; the decoder is BART's with learned positions and a token table the output
// projection (proj_out) ties to. Attention layers are BART's (bart_like.h) without a bias on k_proj.
#include <cmath>

#include "tinyforge/catalog/config.h"
#include "tinyforge/families/bart_like.h"
#include "tinyforge/families/family.h"

namespace tinyforge {

namespace {

constexpr int64_t kConvKernel = 3;
// WhisperFeatureExtractor's defaults: 16 kHz audio, a 25 ms window and a 10 ms hop.
constexpr int64_t kSamplingRate = 16000, kHopLength = 160, kFft = 400;

bool has_encoder(const std::string& arch) { return arch != "WhisperForCausalLM"; }
bool has_decoder(const std::string& arch) { return arch != "WhisperForAudioClassification"; }

void finalize(Json& c, const std::string& arch) {
  bart_like_validate(c, has_encoder(arch), has_decoder(arch));
  require_positive(c, {"num_mel_bins", "max_source_positions", "max_target_positions"});
  if (arch == "WhisperForAudioClassification") require_positive(c, {"classifier_proj_size"});
  // sinusoids() splits d_model into a sine and a cosine half and spaces the timescales over half - 1 steps.
  if (has_encoder(arch)) {
    const int64_t d = get_int(c, "d_model");
    if (d % 2 != 0 || d < 4)
      throw ConfigError("config field 'd_model' (" + std::to_string(d) +
                        ") must be even and at least 4 for Whisper's sinusoidal encoder positions");
  }
}

// sinusoids(length, channels): row t is [sin(t * s_0) .. sin(t * s_{h-1}), cos(t * s_0) .. cos(t * s_{h-1})]
// with h = channels / 2 and timescales s_k = exp(-k * ln(10000) / (h - 1)), computed in float32 like torch.
Init sinusoids(int64_t channels) {
  const int64_t half = channels / 2;
  const float step = static_cast<float>(-std::log(10000.0) / static_cast<double>(half - 1));
  return from_function([channels, half, step](int64_t i) {
    const int64_t row = i / channels, col = i % channels;
    const float inv_timescale = std::exp(step * static_cast<float>(col % half));
    const float scaled = static_cast<float>(row) * inv_timescale;
    return static_cast<double>(col < half ? std::sin(scaled) : std::cos(scaled));
  });
}

// WhisperEncoder under `p`.
void encoder(TensorList& t, const std::string& p, const Json& c) {
  const int64_t d = get_int(c, "d_model");
  const double std = get_float(c, "init_std");
  t.conv(p + "conv1", get_int(c, "num_mel_bins"), d, {kConvKernel}, normal(std));
  t.conv(p + "conv2", d, d, {kConvKernel}, normal(std));  // stride 2
  // An nn.Embedding. The encoder freezes it, but from_pretrained hands back a trainable parameter, and a
  // checkpoint is inspected as loaded.
  t.add(p + "embed_positions.weight", {get_int(c, "max_source_positions"), d}, sinusoids(d),
        TensorRole::Parameter, /*embedding=*/true);
  for (int64_t i = 0; i < get_count(c, "encoder_layers"); ++i)
    bart_like_encoder_layer(t, p + "layers." + std::to_string(i) + ".", d, get_int(c, "encoder_ffn_dim"), std,
                            /*key_bias=*/false);
  t.layer_norm(p + "layer_norm", d);
}

// WhisperDecoder under `p`.
void decoder(TensorList& t, const std::string& p, const Json& c) {
  const int64_t d = get_int(c, "d_model");
  const double std = get_float(c, "init_std");
  t.embedding(p + "embed_tokens", get_int(c, "vocab_size"), d, std, pad_index(c));
  t.embedding(p + "embed_positions", get_int(c, "max_target_positions"), d, std);
  for (int64_t i = 0; i < get_count(c, "decoder_layers"); ++i)
    bart_like_decoder_layer(t, p + "layers." + std::to_string(i) + ".", d, get_int(c, "decoder_ffn_dim"), std,
                            /*key_bias=*/false);
  t.layer_norm(p + "layer_norm", d);
}

std::vector<TensorSpec> tensors(const Json& c, const std::string& arch) {
  TensorList t;
  const int64_t d = get_int(c, "d_model"), vocab = get_int(c, "vocab_size");
  const double std = get_float(c, "init_std");
  const bool tied = get_bool(c, "tie_word_embeddings", true);

  if (arch == "WhisperForAudioClassification") {
    encoder(t, "encoder.", c);
    // layer_weights averages the embeddings output and every layer's output: num_hidden_layers
    // (= encoder_layers) + 1 weights, each 1 / (encoder_layers + 1).
    if (get_bool(c, "use_weighted_layer_sum")) {
      const int64_t n = get_count(c, "encoder_layers") + 1;
      t.add("layer_weights", {n}, constant(1.0 / static_cast<double>(n)));
    }
    t.linear("projector", d, get_int(c, "classifier_proj_size"), std);
    t.linear("classifier", get_int(c, "classifier_proj_size"), num_labels(c), std);
    return t.take();
  }
  if (arch == "WhisperForCausalLM") {
    decoder(t, "model.decoder.", c);  // WhisperDecoderWrapper
  } else {
    const std::string base = arch == "WhisperModel" ? "" : "model.";
    encoder(t, base + "encoder.", c);
    decoder(t, base + "decoder.", c);
  }
  // proj_out ties to the decoder's embed_tokens.
  if (arch != "WhisperModel" && !tied) t.linear("proj_out", d, vocab, std, /*bias=*/false);
  return t.take();
}

// WhisperFeatureExtractor producing exactly the 2 * max_source_positions frames the encoder accepts (conv2
// halves them to max_source_positions): feature_size = num_mel_bins and a chunk shrunk from 30 s. A chunk of
// chunk_length seconds gives chunk_length * sampling_rate / hop_length frames; when no whole number of
// seconds at 16 kHz fits, the chunk is one second and the sampling rate is chosen to fit it.
Json preprocessor_config(const Json& c) {
  const int64_t frames = 2 * get_int(c, "max_source_positions");
  int64_t chunk_length = 1, sampling_rate = frames * kHopLength;
  if ((frames * kHopLength) % kSamplingRate == 0) {
    chunk_length = frames * kHopLength / kSamplingRate;
    sampling_rate = kSamplingRate;
  }
  const int64_t n_samples = chunk_length * sampling_rate;
  return Json{{"chunk_length", chunk_length},
              {"dither", 0.0},
              {"feature_extractor_type", "WhisperFeatureExtractor"},
              {"feature_size", get_int(c, "num_mel_bins")},
              {"hop_length", kHopLength},
              {"n_fft", kFft},
              {"n_samples", n_samples},
              {"nb_max_frames", n_samples / kHopLength},
              {"padding_side", "right"},
              {"padding_value", 0.0},
              {"return_attention_mask", false},
              {"sampling_rate", sampling_rate}};
}

}  // namespace

const Family& whisper_family() {
  static const Family f{"whisper", finalize, tensors, preprocessor_config};
  return f;
}

}  // namespace tinyforge
