// families/vit_like: what the vision families (vit, clip, resnet) share: the patch grid of a ViT-style
// patch embedding, and the image processor shrunk to the tiny image size the way create_dummy_models'
// convert_feature_extractor rebuilds it (size = crop_size = the config's image size).
#pragma once
#include <cstdint>
#include <string>
#include <utility>

#include "tinyforge/families/blocks.h"

namespace tinyforge {

// config[key] as (height, width): an int means a square, a [height, width] pair is taken as is.
std::pair<int64_t, int64_t> image_extent(const Json& config, const std::string& key);
// (image height / patch height) * (image width / patch width), the tokens a patch embedding yields;
// throws ConfigError when a patch is empty or larger than the image.
int64_t patch_count(const Json& config, const std::string& image_key = "image_size",
                    const std::string& patch_key = "patch_size");
// The catalog's default image processor of `model_type`, its size and crop_size set to height × width
// (a `shortest_edge` size keeps that form).
Json shrunk_image_processor(const std::string& model_type, int64_t height, int64_t width);

}  // namespace tinyforge
