#include <gtest/gtest.h>

#include <cmath>

#include "tinyforge/util/json.h"

using namespace tinyforge;

TEST(PyFloatRepr, MatchesPythonRepr) {
  // Expected strings are Python's repr() of the same doubles.
  EXPECT_EQ(py_float_repr(0.02), "0.02");
  EXPECT_EQ(py_float_repr(1e-12), "1e-12");
  EXPECT_EQ(py_float_repr(1e-05), "1e-05");
  EXPECT_EQ(py_float_repr(0.0001), "0.0001");
  EXPECT_EQ(py_float_repr(10000.0), "10000.0");
  EXPECT_EQ(py_float_repr(1.0), "1.0");
  EXPECT_EQ(py_float_repr(-2.5), "-2.5");
  EXPECT_EQ(py_float_repr(1e16), "1e+16");
  EXPECT_EQ(py_float_repr(1234567890123456.0), "1234567890123456.0");
  EXPECT_EQ(py_float_repr(1.5e-7), "1.5e-07");
  EXPECT_EQ(py_float_repr(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(py_float_repr(123.456), "123.456");
  EXPECT_EQ(py_float_repr(-0.0), "-0.0");
  EXPECT_EQ(py_float_repr(1e100), "1e+100");
}

TEST(PyJsonDumps, IndentSortAndTypes) {
  Json j = Json::parse(R"({"b": [1, 2.0, true, null], "a": {}, "c": [], "d": {"x": "y"}})");
  EXPECT_EQ(
      py_json_dumps(j),
      "{\n  \"a\": {},\n  \"b\": [\n    1,\n    2.0,\n    true,\n    null\n  ],\n  \"c\": [],\n  \"d\": {\n"
      "    \"x\": \"y\"\n  }\n}");
}

TEST(PyJsonDumps, CompactUsesPythonSeparators) {
  Json j = Json::parse(R"({"a": [1, 2], "b": "c"})");
  EXPECT_EQ(py_json_dumps(j, {-1, true}), "{\"a\": [1, 2], \"b\": \"c\"}");
}

TEST(PyJsonDumps, EnsureAsciiEscapesLikePython) {
  Json j = "é😀\n\x01";
  EXPECT_EQ(py_json_dumps(j), "\"\\u00e9\\ud83d\\ude00\\n\\u0001\"");
  EXPECT_EQ(py_json_dumps(j, {2, false}), "\"é😀\\n\\u0001\"");
}

TEST(ParseJson, NamesTheSource) {
  try {
    parse_json("{bad", "config.json");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("config.json"), std::string::npos);
  }
}

TEST(ParseJson, ReadsPythonsNonFiniteTokens) {
  // As Python's json.dumps writes Mamba-2's time_step_limit; inside strings the words stay text.
  Json j = parse_json(R"({"a": [0.0, Infinity], "b": -Infinity, "c": NaN, "d": "Infinity \" NaN"})",
                      "config.json");
  EXPECT_TRUE(std::isinf(j["a"][1].get<double>()) && j["a"][1].get<double>() > 0);
  EXPECT_TRUE(std::isinf(j["b"].get<double>()) && j["b"].get<double>() < 0);
  EXPECT_TRUE(std::isnan(j["c"].get<double>()));
  EXPECT_EQ(j["d"], "Infinity \" NaN");
  EXPECT_EQ(py_json_dumps(j["a"], {-1, true}), "[0.0, Infinity]");
}
