#include "tinyforge/tensor/tensor.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "tinyforge/tensor/rng.h"

namespace tinyforge {

int64_t numel(const Shape& shape) {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

Init zeros() { return constant(0.0); }
Init ones() { return constant(1.0); }
Init constant(double v) {
  Init i;
  i.kind = Init::Kind::Constant;
  i.a = v;
  return i;
}
Init normal(double std, double mean) {
  Init i;
  i.kind = Init::Kind::Normal;
  i.a = mean;
  i.b = std;
  return i;
}
Init truncated_normal(double std, double lo, double hi) {
  Init i;
  i.kind = Init::Kind::TruncatedNormal;
  i.b = std;
  i.lo = lo;
  i.hi = hi;
  return i;
}
Init uniform(double lo, double hi) {
  Init i;
  i.kind = Init::Kind::Uniform;
  i.a = lo;
  i.b = hi;
  return i;
}
Init from_function(std::function<double(int64_t)> fn) {
  Init i;
  i.kind = Init::Kind::Function;
  i.fn = std::move(fn);
  return i;
}

Init orthogonal(double gain) {
  Init i;
  i.kind = Init::Kind::Orthogonal;
  i.b = gain;
  return i;
}

namespace {

// The [rows, cols] matrix of torch's orthogonal_ (row-major), drawn from `rng`: a normal matrix whose longer
// side is taken as the vectors' length, orthonormalised by modified Gram-Schmidt (run twice per vector, for
// the orthogonality a Householder QR gives), times `gain`.
std::vector<double> orthogonal_matrix(int64_t rows, int64_t cols, double gain, const CounterRng& rng) {
  const bool wide = rows < cols;  // orthonormal rows; else orthonormal columns
  const auto len = static_cast<size_t>(wide ? cols : rows), count = static_cast<size_t>(wide ? rows : cols);
  std::vector<double> q(len * count);  // vector v is q[v * len, (v + 1) * len)
  for (size_t r = 0; r < static_cast<size_t>(rows); ++r)
    for (size_t c = 0; c < static_cast<size_t>(cols); ++c) {
      const double x = rng.normal(static_cast<uint64_t>(r * static_cast<size_t>(cols) + c));
      q[wide ? r * len + c : c * len + r] = x;
    }
  for (size_t v = 0; v < count; ++v) {
    double* x = q.data() + v * len;
    for (int pass = 0; pass < 2; ++pass)
      for (size_t u = 0; u < v; ++u) {
        const double* y = q.data() + u * len;
        double dot = 0.0;
        for (size_t k = 0; k < len; ++k) dot += x[k] * y[k];
        for (size_t k = 0; k < len; ++k) x[k] -= dot * y[k];
      }
    double norm = 0.0;
    for (size_t k = 0; k < len; ++k) norm += x[k] * x[k];
    norm = std::sqrt(norm);
    for (size_t k = 0; k < len; ++k) x[k] = norm > 0.0 ? x[k] / norm : 0.0;
  }
  std::vector<double> out(static_cast<size_t>(rows * cols));
  for (size_t r = 0; r < static_cast<size_t>(rows); ++r)
    for (size_t c = 0; c < static_cast<size_t>(cols); ++c)
      out[r * static_cast<size_t>(cols) + c] = gain * (wide ? q[r * len + c] : q[c * len + r]);
  return out;
}

}  // namespace

void store_value(DType dtype, double value, uint8_t* out) {
  switch (dtype) {
    case DType::F32: {
      auto bits = std::bit_cast<uint32_t>(static_cast<float>(value));
      std::memcpy(out, &bits, 4);
      return;
    }
    case DType::F64:
      std::memcpy(out, &value, 8);
      return;
    case DType::F16: {
      uint16_t h = float_to_f16(static_cast<float>(value));
      std::memcpy(out, &h, 2);
      return;
    }
    case DType::BF16: {
      uint16_t h = float_to_bf16(static_cast<float>(value));
      std::memcpy(out, &h, 2);
      return;
    }
    case DType::I64: {
      auto v = static_cast<int64_t>(value);
      std::memcpy(out, &v, 8);
      return;
    }
    case DType::I32: {
      auto v = static_cast<int32_t>(value);
      std::memcpy(out, &v, 4);
      return;
    }
    case DType::BOOL:
    case DType::U8:
      *out = static_cast<uint8_t>(value);
      return;
    case DType::I8:
      *out = static_cast<uint8_t>(static_cast<int8_t>(value));
      return;
    default:
      throw std::runtime_error("cannot initialise a tensor of dtype " + std::string(dtype_name(dtype)));
  }
}

namespace {

constexpr size_t kBlock = 4096;  // values generated, then stored, at a time

// Values first .. first + n - 1 of the tensor (n <= kBlock).
void generate(const Init& init, const CounterRng& rng, const std::vector<double>& matrix, int64_t first,
              size_t n, double* v) {
  const auto index = [first](size_t k) { return static_cast<uint64_t>(first) + k; };
  switch (init.kind) {
    case Init::Kind::Normal:
      rng.normals(index(0), n, v);
      for (size_t k = 0; k < n; ++k) v[k] = init.a + init.b * v[k];
      return;
    case Init::Kind::TruncatedNormal: {
      // torch's bounds are absolute; convert them to standard-normal units.
      const double lo = (init.lo - init.a) / init.b, hi = (init.hi - init.a) / init.b;
      rng.normals(index(0), n, v);
      for (size_t k = 0; k < n; ++k) {
        if (!(v[k] >= lo && v[k] <= hi)) v[k] = rng.truncated_normal(index(k), lo, hi);
        v[k] = init.a + init.b * v[k];
      }
      return;
    }
    case Init::Kind::Constant:
      std::fill(v, v + n, init.a);
      return;
    case Init::Kind::Uniform:
      for (size_t k = 0; k < n; ++k) {
        v[k] = init.a + (init.b - init.a) * rng.uniform(index(k));
        if (init.transform) v[k] = init.transform(v[k]);
      }
      return;
    case Init::Kind::Function:
      for (size_t k = 0; k < n; ++k) v[k] = init.fn(first + static_cast<int64_t>(k));
      return;
    case Init::Kind::Orthogonal:
      std::copy_n(matrix.begin() + first, n, v);
      return;
  }
}

// store_value over n values, with the float dtypes in loops the compiler vectorises.
void store_values(DType dtype, const double* v, size_t n, uint8_t* out) {
  if (dtype == DType::F64) {
    std::memcpy(out, v, n * 8);
    return;
  }
  if (!is_convertible_float(dtype)) {
    for (size_t k = 0; k < n; ++k) store_value(dtype, v[k], out + k * dtype_size(dtype));
    return;
  }
  float f[kBlock];
  for (size_t k = 0; k < n; ++k) f[k] = static_cast<float>(v[k]);
  if (dtype == DType::F32)
    std::memcpy(out, f, n * 4);
  else
    convert_floats(f, DType::F32, out, dtype, n);
}

}  // namespace

std::vector<uint8_t> materialize(const TensorSpec& spec, uint64_t key) {
  std::vector<uint8_t> bytes(static_cast<size_t>(numel(spec.shape)) * dtype_size(spec.dtype));
  materialize_into(spec, key, bytes.data());
  return bytes;
}

void materialize_into(const TensorSpec& spec, uint64_t key, uint8_t* out) {
  const int64_t n = numel(spec.shape);
  const size_t width = dtype_size(spec.dtype);
  const Init& init = spec.init;
  CounterRng rng(key);
  std::vector<double> matrix;
  if (init.kind == Init::Kind::Orthogonal) {
    const int64_t rows = spec.shape[0];
    matrix = orthogonal_matrix(rows, rows ? n / rows : 0, init.b, rng);
  }
  double block[kBlock];
  for (int64_t first = 0; first < n; first += static_cast<int64_t>(kBlock)) {
    const auto count = static_cast<size_t>(std::min<int64_t>(n - first, kBlock));
    generate(init, rng, matrix, first, count, block);
    store_values(spec.dtype, block, count, out + static_cast<size_t>(first) * width);
  }
  if (!init.set_rows.empty() && !spec.shape.empty() && spec.shape[0] > 0) {
    const size_t row_bytes = static_cast<size_t>(n) * width / static_cast<size_t>(spec.shape[0]);
    for (const auto& [r, value] : init.set_rows) {
      if (r < 0 || r >= spec.shape[0]) continue;  // the layout validates the rows before this
      for (size_t k = 0; k < row_bytes / width; ++k)
        store_value(spec.dtype, value, out + static_cast<size_t>(r) * row_bytes + k * width);
    }
  }
}

}  // namespace tinyforge
