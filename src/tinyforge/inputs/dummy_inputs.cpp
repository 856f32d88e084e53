#include "tinyforge/inputs/dummy_inputs.h"

#include "tinyforge/catalog/catalog.h"
#include "tinyforge/formats/safetensors.h"
#include "tinyforge/inputs/tasks.h"

namespace tinyforge::inputs {

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

const ModelInputsSpec& spec_for(const std::string& model_type) {
  const ModelInputsSpec* spec = find_inputs_spec(model_type);
  if (!spec)
    throw UserError("optimum has no dummy-input (ONNX) config for model type '" + model_type +
                    "'; supported model types: " + join(inputs_model_types()));
  return *spec;
}

// "past_key_values.3.decoder.key" → "decoder.key".
std::string past_part(const std::string& name) {
  const size_t layer_dot = name.find('.', std::string("past_key_values.").size());
  return layer_dot == std::string::npos ? "" : name.substr(layer_dot + 1);
}

// Whether `tinyforge inputs` can make every input of the task for this model type (all its generators are
// implemented).
bool task_implemented(const TaskInputs& task) {
  for (const SubmodelInputs* s : {&task.monolith, task.decoder ? &*task.decoder : nullptr})
    if (s)
      for (const auto& g : s->generators)
        if (!generator_implemented(g)) return false;
  return true;
}

}  // namespace

const std::vector<std::string>& supported_tasks(const std::string& model_type) {
  return spec_for(model_type).task_names;
}

std::optional<DType> parse_int_dtype(const std::string& tag) {
  if (tag == "int64") return DType::I64;
  if (tag == "int32") return DType::I32;
  if (tag == "int8") return DType::I8;
  return std::nullopt;
}

std::optional<DType> parse_float_dtype(const std::string& tag) {
  if (tag == "fp32") return DType::F32;
  if (tag == "fp16") return DType::F16;
  if (tag == "bf16") return DType::BF16;
  return std::nullopt;
}

DummyInputs generate_dummy_inputs(const Json& config, const InputsRequest& request) {
  if (!config.contains("model_type") || !config["model_type"].is_string())
    throw UserError("config.json has no model_type; is this a transformers model folder?");
  const std::string model_type = config["model_type"].get<std::string>();
  const ModelInputsSpec& spec = spec_for(model_type);

  std::string base = request.task;
  bool use_past = request.with_past;
  if (base.size() > 10 && base.compare(base.size() - 10, 10, "-with-past") == 0) {
    base.resize(base.size() - 10);
    use_past = true;
  }
  const std::string task = base + (use_past ? "-with-past" : "");
  const TaskInputs* entry = spec.find_task(task);
  if (!entry)
    throw UserError("model type '" + model_type + "' does not support task '" + task +
                    "'; supported tasks: " + join(spec.task_names));

  DummyInputs result{model_type, task, "monolith", {}, {}};
  for (const auto& [key, value] : default_dummy_shapes()) result.shapes[key] = value;
  for (const auto& [key, value] : request.shapes) {
    if (!result.shapes.count(key)) throw UserError("unknown dummy shape '" + key + "'");
    if (value <= 0)
      throw UserError("--" + key + " must be a positive size (got " + std::to_string(value) + ")");
    result.shapes[key] = value;
  }
  const Shapes& shapes = result.shapes;

  // The submodel optimum's export feeds: for a seq2seq task with a cache on an encoder-decoder config, the
  // decoder with a filled cache; otherwise the whole model.
  const SubmodelInputs& submodel = entry->submodel_for(config);
  if (&submodel != &entry->monolith) result.behavior = "decoder";

  NormalizedConfig nc(config, spec.aliases, spec.attribute_map);
  // DUMMY_INPUT_GENERATOR_CLASSES as the ONNX config instantiates them, in order.
  std::vector<std::unique_ptr<Generator>> generators;
  for (const std::string& name : submodel.generators) {
    generators.push_back(make_generator(name, nc, base, shapes));
    if (!generators.back())
      throw UserError("model type '" + model_type + "': optimum's " + spec.onnx_config + " uses " + name +
                      ", which tinyforge does not implement");
  }

  const bool causal = base == "text-generation";
  const GenerateOptions options{base, request.int_dtype, request.float_dtype, request.seed};
  for (const InputDecl& decl : submodel.inputs) {
    if (decl.when && !decl.when->holds(config)) continue;
    Generator* gen = nullptr;
    for (auto& g : generators)
      if (g->supports(decl.name)) {
        gen = g.get();
        break;
      }
    if (!gen) throw std::logic_error("no dummy input generator for '" + decl.name + "'");
    // New tokens after a filled cache are one step long, except for decoder-only text generation.
    const bool one_step =
        submodel.past_in_inputs && !causal &&
        (decl.name == "decoder_input_ids" || decl.name == "input_ids" || decl.name == "position_ids");
    const int64_t saved = gen->sequence_length;
    if (one_step) gen->sequence_length = 1;
    std::vector<DummyTensor> made = gen->generate(decl.name, options);
    gen->sequence_length = saved;
    for (auto& t : made) {
      if (decl.name == "past_key_values") {
        auto axes = submodel.past_axes.find(past_part(t.name));
        if (axes == submodel.past_axes.end())
          throw std::logic_error("optimum's " + spec.onnx_config + " declares no past input like '" + t.name +
                                 "'");
        t.dynamic_axes = axes->second;
      } else {
        t.dynamic_axes = decl.axes;
      }
      result.tensors.push_back(std::move(t));
    }
  }

  // PAD_ATTENTION_MASK_TO_PAST: text generation with a filled cache sees a mask over past + new tokens, ones
  // appended on the right.
  if (submodel.past_in_inputs && spec.pad_attention_mask_to_past && causal) {
    auto find = [&](const std::string& name) -> DummyTensor* {
      for (auto& t : result.tensors)
        if (t.name == name) return &t;
      return nullptr;
    };
    DummyTensor* mask = find("attention_mask");
    const DummyTensor* ids = find("input_ids");
    const DummyTensor* past = find("past_key_values.0.value");
    if (mask && ids && past) pad_with_ones(*mask, 1, past->shape[2] + ids->shape[1]);
  }
  return result;
}

std::string default_inputs_file(const std::string& model_type, const std::string& arch,
                                const std::string& config_json, uint64_t seed) {
  const ModelInputsSpec* spec = find_inputs_spec(model_type);
  if (!spec) return "";
  InputsRequest request;
  request.task = default_task_for_architecture(model_type, arch);
  const TaskInputs* task = spec->find_task(request.task);
  if (!task || !task_implemented(*task)) return "";
  request.seed = seed;
  return dummy_inputs_safetensors(generate_dummy_inputs(parse_json(config_json, "config.json"), request));
}

std::string dummy_inputs_safetensors(DummyInputs inputs) {
  std::vector<SafetensorsEntry> entries;
  for (auto& t : inputs.tensors) entries.push_back({t.name, t.dtype, t.shape, std::move(t.data)});
  return safetensors_serialize(std::move(entries), {{"format", "pt"}});
}

std::string dummy_inputs_manifest(const DummyInputs& inputs, const InputsRequest& request) {
  Json manifest = Json::object();
  manifest["model_type"] = inputs.model_type;
  manifest["task"] = inputs.task;
  manifest["behavior"] = inputs.behavior;
  manifest["seed"] = request.seed;
  manifest["int_dtype"] = std::string(dtype_torch_name(request.int_dtype));
  manifest["float_dtype"] = std::string(dtype_torch_name(request.float_dtype));
  manifest["shapes"] = Json::object();
  for (const auto& [k, v] : inputs.shapes) manifest["shapes"][k] = v;
  Json list = Json::array();
  for (const auto& t : inputs.tensors) {
    Json axes = Json::object();
    for (const auto& [dim, name] : t.dynamic_axes) axes[std::to_string(dim)] = name;
    list.push_back({{"name", t.name},
                    {"shape", t.shape},
                    {"dtype", std::string(dtype_torch_name(t.dtype))},
                    {"dynamic_axes", axes}});
  }
  manifest["inputs"] = list;
  return py_json_dumps(manifest) + "\n";
}

}  // namespace tinyforge::inputs
