#include "tinyforge/layout/generators.h"

#include <cmath>
#include <functional>
#include <vector>

#include "tinyforge/catalog/config.h"
#include "tinyforge/tensor/torch_math.h"

namespace tinyforge {

namespace {

double arg(const std::map<std::string, double>& args, const std::string& key, const std::string& name,
           const std::string& tensor) {
  auto it = args.find(key);
  if (it == args.end())
    throw UserError("catalog: generator '" + name + "' of tensor '" + tensor + "' needs the argument '" +
                    key + "'");
  return it->second;
}

int64_t last_dim(const Shape& shape) { return shape.empty() ? 1 : shape.back(); }

// ALiBi slope of head h of `heads`, times `scale`, in transformers' float32 arithmetic: the base 1 / 2^(8/H)
// (a Python double) rounded to float32 and raised to h + 1 (correctly rounded here; torch's vectorised pow is
// within 1 ULP of it), then times the scale rounded to float32.
float alibi_slope(int64_t heads, int64_t h, double scale) {
  const float base = static_cast<float>(1.0 / std::pow(2.0, 8.0 / static_cast<double>(heads)));
  const float power = static_cast<float>(std::pow(static_cast<double>(base), static_cast<double>(h + 1)));
  return power * static_cast<float>(scale);
}

// The ALiBi generators: a [..., H, R, C] table of the slope of head h (dim -3) at row r and column c.
Init alibi_init(const std::string& name, double scale, const Shape& shape, const std::string& tensor) {
  if (shape.size() < 3)
    throw ConfigError("tensor '" + tensor + "': " + name + " needs [..., heads, rows, cols], not " +
                      std::to_string(shape.size()) + " dimensions");
  const int64_t heads = shape[shape.size() - 3], rows = shape[shape.size() - 2], cols = shape.back();
  std::vector<float> slopes(static_cast<size_t>(heads));
  for (int64_t h = 0; h < heads; ++h) slopes[static_cast<size_t>(h)] = alibi_slope(heads, h, scale);
  // exp(-slope * n) for the integer n the generator counts at (r, c); n < 0 is exp(-inf) = 0.
  std::function<int64_t(int64_t, int64_t)> count;
  if (name == "alibi_decay") count = [](int64_t r, int64_t) { return r + 1; };
  if (name == "alibi_decay_reversed") count = [rows](int64_t r, int64_t) { return rows - 1 - r; };
  if (name == "alibi_decay_causal") count = [](int64_t r, int64_t c) { return r - c; };
  return from_function([=](int64_t k) {
    const float s = slopes[static_cast<size_t>(k / (rows * cols) % heads)];
    if (!count) return static_cast<double>(s);
    const int64_t n = count(k / cols % rows, k % cols);
    return n < 0 ? 0.0 : static_cast<double>(exp_f32(-(s * static_cast<float>(n))));
  });
}

}  // namespace

Init generator_init(const std::string& name, const std::map<std::string, double>& args, const Shape& shape,
                    const std::string& tensor) {
  if (name == "log_arange") {
    // log(arange(1, L + 1)) along the last dimension, repeated over the others.
    const int64_t len = last_dim(shape);
    return from_function(
        [len](int64_t k) { return static_cast<double>(log_f32(static_cast<float>(1 + k % len))); });
  }
  if (name == "linspace") {
    const float start = static_cast<float>(arg(args, "start", name, tensor));
    const float end = static_cast<float>(arg(args, "end", name, tensor));
    const int64_t len = last_dim(shape);
    return from_function(
        [=](int64_t k) { return static_cast<double>(torch_linspace(start, end, len, k % len)); });
  }
  if (name == "prefix_fill") {
    // `value` in the first `count` elements (flat order), 0 after them.
    const double count = arg(args, "count", name, tensor);
    const double value = arg(args, "value", name, tensor);
    if (count < 0 || count > static_cast<double>(numel(shape)))
      throw ConfigError("tensor '" + tensor + "': prefix_fill count " + std::to_string(count) +
                        " is outside its " + std::to_string(numel(shape)) + " elements");
    const auto n = static_cast<int64_t>(count);
    return from_function([n, value](int64_t k) { return k < n ? value : 0.0; });
  }
  if (name == "alibi_slopes" || name == "alibi_decay" || name == "alibi_decay_reversed" ||
      name == "alibi_decay_causal")
    return alibi_init(name, arg(args, "scale", name, tensor), shape, tensor);
  throw UserError("catalog: tensor '" + tensor + "' names an unknown generator '" + name + "'");
}

Init log_uniform(double lo, double hi) {
  Init i = uniform(lo, hi);
  i.transform = [](double u) { return static_cast<double>(log_f32(static_cast<float>(u))); };
  return i;
}

Init log_uniform_power_minus_one(double lo, double hi, double power) {
  Init i = uniform(lo, hi);
  const float p = static_cast<float>(power);
  i.transform = [p](double u) {
    const float up = exp_f32(log_f32(static_cast<float>(u)) * p);
    return static_cast<double>(log_f32(up - 1.0f));
  };
  return i;
}

Init inverse_softplus_log_uniform(double min, double max, double floor) {
  Init i = uniform(std::log(min), std::log(max));
  const float fl = static_cast<float>(floor);
  i.transform = [fl](double x) {
    float dt = exp_f32(static_cast<float>(x));
    if (dt < fl) dt = fl;
    const float em1 = static_cast<float>(std::expm1(-static_cast<double>(dt)));
    const float l = log_f32(-em1);
    return static_cast<double>(dt + l);
  };
  return i;
}

}  // namespace tinyforge
