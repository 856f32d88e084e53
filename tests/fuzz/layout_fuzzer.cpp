// Fuzz target: an untrusted config.json → the tensors its architecture saves (defaults, derived fields,
// invariants, the catalog's tensor entries), as `inspect` computes them. Input: config.json (its
// model_type and architectures pick the catalog entry).
#include <cstdint>

#include "tinyforge/catalog/catalog.h"
#include "tinyforge/checkpoint/inspect.h"
#include "tinyforge/util/json.h"

using namespace tinyforge;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Json config = Json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (config.is_discarded()) return 0;
  try {
    Json resolved;
    family_tensors_for(config, &resolved);
  } catch (const UserError&) {
  }
  return 0;
}
