#include "tinyforge/families/blocks.h"

#include "tinyforge/catalog/config.h"
#include "tinyforge/util/bounds.h"

namespace tinyforge {

void TensorList::add(const std::string& name, Shape shape, Init init, DType dtype) {
  push(TensorSpec{name, std::move(shape), dtype, std::move(init), TensorRole::Parameter, false});
}

void TensorList::add(const std::string& name, Shape shape, Init init, TensorRole role, bool embedding) {
  push(TensorSpec{name, std::move(shape), DType::F32, std::move(init), role, embedding});
}

void TensorList::push(TensorSpec spec) {
  check_tensor_bounds(spec.name, spec.shape, specs_.size() + 1);
  specs_.push_back(std::move(spec));
}

void TensorList::linear(const std::string& name, int64_t in, int64_t out, double std, bool bias) {
  add(name + ".weight", {out, in}, normal(std));
  if (bias) add(name + ".bias", {out}, zeros());
}

void TensorList::embedding(const std::string& name, int64_t num, int64_t dim, double std,
                           std::optional<int64_t> padding_idx) {
  Init init = normal(std);
  if (padding_idx) {
    if (*padding_idx < -num || *padding_idx >= num)
      throw ConfigError(name + ": padding_idx " + std::to_string(*padding_idx) +
                        " must be within the vocabulary of " + std::to_string(num) + " rows");
    init.set_rows.push_back({*padding_idx < 0 ? *padding_idx + num : *padding_idx, 0.0});
  }
  add(name + ".weight", {num, dim}, std::move(init), TensorRole::Parameter, /*embedding=*/true);
}

void TensorList::layer_norm(const std::string& name, int64_t dim, bool bias) {
  add(name + ".weight", {dim}, ones());
  if (bias) add(name + ".bias", {dim}, zeros());
}

void TensorList::rms_norm(const std::string& name, int64_t dim, double value) {
  add(name + ".weight", {dim}, constant(value));
}

void TensorList::batch_norm(const std::string& name, int64_t channels) {
  add(name + ".weight", {channels}, ones());
  add(name + ".bias", {channels}, zeros());
  add(name + ".running_mean", {channels}, zeros(), TensorRole::Buffer);
  add(name + ".running_var", {channels}, ones(), TensorRole::Buffer);
  push(TensorSpec{name + ".num_batches_tracked", {}, DType::I64, zeros(), TensorRole::Buffer, false});
}

void TensorList::conv(const std::string& name, int64_t in, int64_t out, const Shape& kernel, Init weight_init,
                      bool bias, int64_t groups) {
  Shape shape{out, in / groups};
  shape.insert(shape.end(), kernel.begin(), kernel.end());
  add(name + ".weight", shape, std::move(weight_init));
  if (bias) add(name + ".bias", {out}, zeros());
}

int64_t get_int(const Json& c, const std::string& key) {
  const int64_t v = config_int(c, key);
  // Families multiply sizes freely; values within ±kDim keep every product of two in int64.
  if (v < -bounds::kDim.max || v > bounds::kDim.max)
    throw ConfigError(bounds::limit_message("config field '" + key + "'", std::to_string(v), bounds::kDim,
                                            "set a realistic size in config.json"));
  return v;
}
int64_t get_count(const Json& c, const std::string& key) {
  const int64_t v = config_int(c, key);
  if (v < 0)
    throw ConfigError("config field '" + key + "' must not be negative (got " + std::to_string(v) + ")");
  if (!bounds::within(v, bounds::kCount))
    throw ConfigError(bounds::limit_message("config field '" + key + "'", std::to_string(v), bounds::kCount,
                                            "set a realistic count in config.json"));
  return v;
}
double get_float(const Json& c, const std::string& key) { return config_float(c, key); }
std::vector<int64_t> get_int_list(const Json& c, const std::string& key) {
  if (!c.contains(key) || !c[key].is_array() || c[key].empty())
    throw ConfigError("config field '" + key + "' must be a non-empty list of integers");
  std::vector<int64_t> out;
  for (const auto& v : c[key]) {
    if (!v.is_number_integer() || v.get<int64_t>() <= 0)
      throw ConfigError("config field '" + key + "' must hold positive integers (got " + c[key].dump() + ")");
    if (!bounds::within(v.get<int64_t>(), bounds::kDim))
      throw ConfigError(bounds::limit_message("config field '" + key + "'", c[key].dump(), bounds::kDim,
                                              "set realistic sizes in config.json"));
    out.push_back(v.get<int64_t>());
  }
  return out;
}
bool get_bool(const Json& c, const std::string& key, bool fallback) {
  if (!c.contains(key) || c[key].is_null()) return fallback;
  return c[key].get<bool>();
}
int64_t num_labels(const Json& c) {
  return c.contains("id2label") && c["id2label"].is_object() ? static_cast<int64_t>(c["id2label"].size()) : 2;
}
std::optional<int64_t> pad_index(const Json& c, const std::string& key) {
  if (!c.contains(key) || c[key].is_null()) return std::nullopt;
  return c[key].get<int64_t>();
}

}  // namespace tinyforge
