#include "tinyforge/inputs/tasks.h"

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

const std::map<std::string, ModelInputsSpec>& specs() {
  static const std::map<std::string, ModelInputsSpec> all = [] {
    std::map<std::string, ModelInputsSpec> out;
    for (const auto& [name, text] : embedded_inputs::files()) {
      if (name != kFactsFile) continue;
      const Json facts = parse_json(std::string(text), std::string(name));
      for (const auto& [model_type, entry] : facts.at("model_types").items())
        out.emplace(model_type, read_spec(model_type, entry));
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
  auto it = specs().find(model_type);
  return it == specs().end() ? nullptr : &it->second;
}

std::vector<std::string> inputs_model_types() {
  std::vector<std::string> out;
  for (const auto& [model_type, spec] : specs()) out.push_back(model_type);
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
