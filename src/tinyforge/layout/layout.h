// layout: the forge's view of an architecture. A compiled architecture (its catalog file lists its tensors,
// tools/catalog/FORMAT.md) is interpreted here: derive rules, invariants and tensor entries evaluated for the
// final config. An architecture the compiler could not express is forged by its hand-written family.
#pragma once
#include <string>
#include <vector>

#include "tinyforge/catalog/config.h"
#include "tinyforge/tensor/tensor.h"

namespace tinyforge {

// Refuses an override of a field the catalog cannot scale for `arch`, naming the field and the reason.
void check_scalable(const ModelTypeEntry& entry, const std::string& arch,
                    const std::vector<ConfigOverride>& overrides);
// What __post_init__ derives, then the architecture's invariants (ConfigError naming field and rule).
void finalize_config(const ModelTypeEntry& entry, const std::string& arch, Json& config);
// Every tensor save_pretrained writes for `arch`, with its initialiser.
std::vector<TensorSpec> architecture_tensors(const ModelTypeEntry& entry, const std::string& arch,
                                             const Json& config);

}  // namespace tinyforge
