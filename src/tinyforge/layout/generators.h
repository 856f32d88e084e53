// layout/generators: initial values transformers computes instead of drawing (tools/catalog/FORMAT.md,
// "Generators"), and random draws it transforms (log of a uniform, inverse softplus of a log-uniform).
// Each is a pure function of the tensor's shape and its arguments (catalog expressions, evaluated before).
#pragma once
#include <map>
#include <string>

#include "tinyforge/tensor/tensor.h"

namespace tinyforge {

// The Init of generator `name` for a tensor of `shape`; `args` are its evaluated arguments. UserError for an
// unknown name or a missing argument, ConfigError for arguments the tensor cannot take.
Init generator_init(const std::string& name, const std::map<std::string, double>& args, const Shape& shape,
                    const std::string& tensor);

// log(U(lo, hi)) in float32: Kimi's and Qwen3-Next's A_log.
Init log_uniform(double lo, double hi);
// log(u^power - 1) of u = U(lo, hi), u^power as exp(power * log u), each step in float32: RecurrentGemma's
// recurrent_param (power -0.5).
Init log_uniform_power_minus_one(double lo, double hi, double power);
// dt = max(exp(U(log min, log max)), floor) in float32, then dt + log(-expm1(-dt)) (softplus⁻¹(dt)): Mamba's
// dt_proj.bias, Mamba-2's dt_bias.
Init inverse_softplus_log_uniform(double min, double max, double floor);

}  // namespace tinyforge
