#include "tinyforge/inputs/tasks.h"

#include <algorithm>

namespace tinyforge::inputs {

namespace {

using Aliases = std::map<std::string, std::string>;

const std::vector<std::string> kTextTasks = {"feature-extraction",  "fill-mask",
                                             "multiple-choice",     "question-answering",
                                             "text-classification", "token-classification"};
const std::vector<std::string> kTextGenerationTasks = {"feature-extraction", "feature-extraction-with-past",
                                                       "text-generation", "text-generation-with-past"};

std::vector<std::string> plus(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// NormalizedTextConfig's upper-case names, then a config's with_args overrides.
Aliases text_aliases(const Aliases& overrides = {}) {
  Aliases a = {{"vocab_size", "vocab_size"},
               {"hidden_size", "hidden_size"},
               {"num_layers", "num_hidden_layers"},
               {"num_attention_heads", "num_attention_heads"},
               {"eos_token_id", "eos_token_id"}};
  for (const auto& [k, v] : overrides) a[k] = v;
  return a;
}

// NormalizedSeq2SeqConfig: its encoder/decoder names are frozen to the base names, whatever with_args says
// about num_attention_heads (they then resolve through the config's attribute_map).
Aliases seq2seq_aliases(const Aliases& overrides) {
  Aliases a = text_aliases();
  a["encoder_num_layers"] = a["decoder_num_layers"] = "num_hidden_layers";
  a["encoder_num_attention_heads"] = a["decoder_num_attention_heads"] = "num_attention_heads";
  for (const auto& [k, v] : overrides) a[k] = v;
  return a;
}

Aliases vision_aliases() {
  return {{"image_size", "image_size"}, {"num_channels", "num_channels"}, {"input_size", "input_size"}};
}

// CLIPNormalizedConfig: text names look in text_config, vision names in vision_config.
Aliases text_and_vision_aliases() {
  Aliases a;
  for (const char* k : {"vocab_size", "hidden_size", "num_layers", "num_attention_heads", "eos_token_id"})
    a[k] = std::string("text_config.") + k;
  for (const char* k : {"image_size", "num_channels", "input_size"}) a[k] = std::string("vision_config.") + k;
  return a;
}

ModelInputsSpec make(std::string model_type, Layout layout, std::vector<std::string> tasks, Aliases aliases,
                     Aliases attribute_map = {}) {
  ModelInputsSpec s;
  s.model_type = std::move(model_type);
  s.layout = layout;
  s.tasks = std::move(tasks);
  s.aliases = std::move(aliases);
  s.attribute_map = std::move(attribute_map);
  return s;
}

std::vector<ModelInputsSpec> build_specs() {
  std::vector<ModelInputsSpec> specs;
  auto add = [&](ModelInputsSpec s) { specs.push_back(std::move(s)); };

  ModelInputsSpec bert = make("bert", Layout::TextEncoder, kTextTasks, text_aliases());
  bert.token_type_ids = true;
  add(bert);
  ModelInputsSpec roberta = make("roberta", Layout::TextEncoder, kTextTasks, text_aliases());
  add(roberta);

  ModelInputsSpec gpt2 = make("gpt2", Layout::TextDecoder,
                              plus(kTextGenerationTasks, {"text-classification", "token-classification"}),
                              text_aliases({{"num_layers", "n_layer"}, {"num_attention_heads", "n_head"}}),
                              {{"hidden_size", "n_embd"},
                               {"max_position_embeddings", "n_positions"},
                               {"num_attention_heads", "n_head"},
                               {"num_hidden_layers", "n_layer"}});
  gpt2.position_ids = true;
  add(gpt2);

  ModelInputsSpec llama =
      make("llama", Layout::TextDecoder, plus(kTextGenerationTasks, {"text-classification"}), text_aliases());
  llama.position_ids = true;
  llama.past = PastKind::Mistral;
  add(llama);
  ModelInputsSpec mistral = llama;
  mistral.model_type = "mistral";
  mistral.aliases["num_key_value_heads"] = "num_key_value_heads";
  add(mistral);
  ModelInputsSpec qwen2 = llama;
  qwen2.model_type = "qwen2";
  qwen2.tasks = plus(kTextGenerationTasks, {"text-classification", "token-classification"});
  qwen2.aliases["num_key_value_heads"] = "num_key_value_heads";  // NormalizedTextConfigWithGQA
  add(qwen2);
  ModelInputsSpec gemma =
      make("gemma", Layout::TextDecoder, plus(kTextGenerationTasks, {"text-classification"}), text_aliases());
  gemma.past = PastKind::Gemma;  // TextDecoderOnnxConfig: no position_ids
  add(gemma);

  // Decoder-only types not in the forging catalog yet: their layouts are checked on transformers' own
  // configs.
  ModelInputsSpec falcon =
      make("falcon", Layout::TextDecoder,
           plus(kTextGenerationTasks, {"question-answering", "token-classification"}), text_aliases());
  falcon.position_ids = falcon.position_ids_unless_alibi = true;
  falcon.past = PastKind::Falcon;
  add(falcon);
  ModelInputsSpec bloom = make("bloom", Layout::TextDecoder,
                               plus(kTextGenerationTasks, {"text-classification", "token-classification"}),
                               text_aliases({{"num_layers", "n_layer"}, {"num_attention_heads", "n_head"}}),
                               {{"num_hidden_layers", "n_layer"}, {"num_attention_heads", "n_head"}});
  bloom.past = PastKind::Bloom;
  add(bloom);
  ModelInputsSpec bigcode = make(
      "gpt_bigcode", Layout::TextDecoder,
      plus(kTextGenerationTasks, {"text-classification", "token-classification"}),
      text_aliases({{"num_layers", "n_layer"}, {"num_attention_heads", "n_head"}, {"hidden_size", "n_embd"}}),
      {{"hidden_size", "n_embd"},
       {"max_position_embeddings", "n_positions"},
       {"num_attention_heads", "n_head"},
       {"num_hidden_layers", "n_layer"}});
  bigcode.position_ids = true;
  bigcode.past = PastKind::GPTBigCode;
  add(bigcode);
  ModelInputsSpec deepseek = make("deepseek_v3", Layout::TextDecoder, kTextGenerationTasks, text_aliases(),
                                  {{"num_local_experts", "n_routed_experts"}});
  deepseek.position_ids = true;
  deepseek.past = PastKind::DeepSeekV3;
  add(deepseek);

  ModelInputsSpec t5 = make("t5", Layout::Seq2SeqText,
                            {"feature-extraction", "feature-extraction-with-past", "text2text-generation",
                             "text2text-generation-with-past"},
                            seq2seq_aliases({{"hidden_size", "d_model"},
                                             {"num_attention_heads", "num_heads"},
                                             {"encoder_num_layers", "num_layers"},
                                             {"decoder_num_layers", "num_decoder_layers"},
                                             {"key_value_dim", "d_kv"}}),
                            {{"hidden_size", "d_model"},
                             {"num_attention_heads", "num_heads"},
                             {"num_hidden_layers", "num_layers"},
                             {"head_dim", "d_kv"}});
  t5.past = PastKind::T5;
  add(t5);

  ModelInputsSpec bart =
      make("bart", Layout::Seq2SeqText,
           plus(plus(kTextGenerationTasks, {"text2text-generation", "text2text-generation-with-past"}),
                {"text-classification", "question-answering"}),
           seq2seq_aliases({{"encoder_num_layers", "encoder_layers"},
                            {"decoder_num_layers", "decoder_layers"},
                            {"num_layers", "decoder_layers"},
                            {"encoder_num_attention_heads", "encoder_attention_heads"},
                            {"decoder_num_attention_heads", "decoder_attention_heads"},
                            {"eos_token_id", "eos_token_id"}}),
           {{"num_attention_heads", "encoder_attention_heads"},
            {"hidden_size", "d_model"},
            {"num_hidden_layers", "encoder_layers"}});
  bart.past = PastKind::Seq2Seq;
  bart.bart = true;
  add(bart);

  ModelInputsSpec whisper =
      make("whisper", Layout::AudioToText,
           {"feature-extraction", "feature-extraction-with-past", "audio-classification",
            "automatic-speech-recognition", "automatic-speech-recognition-with-past"},
           seq2seq_aliases({{"encoder_num_layers", "encoder_layers"},
                            {"decoder_num_layers", "decoder_layers"},
                            {"feature_size", "num_mel_bins"}}),
           {{"num_key_value_heads", "encoder_attention_heads"},
            {"num_attention_heads", "encoder_attention_heads"},
            {"hidden_size", "d_model"},
            {"num_hidden_layers", "encoder_layers"}});
  whisper.past = PastKind::Seq2Seq;
  add(whisper);

  add(make("vit", Layout::Vision, {"feature-extraction", "image-classification", "masked-im"},
           vision_aliases()));
  add(make("resnet", Layout::Vision, {"feature-extraction", "image-classification"}, vision_aliases()));
  add(make("clip", Layout::TextAndVision,
           {"feature-extraction", "zero-shot-image-classification", "image-classification"},
           text_and_vision_aliases()));
  add(make("wav2vec2", Layout::Audio,
           {"feature-extraction", "automatic-speech-recognition", "audio-classification",
            "audio-frame-classification", "audio-xvector"},
           {}));
  return specs;
}

const std::vector<ModelInputsSpec>& specs() {
  static const std::vector<ModelInputsSpec> all = build_specs();
  return all;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

const ModelInputsSpec* find_inputs_spec(const std::string& model_type) {
  for (const auto& s : specs())
    if (s.model_type == model_type) return &s;
  return nullptr;
}

std::vector<std::string> inputs_model_types() {
  std::vector<std::string> out;
  for (const auto& s : specs()) out.push_back(s.model_type);
  std::sort(out.begin(), out.end());
  return out;
}

std::string default_task_for_architecture(const std::string& model_type, const std::string& arch) {
  const ModelInputsSpec* spec = find_inputs_spec(model_type);
  if (!spec) return "";
  // The head's task, as transformers' auto mappings group the heads.
  static const std::vector<std::pair<std::string, std::string>> by_suffix = {
      {"ForCausalLM", "text-generation"},
      {"LMHeadModel", "text-generation"},
      {"ForMaskedLM", "fill-mask"},
      {"ForMultipleChoice", "multiple-choice"},
      {"ForQuestionAnswering", "question-answering"},
      {"ForTokenClassification", "token-classification"},
      {"ForImageClassification", "image-classification"},
      {"ForMaskedImageModeling", "masked-im"},
      {"ForCTC", "automatic-speech-recognition"},
      {"ForAudioClassification", "audio-classification"},
      {"ForAudioFrameClassification", "audio-frame-classification"},
      {"ForXVector", "audio-xvector"},
  };
  std::string task;
  for (const auto& [suffix, t] : by_suffix)
    if (ends_with(arch, suffix)) task = t;
  if (ends_with(arch, "ForSequenceClassification"))
    task = spec->layout == Layout::Audio || spec->layout == Layout::AudioToText ? "audio-classification"
                                                                                : "text-classification";
  // optimum infers the first task whose auto class maps the head: BART's ForConditionalGeneration is also its
  // masked-LM head, and fill-mask comes first (then falls back below, as optimum has no ONNX fill-mask for
  // it).
  if (ends_with(arch, "ForConditionalGeneration"))
    task = spec->layout == Layout::AudioToText ? "automatic-speech-recognition"
           : spec->bart                        ? "fill-mask"
                                               : "text2text-generation";
  if (std::find(spec->tasks.begin(), spec->tasks.end(), task) == spec->tasks.end())
    task = "feature-extraction";
  return task;
}

}  // namespace tinyforge::inputs
