// inputs/generators: optimum's dummy input generators (optimum/utils/input_generators.py) with the same
// prefix dispatch, shapes and value rules — exclusive upper bounds, right-padded masks with one padding
// length per batch — but every value drawn from a counter RNG keyed by (seed, input name): same seed, same
// bytes.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tinyforge/inputs/normalized_config.h"
#include "tinyforge/tensor/tensor.h"

namespace tinyforge::inputs {

// optimum's DEFAULT_DUMMY_SHAPES, in source order.
const std::vector<std::pair<std::string, int64_t>>& default_dummy_shapes();
using Shapes = std::map<std::string, int64_t>;

struct DummyTensor {
  std::string name;
  Shape shape;
  DType dtype = DType::F32;
  std::vector<uint8_t> data;
  std::map<int, std::string> dynamic_axes;
};

struct GenerateOptions {
  std::string task;  // without "-with-past"
  DType int_dtype = DType::I64;
  DType float_dtype = DType::F32;
  uint64_t seed = 0;
};

// Seeded counterparts of optimum's static helpers. Keys are per tensor name.
DummyTensor random_int_tensor(const std::string& name, Shape shape, int64_t max_value, int64_t min_value,
                              DType dtype, uint64_t seed);
DummyTensor random_float_tensor(const std::string& name, Shape shape, double min_value, double max_value,
                                DType dtype, uint64_t seed);
// Right-padded: ones then zeros, the zero count k drawn once in [1, L-1] for every row. `shape_key` names the
// shape that sets L, for the error when L < 2.
DummyTensor random_mask_tensor(const std::string& name, Shape shape, DType dtype, uint64_t seed,
                               const std::string& shape_key);
// Appends ones on `dim` up to `desired_length` (optimum's pad_input_on_dim).
void pad_with_ones(DummyTensor& tensor, size_t dim, int64_t desired_length);

class Generator {
 public:
  virtual ~Generator() = default;
  // optimum's supports_input: a prefix match against SUPPORTED_INPUT_NAMES.
  bool supports(const std::string& input_name) const;
  // One tensor, or several for nested inputs (past key values come back flattened, in optimum's names).
  virtual std::vector<DummyTensor> generate(const std::string& input_name,
                                            const GenerateOptions& options) const = 0;

  int64_t batch_size = 0;
  int64_t sequence_length = 0;  // the exporter overrides it to 1 for new tokens after a filled cache

 protected:
  std::vector<std::string> supported_;
};

// The seeded counterpart of optimum's generator class `optimum_class` (its name in
// optimum/utils/input_generators.py) as an ONNX config instantiates it for `task` (without "-with-past");
// nullptr when tinyforge does not implement that class.
std::unique_ptr<Generator> make_generator(const std::string& optimum_class, const NormalizedConfig& nc,
                                          const std::string& task, const Shapes& shapes);
bool generator_implemented(const std::string& optimum_class);

}  // namespace tinyforge::inputs
