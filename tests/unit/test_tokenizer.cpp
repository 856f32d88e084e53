// Unit checks of the tokenizer.json reader's error policy and invalid-UTF-8 policy (parity lives in
// tests/compat).
#include <gtest/gtest.h>

#include "tinyforge/tokenizers/ordered_json.h"
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
  EXPECT_NE(
      error_of(R"({"model":{"type":"BPE","vocab":{"a":0},"merges":[["a","q"]]}})").find("model.merges[0]"),
      std::string::npos);
  EXPECT_NE(error_of(R"({"model":{"type":"Nope"}})").find("\"Nope\""), std::string::npos);
  EXPECT_NE(
      error_of(R"({"normalizer":{"type":"Strip","strip_left":3},"model":{"type":"WordLevel","vocab":{}}})")
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

TEST(Tokenizer, PrecompiledCharsmapErrorsNameTheField) {
  auto with_map = [](const std::string& map) {
    return error_of(R"({"normalizer":{"type":"Precompiled","precompiled_charsmap":)" + map +
                    R"(},"model":{"type":"WordLevel","vocab":{"<unk>":0},"unk_token":"<unk>"}})");
  };
  EXPECT_NE(with_map("\"not base64!\"").find("normalizer.precompiled_charsmap: not valid base64"),
            std::string::npos);
  EXPECT_NE(with_map("\"AAE=\"").find("too short"), std::string::npos);  // 2 bytes
  // A trie claiming 4096 bytes in an 8-byte blob.
  EXPECT_NE(with_map("\"ABAAAAAAAAA=\"").find("does not fit"), std::string::npos);
  EXPECT_NE(with_map("3").find("expected a base64 string"), std::string::npos);
}

TEST(Tokenizer, TruncationErrorsAsHf) {
  Tokenizer t = Tokenizer::from_json(kWordLevel);
  t.truncation = tinyforge::tokenizers::Truncation{"Right", 2, "OnlySecond", 0};
  EXPECT_THROW(t.encode("a b a"), TokenizerError);  // no second sequence
  EXPECT_EQ(t.encode("a", std::string_view("b a b")).ids, (std::vector<uint32_t>{1, 2}));
  t.truncation->strategy = "OnlyFirst";
  EXPECT_THROW(t.encode("a", std::string_view("b a")), TokenizerError);  // the first is too short to cut
  t.truncation = tinyforge::tokenizers::Truncation{"Right", 2, "LongestFirst", 3};
  EXPECT_THROW(t.check_truncation(*t.truncation), TokenizerError);  // HF's enable_truncation refuses it
  t.truncation->stride = 2;
  EXPECT_NO_THROW(t.check_truncation(*t.truncation));
  EXPECT_THROW(t.encode("a b a"), TokenizerError);  // but no window can advance
  t.truncation->stride = 1;
  auto e = t.encode("a b a b");
  EXPECT_EQ(e.ids, (std::vector<uint32_t>{1, 2}));
  ASSERT_EQ(e.overflowing.size(), 2u);  // windows [b a] and [a b]
  EXPECT_EQ(e.overflowing[1].ids, (std::vector<uint32_t>{1, 2}));
}

TEST(Tokenizer, BatchPadsToTheLongest) {
  Tokenizer t = Tokenizer::from_json(kWordLevel);
  t.padding = tinyforge::tokenizers::Padding{};
  t.padding->pad_to_multiple_of = 3;
  auto batch = t.encode_batch({{"a", std::nullopt}, {"a b a b", std::nullopt}});
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0].ids.size(), 6u);
  EXPECT_EQ(batch[1].ids.size(), 6u);
  EXPECT_EQ(batch[0].attention_mask, (std::vector<uint32_t>{1, 0, 0, 0, 0, 0}));
}

TEST(Tokenizer, VocabIdsAreRangeChecked) {
  auto vocab = [](const std::string& id) {
    return R"({"model":{"type":"WordLevel","vocab":{"<unk>":0,"hello":)" + id + R"(},"unk_token":"<unk>"}})";
  };
  // u32 max once wrapped the table size to 0 (segfault); 2^32+5 became id 5; 2^31-1 allocated 2^31 entries.
  for (const char* id : {"4294967295", "4294967301", "2147483000", "65538"})
    EXPECT_NE(error_of(vocab(id)).find("model.vocab[\"hello\"]: id"), std::string::npos) << id;
  EXPECT_NE(error_of(vocab("-1")).find("non-negative integer"), std::string::npos);
  EXPECT_NE(error_of(vocab("1.5")).find("non-negative integer"), std::string::npos);
  EXPECT_EQ(error_of(vocab("65537")), "");  // a hole below the entries + kIdGap is fine
  EXPECT_NE(
      error_of(R"({"model":{"type":"Unigram","unk_id":4294967296,"vocab":[["a",0.0]]}})").find("unk_id"),
      std::string::npos);
}

TEST(OrderedJson, ParsesAsNlohmannInLinearTime) {
  using tinyforge::tokenizers::OJson;
  using tinyforge::tokenizers::parse_ordered_json;
  const std::string text =
      R"({"z":1,"a":[true,null,-2,3.5,{"k":"v"}],"m":{"y":1,"x":2,"y":3},"big":1e308,"u":18446744073709551615})";
  const OJson ours = parse_ordered_json(text, "t.json");
  EXPECT_EQ(ours,
            OJson::parse(text));  // same values, same key order; a repeated key: first place, last value
  EXPECT_EQ(ours.dump(), OJson::parse(text).dump());
  EXPECT_EQ(ours["m"].dump(), R"({"y":3,"x":2})");
  EXPECT_TRUE(ours["a"][2].is_number_integer());
  EXPECT_TRUE(ours["u"].is_number_unsigned());

  for (const char* bad : {"{\"a\":", "[1,]", "{} x", "1e999", ""}) {
    try {
      parse_ordered_json(bad, "bad.json");
      ADD_FAILURE() << bad;
    } catch (const TokenizerError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("bad.json is not valid JSON: ", 0), 0u) << e.what();
    }
  }

  // A 200k-key object: quadratic insertion would take minutes (seconds under ASan even at this size).
  std::string vocab = "{";
  for (int i = 0; i < 200000; ++i)
    vocab += (i ? ",\"t" : "\"t") + std::to_string(i) + "\":" + std::to_string(i);
  vocab += "}";
  const OJson big = parse_ordered_json(vocab, "vocab.json");
  ASSERT_EQ(big.size(), 200000u);
  EXPECT_EQ(big.begin().key(), "t0");
  EXPECT_EQ(big["t199999"], 199999);
}
