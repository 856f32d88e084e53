// inputs/normalized_config: a read-only view of config.json under optimum's NormalizedConfig rules — a
// name is first mapped through the model type's aliases (optimum's upper-case attributes, e.g. num_layers →
// n_layer), dotted paths walk sub-configs, and a missing or null value falls back to the config class's
// attribute_map (e.g. gpt2's hidden_size → n_embd).
#pragma once
#include <map>
#include <optional>
#include <string>

#include "tinyforge/util/json.h"

namespace tinyforge::inputs {

class NormalizedConfig {
 public:
  NormalizedConfig(Json config, std::map<std::string, std::string> aliases,
                   std::map<std::string, std::string> attribute_map);

  // The value a name resolves to, or nullopt when it is missing or null (optimum raises AttributeError).
  std::optional<Json> find(const std::string& name) const;
  bool has(const std::string& name) const { return find(name).has_value(); }
  // Integer value; throws ConfigError naming the attribute and the config path it was looked up at.
  int64_t get_int(const std::string& name) const;
  const Json& raw() const { return config_; }

 private:
  std::string path_of(const std::string& name) const;
  Json config_;
  std::map<std::string, std::string> aliases_;
  std::map<std::string, std::string> attribute_map_;
};

}  // namespace tinyforge::inputs
