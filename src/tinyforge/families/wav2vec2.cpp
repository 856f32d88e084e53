// wav2vec2: modeling_wav2vec2.py (Wav2Vec2Model and its heads). A convolutional feature encoder over the raw
// waveform, a projection to hidden_size, a weight-normed convolutional position embedding, and a post-norm
// (or, with do_stable_layer_norm, pre-norm) transformer encoder.
#include <cmath>

#include "tinyforge/catalog/config.h"
#include "tinyforge/families/blocks.h"
#include "tinyforge/families/family.h"

namespace tinyforge {

namespace {

void require_same_length(const Json& c, const std::vector<std::string>& keys, size_t expected,
                         const std::string& expected_name) {
  for (const auto& k : keys)
    if (get_int_list(c, k).size() != expected)
      throw ConfigError("config field '" + k + "' must have " + expected_name + " (" +
                        std::to_string(expected) + ") entries (got " + c[k].dump() + ")");
}

bool has_masked_spec_embed(const Json& c) {
  return get_float(c, "mask_time_prob") > 0.0 || get_float(c, "mask_feature_prob") > 0.0;
}

void finalize(Json& c, const std::string& arch) {
  // Wav2Vec2Config.__post_init__: the feature encoder depth is len(conv_dim); the adapter width defaults to
  // hidden_size. An explicitly given value is kept (and then has to agree).
  if (c["num_feat_extract_layers"].is_null())
    c["num_feat_extract_layers"] = static_cast<int64_t>(get_int_list(c, "conv_dim").size());
  if (c["output_hidden_size"].is_null() ||
      (c["output_hidden_size"].is_number_integer() && c["output_hidden_size"].get<int64_t>() == 0))
    c["output_hidden_size"] = c["hidden_size"];

  require_positive(c,
                   {"hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                    "num_conv_pos_embeddings", "num_conv_pos_embedding_groups", "num_feat_extract_layers"});
  // validate_architecture: one stride and one kernel per feature encoder layer.
  require_same_length(c, {"conv_dim", "conv_stride", "conv_kernel"}, get_int(c, "num_feat_extract_layers"),
                      "num_feat_extract_layers");
  const std::string norm = c.value("feat_extract_norm", "");
  if (norm != "group" && norm != "layer")
    throw ConfigError("config field 'feat_extract_norm' must be 'group' or 'layer' (got '" + norm + "')");
  // Wav2Vec2Attention: heads split hidden_size evenly; the grouped position conv splits its channels.
  require_divisible(c, "hidden_size", "num_attention_heads");
  require_divisible(c, "hidden_size", "num_conv_pos_embedding_groups");

  const bool adapter = get_bool(c, "add_adapter");
  if (adapter) require_positive(c, {"output_hidden_size", "adapter_kernel_size", "adapter_stride"});
  if (!c["adapter_attn_dim"].is_null()) require_positive(c, {"adapter_attn_dim"});
  if ((arch == "Wav2Vec2ForSequenceClassification" || arch == "Wav2Vec2ForAudioFrameClassification") &&
      adapter)
    throw ConfigError("config field 'add_adapter' must be false for " + arch +
                      " (its head does not support the adapter)");
  if (arch == "Wav2Vec2ForCTC") {
    if (c["vocab_size"].is_null())
      throw ConfigError("config field 'vocab_size' must be set for Wav2Vec2ForCTC");
    require_positive(c, {"vocab_size"});
  }
  if (arch == "Wav2Vec2ForPreTraining") {
    // Wav2Vec2GumbelVectorQuantizer: codevectors are concatenated over the groups.
    require_positive(
        c, {"num_codevector_groups", "num_codevectors_per_group", "codevector_dim", "proj_codevector_dim"});
    require_divisible(c, "codevector_dim", "num_codevector_groups");
  }
  if (arch == "Wav2Vec2ForSequenceClassification") require_positive(c, {"classifier_proj_size"});
  if (arch == "Wav2Vec2ForXVector") {
    require_same_length(c, {"tdnn_kernel", "tdnn_dilation"}, get_int_list(c, "tdnn_dim").size(),
                        "len(tdnn_dim)");
    require_positive(c, {"xvector_output_dim"});
  }
}

// nn.Linear.reset_parameters (kaiming_uniform with a=sqrt(5)): weight and bias ~ U(±1/sqrt(in)).
void default_linear(TensorList& t, const std::string& name, int64_t in, int64_t out) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(in));
  t.add(name + ".weight", {out, in}, uniform(-bound, bound));
  t.add(name + ".bias", {out}, uniform(-bound, bound));
}

// Every other nn.Conv1d: kaiming_normal_ weight (std = sqrt(2 / fan_in)), bias ~ U(±sqrt(groups / (in·k))).
void kaiming_conv(TensorList& t, const std::string& name, int64_t in, int64_t out, int64_t kernel,
                  bool bias) {
  const double fan_in = static_cast<double>(in * kernel);
  t.conv(name, in, out, {kernel}, normal(std::sqrt(2.0 / fan_in)), false);
  if (bias) t.add(name + ".bias", {out}, uniform(-1.0 / std::sqrt(fan_in), 1.0 / std::sqrt(fan_in)));
}

// Wav2Vec2FeatureEncoder: conv_layers.{i}.conv (+ layer_norm: GroupNorm on the first layer only for "group",
// LayerNorm on every layer for "layer"; both ones / zeros).
void feature_encoder(TensorList& t, const std::string& p, const Json& c) {
  const auto dim = get_int_list(c, "conv_dim"), kernel = get_int_list(c, "conv_kernel");
  const bool group = c["feat_extract_norm"] == "group";
  const bool bias = get_bool(c, "conv_bias");
  for (int64_t i = 0; i < get_count(c, "num_feat_extract_layers"); ++i) {
    const std::string l = p + "conv_layers." + std::to_string(i) + ".";
    kaiming_conv(t, l + "conv", i > 0 ? dim[i - 1] : 1, dim[i], kernel[i], bias);
    if (!group || i == 0) t.layer_norm(l + "layer_norm", dim[i]);
  }
}

// Wav2Vec2PositionalConvEmbedding: a grouped Conv1d(hidden, hidden, num_conv_pos_embeddings) under
// parametrizations.weight_norm(dim=2), saved as original0 = g [1, 1, K] and original1 = v [H, H/groups, K].
// transformers' init writes into the recomputed weight, not into g and v, so they keep torch's Conv1d
// default: v ~ U(±1/sqrt(fan_in)) with fan_in = H/groups·K, and g = ‖v‖ over each kernel tap's H·H/groups
// entries, which we draw from that norm's distribution: mean sqrt(N/3)·bound = sqrt(H / (3K)), std bound /
// sqrt(15).
void positional_conv_embedding(TensorList& t, const std::string& p, const Json& c) {
  const int64_t h = get_int(c, "hidden_size"), k = get_int(c, "num_conv_pos_embeddings");
  const int64_t per_group = h / get_int(c, "num_conv_pos_embedding_groups");
  const double bound = 1.0 / std::sqrt(static_cast<double>(per_group * k));
  t.add(p + "conv.parametrizations.weight.original0", {1, 1, k},
        normal(bound / std::sqrt(15.0), std::sqrt(static_cast<double>(h) / (3.0 * static_cast<double>(k)))));
  t.add(p + "conv.parametrizations.weight.original1", {h, per_group, k}, uniform(-bound, bound));
  t.add(p + "conv.bias", {h}, zeros());
}

// Wav2Vec2Encoder / Wav2Vec2EncoderStableLayerNorm: the same parameters; only the stable variant's layers
// carry the optional attention adapter (adapter_attn_dim).
void encoder(TensorList& t, const std::string& p, const Json& c) {
  const int64_t h = get_int(c, "hidden_size"), inter = get_int(c, "intermediate_size");
  const double std = get_float(c, "initializer_range");
  const bool stable = get_bool(c, "do_stable_layer_norm");
  positional_conv_embedding(t, p + "pos_conv_embed.", c);
  t.layer_norm(p + "layer_norm", h);
  for (int64_t i = 0; i < get_count(c, "num_hidden_layers"); ++i) {
    const std::string l = p + "layers." + std::to_string(i) + ".";
    for (const char* proj : {"q_proj", "k_proj", "v_proj", "out_proj"})
      t.linear(l + "attention." + proj, h, h, std);
    t.layer_norm(l + "layer_norm", h);
    t.linear(l + "feed_forward.intermediate_dense", h, inter, std);
    t.linear(l + "feed_forward.output_dense", inter, h, std);
    t.layer_norm(l + "final_layer_norm", h);
    if (stable && !c["adapter_attn_dim"].is_null()) {  // Wav2Vec2AttnAdapterLayer
      const int64_t a = get_int(c, "adapter_attn_dim");
      t.layer_norm(l + "adapter_layer.norm", h);
      t.linear(l + "adapter_layer.linear_1", h, a, std);
      t.linear(l + "adapter_layer.linear_2", a, h, std);
    }
  }
}

// Wav2Vec2Adapter: an optional down/up projection to output_hidden_size, then GLU conv layers.
void adapter(TensorList& t, const std::string& p, const Json& c) {
  const int64_t h = get_int(c, "hidden_size"), out = get_int(c, "output_hidden_size");
  if (out != h) {
    t.linear(p + "proj", h, out, get_float(c, "initializer_range"));
    t.layer_norm(p + "proj_layer_norm", out);
  }
  for (int64_t i = 0; i < get_count(c, "num_adapter_layers"); ++i)
    kaiming_conv(t, p + "layers." + std::to_string(i) + ".conv", out, 2 * out,
                 get_int(c, "adapter_kernel_size"), true);
}

// Wav2Vec2Model.
void wav2vec2_model(TensorList& t, const std::string& p, const Json& c) {
  const int64_t h = get_int(c, "hidden_size"), features = get_int_list(c, "conv_dim").back();
  feature_encoder(t, p + "feature_extractor.", c);
  // Wav2Vec2FeatureProjection: LayerNorm over the last conv channels, projection ~ U(±1/sqrt(conv_dim[-1])).
  t.layer_norm(p + "feature_projection.layer_norm", features);
  default_linear(t, p + "feature_projection.projection", features, h);
  if (has_masked_spec_embed(c)) t.add(p + "masked_spec_embed", {h}, uniform(0.0, 1.0));
  encoder(t, p + "encoder.", c);
  if (get_bool(c, "add_adapter")) adapter(t, p + "adapter.", c);
}

// use_weighted_layer_sum: one weight per transformer layer plus the embeddings, each 1 / (layers + 1).
void layer_weights(TensorList& t, const Json& c) {
  if (!get_bool(c, "use_weighted_layer_sum")) return;
  const int64_t layers = get_count(c, "num_hidden_layers") + 1;
  t.add("layer_weights", {layers}, constant(1.0 / static_cast<double>(layers)));
}

std::vector<TensorSpec> tensors(const Json& c, const std::string& arch) {
  TensorList t;
  const int64_t h = get_int(c, "hidden_size");
  const double std = get_float(c, "initializer_range");
  if (arch == "Wav2Vec2Model") {
    wav2vec2_model(t, "", c);
    return t.take();
  }
  wav2vec2_model(t, "wav2vec2.", c);

  if (arch == "Wav2Vec2ForPreTraining") {
    // Wav2Vec2GumbelVectorQuantizer: weight_proj ~ N(0, 1), codevectors [1, G·V, codevector_dim / G] ~ U(0,
    // 1).
    const int64_t groups = get_int(c, "num_codevector_groups"),
                  vars = get_int(c, "num_codevectors_per_group");
    const int64_t codevector = get_int(c, "codevector_dim"), proj = get_int(c, "proj_codevector_dim");
    t.add("quantizer.codevectors", {1, groups * vars, codevector / groups}, uniform(0.0, 1.0));
    t.linear("quantizer.weight_proj", get_int_list(c, "conv_dim").back(), groups * vars, 1.0);
    // project_hid / project_q are reset to nn.Linear's own default init.
    default_linear(t, "project_hid", h, proj);
    default_linear(t, "project_q", codevector, proj);
  }
  if (arch == "Wav2Vec2ForCTC")
    t.linear("lm_head", get_bool(c, "add_adapter") ? get_int(c, "output_hidden_size") : h,
             get_int(c, "vocab_size"), std);
  if (arch == "Wav2Vec2ForSequenceClassification") {
    layer_weights(t, c);
    const int64_t proj = get_int(c, "classifier_proj_size");
    t.linear("projector", h, proj, std);
    t.linear("classifier", proj, num_labels(c), std);
  }
  if (arch == "Wav2Vec2ForAudioFrameClassification") {
    layer_weights(t, c);
    t.linear("classifier", h, num_labels(c), std);
  }
  if (arch == "Wav2Vec2ForXVector") {
    layer_weights(t, c);
    const auto dim = get_int_list(c, "tdnn_dim"), kernel = get_int_list(c, "tdnn_kernel");
    const int64_t out = get_int(c, "xvector_output_dim");
    t.linear("projector", h, dim.front(), std);
    // TDNNLayer keeps its dilated conv as an nn.Linear over in·kernel inputs; the first layer reads
    // tdnn_dim[0].
    for (size_t i = 0; i < dim.size(); ++i)
      t.linear("tdnn." + std::to_string(i) + ".kernel", (i > 0 ? dim[i - 1] : dim[0]) * kernel[i], dim[i],
               std);
    t.linear("feature_extractor", 2 * dim.back(), out, std);  // mean and std statistics pooling
    t.linear("classifier", out, out, std);
    t.add("objective.weight", {out, num_labels(c)}, normal(1.0));  // AMSoftmaxLoss
  }
  return t.take();
}

// Wav2Vec2FeatureExtractor at its defaults (16 kHz mono, normalised). Checkpoints with LayerNorm conv layers
// are the ones trained with an attention mask, so the extractor returns it for them.
Json preprocessor_config(const Json& c) {
  return Json{{"do_normalize", true},  {"feature_extractor_type", "Wav2Vec2FeatureExtractor"},
              {"feature_size", 1},     {"padding_side", "right"},
              {"padding_value", 0.0},  {"return_attention_mask", c["feat_extract_norm"] == "layer"},
              {"sampling_rate", 16000}};
}

}  // namespace

const Family& wav2vec2_family() {
  static const Family f{"wav2vec2", finalize, tensors, preprocessor_config};
  return f;
}

}  // namespace tinyforge
