#include "tinyforge/hub/names.h"

#include <map>

#include "tinyforge/catalog/hub_metadata.h"
#include "tinyforge/checkpoint/variants.h"

namespace tinyforge::hub {

namespace {

// Every architecture and every model type that has a forgeable architecture, by its name in a repository.
const std::map<std::string, ForgedName>& forgeable_bases() {
  static const std::map<std::string, ForgedName> bases = [] {
    std::map<std::string, ForgedName> out;
    const Catalog& catalog = Catalog::instance();
    for (const auto& t : catalog.model_types()) {
      const ModelTypeEntry& entry = catalog.get(t);
      for (const auto& a : entry.architectures) out[a.name] = {&entry, a.name, ""};
      const std::string arch = model_type_architecture(entry);
      if (!arch.empty()) out.emplace(t, ForgedName{&entry, arch, ""});
    }
    return out;
  }();
  return bases;
}

}  // namespace

std::optional<ForgedName> parse_forged_name(const std::string& name) {
  const std::string prefix = kForgedNamePrefix;
  if (name.rfind(prefix, 0) != 0) return std::nullopt;
  const std::string rest = name.substr(prefix.size());
  // Model types may hold '-' (gpt-sw3): the longest base that leaves a valid fixture spec wins.
  for (size_t end = rest.size(); end != std::string::npos && end > 0; end = rest.rfind('-', end - 1)) {
    auto it = forgeable_bases().find(rest.substr(0, end));
    if (it == forgeable_bases().end()) continue;
    ForgedName out = it->second;
    if (end == rest.size()) return out;
    out.spec = rest.substr(end + 1);
    try {
      parse_variant_spec(out.spec);
    } catch (const UserError&) {
      return std::nullopt;
    }
    return out;
  }
  return std::nullopt;
}

}  // namespace tinyforge::hub
