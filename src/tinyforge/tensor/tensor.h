// tensor/tensor: what a checkpoint tensor is before it has values (TensorSpec: name, shape, dtype,
// initialiser) and the seeded fill that turns a spec into little-endian bytes.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tinyforge/tensor/dtype.h"

namespace tinyforge {

using Shape = std::vector<int64_t>;
int64_t numel(const Shape& shape);

// How transformers' _init_weights fills a tensor. Every random kind draws from a stream keyed by
// (seed, repository, tensor name), so values are the same whatever else is forged.
struct Init {
  enum class Kind { Constant, Normal, TruncatedNormal, Uniform, Function, Orthogonal };
  Kind kind = Kind::Constant;
  double a = 0.0;              // Constant: value; Normal/TruncatedNormal: mean; Uniform: low
  double b = 0.0;              // Normal/TruncatedNormal: std; Uniform: high; Orthogonal: gain
  double lo = -2.0, hi = 2.0;  // TruncatedNormal: absolute bounds (torch's trunc_normal_ a, b)
  // Rows (along dim 0) set to a value afterwards: an embedding's padding_idx (0), Zaya's last balancing bias
  // (-1).
  std::vector<std::pair<int64_t, double>> set_rows;
  std::function<double(int64_t)> fn;        // Function: value of flat element i (sinusoids, aranges)
  std::function<double(double)> transform;  // Uniform (optional): applied to each draw (log of a uniform)
};

Init zeros();
Init ones();
Init constant(double v);
Init normal(double std, double mean = 0.0);
Init truncated_normal(double std, double lo = -2.0, double hi = 2.0);
Init uniform(double lo, double hi);
Init from_function(std::function<double(int64_t)> fn);
// torch's orthogonal_: the tensor as a [dim 0, rest] matrix with orthonormal rows (or columns, whichever are
// fewer) times `gain`, from a seeded normal matrix (Gram-Schmidt, so the factor R has a positive diagonal as
// torch's sign correction makes it). Costs rows * cols * min(rows, cols).
Init orthogonal(double gain);

// What a saved tensor is to the module that owns it; `inspect` counts parameters the way
// PreTrainedModel.num_parameters does from these.
enum class TensorRole {
  Parameter,  // an nn.Parameter that trains
  Buffer,     // a persistent buffer (BatchNorm running stats, final_logits_bias): not a parameter
};

struct TensorSpec {
  std::string name;
  Shape shape;
  DType dtype = DType::F32;
  Init init;
  TensorRole role = TensorRole::Parameter;
  bool embedding = false;  // the weight of an nn.Embedding (num_parameters(exclude_embeddings=True) skips it)
};

// Fills the tensor's bytes (little-endian) from the seeded stream `key`: into `out` (numel x dtype size
// bytes), or a new buffer.
void materialize_into(const TensorSpec& spec, uint64_t key, uint8_t* out);
std::vector<uint8_t> materialize(const TensorSpec& spec, uint64_t key);

// Writes one value as `dtype` (floats rounded to nearest even, ints truncated) at `out`.
void store_value(DType dtype, double value, uint8_t* out);

}  // namespace tinyforge
