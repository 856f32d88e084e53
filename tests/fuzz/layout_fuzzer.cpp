// Fuzz target: an untrusted config.json → the tensors its architecture saves (defaults, derived fields,
// invariants, the catalog's tensor entries), as `inspect` computes them. Input: config.json (its
// model_type and architectures pick the catalog entry), read as open_checkpoint reads it.
#include <cstdint>

#include "tinyforge/catalog/catalog.h"
#include "tinyforge/checkpoint/inspect.h"

using namespace tinyforge;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const Json config = parse_config_json(std::string(reinterpret_cast<const char*>(data), size));
    Json resolved;
    family_tensors_for(config, &resolved);
  } catch (const UserError&) {
  }
  return 0;
}
