#include "tinyforge/catalog/hub_metadata.h"

#include <map>
#include <string_view>
#include <utility>
#include <vector>

#include "tinyforge/catalog/catalog.h"

namespace tinyforge {
namespace embedded_hub_metadata {
const std::vector<std::pair<std::string_view, std::string_view>>& files();
}

namespace {

const Json& hub_metadata() {
  static const Json data = [] {
    Json j = Json::object();
    for (const auto& [name, text] : embedded_hub_metadata::files())
      j = parse_json(std::string(text), std::string(name));
    return j;
  }();
  return data;
}

}  // namespace

const std::string& pipeline_tag(const std::string& architecture) {
  static const std::map<std::string, std::string> tags =
      hub_metadata().value("pipeline_tags", Json::object()).get<std::map<std::string, std::string>>();
  static const std::string none;
  auto it = tags.find(architecture);
  return it == tags.end() ? none : it->second;
}

std::string model_type_architecture(const ModelTypeEntry& entry) {
  const Json& all = hub_metadata().value("model_type_repositories", Json::object());
  if (all.contains(entry.model_type))
    for (const auto& candidate : all[entry.model_type])
      if (entry.find_architecture(candidate.get<std::string>())) return candidate.get<std::string>();
  return entry.architectures.empty() ? std::string() : entry.architectures.front().name;
}

}  // namespace tinyforge
