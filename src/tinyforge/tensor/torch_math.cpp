#include "tinyforge/tensor/torch_math.h"

#include <cmath>

namespace tinyforge {

float log_f32(float x) { return static_cast<float>(std::log(static_cast<double>(x))); }

float exp_f32(float x) { return static_cast<float>(std::exp(static_cast<double>(x))); }

float torch_linspace(float start, float end, int64_t steps, int64_t index) {
  if (steps == 1) return start;
  const float step = (end - start) / static_cast<float>(steps - 1);
  const int64_t halfway = steps / 2;
  if (index < halfway) return start + step * static_cast<float>(index);
  return end - step * static_cast<float>(steps - index - 1);
}

}  // namespace tinyforge
