// families: one architecture family per source file, each written to be read side by side with
// transformers' modeling_<model>.py. A family knows the config fields its __init__ derives, the
// invariants its modules assert, and every tensor save_pretrained writes for each of its architectures.
#pragma once
#include <string>
#include <vector>

#include "tinyforge/tensor/tensor.h"
#include "tinyforge/util/json.h"

namespace tinyforge {

struct Family {
  const char* model_type;
  // Fills what the config class derives in __init__ (head_dim, kv heads, rope_parameters, ...) and checks
  // the architecture's invariants, throwing ConfigError that names the field and the rule.
  void (*finalize_config)(Json& config, const std::string& arch);
  // Every tensor save_pretrained writes for `arch` (tied copies already left out), with its initialiser.
  std::vector<TensorSpec> (*tensors)(const Json& config, const std::string& arch);
  // preprocessor_config.json for vision/audio families, shrunk to the tiny config; null when none.
  Json (*preprocessor_config)(const Json& config);
};

const Family* find_family(const std::string& model_type);

}  // namespace tinyforge
