// Unit checks of the tokenizer.json reader's error policy and invalid-UTF-8 policy (parity lives in tests/compat).
#include <gtest/gtest.h>

#include "tinyforge/tokenizers/tokenizer.h"

using tinyforge::tokenizers::Tokenizer;
using tinyforge::tokenizers::TokenizerError;

namespace {

std::string error_of(const std::string& json) {
  try {
    Tokenizer::from_json(json);
  } catch (const TokenizerError& e) {
    return e.what();
  }
  return "";
}

const char* kWordLevel =
    R"({"version":"1.0","added_tokens":[],"pre_tokenizer":{"type":"WhitespaceSplit"},)"
    R"("model":{"type":"WordLevel","vocab":{"<unk>":0,"a":1,"b":2},"unk_token":"<unk>"}})";

}  // namespace

TEST(Tokenizer, MalformedJsonNamesThePath) {
  EXPECT_NE(error_of(R"({"model":{"type":"BPE","vocab":{"a":0},"merges":[["a","q"]]}})").find("model.merges[0]"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"model":{"type":"Nope"}})").find("\"Nope\""), std::string::npos);
  EXPECT_NE(error_of(R"({"normalizer":{"type":"Strip","strip_left":3},"model":{"type":"WordLevel","vocab":{}}})")
                .find("normalizer.strip_left"),
            std::string::npos);
  EXPECT_NE(error_of("{not json").find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of(R"({"version":"2.0","model":{}})").find("version"), std::string::npos);
}

TEST(Tokenizer, InvalidUtf8IsReplacedNotFatal) {
  Tokenizer t = Tokenizer::from_json(kWordLevel);
  auto e = t.encode(std::string("a \xff\xfe b"));
  ASSERT_EQ(e.ids.size(), 3u);
  EXPECT_EQ(e.ids[0], 1u);
  EXPECT_EQ(e.ids[1], 0u);  // the U+FFFD pair is unknown
  EXPECT_EQ(e.ids[2], 2u);
}

TEST(Tokenizer, ToJsonRoundTrips) {
  Tokenizer t = Tokenizer::from_json(kWordLevel);
  std::string once = t.to_json();
  EXPECT_EQ(Tokenizer::from_json(once).to_json(), once);
  EXPECT_EQ(once.rfind(R"({"version":"1.0","truncation":null,"padding":null,"added_tokens":[])", 0), 0u);
}
