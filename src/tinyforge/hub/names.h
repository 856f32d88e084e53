// hub/names: the repository names tinyforge forges under: `tiny-random-{Arch}` for an architecture,
// `tiny-random-{model_type}` for a model type (the architecture catalog/hub_metadata.h chooses), each with an
// optional fixture suffix `-{kind}` or a combination `-{kind}-{kind}...` (checkpoint/variants.h).
#pragma once
#include <optional>
#include <string>

#include "tinyforge/catalog/catalog.h"

namespace tinyforge::hub {

inline constexpr const char* kForgedNamePrefix = "tiny-random-";

struct ForgedName {
  const ModelTypeEntry* entry = nullptr;
  std::string arch;  // the forged architecture (a model type's chosen one)
  std::string spec;  // fixture kinds joined by '-', empty for the plain repository
};

// Parses a repository name (without ORG/). nullopt when it names nothing the catalog can forge (an unknown
// architecture or model type, an unknown or refused fixture kind).
std::optional<ForgedName> parse_forged_name(const std::string& name);

}  // namespace tinyforge::hub
