#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "tinyforge/tensor/dtype.h"
#include "tinyforge/tensor/rng.h"
#include "tinyforge/tensor/tensor.h"
#include "tinyforge/util/fs.h"

using namespace tinyforge;

TEST(Rng, SplitMix64KnownAnswers) {
  // Reference outputs of Vigna's splitmix64 generator started from state 0.
  EXPECT_EQ(splitmix64(0), 0xE220A8397B1DCDAFULL);
  EXPECT_EQ(splitmix64(0x9E3779B97F4A7C15ULL), 0x6E789E6AA1B965F4ULL);
}

TEST(Rng, PureFunctionOfKeyAndIndex) {
  CounterRng a(42), b(42), c(43);
  EXPECT_EQ(a.bits(7), b.bits(7));
  EXPECT_NE(a.bits(7), c.bits(7));
  EXPECT_NE(a.bits(7), a.bits(8));
  EXPECT_EQ(hash_name("w", 1), hash_name("w", 1));
  EXPECT_NE(hash_name("w", 1), hash_name("w", 2));
}

TEST(Rng, DistributionsHaveTheirMoments) {
  CounterRng rng(hash_name("moments"));
  const int n = 200000;
  double s = 0, s2 = 0, u = 0;
  for (int i = 0; i < n; ++i) {
    double z = rng.normal(static_cast<uint64_t>(i));
    s += z;
    s2 += z * z;
    double x = rng.uniform(static_cast<uint64_t>(i));
    ASSERT_GT(x, 0.0);
    ASSERT_LT(x, 1.0);
    u += x;
  }
  EXPECT_NEAR(s / n, 0.0, 0.01);
  EXPECT_NEAR(s2 / n, 1.0, 0.02);
  EXPECT_NEAR(u / n, 0.5, 0.005);
  for (int i = 0; i < 1000; ++i) {
    double t = rng.truncated_normal(static_cast<uint64_t>(i), -0.5, 1.0);
    ASSERT_GE(t, -0.5);
    ASSERT_LE(t, 1.0);
  }
}

TEST(Rng, StreamIsPinned) {
  // Regression pin: every forged checkpoint depends on this stream. If this changes, the tool's output
  // changes for every user — bump the tool version and say so in the changelog before updating it.
  TensorSpec spec{"w", {64, 16}, DType::F32, normal(0.02)};
  auto bytes = materialize(spec, hash_name("pinned", 0));
  EXPECT_EQ(sha256_hex(std::string(bytes.begin(), bytes.end())),
            "cd463c62110b5ad43dd67fd90de7011cce52f28af8b513ca85b5fd1f9ae4bb74");
}

TEST(Dtype, HalfAndBfloat16Rounding) {
  // IEEE 754 binary16 / bfloat16 encodings.
  EXPECT_EQ(float_to_f16(1.0f), 0x3C00);
  EXPECT_EQ(float_to_f16(-2.0f), 0xC000);
  EXPECT_EQ(float_to_f16(65504.0f), 0x7BFF);
  EXPECT_EQ(float_to_f16(1e6f), 0x7C00);
  EXPECT_EQ(float_to_f16(0.1f), 0x2E66);
  EXPECT_EQ(float_to_f16(std::ldexp(1.0f, -24)), 0x0001);
  EXPECT_EQ(float_to_f16(std::ldexp(1.0f, -26)), 0x0000);  // below half the smallest subnormal
  EXPECT_EQ(float_to_bf16(1.0f), 0x3F80);
  EXPECT_EQ(float_to_bf16(0.1f), 0x3DCD);
  EXPECT_EQ(float_to_bf16(-3.0f), 0xC040);
  EXPECT_FLOAT_EQ(f16_to_float(0x3C00), 1.0f);
  EXPECT_FLOAT_EQ(bf16_to_float(0x3F80), 1.0f);
  for (float f : {0.5f, -1.25f, 3.0e-5f, 1234.0f})
    EXPECT_NEAR(f16_to_float(float_to_f16(f)), f, std::fabs(f) * 1e-3);
}

TEST(Materialize, ConstantsPaddingRowsAndIntegers) {
  TensorSpec ones_spec{"n", {3}, DType::F32, ones()};
  auto b = materialize(ones_spec, 1);
  float v[3];
  std::memcpy(v, b.data(), 12);
  EXPECT_EQ(v[0], 1.0f);
  EXPECT_EQ(v[2], 1.0f);

  Init emb = normal(1.0);
  emb.set_rows = {{1, 0.0}};
  auto e = materialize(TensorSpec{"e", {3, 2}, DType::F32, emb}, 5);
  float rows[6];
  std::memcpy(rows, e.data(), 24);
  EXPECT_EQ(rows[2], 0.0f);
  EXPECT_EQ(rows[3], 0.0f);
  EXPECT_NE(rows[0], 0.0f);

  auto i = materialize(TensorSpec{"t", {}, DType::I64, zeros()}, 0);
  EXPECT_EQ(i.size(), 8u);
  EXPECT_EQ(numel({}), 1);
}

// torch's orthogonal_: the matrix's rows (wide) or columns (tall) are orthonormal, times the gain.
TEST(Materialize, OrthogonalRowsOrColumnsAreOrthonormal) {
  for (const Shape& shape : {Shape{5, 12}, Shape{12, 5}, Shape{6, 2, 3}}) {
    TensorSpec spec{"w", shape, DType::F64, orthogonal(0.5)};
    const auto bytes = materialize(spec, hash_name("orthogonal"));
    std::vector<double> m(bytes.size() / 8);
    std::memcpy(m.data(), bytes.data(), bytes.size());
    const int64_t rows = shape[0], cols = numel(shape) / rows;
    const bool wide = rows < cols;
    const int64_t count = wide ? rows : cols, len = wide ? cols : rows;
    auto at = [&](int64_t v, int64_t k) {
      return m[static_cast<size_t>(wide ? v * cols + k : k * cols + v)];
    };
    for (int64_t a = 0; a < count; ++a)
      for (int64_t b = 0; b < count; ++b) {
        double dot = 0;
        for (int64_t k = 0; k < len; ++k) dot += at(a, k) * at(b, k);
        EXPECT_NEAR(dot, a == b ? 0.25 : 0.0, 1e-12)
            << "shape " << rows << "x" << cols << " vectors " << a << ", " << b;
      }
    EXPECT_EQ(bytes, materialize(spec, hash_name("orthogonal")));  // deterministic
  }
}
