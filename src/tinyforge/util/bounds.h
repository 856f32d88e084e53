// util/bounds: the one bounds policy for numbers read from files and requests (config.json sizes and
// counts, tokenizer ids, tensor shapes). Every size that comes from input is checked against a named limit
// with overflow-checked arithmetic before anything is allocated or looped over; callers throw their own
// error type with the message limit_message() builds, so the user sees the field, the value and the limit.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyforge::bounds {

struct Limit {
  std::string_view what;  // "a count (layers, heads, experts, loop lengths)"
  int64_t max;            // inclusive
};

// Far above any real model (Llama 3 405B: 126 layers; DeepSeek-V3: 256 experts, 129,280 tokens), low
// enough that a headers-only tool never loops or allocates more than a few MB on a hostile config.
inline constexpr Limit kCount{"a count (layers, heads, experts, loop lengths)", 1 << 16};
inline constexpr Limit kDim{"a tensor dimension", (int64_t{1} << 31) - 1};
inline constexpr Limit kElements{"the elements of one tensor", int64_t{1} << 31};
inline constexpr Limit kTensors{"the tensors of one model", 1 << 18};
// Token ids are u32 in tokenizers and int32 in most model code; a vocab may have holes (ids taken by added
// tokens), but never more than kIdGap ids beyond its own entries.
inline constexpr Limit kTokenId{"a token id", (int64_t{1} << 31) - 1};
inline constexpr int64_t kIdGap = 1 << 16;

// a * b and a + b, or nullopt when the result overflows int64 or is above `limit`.
inline std::optional<int64_t> checked_mul(int64_t a, int64_t b, int64_t limit = INT64_MAX) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r) || r > limit) return std::nullopt;
  return r;
}
inline std::optional<int64_t> checked_add(int64_t a, int64_t b, int64_t limit = INT64_MAX) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r) || r > limit) return std::nullopt;
  return r;
}

inline bool within(int64_t value, const Limit& limit) { return value >= 0 && value <= limit.max; }

// "<field> = <value> is above the limit for <what> (<max>); <fix>".
inline std::string limit_message(const std::string& field, const std::string& value, const Limit& limit,
                                 const std::string& fix) {
  return field + " = " + value + " is above the limit for " + std::string(limit.what) + " (" +
         std::to_string(limit.max) + "); " + fix;
}

// "[8, 64]": a shape as messages show it.
inline std::string shape_text(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

}  // namespace tinyforge::bounds
