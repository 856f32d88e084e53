// layout/generators against the values torch computes for transformers' initialisers (the expected bit
// patterns were printed by torch 2.13 on x86-64 from the same formulas transformers 5.23 uses).
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "tinyforge/catalog/config.h"
#include "tinyforge/layout/generators.h"
#include "tinyforge/tensor/torch_math.h"

using namespace tinyforge;

namespace {

uint32_t bits_of(double v) { return std::bit_cast<uint32_t>(static_cast<float>(v)); }

std::vector<uint32_t> materialized_bits(const Init& init, const Shape& shape) {
  TensorSpec spec;
  spec.name = "t";
  spec.shape = shape;
  spec.init = init;
  const auto bytes = materialize(spec, 1);
  std::vector<uint32_t> out(bytes.size() / 4);
  std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

}  // namespace

TEST(Generators, LogArangeIsMambasALog) {
  // torch.log(torch.arange(1, 17, dtype=torch.float32)): MambaMixer's A_log row for state_size 16.
  const std::vector<uint32_t> torch_bits = {
      0x00000000, 0x3f317218, 0x3f8c9f54, 0x3fb17218, 0x3fce0210, 0x3fe55860, 0x3ff91396, 0x40051592,
      0x400c9f54, 0x40135d8e, 0x4019771e, 0x401f08b6, 0x40242821, 0x4028e651, 0x402d50b2, 0x40317218};
  const auto got = materialized_bits(generator_init("log_arange", {}, {3, 16}, "A_log"), {3, 16});
  ASSERT_EQ(got.size(), 48u);
  for (size_t k = 0; k < got.size(); ++k) {
    const uint32_t want = torch_bits[k % 16];
    if (k % 16 == 6) {
      // log(7): torch's MKL kernel returns the float one ULP above the correctly rounded one; the forge
      // writes the correctly rounded value (portable), so exactly this element differs by one ULP.
      EXPECT_EQ(got[k] + 1, want) << k;
    } else {
      EXPECT_EQ(got[k], want) << k;
    }
  }
  // 1-d (Mamba-2's A_log over num_heads): the same values.
  const auto one = materialized_bits(generator_init("log_arange", {}, {4}, "A_log"), {4});
  EXPECT_EQ(one, std::vector<uint32_t>(torch_bits.begin(), torch_bits.begin() + 4));
}

TEST(Generators, LinspaceIsTorchs) {
  // torch.linspace(3.0, 6.0, 8): xLSTM's forget-gate bias for 8 heads.
  const std::vector<uint32_t> torch_bits = {0x40400000, 0x405b6db7, 0x4076db6e, 0x40892492,
                                            0x4096db6e, 0x40a49249, 0x40b24925, 0x40c00000};
  EXPECT_EQ(materialized_bits(generator_init("linspace", {{"start", 3.0}, {"end", 6.0}}, {8}, "b"), {8}),
            torch_bits);
  EXPECT_EQ(torch_linspace(3.0f, 6.0f, 1, 0), 3.0f);
}

TEST(Generators, PrefixFill) {
  const auto got =
      materialized_bits(generator_init("prefix_fill", {{"count", 2}, {"value", -1.5}}, {4}, "b"), {4});
  EXPECT_EQ(got, (std::vector<uint32_t>{bits_of(-1.5), bits_of(-1.5), 0, 0}));
  EXPECT_THROW(generator_init("prefix_fill", {{"count", 5}, {"value", 1}}, {4}, "b"), ConfigError);
  EXPECT_THROW(generator_init("prefix_fill", {{"count", 1}}, {4}, "b"), UserError);
  EXPECT_THROW(generator_init("no_such_generator", {}, {4}, "b"), UserError);
}

TEST(Generators, InverseSoftplusTransformIsTorchs) {
  // dt = exp(x).clamp(min=1e-4); dt + log(-expm1(-dt)) in float32 torch (Mamba's dt_proj.bias from its draw).
  const std::vector<uint32_t> x = {0xc0dccccd, 0xc0a00000, 0xc0800000, 0xc0400000, 0xc013d70a, 0xc1180000};
  const std::vector<uint32_t> torch_bits = {0xc0dcc8ad, 0xc09fe463, 0xc07f69bb,
                                            0xc03e6674, 0xc010a32a, 0xc1135d59};
  const Init init = inverse_softplus_log_uniform(1e-3, 0.1, 1e-4);
  ASSERT_TRUE(init.transform);
  for (size_t k = 0; k < x.size(); ++k)
    EXPECT_EQ(bits_of(init.transform(std::bit_cast<float>(x[k]))), torch_bits[k]) << k;
  // The draw covers [log min, log max).
  EXPECT_NEAR(init.a, std::log(1e-3), 1e-15);
  EXPECT_NEAR(init.b, std::log(0.1), 1e-15);
}

TEST(Generators, LogUniformTransformIsTorchs) {
  // torch.log of float32 uniform draws (Qwen3-Next's A_log).
  const std::vector<uint32_t> u = {0x3c23d70a, 0x3f000000, 0x40400000, 0x417e6666};
  const std::vector<uint32_t> torch_bits = {0xc0935d8e, 0xbf317218, 0x3f8c9f54, 0x40310b5f};
  const Init init = log_uniform(0.01, 16);
  for (size_t k = 0; k < u.size(); ++k)
    EXPECT_EQ(bits_of(init.transform(std::bit_cast<float>(u[k]))), torch_bits[k]) << k;
  // Every value of a forged tensor lies in [log lo, log hi).
  TensorSpec spec;
  spec.name = "A_log";
  spec.shape = {1000};
  spec.init = init;
  const auto bytes = materialize(spec, 7);
  for (size_t k = 0; k < 1000; ++k) {
    float v;
    std::memcpy(&v, bytes.data() + 4 * k, 4);
    ASSERT_GE(v, std::log(0.01f) - 1e-6f);
    ASSERT_LT(v, std::log(16.0f) + 1e-6f);
  }
}

TEST(Generators, AlibiSlopesAndDecaysAreTorchs) {
  // MiniMax's lightning attention at 4 heads, block_size 3, layer 1 of 4 (transformers 5.23's get_slope_rate
  // and decay_factors), printed by torch:
  //   base = 1 / (2 ** (8 / 4)); f = 1 - 1 / (4 - 1 + 1e-5) + 1e-5
  //   s = ((base ** (torch.arange(4) + 1)) * f)[:, None, None]; br = torch.arange(3) + 1
  //   q = torch.exp(-s * br[:, None]); k = torch.exp(-s * (3 - br[:, None]))
  //   d = s * (br[:, None] - br[None, :])[None, None]; d = torch.exp(torch.where(d >= 0, -d, float("-inf")))
  const double scale = 1 - 1 / (4 - 1 + 1e-5) + 1e-5;
  const std::vector<uint32_t> slopes = {0x3e2aab65, 0x3d2aab65, 0x3c2aab65, 0x3b2aab65};
  const std::vector<uint32_t> query = {0x3f58b2df, 0x3f376e56, 0x3f1b4543, 0x3f758d66,
                                       0x3f6b87f2, 0x3f61eb32, 0x3f7d58de, 0x3f7ab8c5,
                                       0x3f781fa3, 0x3f7f558d, 0x3f7eab8c, 0x3f7e01fd};
  const std::vector<uint32_t> key = {0x3f376e56, 0x3f58b2df, 0x3f800000, 0x3f6b87f2, 0x3f758d66, 0x3f800000,
                                     0x3f7ab8c5, 0x3f7d58de, 0x3f800000, 0x3f7eab8c, 0x3f7f558d, 0x3f800000};
  const std::vector<uint32_t> diagonal = {
      0x3f800000, 0x00000000, 0x00000000, 0x3f58b2df, 0x3f800000, 0x00000000, 0x3f376e56, 0x3f58b2df,
      0x3f800000, 0x3f800000, 0x00000000, 0x00000000, 0x3f758d66, 0x3f800000, 0x00000000, 0x3f6b87f2,
      0x3f758d66, 0x3f800000, 0x3f800000, 0x00000000, 0x00000000, 0x3f7d58de, 0x3f800000, 0x00000000,
      0x3f7ab8c5, 0x3f7d58de, 0x3f800000, 0x3f800000, 0x00000000, 0x00000000, 0x3f7f558d, 0x3f800000,
      0x00000000, 0x3f7eab8c, 0x3f7f558d, 0x3f800000};
  auto gen = [&](const char* name, const Shape& shape) {
    return materialized_bits(generator_init(name, {{"scale", scale}}, shape, "t"), shape);
  };
  EXPECT_EQ(gen("alibi_slopes", {4, 1, 1}), slopes);
  // exp(-s_3 * 3): torch's vectorised expf returns the float one ULP above the correctly rounded one that the
  // forge writes, so exactly this element differs by one ULP.
  auto got_query = gen("alibi_decay", {4, 3, 1});
  EXPECT_EQ(got_query[11] + 1, query[11]);
  got_query[11] += 1;
  EXPECT_EQ(got_query, query);
  EXPECT_EQ(gen("alibi_decay_reversed", {4, 3, 1}), key);
  EXPECT_EQ(gen("alibi_decay_causal", {1, 4, 3, 3}), diagonal);
  EXPECT_THROW(generator_init("alibi_slopes", {{"scale", 1.0}}, {4, 1}, "t"), ConfigError);
  EXPECT_THROW(generator_init("alibi_decay", {}, {4, 3, 1}, "t"), UserError);
}

TEST(Generators, LogUniformPowerMinusOneTransformIsTorchs) {
  // RecurrentGemma's recurrent_param from its float32 draws u:
  //   u.clone().log_().mul_(0.5).neg_().exp_().sub_(1.0).log_()   (torch, float32)
  const std::vector<uint32_t> u = {0x3f4f5c29, 0x3f59999a, 0x3f666666, 0x3f733333, 0x3f7d70a4, 0x3f7f7cee};
  const std::vector<uint32_t> torch_bits = {0xc00c9f52, 0xc01e076c, 0xc03ab119,
                                            0xc069a1ac, 0xc0a94e24, 0xc0dd003d};
  const Init init = log_uniform_power_minus_one(0.81, 0.998, -0.5);
  ASSERT_TRUE(init.transform);
  for (size_t k = 0; k < u.size(); ++k)
    EXPECT_EQ(bits_of(init.transform(std::bit_cast<float>(u[k]))), torch_bits[k]) << k;
  EXPECT_DOUBLE_EQ(init.a, 0.81);
  EXPECT_DOUBLE_EQ(init.b, 0.998);
}
