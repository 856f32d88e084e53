// vit: modeling_vit.py (ViTModel and its heads). Tensors are named as save_pretrained writes them: the
// legacy encoder.layer.{i}.attention.attention.{query,key,value} layout that revert_weight_conversion
// restores from the in-memory layers.{i}.attention.{q,k,v}_proj modules.
#include "tinyforge/catalog/config.h"
#include "tinyforge/families/blocks.h"
#include "tinyforge/families/family.h"
#include "tinyforge/families/vit_like.h"

namespace tinyforge {

namespace {

void finalize(Json& c, const std::string&) {
  // ViTConfig.__post_init__: a falsy pooler_output_size means hidden_size.
  if (!c["pooler_output_size"].is_number_integer() || c["pooler_output_size"].get<int64_t>() == 0)
    c["pooler_output_size"] = c["hidden_size"];
  require_positive(c, {"hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                       "num_channels", "encoder_stride", "pooler_output_size"});
  require_divisible(c, "hidden_size", "num_attention_heads");
  patch_count(c);
}

// ViTEmbeddings: cls token, optional mask token, one position per patch plus the cls position, and the
// Conv2d patch projection (kernel = stride = patch_size).
void embeddings(TensorList& t, const std::string& p, const Json& c, bool mask_token) {
  const int64_t h = get_int(c, "hidden_size");
  const double std = get_float(c, "initializer_range");
  const auto [ph, pw] = image_extent(c, "patch_size");
  t.add(p + "cls_token", {1, 1, h}, truncated_normal(std));
  if (mask_token) t.add(p + "mask_token", {1, 1, h}, zeros());
  t.add(p + "position_embeddings", {1, patch_count(c) + 1, h}, truncated_normal(std));
  t.conv(p + "patch_embeddings.projection", get_int(c, "num_channels"), h, {ph, pw}, normal(std));
}

void encoder(TensorList& t, const std::string& p, const Json& c) {
  const int64_t h = get_int(c, "hidden_size"), inter = get_int(c, "intermediate_size");
  const double std = get_float(c, "initializer_range");
  const bool qkv_bias = get_bool(c, "qkv_bias", true);
  for (int64_t i = 0; i < get_count(c, "num_hidden_layers"); ++i) {
    const std::string l = p + "layer." + std::to_string(i) + ".";
    t.linear(l + "attention.attention.query", h, h, std, qkv_bias);
    t.linear(l + "attention.attention.key", h, h, std, qkv_bias);
    t.linear(l + "attention.attention.value", h, h, std, qkv_bias);
    t.linear(l + "attention.output.dense", h, h, std);
    t.linear(l + "intermediate.dense", h, inter, std);
    t.linear(l + "output.dense", inter, h, std);
    t.layer_norm(l + "layernorm_before", h);
    t.layer_norm(l + "layernorm_after", h);
  }
}

std::vector<TensorSpec> tensors(const Json& c, const std::string& arch) {
  TensorList t;
  const int64_t h = get_int(c, "hidden_size");
  const double std = get_float(c, "initializer_range");
  const std::string base = arch == "ViTModel" ? "" : "vit.";
  // Only ViTModel itself keeps the pooler; the heads build ViTModel(add_pooling_layer=False).
  const bool masked = arch == "ViTForMaskedImageModeling";
  embeddings(t, base + "embeddings.", c, masked);
  encoder(t, base + "encoder.", c);
  t.layer_norm(base + "layernorm", h);
  if (arch == "ViTModel") t.linear(base + "pooler.dense", h, get_int(c, "pooler_output_size"), std);

  if (masked) {
    // SimMIM decoder: a 1x1 Conv2d to encoder_stride² · num_channels, then PixelShuffle (no weights).
    const int64_t stride = get_int(c, "encoder_stride");
    t.conv("decoder.0", h, stride * stride * get_int(c, "num_channels"), {1, 1}, normal(std));
  }
  if (arch == "ViTForImageClassification" && num_labels(c) > 0) t.linear("classifier", h, num_labels(c), std);
  return t.take();
}

Json preprocessor(const Json& c) {
  const auto [height, width] = image_extent(c, "image_size");
  return shrunk_image_processor("vit", height, width);
}

}  // namespace

const Family& vit_family() {
  static const Family f{"vit", finalize, tensors, preprocessor};
  return f;
}

}  // namespace tinyforge
