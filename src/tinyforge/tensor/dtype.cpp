#include "tinyforge/tensor/dtype.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <stdexcept>
#include <string>

namespace tinyforge {

namespace {
struct DTypeInfo {
  DType d;
  std::string_view name;
  size_t size;
  std::string_view torch;
};
constexpr std::array<DTypeInfo, 13> kInfo{{
    {DType::BOOL, "BOOL", 1, "bool"},
    {DType::U8, "U8", 1, "uint8"},
    {DType::I8, "I8", 1, "int8"},
    {DType::I16, "I16", 2, "int16"},
    {DType::U16, "U16", 2, "uint16"},
    {DType::F16, "F16", 2, "float16"},
    {DType::BF16, "BF16", 2, "bfloat16"},
    {DType::I32, "I32", 4, "int32"},
    {DType::U32, "U32", 4, "uint32"},
    {DType::F32, "F32", 4, "float32"},
    {DType::F64, "F64", 8, "float64"},
    {DType::I64, "I64", 8, "int64"},
    {DType::U64, "U64", 8, "uint64"},
}};
const DTypeInfo& info(DType d) { return kInfo[static_cast<size_t>(d)]; }
}  // namespace

std::string_view dtype_name(DType d) { return info(d).name; }
size_t dtype_size(DType d) { return info(d).size; }
std::string_view dtype_torch_name(DType d) { return info(d).torch; }
std::optional<DType> dtype_from_name(std::string_view name) {
  for (const auto& i : kInfo)
    if (i.name == name) return i.d;
  return std::nullopt;
}
// safetensors derives Ord on its Dtype enum, whose declaration order ours mirrors.
int dtype_sort_rank(DType d) { return static_cast<int>(d); }

namespace {
static_assert(std::endian::native == std::endian::little, "tensor data is little-endian");

constexpr uint32_t kF32Inf = 0x7F800000;
constexpr uint16_t kBf16NanFromF32 = 0xFFFF;  // torch's vectorised float32 -> bfloat16 kernel
constexpr uint16_t kBf16NanFromF16 = 0x7FC0;  // c10::BFloat16's rounding, which float16 -> bfloat16 uses

// c ? a : b as arithmetic: with a ternary, GCC sinks each side's work into a branch and the loops in
// convert_floats no longer vectorise.
// memcpy, not std::bit_cast: GCC 12 does not vectorise a loop holding a bit_cast between float and integer.
float float_of(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
uint32_t bits_of(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return bits;
}

constexpr uint32_t pick(bool c, uint32_t a, uint32_t b) { return b ^ ((a ^ b) & (0u - c)); }

// The element conversions on bit patterns, branch-free; `a` is always the magnitude bits.
uint16_t bf16_from_f32(uint32_t x, uint16_t nan) {
  // Round to nearest even; a carry into the exponent is right, up to inf.
  const auto rounded = static_cast<uint16_t>((x + 0x7FFF + ((x >> 16) & 1)) >> 16);
  return static_cast<uint16_t>(pick((x & 0x7FFFFFFF) > kF32Inf, nan, rounded));
}

uint16_t f16_from_f32(uint32_t x) {
  const uint32_t a = x & 0x7FFFFFFF;
  // Normal: rebias the exponent (127 -> 15) and round to nearest even at bit 13; past the largest half
  // (and for inf) the result saturates to inf.
  const uint32_t normal = std::min<uint32_t>((a - 0x37FFF001 + ((a >> 13) & 1)) >> 13, 0x7C00);
  // Below 2^-14: adding 0.5 lines the value's 2^-24 units up with the last mantissa bits, and the FPU rounds
  // to nearest even.
  const uint32_t subnormal = bits_of(float_of(a) + 0.5f) - 0x3F000000;
  const uint32_t nan = 0x7E00 | ((a >> 13) & 0x3FF);  // quiet, top payload bits kept (as vcvtps2ph)
  const uint32_t magnitude = pick(a > kF32Inf, nan, pick(a < 0x38800000, subnormal, normal));
  return static_cast<uint16_t>(((x >> 16) & 0x8000) | magnitude);
}

uint32_t f32_from_f16(uint16_t h) {
  const uint32_t a = h & 0x7FFF;
  const uint32_t exponent = a & 0x7C00;
  const uint32_t normal = (a << 13) + 0x38000000;  // rebias the exponent (15 -> 127)
  // m * 2^-24, exactly: 2^-14 * (1 + m / 1024) minus 2^-14.
  const uint32_t subnormal = bits_of(float_of((a << 13) + 0x38800000) - float_of(0x38800000));
  const uint32_t special = (a << 13) | kF32Inf | pick(a > 0x7C00, 0x400000, 0);  // inf; NaN made quiet
  const uint32_t magnitude = pick(exponent == 0, subnormal, pick(exponent == 0x7C00, special, normal));
  return (static_cast<uint32_t>(h & 0x8000) << 16) | magnitude;
}

uint32_t f32_from_bf16(uint16_t h) { return static_cast<uint32_t>(h) << 16; }

// A finite float32 that rounds to inf in the target.
bool overflows_f16(uint32_t x) {
  const uint32_t a = x & 0x7FFFFFFF;
  return (a >= 0x477FF000) & (a < kF32Inf);  // 65520 and up round past 65504
}
bool overflows_bf16(uint32_t x) {
  const uint32_t a = x & 0x7FFFFFFF;
  return (a >= 0x7F7F8000) & (a < kF32Inf);
}

template <class In, class Out, class Convert, class Overflows>
size_t convert_loop(const void* in, void* out, size_t n, Convert convert, Overflows overflows) {
  const auto* src = static_cast<const unsigned char*>(in);
  auto* dst = static_cast<unsigned char*>(out);
  uint32_t overflow = 0;  // not bool: GCC vectorises an integer OR reduction only
  for (size_t i = 0; i < n; ++i) {
    In x;
    std::memcpy(&x, src + i * sizeof(In), sizeof(In));
    const Out y = convert(x);
    std::memcpy(dst + i * sizeof(Out), &y, sizeof(Out));
    overflow |= static_cast<uint32_t>(overflows(x));
  }
  if (!overflow) return n;
  for (size_t i = 0; i < n; ++i) {
    In x;
    std::memcpy(&x, src + i * sizeof(In), sizeof(In));
    if (overflows(x)) return i;
  }
  return n;
}
}  // namespace

uint16_t float_to_bf16(float f) { return bf16_from_f32(bits_of(f), kBf16NanFromF32); }
uint16_t float_to_f16(float f) { return f16_from_f32(bits_of(f)); }
float bf16_to_float(uint16_t h) { return float_of(f32_from_bf16(h)); }
float f16_to_float(uint16_t h) { return float_of(f32_from_f16(h)); }

bool is_convertible_float(DType d) { return d == DType::F32 || d == DType::F16 || d == DType::BF16; }

size_t convert_floats(const void* in, DType from, void* out, DType to, size_t n) {
  if (!is_convertible_float(from) || !is_convertible_float(to))
    throw std::invalid_argument("convert_floats: " + std::string(dtype_name(from)) + " to " +
                                std::string(dtype_name(to)) + " is not a float conversion");
  if (from == to) {
    if (n) std::memcpy(out, in, n * dtype_size(from));
    return n;
  }
  // Lambdas, not function pointers, so each loop inlines its conversion and vectorises.
  auto never = [](uint32_t) { return false; };
  auto f16_overflows = [](uint32_t x) { return overflows_f16(x); };
  if (from == DType::F32 && to == DType::BF16)
    return convert_loop<uint32_t, uint16_t>(
        in, out, n, [](uint32_t x) { return bf16_from_f32(x, kBf16NanFromF32); },
        [](uint32_t x) { return overflows_bf16(x); });
  if (from == DType::F32)
    return convert_loop<uint32_t, uint16_t>(
        in, out, n, [](uint32_t x) { return f16_from_f32(x); }, f16_overflows);
  if (from == DType::F16 && to == DType::F32)
    return convert_loop<uint16_t, uint32_t>(
        in, out, n, [](uint16_t h) { return f32_from_f16(h); }, never);
  if (from == DType::F16)
    return convert_loop<uint16_t, uint16_t>(
        in, out, n, [](uint16_t h) { return bf16_from_f32(f32_from_f16(h), kBf16NanFromF16); }, never);
  if (to == DType::F32)
    return convert_loop<uint16_t, uint32_t>(
        in, out, n, [](uint16_t h) { return f32_from_bf16(h); }, never);
  return convert_loop<uint16_t, uint16_t>(
      in, out, n, [](uint16_t h) { return f16_from_f32(f32_from_bf16(h)); },
      [](uint16_t h) { return overflows_f16(f32_from_bf16(h)); });
}

}  // namespace tinyforge
