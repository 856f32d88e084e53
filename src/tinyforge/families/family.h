// families: hand code per model type, each file read side by side with transformers' modeling_<model>.py,
// for what the compiled catalog does not express yet: the config fields __init__ derives and the invariants
// its modules assert (every family), the tensors of architectures the compiler cannot lay out (the catalog's
// `hand_code` says why), and an image or audio processor's config.
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
  // Every tensor save_pretrained writes for `arch` (tied copies already left out), with its initialiser;
  // null when every architecture of the type is compiled.
  std::vector<TensorSpec> (*tensors)(const Json& config, const std::string& arch);
  // preprocessor_config.json for vision/audio families, shrunk to the tiny config; null when none.
  Json (*preprocessor_config)(const Json& config);
};

const Family* find_family(const std::string& model_type);

}  // namespace tinyforge
