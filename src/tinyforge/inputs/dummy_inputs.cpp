#include "tinyforge/inputs/dummy_inputs.h"

#include <algorithm>

#include "tinyforge/catalog/catalog.h"
#include "tinyforge/formats/safetensors.h"
#include "tinyforge/inputs/tasks.h"

namespace tinyforge::inputs {

namespace {

using Axes = std::map<int, std::string>;
struct InputDecl {
  std::string name;
  Axes axes;
};

// TasksManager._ENCODER_DECODER_TASKS: with past, these export a decoder that is fed a filled cache.
const char* const kEncoderDecoderTasks[] = {"automatic-speech-recognition", "document-question-answering",
                                            "feature-extraction-with-past", "image-to-text",
                                            "text2text-generation",         "visual-question-answering"};

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

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

}  // namespace

const std::vector<std::string>& supported_tasks(const std::string& model_type) {
  return spec_for(model_type).tasks;
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
  if (std::find(spec.tasks.begin(), spec.tasks.end(), task) == spec.tasks.end())
    throw UserError("model type '" + model_type + "' does not support task '" + task +
                    "'; supported tasks: " + join(spec.tasks));

  DummyInputs result{model_type, task, "monolith", {}, {}};
  for (const auto& [key, value] : default_dummy_shapes()) result.shapes[key] = value;
  for (const auto& [key, value] : request.shapes) {
    if (!result.shapes.count(key)) throw UserError("unknown dummy shape '" + key + "'");
    if (value <= 0)
      throw UserError("--" + key + " must be a positive size (got " + std::to_string(value) + ")");
    result.shapes[key] = value;
  }
  const Shapes& shapes = result.shapes;

  NormalizedConfig nc(config, spec.aliases, spec.attribute_map);
  const bool is_encoder_decoder = config.value("is_encoder_decoder", false);
  bool seq2seq_task = false;
  for (const char* t : kEncoderDecoderTasks) seq2seq_task = seq2seq_task || starts_with(task, t);
  const bool causal = base == "text-generation";
  const bool decoder_layout = spec.layout == Layout::TextDecoder || (spec.bart && causal);
  // The submodel that consumes the cache: a seq2seq decoder, or the single decoder-only text-generation
  // model.
  const bool decoder_behavior = use_past && seq2seq_task && is_encoder_decoder &&
                                (spec.layout == Layout::Seq2SeqText || spec.layout == Layout::AudioToText) &&
                                !causal;
  const bool past_in_inputs = decoder_behavior || (use_past && causal && decoder_layout);
  if (decoder_behavior) result.behavior = "decoder";

  // The inputs the ONNX config declares, in its order, past key values left out (they are generated last).
  const Axes seq{{0, "batch_size"}, {1, "sequence_length"}};
  std::vector<InputDecl> decls;
  switch (spec.layout) {
    case Layout::TextEncoder: {
      Axes axes = base == "multiple-choice"
                      ? Axes{{0, "batch_size"}, {1, "num_choices"}, {2, "sequence_length"}}
                      : seq;
      decls = {{"input_ids", axes}, {"attention_mask", axes}};
      if (spec.token_type_ids) decls.push_back({"token_type_ids", axes});
      break;
    }
    case Layout::TextDecoder:
    case Layout::Seq2SeqText:
      if (decoder_layout) {
        decls = {{"input_ids", seq},
                 {"attention_mask",
                  {{0, "batch_size"},
                   {1, past_in_inputs ? "past_sequence_length + sequence_length" : "sequence_length"}}}};
        const bool alibi = spec.position_ids_unless_alibi && config.value("alibi", false);
        if (spec.position_ids && !alibi && (causal || base == "feature-extraction"))
          decls.push_back({"position_ids", seq});
      } else if (spec.bart && base != "feature-extraction" && base != "text2text-generation") {
        decls = {{"input_ids", seq}, {"attention_mask", seq}};
      } else {
        const Axes enc{{0, "batch_size"}, {1, "encoder_sequence_length"}};
        decls = {{decoder_behavior ? "encoder_outputs" : "input_ids", enc},
                 {"attention_mask", enc},
                 {"decoder_input_ids", {{0, "batch_size"}, {1, "decoder_sequence_length"}}}};
      }
      break;
    case Layout::AudioToText:
      if (base == "audio-classification") {
        decls = {{"input_features", {{0, "batch_size"}}}};
      } else {
        decls = {decoder_behavior
                     ? InputDecl{"encoder_outputs", {{0, "batch_size"}, {1, "encoder_sequence_length"}}}
                     : InputDecl{"input_features", {{0, "batch_size"}}},
                 {"decoder_input_ids", {{0, "batch_size"}, {1, "decoder_sequence_length"}}}};
      }
      break;
    case Layout::Vision:
      decls = {{"pixel_values", {{0, "batch_size"}, {1, "num_channels"}, {2, "height"}, {3, "width"}}}};
      break;
    case Layout::TextAndVision:
      decls = {{"pixel_values", {{0, "batch_size"}, {1, "num_channels"}, {2, "height"}, {3, "width"}}}};
      if (base == "feature-extraction" || base == "zero-shot-image-classification") {
        decls.push_back({"input_ids", {{0, "text_batch_size"}, {1, "sequence_length"}}});
        decls.push_back({"attention_mask", {{0, "text_batch_size"}, {1, "sequence_length"}}});
      }
      break;
    case Layout::Audio:
      decls = {{"input_values", seq}};
      break;
  }
  if (past_in_inputs) decls.push_back({"past_key_values", {}});

  // DUMMY_INPUT_GENERATOR_CLASSES, in order: the first that supports a name generates it.
  std::vector<std::unique_ptr<Generator>> generators;
  switch (spec.layout) {
    case Layout::TextEncoder:
      generators.push_back(text_generator(nc, base, shapes));
      break;
    case Layout::TextDecoder:
      generators.push_back(text_generator(nc, base, shapes));
      generators.push_back(past_key_values_generator(spec.past, nc, shapes));
      break;
    case Layout::Seq2SeqText: {
      generators.push_back(text_generator(nc, base, shapes, spec.bart));
      const int64_t encoder_length = generators[0]->sequence_length;
      if (spec.bart && causal) {
        generators.push_back(decoder_text_generator(nc, base, shapes));
        generators.push_back(past_key_values_generator(PastKind::Default, nc, shapes));
      } else {
        generators.push_back(seq2seq_decoder_text_generator(nc, base, shapes));
        generators.push_back(past_key_values_generator(spec.past, nc, shapes, encoder_length));
      }
      break;
    }
    case Layout::AudioToText:
      generators.push_back(audio_generator(nc, shapes));
      generators.push_back(seq2seq_decoder_text_generator(nc, base, shapes));
      generators.push_back(past_key_values_generator(spec.past, nc, shapes));
      break;
    case Layout::Vision:
      generators.push_back(vision_generator(nc, shapes));
      break;
    case Layout::TextAndVision:
      generators.push_back(text_generator(nc, base, shapes));
      generators.push_back(vision_generator(nc, shapes));
      generators.push_back(bbox_generator(shapes));
      break;
    case Layout::Audio:
      generators.push_back(audio_generator(nc, shapes));
      break;
  }

  const GenerateOptions options{base, request.int_dtype, request.float_dtype, request.seed};
  for (const InputDecl& decl : decls) {
    Generator* gen = nullptr;
    for (auto& g : generators)
      if (g->supports(decl.name)) {
        gen = g.get();
        break;
      }
    if (!gen) throw std::logic_error("no dummy input generator for '" + decl.name + "'");
    // New tokens after a filled cache are one step long, except for decoder-only text generation.
    const bool one_step =
        past_in_inputs && !causal &&
        (decl.name == "decoder_input_ids" || decl.name == "input_ids" || decl.name == "position_ids");
    const int64_t saved = gen->sequence_length;
    if (one_step) gen->sequence_length = 1;
    std::vector<DummyTensor> made = gen->generate(decl.name, options);
    gen->sequence_length = saved;
    for (auto& t : made) {
      if (decl.name != "past_key_values") t.dynamic_axes = decl.axes;
      result.tensors.push_back(std::move(t));
    }
  }

  // Decoders with a filled cache see a mask over past + new tokens: ones appended on the right.
  if (past_in_inputs && decoder_layout && causal) {
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
  if (!find_inputs_spec(model_type)) return "";
  InputsRequest request;
  request.task = default_task_for_architecture(model_type, arch);
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
