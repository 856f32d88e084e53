// tokenizer.json text as serde_json writes it: float layout (ryu) and pretty/compact structure. The expected
// layouts are what HF tokenizers 0.23.3 writes for the same values.
#include <gtest/gtest.h>

#include "tinyforge/tokenizers/tokenizer.h"

using tinyforge::tokenizers::dump_tokenizer_json;
using tinyforge::tokenizers::OJson;

namespace {
std::string float_text(double v) {
  const std::string s = dump_tokenizer_json(OJson::array({v}));
  return s.substr(1, s.size() - 2);
}
}  // namespace

TEST(SerdeJson, FloatsAsRyuWritesThem) {
  EXPECT_EQ(float_text(-2.0), "-2.0");
  EXPECT_EQ(float_text(0.0), "0.0");
  EXPECT_EQ(float_text(1234.0), "1234.0");
  EXPECT_EQ(float_text(-9.25), "-9.25");
  EXPECT_EQ(float_text(0.0001), "0.0001");
  EXPECT_EQ(float_text(1e-5), "0.00001");
  EXPECT_EQ(float_text(1.5e-5), "0.000015");
  EXPECT_EQ(float_text(-1.5e-7), "-1.5e-7");
  EXPECT_EQ(float_text(1e16), "1e+16");
  EXPECT_EQ(float_text(1.5e16), "1.5e+16");
  EXPECT_EQ(float_text(1e15), "1000000000000000.0");
  EXPECT_EQ(float_text(123456789012345678.0), "1.2345678901234568e+17");
  EXPECT_EQ(float_text(0.1 + 0.2), "0.30000000000000004");  // shortest round trip, not 17 digits
}

TEST(SerdeJson, PrettyAndCompactLayout) {
  const auto j = OJson::parse(R"({"b":[1,[],{}],"a":"x\u0001\n"})");
  EXPECT_EQ(dump_tokenizer_json(j, false), "{\"b\":[1,[],{}],\"a\":\"x\\u0001\\n\"}");
  EXPECT_EQ(dump_tokenizer_json(j, true),
            "{\n  \"b\": [\n    1,\n    [],\n    {}\n  ],\n  \"a\": \"x\\u0001\\n\"\n}");
}
