#include "tinyforge/tensor/dtype.h"

#include <array>
#include <bit>
#include <cmath>

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

uint16_t float_to_bf16(float f) {
  uint32_t bits = std::bit_cast<uint32_t>(f);
  if (std::isnan(f)) return static_cast<uint16_t>((bits >> 16) | 0x40);
  uint32_t rounding = 0x7FFF + ((bits >> 16) & 1);
  return static_cast<uint16_t>((bits + rounding) >> 16);
}

float bf16_to_float(uint16_t h) { return std::bit_cast<float>(static_cast<uint32_t>(h) << 16); }

uint16_t float_to_f16(float f) {
  uint32_t x = std::bit_cast<uint32_t>(f);
  uint32_t sign = (x >> 16) & 0x8000;
  uint32_t mag = x & 0x7FFFFFFF;
  if (mag > 0x7F800000) return static_cast<uint16_t>(sign | 0x7E00);   // NaN
  if (mag >= 0x477FF000) return static_cast<uint16_t>(sign | 0x7C00);  // overflow -> inf
  if (mag < 0x38800000) {                                              // subnormal or zero in half
    // value = mag_float; half subnormal unit is 2^-24.
    float a = std::bit_cast<float>(mag);
    float scaled = a * 16777216.0f;                          // exact: multiply by 2^24
    auto r = static_cast<uint32_t>(std::nearbyint(scaled));  // default rounding mode: nearest even
    return static_cast<uint16_t>(sign | r);
  }
  uint32_t exp = ((mag >> 23) - 112) << 10;
  uint32_t mant = mag & 0x7FFFFF;
  uint32_t half = exp | (mant >> 13);
  uint32_t rest = mant & 0x1FFF;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1))) ++half;
  return static_cast<uint16_t>(sign | half);
}

float f16_to_float(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1F;
  uint32_t mant = h & 0x3FF;
  if (exp == 0) {
    float v = std::ldexp(static_cast<float>(mant), -24);
    return sign ? -v : v;
  }
  if (exp == 31) return std::bit_cast<float>(sign | 0x7F800000 | (mant << 13));
  return std::bit_cast<float>(sign | ((exp + 112) << 23) | (mant << 13));
}

}  // namespace tinyforge
