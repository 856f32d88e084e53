// Checkpoint helpers: shard-size parsing as huggingface_hub's parse_size_to_int defines it (decimal units),
// transformers' variant file naming, float casting with overflow detection.
#include <gtest/gtest.h>

#include <cstring>

#include "tinyforge/checkpoint/checkpoint.h"
#include "tinyforge/checkpoint/transform.h"

using namespace tinyforge;

TEST(ShardSize, DecimalUnitsAndPlainBytes) {
  EXPECT_EQ(parse_shard_size("5MB"), 5'000'000u);
  EXPECT_EQ(parse_shard_size("10KB"), 10'000u);
  EXPECT_EQ(parse_shard_size("1.5GB"), 1'500'000'000u);
  EXPECT_EQ(parse_shard_size(" 2gb "), 2'000'000'000u);
  EXPECT_EQ(parse_shard_size("1TB"), 1'000'000'000'000u);
  EXPECT_EQ(parse_shard_size("4096"), 4096u);
}

TEST(ShardSize, RejectsWhatHuggingfaceHubRejects) {
  for (const char* bad : {"", "MB", "10XB", "-1MB", "0", "ten MB", "5 MB extra"})
    EXPECT_THROW(parse_shard_size(bad), CheckpointError) << bad;
}

TEST(Variant, InsertedBeforeTheExtension) {
  EXPECT_EQ(with_variant("model.safetensors", ""), "model.safetensors");
  EXPECT_EQ(with_variant("model.safetensors", "fp16"), "model.fp16.safetensors");
  EXPECT_EQ(with_variant("model.safetensors.index.json", "v2"), "model.safetensors.index.v2.json");
}

namespace {
std::vector<uint8_t> f32_bytes(std::initializer_list<float> values) {
  std::vector<uint8_t> out(values.size() * 4);
  size_t i = 0;
  for (float v : values) std::memcpy(out.data() + 4 * i++, &v, 4);
  return out;
}
}  // namespace

TEST(Cast, HalfRoundTripsRepresentableValues) {
  auto data = f32_bytes({0.0f, 1.0f, -2.5f, 65504.0f, 0.099975586f});
  auto half = convert_float_data(data, DType::F32, DType::F16, "t");
  ASSERT_EQ(half.size(), 10u);
  EXPECT_EQ(convert_float_data(half, DType::F16, DType::F32, "t"), data);  // all exactly representable
}

TEST(Cast, OverflowNamesTheTensorAndTheTarget) {
  auto data = f32_bytes({1.0f, 70000.0f});
  try {
    convert_float_data(data, DType::F32, DType::F16, "lm_head.weight");
    FAIL() << "70000 does not fit float16";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find("lm_head.weight"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("float16"), std::string::npos);
  }
  EXPECT_NO_THROW(convert_float_data(data, DType::F32, DType::BF16, "lm_head.weight"));  // bfloat16 holds it
}

TEST(Cast, UnknownDtypeNamesTheChoices) {
  EXPECT_EQ(float_dtype_from_torch_name("bfloat16"), DType::BF16);
  EXPECT_THROW(float_dtype_from_torch_name("float8"), CheckpointError);
}

TEST(Cast, OnlyFloatDtypesConvert) {
  // Converting into a 1-byte dtype once wrote two bytes per element into a one-byte buffer.
  auto data = f32_bytes({1.0f, 2.0f});
  EXPECT_THROW(convert_float_data(data, DType::F32, DType::I8, "t"), CheckpointError);
  EXPECT_THROW(convert_float_data(data, DType::U8, DType::F32, "t"), CheckpointError);
  EXPECT_FALSE(is_convertible_float(DType::BOOL));
  EXPECT_TRUE(is_convertible_float(DType::BF16));
}
