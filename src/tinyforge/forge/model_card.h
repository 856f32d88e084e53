// forge/model_card: the README.md every forged repository carries — Hub metadata in YAML front matter
// (library_name, pipeline_tag, tags, license) and a short body: what it is, the seed, the tool version and
// the `tinyforge create` command that writes the same bytes again.
#pragma once
#include <string>

#include "tinyforge/forge/repository.h"

namespace tinyforge {

// The license of everything tinyforge forges (random weights, tokenizers trained on the project's own
// corpus).
inline constexpr const char* kForgedContentLicense = "apache-2.0";

// Deterministic in (request, tool version): no output path, organization or time in it.
std::string model_card_text(const RepositoryRequest& request);

}  // namespace tinyforge
