#include "tinyforge/tensor/rng.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace tinyforge {

uint64_t hash_name(std::string_view s, uint64_t seed) {
  uint64_t h = 0xcbf29ce484222325ULL ^ splitmix64(seed);
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return splitmix64(h);
}

uint64_t CounterRng::bits(uint64_t index) const { return splitmix64(key_ ^ splitmix64(index)); }

double CounterRng::uniform(uint64_t index) const {
  return (static_cast<double>(bits(index) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

double CounterRng::normal(uint64_t index) const {
  double u1 = uniform(2 * index);
  double u2 = uniform(2 * index + 1);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

double CounterRng::truncated_normal(uint64_t index, double lo, double hi) const {
  CounterRng sub(splitmix64(key_ + 0x632BE59BD9B4E019ULL * (index + 1)));
  for (uint64_t k = 0; k < 1000; ++k) {
    double z = sub.normal(k);
    if (z >= lo && z <= hi) return z;
  }
  return std::clamp(0.0, lo, hi);
}

}  // namespace tinyforge
