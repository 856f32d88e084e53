// clip: modeling_clip.py (CLIPModel, CLIPForImageClassification). The config nests text_config and
// vision_config; each tower is its own PreTrainedModel, so its _init_weights scales by its own sub-config's
// initializer_factor, while the projections, logit_scale and classifier use the outer config's.
#include <cmath>

#include "tinyforge/catalog/config.h"
#include "tinyforge/families/blocks.h"
#include "tinyforge/families/family.h"
#include "tinyforge/families/vit_like.h"

namespace tinyforge {

namespace {

// CLIPTextEmbeddings initialises its embeddings with 0.02 · factor, not initializer_range.
constexpr double kTextEmbeddingStd = 0.02;

const Json& sub_config(const Json& c, const std::string& key) {
  if (!c.contains(key) || !c[key].is_object())
    throw ConfigError("config field '" + key + "' must be an object");
  return c[key];
}

void validate_tower(const Json& sub, const std::string& name, const std::vector<std::string>& sizes) {
  try {
    require_positive(sub, sizes);
    require_divisible(sub, "hidden_size", "num_attention_heads");
  } catch (const ConfigError& e) {
    throw ConfigError(name + ": " + e.what());
  }
}

void finalize(Json& c, const std::string&) {
  require_positive(c, {"projection_dim"});
  validate_tower(sub_config(c, "text_config"), "text_config",
                 {"vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                  "intermediate_size", "max_position_embeddings"});
  const Json& vision = sub_config(c, "vision_config");
  validate_tower(vision, "vision_config",
                 {"hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                  "num_channels", "image_size", "patch_size"});
  try {
    patch_count(vision);
  } catch (const ConfigError& e) {
    throw ConfigError(std::string("vision_config: ") + e.what());
  }
}

// CLIPEncoder: pre-norm layers; attention and MLP std follow CLIP's width- and depth-scaled rules.
void encoder(TensorList& t, const std::string& p, const Json& sub) {
  const int64_t h = get_int(sub, "hidden_size"), inter = get_int(sub, "intermediate_size");
  const int64_t layers = get_count(sub, "num_hidden_layers");
  const double factor = get_float(sub, "initializer_factor");
  const double width = std::pow(static_cast<double>(h), -0.5);
  const double depth = std::pow(2.0 * static_cast<double>(layers), -0.5);
  const double in_proj_std = width * depth * factor, out_proj_std = width * factor;
  const double fc1_std = std::pow(2.0 * static_cast<double>(h), -0.5) * factor;
  for (int64_t i = 0; i < layers; ++i) {
    const std::string l = p + "layers." + std::to_string(i) + ".";
    t.linear(l + "self_attn.q_proj", h, h, in_proj_std);
    t.linear(l + "self_attn.k_proj", h, h, in_proj_std);
    t.linear(l + "self_attn.v_proj", h, h, in_proj_std);
    t.linear(l + "self_attn.out_proj", h, h, out_proj_std);
    t.layer_norm(l + "layer_norm1", h);
    t.linear(l + "mlp.fc1", h, inter, fc1_std);
    t.linear(l + "mlp.fc2", inter, h, in_proj_std);
    t.layer_norm(l + "layer_norm2", h);
  }
}

// CLIPTextModel: token and position embeddings, the encoder, a final LayerNorm.
void text_model(TensorList& t, const std::string& p, const Json& text) {
  const int64_t h = get_int(text, "hidden_size");
  const double std = kTextEmbeddingStd * get_float(text, "initializer_factor");
  t.embedding(p + "embeddings.token_embedding", get_int(text, "vocab_size"), h, std);
  t.embedding(p + "embeddings.position_embedding", get_int(text, "max_position_embeddings"), h, std);
  encoder(t, p + "encoder.", text);
  t.layer_norm(p + "final_layer_norm", h);
}

// CLIPVisionModel: class embedding, bias-free patch Conv2d, one position per patch plus the class position,
// LayerNorms before and after the encoder.
void vision_model(TensorList& t, const std::string& p, const Json& vision) {
  const int64_t h = get_int(vision, "hidden_size"), patch = get_int(vision, "patch_size");
  const double factor = get_float(vision, "initializer_factor");
  const double std = get_float(vision, "initializer_range") * factor;
  t.add(p + "embeddings.class_embedding", {h}, normal(std::pow(static_cast<double>(h), -0.5) * factor));
  t.conv(p + "embeddings.patch_embedding", get_int(vision, "num_channels"), h, {patch, patch}, normal(std),
         /*bias=*/false);
  t.embedding(p + "embeddings.position_embedding", patch_count(vision) + 1, h, std);
  t.layer_norm(p + "pre_layrnorm", h);
  encoder(t, p + "encoder.", vision);
  t.layer_norm(p + "post_layernorm", h);
}

std::vector<TensorSpec> tensors(const Json& c, const std::string& arch) {
  TensorList t;
  const Json& text = sub_config(c, "text_config");
  const Json& vision = sub_config(c, "vision_config");
  const double factor = get_float(c, "initializer_factor");
  const int64_t vision_h = get_int(vision, "hidden_size");
  vision_model(t, "vision_model.", vision);
  if (arch == "CLIPModel") {
    const int64_t text_h = get_int(text, "hidden_size"), proj = get_int(c, "projection_dim");
    text_model(t, "text_model.", text);
    auto width_std = [&](int64_t width) { return std::pow(static_cast<double>(width), -0.5) * factor; };
    t.linear("visual_projection", vision_h, proj, width_std(vision_h), /*bias=*/false);
    t.linear("text_projection", text_h, proj, width_std(text_h), /*bias=*/false);
    t.add("logit_scale", {}, constant(get_float(c, "logit_scale_init_value")));
  }
  if (arch == "CLIPForImageClassification" && num_labels(c) > 0)
    t.linear("classifier", vision_h, num_labels(c), std::pow(static_cast<double>(vision_h), -0.5) * factor);
  return t.take();
}

Json preprocessor(const Json& c) {
  const auto [height, width] = image_extent(sub_config(c, "vision_config"), "image_size");
  return shrunk_image_processor("clip", height, width);
}

}  // namespace

const Family& clip_family() {
  static const Family f{"clip", finalize, tensors, preprocessor};
  return f;
}

}  // namespace tinyforge
