// inputs/tasks: per model type, what optimum's ONNX config for it declares — the tasks TasksManager lists,
// the normalized-config names, and per task the inputs of the exported submodel and the generator classes
// that make them. Compiled from the pinned optimum by tools/catalog/compile into
// inputs/data/optimum_inputs.json (embedded).
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tinyforge/util/json.h"

namespace tinyforge::inputs {

using Axes = std::map<int, std::string>;

// A boolean config field having a value (a config.json that omits it has the config class's default).
struct ConfigCondition {
  std::string field;
  Json equals;
  Json fallback;
  bool holds(const Json& config) const;
};

struct InputDecl {
  std::string name;  // "past_key_values": the cache, one tensor per layer and part
  Axes axes;
  std::optional<ConfigCondition> when;  // only declared when it holds (Falcon: position_ids unless alibi)
};

// The inputs of one exported submodel, in the ONNX config's order, and the generator classes (optimum's
// names, in its dispatch order: the first that supports a name generates it).
struct SubmodelInputs {
  std::vector<InputDecl> inputs;
  std::vector<std::string> generators;
  bool past_in_inputs = false;
  std::map<std::string, Axes> past_axes;  // per-layer part ("key", "decoder.value", ...) → its dynamic axes
  std::optional<ConfigCondition> when;
};

struct TaskInputs {
  std::string task;  // "-with-past" included
  SubmodelInputs monolith;
  // Seq2seq tasks with a cache: the export feeds the decoder with a filled cache when `when` holds (an
  // encoder-decoder config).
  std::optional<SubmodelInputs> decoder;
  const SubmodelInputs& submodel_for(const Json& config) const;
};

struct ModelInputsSpec {
  std::string model_type;
  std::string onnx_config;                           // optimum's class name
  std::vector<TaskInputs> tasks;                     // TasksManager's order
  std::vector<std::string> task_names;               // the same order
  std::map<std::string, std::string> aliases;        // normalized name → config path
  std::map<std::string, std::string> attribute_map;  // the config class's attribute_map
  bool pad_attention_mask_to_past = false;           // PAD_ATTENTION_MASK_TO_PAST
  std::map<std::string, std::string> default_tasks;  // architecture → the task TasksManager infers from it
  const TaskInputs* find_task(const std::string& task) const;
};

// nullptr when optimum has no ONNX config for the model type.
const ModelInputsSpec* find_inputs_spec(const std::string& model_type);
std::vector<std::string> inputs_model_types();

// The task optimum's TasksManager infers from the architecture's class, if the model type supports it;
// otherwise feature-extraction. Empty when optimum has no ONNX config for the model type.
std::string default_task_for_architecture(const std::string& model_type, const std::string& arch);

}  // namespace tinyforge::inputs
