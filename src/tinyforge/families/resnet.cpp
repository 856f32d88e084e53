// resnet: modeling_resnet.py (ResNetModel, ResNetForImageClassification, ResNetBackbone). Convolutions are
// bias-free and kaiming-normal (fan_out, relu); every convolution is followed by a BatchNorm2d whose running
// statistics are saved; the classifier Linear keeps torch's default kaiming-uniform init.
#include <algorithm>
#include <cmath>

#include "tinyforge/catalog/config.h"
#include "tinyforge/families/blocks.h"
#include "tinyforge/families/family.h"
#include "tinyforge/families/vit_like.h"

namespace tinyforge {

namespace {

// ResNetModelTester's image_size: the config has no image size (the network is fully convolutional), so the
// image processor is shrunk to the tester's images.
constexpr int64_t kTesterImageSize = 32;
// ResNetBottleNeckLayer(reduction=4): the inner 1x1/3x3 convolutions work at out_channels / 4.
constexpr int64_t kBottleneckReduction = 4;

// BackboneConfigMixin.set_output_features_output_indices: fill whichever of out_features / out_indices is
// missing from the other (both missing: the last stage), and check they name the same stages, in order.
void align_backbone_outputs(Json& c) {
  const Json& stages = c["stage_names"];
  const int64_t n = static_cast<int64_t>(stages.size());
  Json& features = c["out_features"];
  Json& indices = c["out_indices"];
  if (features.is_null() && indices.is_null()) {
    features = Json::array({stages.back()});
    indices = Json::array({n - 1});
  } else if (indices.is_null()) {
    indices = Json::array();
    for (const auto& f : features) {
      auto it = std::find(stages.begin(), stages.end(), f);
      if (it == stages.end())
        throw ConfigError("config field 'out_features' must name stages of " + stages.dump() + " (got " +
                          features.dump() + ")");
      indices.push_back(it - stages.begin());
    }
  } else if (features.is_null()) {
    features = Json::array();
    for (const auto& i : indices) {
      if (!i.is_number_integer() || i.get<int64_t>() < -n || i.get<int64_t>() >= n)
        throw ConfigError("config field 'out_indices' must index stage_names " + stages.dump() + " (got " +
                          indices.dump() + ")");
      features.push_back(stages[(i.get<int64_t>() + n) % n]);
    }
  }
  if (!features.is_array() || !indices.is_array() || features.size() != indices.size())
    throw ConfigError("config fields 'out_features' and 'out_indices' must be lists of the same length");
  int64_t previous = -1;
  for (size_t k = 0; k < indices.size(); ++k) {
    const int64_t i = indices[k].is_number_integer() ? indices[k].get<int64_t>() : n;
    if (i < -n || i >= n || features[k] != stages[(i + n) % n])
      throw ConfigError("config fields 'out_features' " + features.dump() + " and 'out_indices' " +
                        indices.dump() + " must name the same stages of " + stages.dump());
    if ((i + n) % n <= previous)
      throw ConfigError(
          "config field 'out_indices' must follow the order of stage_names without duplicates (got " +
          indices.dump() + ")");
    previous = (i + n) % n;
  }
}

void finalize(Json& c, const std::string&) {
  require_positive(c, {"num_channels", "embedding_size"});
  const auto hidden = get_int_list(c, "hidden_sizes");
  const auto depths = get_int_list(c, "depths");
  if (hidden.size() != depths.size())
    throw ConfigError("config fields 'hidden_sizes' and 'depths' must have the same length (one per stage)");
  const std::string layer_type = c.value("layer_type", std::string());
  if (layer_type != "basic" && layer_type != "bottleneck")
    throw ConfigError("config field 'layer_type' must be 'basic' or 'bottleneck' (got '" + layer_type + "')");
  if (layer_type == "bottleneck")
    for (int64_t h : hidden)
      if (h < kBottleneckReduction)
        throw ConfigError("config field 'hidden_sizes': bottleneck stages need at least 4 channels (got " +
                          c["hidden_sizes"].dump() + ")");
  // ResNetConfig.__post_init__: one stage name per depth after the stem.
  Json names = Json::array({"stem"});
  for (size_t s = 1; s <= depths.size(); ++s) names.push_back("stage" + std::to_string(s));
  c["stage_names"] = names;
  align_backbone_outputs(c);
}

// ResNetConvLayer: Conv2d(bias=False) + BatchNorm2d; kaiming_normal_(mode="fan_out") has std √(2 / fan_out).
void conv_layer(TensorList& t, const std::string& p, int64_t in, int64_t out, int64_t kernel) {
  const double std = std::sqrt(2.0 / static_cast<double>(out * kernel * kernel));
  t.conv(p + "convolution", in, out, {kernel, kernel}, normal(std), /*bias=*/false);
  t.batch_norm(p + "normalization", out);
}

void stage(TensorList& t, const std::string& p, const Json& c, int64_t in, int64_t out, int64_t stride,
           int64_t depth) {
  const bool bottleneck = c["layer_type"] == "bottleneck";
  for (int64_t j = 0; j < depth; ++j) {
    const std::string l = p + "layers." + std::to_string(j) + ".";
    const int64_t layer_in = j == 0 ? in : out;
    const int64_t layer_stride = j == 0 ? stride : 1;
    if (layer_in != out || layer_stride != 1) conv_layer(t, l + "shortcut.", layer_in, out, 1);
    if (bottleneck) {
      const int64_t reduced = out / kBottleneckReduction;
      conv_layer(t, l + "layer.0.", layer_in, reduced, 1);
      conv_layer(t, l + "layer.1.", reduced, reduced, 3);
      conv_layer(t, l + "layer.2.", reduced, out, 1);
    } else {
      conv_layer(t, l + "layer.0.", layer_in, out, 3);
      conv_layer(t, l + "layer.1.", out, out, 3);
    }
  }
}

std::vector<TensorSpec> tensors(const Json& c, const std::string& arch) {
  TensorList t;
  const auto hidden = get_int_list(c, "hidden_sizes");
  const auto depths = get_int_list(c, "depths");
  const std::string base = arch == "ResNetForImageClassification" ? "resnet." : "";
  // ResNetEmbeddings: the 7x7 stride-2 stem (the max-pool has no weights).
  conv_layer(t, base + "embedder.embedder.", get_int(c, "num_channels"), get_int(c, "embedding_size"), 7);
  // ResNetEncoder: stage 0 keeps the resolution unless downsample_in_first_stage, later stages halve it.
  int64_t in = get_int(c, "embedding_size");
  for (size_t s = 0; s < hidden.size(); ++s) {
    const int64_t stride = s == 0 && !get_bool(c, "downsample_in_first_stage") ? 1 : 2;
    stage(t, base + "encoder.stages." + std::to_string(s) + ".", c, in, hidden[s], stride, depths[s]);
    in = hidden[s];
  }
  if (arch == "ResNetForImageClassification" && num_labels(c) > 0) {
    // nn.Linear's own init: weight and bias ~ U(±1/√fan_in).
    const double bound = 1.0 / std::sqrt(static_cast<double>(hidden.back()));
    t.add("classifier.1.weight", {num_labels(c), hidden.back()}, uniform(-bound, bound));
    t.add("classifier.1.bias", {num_labels(c)}, uniform(-bound, bound));
  }
  return t.take();
}

Json preprocessor(const Json&) {
  return shrunk_image_processor("resnet", kTesterImageSize, kTesterImageSize);
}

}  // namespace

const Family& resnet_family() {
  static const Family f{"resnet", finalize, tensors, preprocessor};
  return f;
}

}  // namespace tinyforge
