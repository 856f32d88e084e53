// catalog/hub_metadata: facts about the Hub names and metadata of the catalog's classes, compiled from the
// pinned transformers' pipeline registry and auto mappings by tools/catalog/hub_metadata.py into
// catalog/hub_metadata.json (embedded in the binary).
#pragma once
#include <string>

namespace tinyforge {

struct ModelTypeEntry;

// The Hub's pipeline_tag for an architecture class; empty when no pipeline serves it (or it is unknown).
const std::string& pipeline_tag(const std::string& architecture);

// The architecture `ORG/tiny-random-{model_type}` holds: the first forgeable of the type's candidates (a
// decoder-only type's causal LM, else its bare model; the rule is in tools/catalog/hub_metadata.py), else the
// type's first forgeable architecture; empty when it has none.
std::string model_type_architecture(const ModelTypeEntry& entry);

}  // namespace tinyforge
