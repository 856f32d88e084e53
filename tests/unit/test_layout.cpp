// The catalog's expression language against values CPython gives, and the layout interpreter on small
// compiled entries.
#include <gtest/gtest.h>

#include <map>

#include "tinyforge/catalog/config.h"
#include "tinyforge/layout/expression.h"
#include "tinyforge/layout/layout.h"
#include "tinyforge/util/bounds.h"

namespace tinyforge {
namespace {

Json eval(const std::string& text, const Json& env = Json::object()) {
  return Expression(text).evaluate([&](const std::string& n) {
    if (!env.contains(n)) throw ConfigError("unknown name " + n);
    return env[n];
  });
}

TEST(LayoutExpression, PythonArithmetic) {
  EXPECT_EQ(eval("7 // -2"), -4);
  EXPECT_EQ(eval("-7 % 3"), 2);
  EXPECT_EQ(eval("2 ** -1").get<double>(), 0.5);
  EXPECT_EQ(eval("3 ** 3"), 27);
  EXPECT_TRUE(eval("3 ** 3").is_number_integer());
  EXPECT_EQ(eval("10 / 4").get<double>(), 2.5);
  EXPECT_EQ(eval("7.5 // 2").get<double>(), 3.0);
  EXPECT_EQ(eval("-7.5 % 2").get<double>(), 0.5);
  // Bit-identical to CPython's 0.02 / (2 * 3) ** 0.5.
  EXPECT_EQ(eval("0.02 / (2 * 3) ** 0.5").get<double>(), 0.008164965809277261);
  EXPECT_EQ(eval("-2 ** 2"), -4);
  EXPECT_EQ(eval("hidden_size // num_attention_heads", {{"hidden_size", 64}, {"num_attention_heads", 4}}),
            16);
}

TEST(LayoutExpression, LogicComparisonsAndLists) {
  EXPECT_EQ(eval("0 <= 1 < 2"), true);
  EXPECT_EQ(eval("1 < 2 > 3"), false);
  EXPECT_EQ(eval("None or 5"), 5);
  EXPECT_EQ(eval("0 and 5"), 0);
  EXPECT_EQ(eval("x is None", {{"x", nullptr}}), true);
  EXPECT_EQ(eval("x is not None", {{"x", 3}}), true);
  EXPECT_EQ(eval("3 in [1, 2, 3]"), true);
  EXPECT_EQ(eval("'a' not in 'bcd'"), true);
  EXPECT_EQ(eval("[1, 2][-1]"), 2);
  EXPECT_EQ(eval("c.hidden", {{"c", {{"hidden", 8}}}}), 8);
  EXPECT_EQ(eval("['a'] * 3"), Json::parse(R"(["a","a","a"])"));
  EXPECT_EQ(eval("ceil(33 / 16)"), 3);
  EXPECT_EQ(eval("int(2.9)"), 2);
  EXPECT_EQ(eval("max([3, 9, 4])"), 9);
  EXPECT_EQ(eval("len(range(4))"), 4);
  // Gemma2's and Qwen2's layer_types rules.
  EXPECT_EQ(eval("['sliding_attention' if bool((i + 1) % 2) else 'full_attention' for i in range(5)]"),
            Json::parse(R"(["sliding_attention","full_attention","sliding_attention","full_attention",
                            "sliding_attention"])"));
  EXPECT_EQ(eval("['s' if w is not None and i >= m else 'f' for i in range(3)]", {{"w", 4}, {"m", 1}}),
            Json::parse(R"(["f","s","s"])"));
  EXPECT_EQ(eval("[i for i in range(6) if i % 2 == 0]"), Json::parse("[0,2,4]"));
  EXPECT_EQ(eval("sum([3, 4])"), 7);
  // GPT-Neo's attention_types expanded as the compiler inlines its helper: nested sums of lists.
  EXPECT_EQ(eval("sum([sum([list(item[0]) for _ in range(item[1])], []) for item in t], [])",
                 {{"t", Json::parse(R"([[["global", "local"], 2], [["local"], 1]])")}}),
            Json::parse(R"(["global","local","global","local","local"])"));
}

TEST(LayoutExpression, Errors) {
  EXPECT_THROW(eval("1 +"), ConfigError);
  EXPECT_THROW(eval("(1"), ConfigError);
  EXPECT_THROW(eval("1 // 0"), ConfigError);
  EXPECT_THROW(eval("1.0 / 0"), ConfigError);
  EXPECT_THROW(eval("9223372036854775807 + 1"), ConfigError);
  EXPECT_THROW(eval("2 ** 64"), ConfigError);
  EXPECT_THROW(eval("unknown_field"), ConfigError);
  EXPECT_THROW(eval("len(3)"), ConfigError);
  EXPECT_THROW(eval("[1][5]"), ConfigError);
  EXPECT_THROW(eval("range(100000000)"), ConfigError);
  EXPECT_THROW(eval(std::string(500, '(') + "1" + std::string(500, ')')), ConfigError);
  try {
    eval("a // b", {{"a", 1}, {"b", 0}});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("a // b"), std::string::npos);
  }
}

ModelTypeEntry small_entry() {
  ModelTypeEntry e;
  e.model_type = "toy";
  e.derive =
      Json::parse(R"([{"field": "head_dim", "expr": "hidden // heads if head_dim is None else head_dim"}])");
  e.invariants =
      Json::parse(R"([{"expr": "hidden % heads == 0", "message": "hidden must be divisible by heads"}])");
  e.unscalable = Json::parse(R"({"pattern": "layer_types follows it by an inexpressible rule"})");
  ArchitectureEntry a;
  a.name = "ToyModel";
  a.tensors = Json::parse(R"([
    {"name": "embed.weight", "shape": ["vocab", "hidden"], "dtype": "F32", "role": "parameter", "embedding": true,
     "init": {"kind": "normal", "mean": "0.0", "std": "std"}, "zero_rows": ["pad"]},
    {"name": "layers.{i}.attn.weight", "loops": [["i", "layers"]], "if": "kinds[i] == 'full'",
     "shape": ["heads * head_dim", "hidden"], "dtype": "F32", "role": "parameter", "embedding": false,
     "init": {"kind": "uniform", "lo": "-std", "hi": "std"}},
    {"name": "layers.{i}.experts.{j}.w", "loops": [["i", "layers"], ["j", "experts"]], "shape": ["2"],
     "dtype": "F32", "role": "buffer", "embedding": false, "init": {"kind": "constant", "value": "1"}}
  ])");
  e.architectures.push_back(a);
  return e;
}

Json small_config() {
  return Json::parse(R"({"vocab": 10, "hidden": 8, "heads": 2, "head_dim": null, "layers": 3, "experts": 2,
                        "std": 0.02, "pad": -1, "kinds": ["full", "sliding", "full"], "pattern": 2})");
}

TEST(LayoutInterpreter, DeriveLoopsConditionsZeroRows) {
  ModelTypeEntry e = small_entry();
  Json c = small_config();
  finalize_config(e, "ToyModel", c);
  EXPECT_EQ(c["head_dim"], 4);
  auto t = architecture_tensors(e, "ToyModel", c);
  std::vector<std::string> names;
  for (const auto& s : t) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"embed.weight", "layers.0.attn.weight", "layers.2.attn.weight",
                                             "layers.0.experts.0.w", "layers.0.experts.1.w",
                                             "layers.1.experts.0.w", "layers.1.experts.1.w",
                                             "layers.2.experts.0.w", "layers.2.experts.1.w"}));
  EXPECT_EQ(t[0].init.set_rows, (std::vector<std::pair<int64_t, double>>{{9, 0.0}}));  // -1 wraps
  EXPECT_EQ(t[0].init.b, 0.02);
  EXPECT_TRUE(t[0].embedding);
  EXPECT_EQ(t[1].shape, (Shape{8, 8}));
  EXPECT_EQ(t[1].init.kind, Init::Kind::Uniform);
  EXPECT_EQ(t[3].role, TensorRole::Buffer);
}

TEST(LayoutInterpreter, ShapeVariantsAndAliases) {
  // One tensor, two shapes by layer kind (exclusive conditions); a width named by an attribute_map alias.
  ModelTypeEntry e = small_entry();
  e.attribute_map = Json::parse(R"({"num_local_experts": "experts"})");
  e.architectures[0].tensors = Json::parse(R"([
    {"name": "layers.{i}.k.weight", "loops": [["i", "layers"]], "if": "kinds[i] == 'full'",
     "shape": ["2 * hidden", "num_local_experts"], "dtype": "F32", "role": "parameter", "embedding": false,
     "init": {"kind": "constant", "value": "0"}},
    {"name": "layers.{i}.k.weight", "loops": [["i", "layers"]], "if": "kinds[i] != 'full'",
     "shape": ["hidden", "num_local_experts"], "dtype": "F32", "role": "parameter", "embedding": false,
     "init": {"kind": "constant", "value": "0"}}
  ])");
  Json c = small_config();
  finalize_config(e, "ToyModel", c);
  auto t = architecture_tensors(e, "ToyModel", c);
  ASSERT_EQ(t.size(), 3u);
  std::map<std::string, Shape> shapes;
  for (const auto& s : t) shapes[s.name] = s.shape;
  EXPECT_EQ(shapes["layers.0.k.weight"], (Shape{16, 2}));
  EXPECT_EQ(shapes["layers.1.k.weight"], (Shape{8, 2}));
  EXPECT_EQ(shapes["layers.2.k.weight"], (Shape{16, 2}));
}

TEST(LayoutInterpreter, DeriveIntoASubConfig) {
  // The parent's __post_init__ writes into its sub-configs (DBRX's `self.ffn_config.hidden_size =
  // self.d_model`, BLT's global_config.encoder_cross_output_size): rules run in order, a later rule reads
  // what an earlier one set, and the sub-config's other fields stay.
  ModelTypeEntry e = small_entry();
  e.derive = Json::parse(R"([
    {"field": "ffn.hidden", "expr": "hidden"},
    {"field": "ffn.proj", "expr": "ffn.hidden * 2 if ffn.hidden * 2 != ffn.width else None"},
    {"field": "head_dim", "expr": "hidden // heads if head_dim is None else head_dim"}
  ])");
  e.unscalable = Json::parse(R"({"ffn.proj": "derived by a rule the catalog cannot express"})");
  e.architectures[0].tensors = Json::parse(R"([
    {"name": "proj.weight", "if": "ffn.proj is not None", "shape": ["ffn.hidden", "ffn.proj"], "dtype": "F32",
     "role": "parameter", "embedding": false, "init": {"kind": "constant", "value": "0"}}
  ])");
  Json c = small_config();
  c["ffn"] = Json::parse(R"({"model_type": "", "hidden": 99, "width": 16})");
  finalize_config(e, "ToyModel", c);
  EXPECT_EQ(c["ffn"], Json::parse(R"({"model_type": "", "hidden": 8, "width": 16, "proj": null})"));
  EXPECT_EQ(c["head_dim"], 4);
  EXPECT_TRUE(architecture_tensors(e, "ToyModel", c).empty());
  c = small_config();
  c["ffn"] = Json::parse(R"({"model_type": "", "hidden": 99, "width": 12})");
  finalize_config(e, "ToyModel", c);
  auto t = architecture_tensors(e, "ToyModel", c);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].shape, (Shape{8, 16}));
  // A sub-config field named in `unscalable` is refused; its siblings are not.
  EXPECT_THROW(check_scalable(e, "ToyModel", {ConfigOverride{"ffn.proj", 3}}), UserError);
  EXPECT_NO_THROW(check_scalable(e, "ToyModel", {ConfigOverride{"ffn.width", 3}}));
  // A rule on a field of something that is no sub-config is a catalog error, not a crash.
  c = small_config();
  c["ffn"] = 3;
  EXPECT_THROW(finalize_config(e, "ToyModel", c), UserError);
}

TEST(LayoutInterpreter, BadConfigsNameTheProblem) {
  ModelTypeEntry e = small_entry();
  Json c = small_config();
  c["heads"] = 3;
  try {
    finalize_config(e, "ToyModel", c);
    FAIL();
  } catch (const ConfigError& err) {
    EXPECT_NE(std::string(err.what()).find("hidden must be divisible by heads (hidden=8, heads=3)"),
              std::string::npos);
  }
  c = small_config();
  c["pad"] = 10;
  finalize_config(e, "ToyModel", c);
  EXPECT_THROW(architecture_tensors(e, "ToyModel", c), ConfigError);
  c = small_config();
  c["layers"] = 2000000;
  c["kinds"] = Json::array();
  finalize_config(e, "ToyModel", c);
  EXPECT_THROW(architecture_tensors(e, "ToyModel", c), ConfigError);
  try {
    check_scalable(e, "ToyModel", {ConfigOverride{"pattern", 3}});
    FAIL();
  } catch (const UserError& err) {
    EXPECT_NE(std::string(err.what()).find("refused for ToyModel"), std::string::npos);
  }
  EXPECT_NO_THROW(check_scalable(e, "ToyModel", {ConfigOverride{"hidden", 16}}));
}

TEST(LayoutInterpreter, ConfigSizesFollowTheBoundsPolicy) {
  ModelTypeEntry e = small_entry();
  Json c = small_config();
  c["layers"] = 100000;  // once looped (and allocated) up to a million layers
  c["kinds"] = Json::array();
  finalize_config(e, "ToyModel", c);
  try {
    architecture_tensors(e, "ToyModel", c);
    FAIL();
  } catch (const ConfigError& err) {
    EXPECT_NE(std::string(err.what()).find("limit for a count"), std::string::npos) << err.what();
    EXPECT_NE(std::string(err.what()).find("layers=100000"), std::string::npos) << err.what();
  }
  // conv_kernel: [8, 2^63-1, 8] once overflowed the element product.
  try {
    check_tensor_bounds("conv.weight", {8, 9223372036854775807, 8}, 1);
    FAIL();
  } catch (const ConfigError& err) {
    EXPECT_NE(std::string(err.what()).find("'conv.weight' [8, 9223372036854775807, 8]"), std::string::npos);
  }
  EXPECT_THROW(check_tensor_bounds("t", {2}, bounds::kTensors.max + 1), ConfigError);
  EXPECT_NO_THROW(check_tensor_bounds("t", {1 << 15, 1 << 16}, 1));
}

}  // namespace
}  // namespace tinyforge
