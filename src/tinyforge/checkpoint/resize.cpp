#include "tinyforge/checkpoint/resize.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "tinyforge/checkpoint/checkpoint.h"
#include "tinyforge/checkpoint/inspect.h"
#include "tinyforge/checkpoint/transform.h"
#include "tinyforge/forge/repository.h"
#include "tinyforge/util/bounds.h"

namespace tinyforge {

namespace {

// Copies the region old and new shapes share (they differ in one dimension) from `from` into `to`.
void copy_overlap(const std::vector<uint8_t>& from, const Shape& from_shape, std::vector<uint8_t>& to,
                  const Shape& to_shape, size_t element, const std::string& name) {
  size_t axis = 0;
  while (axis < from_shape.size() && from_shape[axis] == to_shape[axis]) ++axis;
  // Anything else would read or write past the buffers: refuse rather than guess.
  const bool one_axis =
      from_shape.size() == to_shape.size() && axis < from_shape.size() &&
      std::equal(from_shape.begin() + static_cast<std::ptrdiff_t>(axis) + 1, from_shape.end(),
                 to_shape.begin() + static_cast<std::ptrdiff_t>(axis) + 1);
  if (!one_axis || from.size() != static_cast<size_t>(numel(from_shape)) * element ||
      to.size() != static_cast<size_t>(numel(to_shape)) * element)
    throw CheckpointError("tensor '" + name + "': cannot resize " + bounds::shape_text(from_shape) + " to " +
                          bounds::shape_text(to_shape));
  int64_t outer = 1, inner = 1;
  for (size_t i = 0; i < axis; ++i) outer *= from_shape[i];
  for (size_t i = axis + 1; i < from_shape.size(); ++i) inner *= from_shape[i];
  const int64_t keep = std::min(from_shape[axis], to_shape[axis]);
  for (int64_t o = 0; o < outer; ++o)
    std::memcpy(to.data() + static_cast<size_t>(o * to_shape[axis] * inner) * element,
                from.data() + static_cast<size_t>(o * from_shape[axis] * inner) * element,
                static_cast<size_t>(keep * inner) * element);
}

}  // namespace

int64_t resize_token_embeddings(const fs::path& dir, const ResizeOptions& options) {
  const Checkpoint checkpoint = open_checkpoint(dir);
  int64_t n = options.new_num_tokens;
  if (n <= 0)
    throw CheckpointError("the new vocabulary size must be positive (got " + std::to_string(n) + ")");
  if (options.pad_to_multiple_of > 0) {
    const auto padded = bounds::checked_add(n, options.pad_to_multiple_of - 1);
    if (!padded)
      throw CheckpointError(bounds::limit_message("the new vocabulary size", std::to_string(n), bounds::kDim,
                                                  "give a smaller size"));
    n = *padded / options.pad_to_multiple_of * options.pad_to_multiple_of;
  }
  if (!bounds::within(n, bounds::kDim))
    throw CheckpointError(bounds::limit_message("the new vocabulary size", std::to_string(n), bounds::kDim,
                                                "give a smaller size"));
  const std::string model_type = checkpoint.config.value("model_type", "");
  std::vector<TensorSpec> old_specs = family_tensors_for(checkpoint.config);
  if (old_specs.empty())
    throw CheckpointError(dir.string() + ": model type '" + model_type +
                          "' is not in the catalog; resize-token-embeddings needs a model tinyforge knows");
  const std::string arch = checkpoint.config["architectures"][0].get<std::string>();
  const CheckpointError no_embeddings(arch + " has no token embeddings to resize (transformers raises too)");
  // Only a top-level vocab: transformers does not resize composite models' (CLIPModel) text embeddings.
  Json config = checkpoint.config;
  if (!config.contains("vocab_size") || !config["vocab_size"].is_number_integer()) throw no_embeddings;
  if (n == config["vocab_size"].get<int64_t>()) return n;
  config["vocab_size"] = n;
  std::vector<TensorSpec> new_specs = family_tensors_for(config);
  std::map<std::string, const TensorSpec*> resized;
  bool embedding_resized = false;
  int64_t parameter_delta = 0;  // for the index's total_parameters
  for (size_t i = 0; i < new_specs.size() && i < old_specs.size(); ++i)
    if (new_specs[i].shape != old_specs[i].shape) {
      resized[new_specs[i].name] = &new_specs[i];
      embedding_resized |= new_specs[i].embedding;
      if (new_specs[i].role == TensorRole::Parameter)
        parameter_delta += numel(new_specs[i].shape) - numel(old_specs[i].shape);
    }
  if (new_specs.size() != old_specs.size() || !embedding_resized) throw no_embeddings;

  std::map<std::string, const TensorSpec*> implied;  // what config.json says the resized tensors are now
  for (const auto& spec : old_specs)
    if (resized.count(spec.name)) implied[spec.name] = &spec;

  const std::string repository = model_type + "/" + arch;
  std::vector<TensorSource> sources = checkpoint_sources(checkpoint);
  for (auto& s : sources) {
    auto it = resized.find(s.info.name);
    if (it == resized.end()) continue;
    const TensorSpec& spec = *it->second;
    const SafetensorsTensorInfo old_info = s.info;
    // Rows are copied by the shape config.json implies; a file that disagrees would be copied out of bounds.
    if (old_info.shape != implied.at(spec.name)->shape)
      throw CheckpointError(dir.string() + ": tensor '" + spec.name + "' is stored as " +
                            bounds::shape_text(old_info.shape) + " but config.json implies " +
                            bounds::shape_text(implied.at(spec.name)->shape) +
                            "; fix config.json or re-create the repository");
    if (!is_convertible_float(old_info.dtype))
      throw CheckpointError(dir.string() + ": tensor '" + spec.name + "' is stored as " +
                            std::string(dtype_name(old_info.dtype)) +
                            "; resize-token-embeddings resizes float16, bfloat16 or float32 embeddings only "
                            "(cast the repository to a float dtype first)");
    s.info.shape = spec.shape;
    s.view = nullptr;
    s.stored = nullptr;
    s.bytes = [read = s.bytes, old_info, spec, key = tensor_stream_key(options.seed, repository, spec.name)] {
      std::vector<uint8_t> fresh = materialize(spec, key);
      if (old_info.dtype != spec.dtype)
        fresh = convert_float_data(fresh, spec.dtype, old_info.dtype, spec.name);
      copy_overlap(read(), old_info.shape, fresh, spec.shape, dtype_size(old_info.dtype), spec.name);
      return fresh;
    };
  }
  const uint64_t parameters = inspect_checkpoint(checkpoint).num_parameters() + parameter_delta;
  std::vector<std::string> drop = {"config.json"};
  for (const auto& f : checkpoint.weight_files) drop.push_back(f);
  drop.push_back("model.safetensors.index.json");
  rewrite_repository(dir, drop, [&](const fs::path& staging) {
    write_safetensors_weights(staging, sources, shard_limit(checkpoint), parameters);
    write_new_file(staging / "config.json", py_json_dumps(config, PyDumpOptions{2, true}) + "\n");
  });
  return n;
}

}  // namespace tinyforge
