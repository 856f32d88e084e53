// families/blocks: the small modules families compose (Linear, Embedding, norms, convolutions), each adding
// its parameters and persistent buffers under a name prefix with transformers' default _init_weights rules.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "tinyforge/tensor/tensor.h"
#include "tinyforge/util/json.h"

namespace tinyforge {

class TensorList {
 public:
  void add(const std::string& name, Shape shape, Init init, DType dtype = DType::F32);
  // The same for tensors that are not plain trainable parameters (buffers, nn.Embedding weights).
  void add(const std::string& name, Shape shape, Init init, TensorRole role, bool embedding = false);
  // nn.Linear(in, out): weight [out, in] ~ N(0, std), bias zeros.
  void linear(const std::string& name, int64_t in, int64_t out, double std, bool bias = true);
  // nn.Embedding(num, dim, padding_idx): N(0, std) with the padding row zeroed.
  void embedding(const std::string& name, int64_t num, int64_t dim, double std,
                 std::optional<int64_t> padding_idx = std::nullopt);
  void layer_norm(const std::string& name, int64_t dim, bool bias = true);  // ones / zeros
  void rms_norm(const std::string& name, int64_t dim, double value = 1.0);  // weight only
  // nn.BatchNorm: weight/bias and the persistent running stats.
  void batch_norm(const std::string& name, int64_t channels);
  // nn.Conv{1,2}d weight [out, in/groups, *kernel] with a given initialiser, bias zeros when present.
  void conv(const std::string& name, int64_t in, int64_t out, const Shape& kernel, Init weight_init,
            bool bias = true, int64_t groups = 1);

  std::vector<TensorSpec>& specs() { return specs_; }
  std::vector<TensorSpec> take() { return std::move(specs_); }

 private:
  void push(TensorSpec spec);  // every tensor passes check_tensor_bounds here
  std::vector<TensorSpec> specs_;
};

// Config helpers families share.
// A config integer within ±bounds::kDim (so a product of two never overflows); ConfigError otherwise.
int64_t get_int(const Json& c, const std::string& key);
// A count a family loops over (layers, heads): within [0, bounds::kCount].
int64_t get_count(const Json& c, const std::string& key);
double get_float(const Json& c, const std::string& key);
// A non-empty list of positive integers (depths, conv_dim, ...); ConfigError otherwise.
std::vector<int64_t> get_int_list(const Json& c, const std::string& key);
bool get_bool(const Json& c, const std::string& key, bool fallback = false);
// len(config.id2label): the number of labels classification heads output.
int64_t num_labels(const Json& c);
// padding_idx as nn.Embedding gets it (null → none).
std::optional<int64_t> pad_index(const Json& c, const std::string& key = "pad_token_id");

}  // namespace tinyforge
