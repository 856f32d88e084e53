// inputs/tasks: per model type, what optimum's ONNX config for it declares — the tasks TasksManager lists,
// the normalized-config names, which generators run in which order and which inputs each task takes.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "tinyforge/inputs/generators.h"

namespace tinyforge::inputs {

enum class Layout {
  TextEncoder,    // BertOnnxConfig / DistilBertOnnxConfig
  TextDecoder,    // TextDecoder(WithPositionIds)OnnxConfig
  Seq2SeqText,    // TextSeq2SeqOnnxConfig (T5) and M2M100OnnxConfig (BART, which switches by task)
  AudioToText,    // WhisperOnnxConfig
  Vision,         // ViTOnnxConfig
  TextAndVision,  // CLIPOnnxConfig
  Audio,          // HubertOnnxConfig
};

struct ModelInputsSpec {
  std::string model_type;
  Layout layout = Layout::TextEncoder;
  std::vector<std::string> tasks;                    // TasksManager's order, "-with-past" variants included
  std::map<std::string, std::string> aliases;        // normalized name → config path
  std::map<std::string, std::string> attribute_map;  // the config class's attribute_map
  bool token_type_ids = false;                       // BERT-style encoders
  bool position_ids = false;                         // TextDecoderWithPositionIds
  bool position_ids_unless_alibi = false;            // Falcon drops position_ids when config.alibi
  PastKind past = PastKind::Default;
  bool bart = false;  // M2M100OnnxConfig: generators and inputs chosen by task
};

// nullptr when optimum has no ONNX config for the model type.
const ModelInputsSpec* find_inputs_spec(const std::string& model_type);
std::vector<std::string> inputs_model_types();

// The task optimum's TasksManager infers from the architecture's class, if the model type supports it;
// otherwise feature-extraction.
std::string default_task_for_architecture(const std::string& model_type, const std::string& arch);

}  // namespace tinyforge::inputs
