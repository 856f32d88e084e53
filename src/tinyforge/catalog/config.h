// catalog/config: the config of one architecture, from defaults + tiny values + --set overrides, and its
// config.json text exactly as PreTrainedConfig.save_pretrained writes it (the to_diff_dict rules).
#pragma once
#include <string>
#include <vector>

#include "tinyforge/catalog/catalog.h"

namespace tinyforge {

struct ConfigOverride {
  std::string key;  // dotted for nested configs: "text_config.hidden_size"
  Json value;
  std::string model_type =
      {};  // "bert:hidden_size=64" applies to bert only; empty: every type with the field
};

// "[model_type:]key=value" → override; the value is JSON when it parses as JSON, else a string.
ConfigOverride parse_override(const std::string& text);

// The overrides that apply to `entry`: those scoped to it, and unscoped ones naming a field it has.
std::vector<ConfigOverride> overrides_for(const ModelTypeEntry& entry,
                                          const std::vector<ConfigOverride>& overrides);
// Throws UserError for an override that applies to none of `entries` (a typo), naming the nearest fields.
void check_overrides_apply(const std::vector<const ModelTypeEntry*>& entries,
                           const std::vector<ConfigOverride>& overrides);

// defaults ∪ tiny ∪ what create_dummy_models' build_model sets for the architecture ∪ overrides.
// Unknown keys are rejected with the nearest known names. Derived fields are left for the family.
Json resolve_config(const ModelTypeEntry& entry, const std::string& arch,
                    const std::vector<ConfigOverride>& overrides);

// The full config of a saved repository: the class defaults with its config.json laid over them (sub-configs
// merged field by field), as from_pretrained would see it. Derived fields are left for the family.
Json config_from_saved(const ModelTypeEntry& entry, const Json& saved);

// config.json text for the final config of `arch` (dtype, architectures, transformers_version added).
std::string config_json_text(const ModelTypeEntry& entry, const std::string& arch, Json config,
                             const std::string& dtype = "float32");

// Raised when a config breaks an architecture invariant; names the field and the rule.
class ConfigError : public UserError {
 public:
  using UserError::UserError;
};

// Helpers for families' invariant checks.
int64_t config_int(const Json& config, const std::string& key);
double config_float(const Json& config, const std::string& key);
void require_divisible(const Json& config, const std::string& field, const std::string& by_field);
void require_positive(const Json& config, const std::vector<std::string>& fields);
// The bounds every tensor a config implies must keep (util/bounds.h): no negative dimension, at most
// kElements elements, and `count` (tensors so far, this one included) at most kTensors. ConfigError naming
// the tensor, the limit and the fix otherwise.
void check_tensor_bounds(const std::string& tensor, const std::vector<int64_t>& shape, size_t count);

}  // namespace tinyforge
