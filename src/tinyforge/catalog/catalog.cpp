#include "tinyforge/catalog/catalog.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "tinyforge/families/family.h"

namespace tinyforge {
namespace embedded {
const std::vector<std::pair<std::string_view, std::string_view>>& files();
}
namespace embedded_tokenizers {
const std::vector<std::pair<std::string_view, std::string_view>>& files();
}

std::string_view Catalog::tokenizer_template(const std::string& name) const {
  for (const auto& [file, text] : embedded_tokenizers::files())
    if (file == name + ".json") return text;
  std::string known;
  for (const auto& n : tokenizer_templates()) known += (known.empty() ? "" : ", ") + n;
  throw UserError("no tokenizer template '" + name + "'; known: " + known);
}

std::vector<std::string> Catalog::tokenizer_templates() const {
  std::vector<std::string> names;
  for (const auto& [file, text] : embedded_tokenizers::files())
    names.emplace_back(file.substr(0, file.size() - std::string_view(".json").size()));
  std::sort(names.begin(), names.end());
  return names;
}

const ArchitectureEntry* ModelTypeEntry::find_architecture(const std::string& name) const {
  for (const auto& a : architectures)
    if (a.name == name) return &a;
  return nullptr;
}

namespace {

ModelTypeEntry parse_entry(std::string_view file, std::string_view text) {
  Json j = parse_json(std::string(text), std::string(file));
  ModelTypeEntry e;
  e.model_type = j.at("model_type").get<std::string>();
  e.config_class = j.at("config_class").get<std::string>();
  e.defaults = j.at("defaults");
  e.class_defaults = j.value("class_defaults", Json::object());
  e.tiny = j.at("tiny");
  e.processor = j.value("processor", Json());
  e.keep_in_fp32_modules = j.value("keep_in_fp32_modules", std::vector<std::string>{});
  for (const auto& r : j.value("in_memory_renames", Json::array()))
    e.in_memory_renames.emplace_back(r.at(0).get<std::string>(), r.at(1).get<std::string>());
  if (j.contains("tokenizer")) {
    const Json& t = j["tokenizer"];
    e.tokenizer = TokenizerSpec{t.at("template").get<std::string>(), t.value("config_path", ""),
                                t.value("max_length_key", ""), t.value("max_length_offset", 0),
                                t.value("tokenizer_class", "")};
  }
  e.derive = j.value("derive", Json::array());
  e.properties = j.value("properties", Json::object());
  e.invariants = j.value("invariants", Json::array());
  e.unscalable = j.value("unscalable", Json::object());
  e.attribute_map = j.value("attribute_map", Json::object());
  // An architecture is forged from its compiled tensors, or else by the model type's hand-written family.
  const Family* family = find_family(e.model_type);
  const bool has_family = family && family->tensors;
  for (const auto& a : j.at("architectures")) {
    if (a.contains("tensors") || has_family) {
      e.architectures.push_back({a.at("name"), a.value("generative", false), a.value("tensors", Json()),
                                 a.value("unscalable", Json::object()),
                                 a.value("config_set", Json::object())});
    } else {
      e.unforgeable.push_back({a.at("name"), a.value("hand_code", "not compiled")});
    }
  }
  return e;
}

}  // namespace

Catalog::Catalog() {
  constexpr std::string_view kSuffix = ".json";
  for (const auto& [file, text] : embedded::files()) {
    if (file == "_base.json") {
      base_defaults_ = parse_json(std::string(text), std::string(file));
      continue;
    }
    Slot& slot = slots_[std::string(file.substr(0, file.size() - kSuffix.size()))];
    slot.file = file;
    slot.text = text;
  }
}

const Catalog& Catalog::instance() {
  static const Catalog catalog;
  return catalog;
}

const ModelTypeEntry* Catalog::find(const std::string& model_type) const {
  auto it = slots_.find(model_type);
  if (it == slots_.end()) return nullptr;
  const Slot& slot = it->second;
  std::call_once(slot.parsed, [&] {
    slot.entry = parse_entry(slot.file, slot.text);
    if (slot.entry->model_type != model_type)
      throw std::logic_error("catalog file " + std::string(slot.file) + " holds model type '" +
                             slot.entry->model_type + "'");
  });
  return &*slot.entry;
}

const ModelTypeEntry& Catalog::get(const std::string& model_type) const {
  if (const auto* e = find(model_type)) return *e;
  std::string msg = "unknown model type '" + model_type + "'";
  auto near = nearest_names(model_type, model_types());
  if (!near.empty()) {
    msg += "; did you mean ";
    for (size_t i = 0; i < near.size(); ++i) msg += (i ? ", '" : "'") + near[i] + "'";
    msg += "?";
  }
  msg += " (`tinyforge list` shows every known model type)";
  throw UserError(msg);
}

std::vector<std::string> Catalog::model_types() const {
  std::vector<std::string> out;
  for (const auto& [k, _] : slots_) out.push_back(k);
  return out;
}

namespace {
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
}  // namespace

std::vector<std::string> nearest_names(const std::string& word, const std::vector<std::string>& candidates,
                                       size_t limit) {
  std::vector<std::pair<size_t, std::string>> scored;
  for (const auto& c : candidates) {
    size_t d = edit_distance(word, c);
    if (c.find(word) != std::string::npos || word.find(c) != std::string::npos) d = std::min<size_t>(d, 1);
    scored.emplace_back(d, c);
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (const auto& [d, c] : scored) {
    if (out.size() >= limit || d > std::max<size_t>(3, word.size() / 2)) break;
    out.push_back(c);
  }
  return out;
}

}  // namespace tinyforge
