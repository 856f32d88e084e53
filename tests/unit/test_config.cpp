#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tinyforge/catalog/catalog.h"
#include "tinyforge/catalog/config.h"
#include "tinyforge/families/family.h"
#include "tinyforge/forge/repository.h"
#include "tinyforge/layout/layout.h"
#include "tinyforge/util/json.h"

using namespace tinyforge;

namespace {
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}
const TensorSpec* find(const std::vector<TensorSpec>& specs, const std::string& name) {
  for (const auto& s : specs)
    if (s.name == name) return &s;
  return nullptr;
}
}  // namespace

TEST(Overrides, ParseJsonOrString) {
  EXPECT_EQ(parse_override("hidden_size=64").value, Json(64));
  EXPECT_EQ(parse_override("hidden_act=gelu").value, Json("gelu"));
  EXPECT_EQ(parse_override("depths=[1,2]").value, Json::parse("[1,2]"));
  EXPECT_EQ(parse_override("a.b=1.5").key, "a.b");
  EXPECT_THROW(parse_override("novalue"), UserError);
}

TEST(Catalog, UnknownModelTypeNamesTheNearest) {
  std::string msg = error_of([] { Catalog::instance().get("bertt"); });
  EXPECT_NE(msg.find("unknown model type 'bertt'"), std::string::npos);
  EXPECT_NE(msg.find("'bert'"), std::string::npos);
}

TEST(Config, UnknownSetKeySuggestsFields) {
  const auto& bert = Catalog::instance().get("bert");
  std::string msg = error_of([&] { resolve_config(bert, "BertModel", {parse_override("hiden_size=64")}); });
  EXPECT_NE(msg.find("no field 'hiden_size'"), std::string::npos);
  EXPECT_NE(msg.find("hidden_size"), std::string::npos);
}

TEST(Config, FloatFieldsStayFloats) {
  const auto& bert = Catalog::instance().get("bert");
  Json c = resolve_config(bert, "BertModel", {parse_override("initializer_range=1")});
  EXPECT_TRUE(c["initializer_range"].is_number_float());
}

TEST(Config, DecoderHeadsBecomeDecoders) {
  const auto& bert = Catalog::instance().get("bert");
  EXPECT_EQ(resolve_config(bert, "BertLMHeadModel", {})["is_decoder"], true);
  EXPECT_EQ(resolve_config(bert, "BertModel", {})["is_decoder"], false);
}

TEST(ConfigJson, WritesTheDiffAgainstDefaults) {
  const auto& bert = Catalog::instance().get("bert");
  Json c = resolve_config(bert, "BertModel", {});
  Json written = Json::parse(config_json_text(bert, "BertModel", c));
  EXPECT_EQ(written["architectures"], Json::array({"BertModel"}));
  EXPECT_EQ(written["dtype"], "float32");
  EXPECT_EQ(written["model_type"], "bert");
  EXPECT_EQ(written["transformers_version"], kTransformersVersion);
  EXPECT_FALSE(written.contains("return_dict"));           // equal to the PreTrainedConfig default
  EXPECT_FALSE(written.contains("output_hidden_states"));  // likewise
  EXPECT_FALSE(written.contains("id2label"));
  EXPECT_EQ(written["hidden_size"], c["hidden_size"]);  // not a base field: always written
  Json relabelled = c;
  relabelled["id2label"] = {{"0", "A"}, {"1", "B"}, {"2", "C"}};
  EXPECT_TRUE(Json::parse(config_json_text(bert, "BertModel", relabelled)).contains("id2label"));
}

TEST(ConfigJson, NonFiniteFloatsAreTaggedAsTransformersWritesThem) {
  const auto& mamba2 = Catalog::instance().get("mamba2");
  Json c = resolve_config(mamba2, "Mamba2Model", {});
  c["time_step_limit"] = Json::array({0.0, std::numeric_limits<double>::infinity()});
  Json written = parse_json(config_json_text(mamba2, "Mamba2Model", c), "config.json");
  EXPECT_EQ(written["time_step_limit"][1], Json({{"__float__", "Infinity"}}));
  Json back = config_from_saved(mamba2, written);
  EXPECT_TRUE(std::isinf(back["time_step_limit"][1].get<double>()));
}

TEST(ConfigJson, SubConfigWithNoDictDefaultIsWrittenWhole) {
  // MptConfig declares attn_config = None, so to_diff_dict writes all of it (not a diff against defaults).
  const auto& mpt = Catalog::instance().get("mpt");
  Json c = resolve_config(mpt, "MptModel", {});
  Json written = Json::parse(config_json_text(mpt, "MptModel", c));
  EXPECT_TRUE(written["attn_config"].contains("alibi_bias_max"));
  EXPECT_TRUE(written["attn_config"].contains("output_hidden_states"));
}

TEST(Config, AnAliasSetsTheFieldItStandsFor) {
  const auto& gpt2 = Catalog::instance().get("gpt2");
  auto overrides = overrides_for(gpt2, {parse_override("num_hidden_layers=3")});
  ASSERT_EQ(overrides.size(), 1u);
  EXPECT_EQ(overrides[0].key, "n_layer");
  EXPECT_EQ(resolve_config(gpt2, "GPT2Model", overrides)["n_layer"], 3);
}

// The compiled layout (and BERT's hand-written invariants) at two configs: no shape is fixed.
TEST(BertLayout, ShapesFollowTheConfig) {
  const auto& bert = Catalog::instance().get("bert");
  for (auto [h, heads, inter, layers] : {std::tuple{32, 4, 37, 2}, std::tuple{48, 6, 50, 3}}) {
    Json c = resolve_config(bert, "BertForPreTraining",
                            {{"hidden_size", h},
                             {"num_attention_heads", heads},
                             {"intermediate_size", inter},
                             {"num_hidden_layers", layers}});
    finalize_config(bert, "BertForPreTraining", c);
    auto specs = architecture_tensors(bert, "BertForPreTraining", c);
    const int64_t vocab = c["vocab_size"];
    ASSERT_NE(find(specs, "bert.encoder.layer.0.intermediate.dense.weight"), nullptr);
    EXPECT_EQ(find(specs, "bert.encoder.layer.0.intermediate.dense.weight")->shape, (Shape{inter, h}));
    EXPECT_EQ(find(specs, "bert.embeddings.word_embeddings.weight")->shape, (Shape{vocab, h}));
    EXPECT_NE(find(specs, "bert.encoder.layer." + std::to_string(layers - 1) + ".output.dense.weight"),
              nullptr);
    EXPECT_EQ(find(specs, "bert.encoder.layer." + std::to_string(layers) + ".output.dense.weight"), nullptr);
    EXPECT_EQ(find(specs, "cls.predictions.decoder.weight"), nullptr);  // tied to the word embeddings
    EXPECT_EQ(find(specs, "cls.seq_relationship.weight")->shape, (Shape{2, h}));
  }
}

TEST(BertFamily, InvariantNamesFieldAndRule) {
  const auto& bert = Catalog::instance().get("bert");
  Json c = resolve_config(bert, "BertModel", {{"hidden_size", 30}});
  std::string msg = error_of([&] { find_family("bert")->finalize_config(c, "BertModel"); });
  EXPECT_NE(msg.find("'hidden_size' (30) must be divisible by 'num_attention_heads' (4)"), std::string::npos)
      << msg;
}

TEST(Repository, DeterministicAndSeedSensitive) {
  const auto& bert = Catalog::instance().get("bert");
  RepositoryRequest r{&bert, "BertModel", {}, 7};
  auto a = render_repository(r).files, b = render_repository(r).files;
  EXPECT_EQ(a, b);
  r.seed = 8;
  auto c = render_repository(r).files;
  EXPECT_NE(a["model.safetensors"], c["model.safetensors"]);
  EXPECT_EQ(a["config.json"], c["config.json"]);
}
