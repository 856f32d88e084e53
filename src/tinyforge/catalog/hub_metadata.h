// catalog/hub_metadata: facts about the Hub names and metadata of the catalog's classes, compiled from the
// pinned transformers' pipeline registry and auto mappings by tools/catalog/hub_metadata.py into
// catalog/hub_metadata.json (embedded in the binary).
#pragma once
#include <string>

namespace tinyforge {

// The Hub's pipeline_tag for an architecture class; empty when no pipeline serves it (or it is unknown).
const std::string& pipeline_tag(const std::string& architecture);

}  // namespace tinyforge
