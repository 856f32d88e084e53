// inputs/dummy_inputs: a model config + task → the dummy inputs optimum's ONNX export would feed it (same
// names, shapes, dtypes and value rules, seeded), plus their safetensors bytes and JSON manifest.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "tinyforge/inputs/generators.h"
#include "tinyforge/util/json.h"

namespace tinyforge::inputs {

struct InputsRequest {
  std::string task;        // may end in "-with-past"
  bool with_past = false;  // same as the "-with-past" suffix
  Shapes shapes;           // overrides of DEFAULT_DUMMY_SHAPES
  DType int_dtype = DType::I64;
  DType float_dtype = DType::F32;
  uint64_t seed = 0;
};

struct DummyInputs {
  std::string model_type;
  std::string task;                  // as TasksManager names it, "-with-past" included
  std::string behavior;              // "monolith", or "decoder" for a seq2seq decoder fed a filled cache
  Shapes shapes;                     // every DEFAULT_DUMMY_SHAPES key, after overrides
  std::vector<DummyTensor> tensors;  // in optimum's generation order
};

// Tasks optimum lists for the model type; throws UserError when it has no ONNX config.
const std::vector<std::string>& supported_tasks(const std::string& model_type);

// Throws UserError for an unsupported task (listing the supported ones) or an impossible shape (naming it).
DummyInputs generate_dummy_inputs(const Json& config, const InputsRequest& request);

std::string dummy_inputs_safetensors(DummyInputs inputs);  // by value: tensor bytes move, not copy
std::string dummy_inputs_manifest(const DummyInputs& inputs, const InputsRequest& request);

// dummy_inputs.safetensors of a forged repository: its architecture's default task, default shapes and
// dtypes; empty when optimum has no config for the model type. Same bytes as `tinyforge inputs` gives.
std::string default_inputs_file(const std::string& model_type, const std::string& arch,
                                const std::string& config_json, uint64_t seed);

// "int64|int32|int8" and "fp32|fp16|bf16" (optimum's tags).
std::optional<DType> parse_int_dtype(const std::string& tag);
std::optional<DType> parse_float_dtype(const std::string& tag);

}  // namespace tinyforge::inputs
