// tensor/torch_math: float32 values that transformers computes rather than draws (Mamba's A_log =
// log(arange), xLSTM's linspace gate biases), computed the same way on every machine.
#pragma once
#include <cstdint>

namespace tinyforge {

// log(x) rounded once to float32 (evaluated in double). torch's CPU log of a float32 tensor goes through
// MKL's vector math on MKL builds and is within 1 ULP of this (log(7) is 1 ULP above, for example); that
// kernel depends on the CPU's instruction set, so the correctly rounded value is the portable choice.
float log_f32(float x);
// exp(x) rounded once to float32 (evaluated in double); torch's vectorised expf is within 1 ULP of it.
float exp_f32(float x);

// Element `index` of torch.linspace(start, end, steps) in float32: the step is (end - start) / (steps - 1)
// in float32; the first half counts up from start, the second half down from end (ATen's formula).
float torch_linspace(float start, float end, int64_t steps, int64_t index);

}  // namespace tinyforge
