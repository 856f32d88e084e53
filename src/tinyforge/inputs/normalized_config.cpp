#include "tinyforge/inputs/normalized_config.h"

#include "tinyforge/catalog/config.h"

namespace tinyforge::inputs {

NormalizedConfig::NormalizedConfig(Json config, std::map<std::string, std::string> aliases,
                                   std::map<std::string, std::string> attribute_map)
    : config_(std::move(config)), aliases_(std::move(aliases)), attribute_map_(std::move(attribute_map)) {}

std::string NormalizedConfig::path_of(const std::string& name) const {
  auto it = aliases_.find(name);
  return it == aliases_.end() ? name : it->second;
}

std::optional<Json> NormalizedConfig::find(const std::string& name) const {
  const std::string path = path_of(name);
  const Json* node = &config_;
  std::string leaf = path;
  size_t start = 0;
  for (;;) {
    size_t dot = path.find('.', start);
    leaf = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (dot == std::string::npos) break;
    if (!node->is_object() || !node->contains(leaf)) return std::nullopt;
    node = &(*node)[leaf];
    start = dot + 1;
  }
  if (node->is_object() && node->contains(leaf) && !(*node)[leaf].is_null()) return (*node)[leaf];
  // optimum falls back to the top-level config's attribute_map for the leaf name.
  auto mapped = attribute_map_.find(leaf);
  if (mapped != attribute_map_.end() && config_.contains(mapped->second) &&
      !config_[mapped->second].is_null())
    return config_[mapped->second];
  return std::nullopt;
}

int64_t NormalizedConfig::get_int(const std::string& name) const {
  auto value = find(name);
  if (!value || !value->is_number_integer())
    throw ConfigError("config.json has no integer '" + path_of(name) + "' (needed as " + name +
                      " for the dummy inputs); add it to the config");
  return value->get<int64_t>();
}

}  // namespace tinyforge::inputs
