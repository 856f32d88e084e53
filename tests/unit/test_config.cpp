#include <gtest/gtest.h>

#include "tinyforge/catalog/catalog.h"
#include "tinyforge/catalog/config.h"
#include "tinyforge/families/family.h"
#include "tinyforge/forge/repository.h"

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

TEST(BertFamily, ShapesFollowTheConfig) {
  const auto& bert = Catalog::instance().get("bert");
  const Family* family = find_family("bert");
  ASSERT_NE(family, nullptr);
  for (auto [h, heads, inter, layers] : {std::tuple{32, 4, 37, 2}, std::tuple{48, 6, 50, 3}}) {
    Json c = resolve_config(bert, "BertForPreTraining",
                            {{"hidden_size", h},
                             {"num_attention_heads", heads},
                             {"intermediate_size", inter},
                             {"num_hidden_layers", layers}});
    family->finalize_config(c, "BertForPreTraining");
    auto specs = family->tensors(c, "BertForPreTraining");
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
