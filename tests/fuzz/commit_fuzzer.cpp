// Fuzz target: serve's commit body parser (huggingface_hub's NDJSON: header line, then operations).
// Input: the request body.
#include <cstdint>
#include <stdexcept>

#include "tinyforge/hub/commit_body.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    tinyforge::hub::parse_commit_body(std::string(reinterpret_cast<const char*>(data), size));
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
