#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <set>

#include "tinyforge/catalog/catalog.h"
#include "tinyforge/formats/safetensors.h"
#include "tinyforge/inputs/dummy_inputs.h"
#include "tinyforge/inputs/tasks.h"

namespace tinyforge::embedded_inputs {
const std::vector<std::pair<std::string_view, std::string_view>>& files();
}

using namespace tinyforge;
using namespace tinyforge::inputs;

namespace {

int64_t int_at(const DummyTensor& t, size_t i) {
  if (t.dtype == DType::I64) {
    int64_t v;
    std::memcpy(&v, &t.data[i * 8], 8);
    return v;
  }
  if (t.dtype == DType::I32) {
    int32_t v;
    std::memcpy(&v, &t.data[i * 4], 4);
    return v;
  }
  return static_cast<int8_t>(t.data[i]);
}

float float_at(const DummyTensor& t, size_t i) {
  uint16_t h;
  switch (t.dtype) {
    case DType::F16:
      std::memcpy(&h, &t.data[i * 2], 2);
      return f16_to_float(h);
    case DType::BF16:
      std::memcpy(&h, &t.data[i * 2], 2);
      return bf16_to_float(h);
    default: {
      float f;
      std::memcpy(&f, &t.data[i * 4], 4);
      return f;
    }
  }
}

Json gpt2_config() {
  return Json{{"model_type", "gpt2"}, {"vocab_size", 99}, {"n_embd", 32}, {"n_layer", 2}, {"n_head", 4}};
}

}  // namespace

TEST(NormalizedConfig, AliasesPathsAndAttributeMap) {
  Json config{{"n_layer", 3}, {"text_config", {{"vocab_size", 7}}}, {"n_embd", 48}, {"hidden_size", nullptr}};
  NormalizedConfig nc(config, {{"num_layers", "n_layer"}, {"vocab_size", "text_config.vocab_size"}},
                      {{"hidden_size", "n_embd"}});
  EXPECT_EQ(nc.get_int("num_layers"), 3);
  EXPECT_EQ(nc.get_int("vocab_size"), 7);
  EXPECT_EQ(nc.get_int("hidden_size"), 48);  // null counts as missing, then attribute_map
  EXPECT_FALSE(nc.has("head_dim"));
  EXPECT_THROW(nc.get_int("head_dim"), UserError);
}

TEST(Generators, MaskIsRightPaddedOnceForEveryRow) {
  for (uint64_t seed = 0; seed < 50; ++seed) {
    DummyTensor m = random_mask_tensor("attention_mask", {3, 2, 5}, DType::I64, seed, "sequence_length");
    int64_t ones = 0;
    while (ones < 5 && int_at(m, ones) == 1) ++ones;
    ASSERT_GE(ones, 1);
    ASSERT_LE(ones, 4);
    for (size_t i = 0; i < 30; ++i) EXPECT_EQ(int_at(m, i), (int64_t(i % 5) < ones) ? 1 : 0);
  }
  EXPECT_THROW(random_mask_tensor("attention_mask", {2, 1}, DType::I64, 0, "sequence_length"), UserError);
}

TEST(Generators, IntegerBoundsAreExclusive) {
  DummyTensor t = random_int_tensor("input_ids", {4, 100}, 7, 2, DType::I32, 1);
  bool saw_low = false, saw_high = false;
  for (size_t i = 0; i < 400; ++i) {
    int64_t v = int_at(t, i);
    ASSERT_GE(v, 2);
    ASSERT_LT(v, 7);
    saw_low |= v == 2;
    saw_high |= v == 6;
  }
  EXPECT_TRUE(saw_low && saw_high);
  EXPECT_THROW(random_int_tensor("input_ids", {2}, 300, 0, DType::I8, 0), UserError);
  EXPECT_THROW(random_int_tensor("x", {2}, 0, 0, DType::I64, 0), UserError);
}

TEST(Generators, FloatUpperBoundStaysExclusiveAfterRounding) {
  for (DType d : {DType::F32, DType::F16, DType::BF16}) {
    DummyTensor t = random_float_tensor("x", {20000}, -1, 1, d, 5);
    float lo = 1, hi = -1;
    for (size_t i = 0; i < 20000; ++i) {
      lo = std::min(lo, float_at(t, i));
      hi = std::max(hi, float_at(t, i));
    }
    EXPECT_GE(lo, -1.0f);
    EXPECT_LT(hi, 1.0f);
    EXPECT_GT(hi, 0.9f);
  }
}

TEST(Generators, FloatValuesAreAFunctionOfSeedNameAndIndex) {
  // Counter-based: a shorter tensor (odd length too) is a prefix of a longer one with the same name and seed;
  // another seed or name gives other values; every value is a multiple of 2^-23 in [-1, 1) (24-bit draws).
  DummyTensor full = random_float_tensor("input_features", {1001}, -1, 1, DType::F32, 3);
  for (int64_t n : {1, 2, 7, 1000}) {
    DummyTensor part = random_float_tensor("input_features", {n}, -1, 1, DType::F32, 3);
    ASSERT_EQ(part.data.size(), static_cast<size_t>(n) * 4);
    EXPECT_EQ(std::memcmp(part.data.data(), full.data.data(), part.data.size()), 0) << n;
  }
  EXPECT_NE(random_float_tensor("input_features", {1001}, -1, 1, DType::F32, 4).data, full.data);
  EXPECT_NE(random_float_tensor("input_values", {1001}, -1, 1, DType::F32, 3).data, full.data);
  std::set<float> distinct;
  for (size_t i = 0; i < 1001; ++i) {
    const float v = float_at(full, i);
    EXPECT_EQ(v * 8388608.0f, std::floor(v * 8388608.0f)) << v;
    distinct.insert(v);
  }
  EXPECT_GT(distinct.size(), 990u);
}

TEST(Generators, PaddingAppendsOnesAndWidensNarrowInts) {
  DummyTensor m = random_mask_tensor("attention_mask", {2, 4}, DType::I32, 0, "sequence_length");
  pad_with_ones(m, 1, 7);
  ASSERT_EQ(m.shape, (Shape{2, 7}));
  EXPECT_EQ(m.dtype, DType::I64);
  for (size_t r = 0; r < 2; ++r)
    for (size_t c = 4; c < 7; ++c) EXPECT_EQ(int_at(m, r * 7 + c), 1);
}

TEST(DummyInputs, DecoderWithPastLayout) {
  InputsRequest req;
  req.task = "text-generation-with-past";
  DummyInputs d = generate_dummy_inputs(gpt2_config(), req);
  std::vector<std::string> names;
  for (const auto& t : d.tensors) names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{"input_ids", "attention_mask", "position_ids",
                                             "past_key_values.0.key", "past_key_values.0.value",
                                             "past_key_values.1.key", "past_key_values.1.value"}));
  EXPECT_EQ(d.tensors[1].shape, (Shape{2, 32}));
  EXPECT_EQ(d.tensors[3].shape, (Shape{2, 4, 16, 8}));
  EXPECT_EQ(d.tensors[1].dynamic_axes.at(1), "past_sequence_length + sequence_length");
}

TEST(DummyInputs, Seq2SeqDecoderWithPastTakesOneNewToken) {
  Json t5{{"model_type", "t5"}, {"vocab_size", 99}, {"d_model", 32},           {"d_kv", 8},
          {"num_heads", 4},     {"num_layers", 2},  {"num_decoder_layers", 3}, {"is_encoder_decoder", true}};
  InputsRequest req;
  req.task = "text2text-generation";
  req.with_past = true;
  req.shapes = {{"sequence_length", 5}};
  DummyInputs d = generate_dummy_inputs(t5, req);
  EXPECT_EQ(d.behavior, "decoder");
  EXPECT_EQ(d.tensors[0].name, "encoder_outputs");
  EXPECT_EQ(d.tensors[0].shape, (Shape{2, 5, 32}));
  EXPECT_EQ(d.tensors[2].name, "decoder_input_ids");
  EXPECT_EQ(d.tensors[2].shape, (Shape{2, 1}));
  EXPECT_EQ(d.tensors.size(), 3u + 3 * 4);
  EXPECT_EQ(d.tensors.back().name, "past_key_values.2.encoder.value");
  EXPECT_EQ(d.tensors.back().shape, (Shape{2, 4, 5, 8}));
}

TEST(DummyInputs, SameSeedSameBytes) {
  InputsRequest req;
  req.task = "feature-extraction";
  auto a = dummy_inputs_safetensors(generate_dummy_inputs(gpt2_config(), req));
  auto b = dummy_inputs_safetensors(generate_dummy_inputs(gpt2_config(), req));
  req.seed = 1;
  auto c = dummy_inputs_safetensors(generate_dummy_inputs(gpt2_config(), req));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(safetensors_parse(a).tensors.size(), 3u);
}

TEST(DummyInputs, BadInputNamesTheProblem) {
  InputsRequest req;
  req.task = "image-classification";
  try {
    generate_dummy_inputs(gpt2_config(), req);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("supported tasks: feature-extraction"), std::string::npos);
  }
  req.task = "feature-extraction";
  req.shapes = {{"batch_size", -1}};
  EXPECT_THROW(generate_dummy_inputs(gpt2_config(), req), UserError);
  Json unknown{{"model_type", "mamba"}};
  EXPECT_THROW(generate_dummy_inputs(unknown, req), UserError);
}

TEST(Tasks, DefaultTaskFollowsTheHead) {
  EXPECT_EQ(default_task_for_architecture("gpt2", "GPT2LMHeadModel"), "text-generation");
  EXPECT_EQ(default_task_for_architecture("gpt2", "GPT2ForQuestionAnswering"), "feature-extraction");
  EXPECT_EQ(default_task_for_architecture("whisper", "WhisperForConditionalGeneration"),
            "automatic-speech-recognition");
  EXPECT_EQ(default_task_for_architecture("wav2vec2", "Wav2Vec2ForSequenceClassification"),
            "audio-classification");
}

TEST(DummyInputs, PastLayoutsOfOtherDecoders) {
  InputsRequest req;
  req.task = "text-generation-with-past";
  Json falcon{
      {"model_type", "falcon"},   {"vocab_size", 99},  {"hidden_size", 32},   {"num_hidden_layers", 1},
      {"num_attention_heads", 4}, {"num_kv_heads", 2}, {"multi_query", true}, {"alibi", true}};
  DummyInputs f = generate_dummy_inputs(falcon, req);
  EXPECT_EQ(f.tensors.size(), 4u);  // alibi: no position_ids
  EXPECT_EQ(f.tensors[2].shape, (Shape{2, 1, 16, 8}));
  Json deepseek{{"model_type", "deepseek_v3"}, {"vocab_size", 99},         {"hidden_size", 32},
                {"num_hidden_layers", 1},      {"num_attention_heads", 4}, {"qk_rope_head_dim", 4},
                {"qk_nope_head_dim", 8},       {"v_head_dim", 6}};
  DummyInputs d = generate_dummy_inputs(deepseek, req);
  EXPECT_EQ(d.tensors[3].shape, (Shape{2, 4, 16, 12}));
  EXPECT_EQ(d.tensors[4].shape, (Shape{2, 4, 16, 6}));
}

TEST(Tasks, CompiledFactsNameOnlyImplementedGenerators) {
  // Every generator class the compiled optimum facts name is implemented, but decision_transformer's (its
  // architecture is not forged); a type using it is refused with the class named.
  std::vector<std::string> missing;
  for (const std::string& model_type : inputs_model_types())
    for (const TaskInputs& task : find_inputs_spec(model_type)->tasks)
      for (const auto& g : task.monolith.generators)
        if (!generator_implemented(g)) missing.push_back(model_type + ":" + g);
  ASSERT_FALSE(missing.empty());
  for (const auto& m : missing) EXPECT_EQ(m, "decision_transformer:DummyDecisionTransformerInputGenerator");
  InputsRequest req;
  req.task = "feature-extraction";
  try {
    generate_dummy_inputs(Json{{"model_type", "decision_transformer"}}, req);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("DummyDecisionTransformerInputGenerator"), std::string::npos);
  }
}

TEST(Tasks, LazyFactsMatchTheWholeFile) {
  // find_inputs_spec scans the embedded facts and parses one model type's entry on demand: the model types
  // and each one's tasks, aliases and generators equal a parse of the whole file.
  const Json facts = [] {
    for (const auto& [name, text] : tinyforge::embedded_inputs::files())
      if (name == "optimum_inputs.json") return parse_json(std::string(text), "optimum_inputs.json");
    return Json();
  }();
  std::vector<std::string> types;
  for (const auto& [model_type, entry] : facts.at("model_types").items()) types.push_back(model_type);
  ASSERT_EQ(inputs_model_types(), types);
  for (const auto& [model_type, entry] : facts.at("model_types").items()) {
    const ModelInputsSpec* spec = find_inputs_spec(model_type);
    ASSERT_NE(spec, nullptr) << model_type;
    EXPECT_EQ(spec, find_inputs_spec(model_type));  // parsed once
    EXPECT_EQ(spec->onnx_config, entry.at("onnx_config").get<std::string>());
    EXPECT_EQ(spec->aliases, (entry.at("aliases").get<std::map<std::string, std::string>>()));
    ASSERT_EQ(spec->tasks.size(), entry.at("tasks").size());
    for (size_t i = 0; i < spec->tasks.size(); ++i) {
      EXPECT_EQ(spec->tasks[i].task, entry["tasks"][i].at("task").get<std::string>());
      EXPECT_EQ(spec->tasks[i].monolith.generators,
                entry["tasks"][i].at("generators").get<std::vector<std::string>>());
    }
  }
  EXPECT_EQ(find_inputs_spec("no_such_type"), nullptr);
}

TEST(DummyInputs, ConditionsFallBackToTheClassDefault) {
  // Falcon's position_ids exist unless alibi; a config.json without the field has the class default (False).
  Json falcon{{"model_type", "falcon"}, {"vocab_size", 99},         {"hidden_size", 32},
              {"num_hidden_layers", 1}, {"num_attention_heads", 4}, {"num_kv_heads", 4}};
  InputsRequest req;
  req.task = "text-generation";
  std::vector<std::string> names;
  for (const auto& t : generate_dummy_inputs(falcon, req).tensors) names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{"input_ids", "attention_mask", "position_ids"}));
  // A seq2seq cache task on a decoder-only config stays the whole model (TrOCR is not encoder-decoder).
  Json trocr{{"model_type", "trocr"},
             {"vocab_size", 99},
             {"d_model", 32},
             {"decoder_layers", 2},
             {"decoder_attention_heads", 4}};
  req.task = "feature-extraction-with-past";
  DummyInputs d = generate_dummy_inputs(trocr, req);
  EXPECT_EQ(d.behavior, "monolith");
  EXPECT_EQ(d.tensors.size(), 3u);
}
