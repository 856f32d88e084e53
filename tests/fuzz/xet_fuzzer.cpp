// Fuzz target: Xet uploads as serve reads them: a shard's file reconstructions, xorbs (chunk headers, LZ4
// frames, byte grouping, the metadata footer) and their hashes, and every file rebuilt from its terms.
// Input: the shard, then (after part separators) the xorbs it may name. A fuzzer cannot forge a hash, so a
// term naming an unknown xorb gets the first one (serve keeps any xorb whose hash is right, so any stored
// xorb can meet any term).
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>

#include "fuzz_input.h"
#include "tinyforge/hub/xet.h"

using namespace tinyforge::hub;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> parts = tinyforge::fuzz::split_parts(data, size);
  std::map<std::string, std::unique_ptr<xet::Xorb>> xorbs;  // by their own hash, as serve stores them
  const xet::Xorb* first = nullptr;
  for (size_t i = 1; i < parts.size(); ++i) {
    try {
      auto xorb = std::make_unique<xet::Xorb>(std::move(parts[i]));
      for (size_t c = 0; c < xorb->chunks(); ++c) xorb->chunk(c);
      const std::string hash = xorb->hash();
      const auto stored = xorbs.try_emplace(hash, std::move(xorb)).first;  // a stored xorb is never replaced
      if (!first) first = stored->second.get();
    } catch (const std::invalid_argument&) {
    }
  }
  try {
    for (const auto& file : xet::parse_shard(parts[0]))
      xet::reconstruct(file, [&](const std::string& hash) -> const xet::Xorb& {
        const auto it = xorbs.find(hash);
        if (it != xorbs.end()) return *it->second;
        if (!first) throw std::invalid_argument("xorb " + hash + " was never uploaded");
        return *first;
      });
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
