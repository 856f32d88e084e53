#include "tinyforge/layout/generators.h"

#include <cmath>

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
  throw UserError("catalog: tensor '" + tensor + "' names an unknown generator '" + name + "'");
}

Init log_uniform(double lo, double hi) {
  Init i = uniform(lo, hi);
  i.transform = [](double u) { return static_cast<double>(log_f32(static_cast<float>(u))); };
  return i;
}

Init inverse_softplus_log_uniform(double min, double max, double floor) {
  Init i = uniform(std::log(min), std::log(max));
  const float fl = static_cast<float>(floor);
  i.transform = [fl](double x) {
    float dt = static_cast<float>(std::exp(static_cast<double>(static_cast<float>(x))));
    if (dt < fl) dt = fl;
    const float em1 = static_cast<float>(std::expm1(-static_cast<double>(dt)));
    const float l = log_f32(-em1);
    return static_cast<double>(dt + l);
  };
  return i;
}

}  // namespace tinyforge
