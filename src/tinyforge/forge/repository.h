// forge/repository: one architecture → the files of its repository (config.json, model.safetensors,
// generation_config.json, preprocessor_config.json, the README.md model card), rendered in memory and
// published atomically.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tinyforge/catalog/config.h"
#include "tinyforge/util/fs.h"

namespace tinyforge {

struct RepositoryRequest {
  const ModelTypeEntry* entry = nullptr;
  std::string arch;
  std::vector<ConfigOverride> overrides;
  uint64_t seed = 0;
  bool with_inputs = false;  // add dummy_inputs.safetensors for the architecture's default task
};

// File name → bytes, deterministic in (request, tool version).
using RepositoryFiles = std::map<std::string, std::string>;
struct RenderedRepository {
  RepositoryFiles files;
  std::string preprocessor_class;  // image_processor_type / feature_extractor_type, if the family has one
  std::string tokenizer_class;     // text repositories: tokenizer_config.json's tokenizer_class
};
RenderedRepository render_repository(const RepositoryRequest& request);

// The key of a tensor's random stream: a function of seed, repository and tensor name only.
uint64_t tensor_stream_key(uint64_t seed, const std::string& repository, const std::string& tensor);

// generation_config.json as GenerationConfig.from_model_config writes it for this config; with `fields` (an
// object) set on top, it is no longer marked `_from_model_config`.
std::string generation_config_text(const Json& config, const Json& fields);

struct ForgedFile {
  std::string name;
  std::string sha256;
  uint64_t size = 0;
};

// Renders and writes `{root}/{model_type}/{arch}` through a staging folder. Throws on failure, leaving any
// previous repository at that path untouched.
struct ForgedRepository {
  std::vector<ForgedFile> files;
  std::string preprocessor_class;
  std::string tokenizer_class;
};
ForgedRepository forge_repository(const RepositoryRequest& request, const fs::path& root);

}  // namespace tinyforge
