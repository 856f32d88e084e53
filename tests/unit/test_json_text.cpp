// tokenizer.json text as serde_json writes it: float layout (ryu) and pretty/compact structure.
#include <gtest/gtest.h>

#include "tinyforge/tokenizers/json_text.h"

using tinyforge::tokenizers::serde_float;
using tinyforge::tokenizers::serde_json_text;

TEST(SerdeJson, FloatsAsRyuWritesThem) {
  EXPECT_EQ(serde_float(-2.0), "-2.0");
  EXPECT_EQ(serde_float(0.0), "0.0");
  EXPECT_EQ(serde_float(1234.0), "1234.0");
  EXPECT_EQ(serde_float(-9.25), "-9.25");
  EXPECT_EQ(serde_float(0.0001), "0.0001");
  EXPECT_EQ(serde_float(1e-5), "0.00001");  // the layouts below are what HF tokenizers 0.23.3 writes
  EXPECT_EQ(serde_float(1.5e-5), "0.000015");
  EXPECT_EQ(serde_float(-1.5e-7), "-1.5e-7");
  EXPECT_EQ(serde_float(1e16), "1e+16");
  EXPECT_EQ(serde_float(1.5e16), "1.5e+16");
  EXPECT_EQ(serde_float(1e15), "1000000000000000.0");
  EXPECT_EQ(serde_float(123456789012345678.0), "1.2345678901234568e+17");
  EXPECT_EQ(serde_float(1234567890123456.0), "1234567890123456.0");
  EXPECT_EQ(serde_float(0.1 + 0.2), "0.30000000000000004");  // shortest round trip, not 17 digits
}

TEST(SerdeJson, PrettyAndCompactLayout) {
  const auto j = nlohmann::ordered_json::parse(R"({"b":[1,[],{}],"a":"x\u0001\n"})");
  EXPECT_EQ(serde_json_text(j, false), "{\"b\":[1,[],{}],\"a\":\"x\\u0001\\n\"}");
  EXPECT_EQ(serde_json_text(j, true),
            "{\n  \"b\": [\n    1,\n    [],\n    {}\n  ],\n  \"a\": \"x\\u0001\\n\"\n}");
}
