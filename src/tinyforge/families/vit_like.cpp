#include "tinyforge/families/vit_like.h"

#include <algorithm>

#include "tinyforge/catalog/catalog.h"
#include "tinyforge/catalog/config.h"

namespace tinyforge {

std::pair<int64_t, int64_t> image_extent(const Json& c, const std::string& key) {
  if (c.contains(key) && c[key].is_array() && c[key].size() == 2 && c[key][0].is_number_integer() &&
      c[key][1].is_number_integer())
    return {c[key][0].get<int64_t>(), c[key][1].get<int64_t>()};
  if (!c.contains(key) || !c[key].is_number_integer())
    throw ConfigError("config field '" + key + "' must be an integer or a [height, width] pair");
  const int64_t side = c[key].get<int64_t>();
  return {side, side};
}

int64_t patch_count(const Json& c, const std::string& image_key, const std::string& patch_key) {
  const auto [h, w] = image_extent(c, image_key);
  const auto [ph, pw] = image_extent(c, patch_key);
  if (ph <= 0 || pw <= 0) throw ConfigError("config field '" + patch_key + "' must be positive");
  if (h < ph || w < pw)
    throw ConfigError("config field '" + image_key + "' must be at least '" + patch_key +
                      "': the image must hold one patch");
  return (h / ph) * (w / pw);
}

Json shrunk_image_processor(const std::string& model_type, int64_t height, int64_t width) {
  const Json& processor = Catalog::instance().get(model_type).processor;
  if (!processor.is_object() || !processor.contains("preprocessor_config")) return nullptr;
  Json pre = processor["preprocessor_config"];
  const bool shortest_edge =
      pre.contains("size") && pre["size"].is_object() && pre["size"].contains("shortest_edge");
  pre["size"] = shortest_edge ? Json{{"shortest_edge", std::min(height, width)}}
                              : Json{{"height", height}, {"width", width}};
  pre["crop_size"] = Json{{"height", height}, {"width", width}};
  return pre;
}

}  // namespace tinyforge
