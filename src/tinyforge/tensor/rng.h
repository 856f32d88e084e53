// tensor/rng: counter-based random numbers. Every value is a pure function of (key, index), so weights
// do not depend on thread count, order of work or the standard library.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tinyforge {

// SplitMix64's output function on x + its increment: splitmix64(key + i * kSplitMixGamma) is output i of the
// SplitMix64 stream seeded with key. Inline so that loops over it vectorise.
inline constexpr uint64_t kSplitMixGamma = 0x9E3779B97F4A7C15ULL;
inline uint64_t splitmix64(uint64_t x) {
  x += kSplitMixGamma;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}
// FNV-1a 64 of the bytes, then mixed: a stable key for a name.
uint64_t hash_name(std::string_view s, uint64_t seed = 0);

class CounterRng {
 public:
  explicit CounterRng(uint64_t key) : key_(key) {}
  uint64_t bits(uint64_t index) const { return splitmix64(key_ ^ splitmix64(index)); }  // 64 random bits
  double uniform(uint64_t index) const;  // in (0, 1), 53-bit resolution, never 0
  // Standard normal: values 2p and 2p + 1 are the two Box-Muller outputs of draw p, computed with IEEE
  // arithmetic only (own log and sine/cosine series, no libm), so they are the same on every machine.
  double normal(uint64_t index) const;
  // normal(first), ..., normal(first + count - 1) into out; a loop over whole pairs.
  void normals(uint64_t first, size_t count, double* out) const;
  // Standard normal conditioned to [lo, hi]: normal(index) if it falls inside, else rejection on this
  // index's own sub-stream.
  double truncated_normal(uint64_t index, double lo, double hi) const;

 private:
  void normal_pair(uint64_t pair, double& even, double& odd) const;
  uint64_t key_;
};

}  // namespace tinyforge
