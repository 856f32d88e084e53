#include "tinyforge/inputs/tasks.h"

#include <array>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace tinyforge {
namespace embedded_inputs {
const std::vector<std::pair<std::string_view, std::string_view>>& files();
}

namespace inputs {

namespace {

constexpr std::string_view kFactsFile = "optimum_inputs.json";

std::optional<ConfigCondition> read_condition(const Json& j) {
  if (!j.contains("when")) return std::nullopt;
  const Json& w = j["when"];
  return ConfigCondition{w.at("field").get<std::string>(), w.at("equals"), w.at("default")};
}

Axes read_axes(const Json& j) {
  Axes axes;
  for (const auto& [dim, name] : j.items()) axes[std::stoi(dim)] = name.get<std::string>();
  return axes;
}

SubmodelInputs read_submodel(const Json& j) {
  SubmodelInputs s;
  for (const Json& i : j.at("inputs"))
    s.inputs.push_back(
        {i.at("name").get<std::string>(), read_axes(i.value("axes", Json::object())), read_condition(i)});
  s.generators = j.at("generators").get<std::vector<std::string>>();
  s.past_in_inputs = j.at("past_in_inputs").get<bool>();
  if (j.contains("past_axes"))
    for (const auto& [part, axes] : j["past_axes"].items()) s.past_axes[part] = read_axes(axes);
  s.when = read_condition(j);
  return s;
}

ModelInputsSpec read_spec(const std::string& model_type, const Json& j) {
  ModelInputsSpec s;
  s.model_type = model_type;
  s.onnx_config = j.at("onnx_config").get<std::string>();
  for (const Json& t : j.at("tasks")) {
    TaskInputs task{t.at("task").get<std::string>(), read_submodel(t), std::nullopt};
    if (t.contains("decoder")) task.decoder = read_submodel(t["decoder"]);
    s.task_names.push_back(task.task);
    s.tasks.push_back(std::move(task));
  }
  s.aliases = j.at("aliases").get<std::map<std::string, std::string>>();
  s.attribute_map = j.at("attribute_map").get<std::map<std::string, std::string>>();
  s.pad_attention_mask_to_past = j.at("pad_attention_mask_to_past").get<bool>();
  s.default_tasks = j.at("default_tasks").get<std::map<std::string, std::string>>();
  return s;
}

// The embedded facts are ~190 kB of JSON and one `tinyforge inputs` call needs one model type: parsing all
// of it cost more than the rest of the call, so a scan (no parse) finds each model type's entry, and an entry
// is parsed the first time it is asked for.
size_t skip_space(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) ++i;
  return i;
}

size_t skip_string(std::string_view s, size_t i) {  // s[i] is the opening quote
  for (;;) {
    const size_t quote = s.find('"', i + 1);
    if (quote == std::string_view::npos)
      throw std::logic_error(std::string(kFactsFile) + ": unterminated string");
    size_t backslashes = 0;
    while (s[quote - 1 - backslashes] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return quote + 1;
    i = quote;  // an escaped quote
  }
}

// The end of the value starting at s[i]: past its closing bracket, or at the ',' / '}' / ']' after a scalar.
size_t skip_value(std::string_view s, size_t i) {
  static constexpr auto structural = [] {
    std::array<bool, 256> t{};
    for (unsigned char c : std::string_view("\"{}[],")) t[c] = true;
    return t;
  }();
  int depth = 0;
  for (; i < s.size(); ++i) {
    while (i < s.size() && !structural[static_cast<unsigned char>(s[i])]) ++i;
    if (i == s.size()) break;
    const char c = s[i];
    if (c == '"') {
      i = skip_string(s, i) - 1;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0) return i;
      if (--depth == 0) return i + 1;
    } else if (depth == 0) {  // ','
      return i;
    }
  }
  return i;
}

// Each member of the JSON object at s[i] ('{'): its key and its value's text.
std::vector<std::pair<std::string, std::string_view>> object_members(std::string_view s, size_t i) {
  std::vector<std::pair<std::string, std::string_view>> out;
  i = skip_space(s, i);
  if (i >= s.size() || s[i] != '{') throw std::logic_error(std::string(kFactsFile) + ": object expected");
  i = skip_space(s, i + 1);
  while (i < s.size() && s[i] != '}') {
    const size_t key_end = skip_string(s, i);
    // Keys without escapes (all of them, in practice) are their own text: a JSON parse per key was most of
    // the scan.
    const std::string_view raw = s.substr(i + 1, key_end - i - 2);
    std::string key =
        raw.find('\\') == std::string_view::npos
            ? std::string(raw)
            : parse_json(std::string(s.substr(i, key_end - i)), std::string(kFactsFile)).get<std::string>();
    const size_t colon = skip_space(s, key_end);
    const size_t start = skip_space(s, colon + 1);
    const size_t end = skip_value(s, start);
    out.emplace_back(std::move(key), s.substr(start, end - start));
    i = skip_space(s, end);
    if (i < s.size() && s[i] == ',') i = skip_space(s, i + 1);
  }
  return out;
}

// model type → its entry's unparsed text.
const std::map<std::string, std::string_view>& entries() {
  static const std::map<std::string, std::string_view> all = [] {
    std::map<std::string, std::string_view> out;
    for (const auto& [name, text] : embedded_inputs::files()) {
      if (name != kFactsFile) continue;
      for (const auto& [key, value] : object_members(text, 0))
        if (key == "model_types")
          for (const auto& [model_type, entry] : object_members(value, 0)) out.emplace(model_type, entry);
    }
    return out;
  }();
  return all;
}

}  // namespace

bool ConfigCondition::holds(const Json& config) const {
  const bool present = config.is_object() && config.contains(field) && !config[field].is_null();
  return (present ? config[field] : fallback) == equals;
}

const SubmodelInputs& TaskInputs::submodel_for(const Json& config) const {
  return decoder && (!decoder->when || decoder->when->holds(config)) ? *decoder : monolith;
}

const TaskInputs* ModelInputsSpec::find_task(const std::string& task) const {
  for (const auto& t : tasks)
    if (t.task == task) return &t;
  return nullptr;
}

const ModelInputsSpec* find_inputs_spec(const std::string& model_type) {
  auto entry = entries().find(model_type);
  if (entry == entries().end()) return nullptr;
  // Parsed once per model type; `create` asks from several workers.
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<const ModelInputsSpec>> parsed;
  std::lock_guard<std::mutex> lock(mutex);
  auto& spec = parsed[model_type];
  if (!spec)
    spec = std::make_unique<const ModelInputsSpec>(
        read_spec(model_type, parse_json(std::string(entry->second), std::string(kFactsFile))));
  return spec.get();
}

std::vector<std::string> inputs_model_types() {
  std::vector<std::string> out;
  for (const auto& [model_type, text] : entries()) out.push_back(model_type);
  return out;  // std::map: sorted
}

std::string default_task_for_architecture(const std::string& model_type, const std::string& arch) {
  const ModelInputsSpec* spec = find_inputs_spec(model_type);
  if (!spec) return "";
  auto it = spec->default_tasks.find(arch);
  return it == spec->default_tasks.end() ? "feature-extraction" : it->second;
}

}  // namespace inputs
}  // namespace tinyforge
