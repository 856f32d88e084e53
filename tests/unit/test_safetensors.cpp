#include <gtest/gtest.h>

#include <cstring>

#include "tinyforge/formats/safetensors.h"

using namespace tinyforge;

namespace {
std::string with_header(const std::string& header, const std::string& data) {
  std::string out;
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out += static_cast<char>((n >> (8 * i)) & 0xFF);
  return out + header + data;
}
SafetensorsEntry f32(const std::string& name, Shape shape) {
  SafetensorsEntry e{name, DType::F32, shape, {}};
  e.data.resize(static_cast<size_t>(numel(shape)) * 4, 0x11);
  return e;
}
void expect_rejected(const std::string& bytes, const std::string& rule) {
  try {
    safetensors_parse(bytes);
    FAIL() << "accepted a file that breaks: " << rule;
  } catch (const SafetensorsError& e) {
    EXPECT_NE(std::string(e.what()).find(rule), std::string::npos) << e.what();
  }
}
}  // namespace

TEST(SafetensorsWriter, HeaderLayoutAndPadding) {
  std::string bytes = safetensors_serialize({f32("a", {2})}, {{"format", "pt"}});
  const std::string header =
      R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u);
  EXPECT_EQ(bytes.substr(8, header.size()), header);
  EXPECT_EQ(bytes.substr(8 + header.size(), n - header.size()), std::string(n - header.size(), ' '));
  EXPECT_EQ(bytes.size(), 8 + n + 8);
}

TEST(SafetensorsWriter, OrdersByDtypeDescendingThenName) {
  SafetensorsEntry i64{"z_int", DType::I64, {}, std::vector<uint8_t>(8, 0)};
  SafetensorsEntry f16{"a_half", DType::F16, {1}, std::vector<uint8_t>(2, 0)};
  std::string bytes = safetensors_serialize({f32("b", {1}), f16, f32("a", {1}), i64}, {});
  auto view = safetensors_parse(bytes);
  ASSERT_EQ(view.tensors.size(), 4u);
  EXPECT_EQ(view.tensors[0].name, "z_int");  // I64 ranks above F32 in the crate's Dtype order
  EXPECT_EQ(view.tensors[1].name, "a");
  EXPECT_EQ(view.tensors[2].name, "b");
  EXPECT_EQ(view.tensors[3].name, "a_half");
}

TEST(SafetensorsWriter, RejectsDataOfWrongSize) {
  SafetensorsEntry bad{"x", DType::F32, {3}, std::vector<uint8_t>(8, 0)};
  EXPECT_THROW(safetensors_serialize({bad}, {}), SafetensorsError);
}

TEST(SafetensorsReader, RoundTrip) {
  auto e = f32("w", {2, 3});
  for (size_t i = 0; i < e.data.size(); ++i) e.data[i] = static_cast<uint8_t>(i);
  auto view = safetensors_parse(safetensors_serialize({e}, {{"format", "pt"}}));
  EXPECT_EQ(view.metadata.at("format"), "pt");
  ASSERT_EQ(view.tensors.size(), 1u);
  EXPECT_EQ(view.tensors[0].shape, (Shape{2, 3}));
  EXPECT_EQ(view.tensors[0].data, e.data);
}

TEST(SafetensorsReader, RejectsEveryBrokenRule) {
  expect_rejected("1234", "header too small");
  std::string huge(8, '\0');
  uint64_t big = 200'000'000;
  std::memcpy(huge.data(), &big, 8);
  expect_rejected(huge, "header too large");
  std::string past(8, '\0');
  past[0] = 100;
  expect_rejected(past + "{}", "invalid header length");
  expect_rejected(with_header("[]      ", ""), "invalid header start");
  expect_rejected(with_header("{bad    ", ""), "invalid header");
  expect_rejected(with_header("{\"a\":\"\xff\"}", ""), "invalid header");
  expect_rejected(with_header(R"({"a":{"dtype":"X9","shape":[1],"data_offsets":[0,4]}})", std::string(4, 0)),
                  "unknown dtype");
  expect_rejected(with_header(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", std::string(8, 0)),
                  "invalid offset");
  expect_rejected(with_header(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", std::string(4, 0)),
                  "tensor invalid info");
  expect_rejected(
      with_header(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", std::string(12, 0)),
      "metadata incomplete buffer");
  expect_rejected(with_header(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                              R"("b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                              std::string(4, 0)),
                  "invalid offset");
  expect_rejected(with_header(R"({"__metadata__":{"format":1}})", ""), "__metadata__ values must be strings");
  expect_rejected(
      with_header(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", std::string(4, 0)),
      "bad shape");
  expect_rejected(
      with_header(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,4]}})",
                  std::string(4, 0)),
      "overflow");
}
