// checkpoint: a saved repository's weights as transformers reads them — one `model.safetensors`, or an
// index `model.safetensors.index.json` naming shards — with an optional `variant` (`model.fp16.safetensors`).
// Only headers are read up front; tensor bytes are read one at a time, so multi-GB checkpoints stay cheap.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tinyforge/catalog/catalog.h"
#include "tinyforge/formats/safetensors.h"
#include "tinyforge/util/fs.h"
#include "tinyforge/util/json.h"

namespace tinyforge {

// Bad or inconsistent checkpoint on disk; the message names the file and the problem.
class CheckpointError : public UserError {
 public:
  using UserError::UserError;
};

struct CheckpointTensor {
  SafetensorsTensorInfo info;  // name, dtype, shape, where the bytes are
  std::string file;            // weight file name inside the repository
};

struct Checkpoint {
  fs::path dir;
  std::string variant;
  Json config;  // config.json
  bool sharded = false;
  std::vector<std::string> weight_files;  // in shard order
  std::vector<CheckpointTensor> tensors;  // sorted by name
  const CheckpointTensor* find(const std::string& name) const;
  uint64_t total_bytes() const;

  // Read-only memory maps of the weight files, opened on first use and shared by copies of this object.
  struct Maps;
  std::shared_ptr<Maps> maps;
};

// `model.safetensors` → `model.{variant}.safetensors` (transformers' _add_variant).
std::string with_variant(const std::string& file_name, const std::string& variant);

// config.json's text, parsed and checked for what every tool reads from it: an object, "model_type" a string,
// "architectures" an array of strings. CheckpointError naming the problem.
Json parse_config_json(const std::string& text);

// Reads config.json and the weight headers; validates the index (every shard exists, no tensor in two
// shards, every indexed tensor present where the index says). Throws CheckpointError.
Checkpoint open_checkpoint(const fs::path& dir, const std::string& variant = "");

// The bytes of one tensor: a view into the mapped file (valid while the checkpoint lives), or a copy.
std::string_view tensor_view(const Checkpoint& checkpoint, const CheckpointTensor& tensor);
std::vector<uint8_t> read_tensor(const Checkpoint& checkpoint, const CheckpointTensor& tensor);
// Lets the kernel drop the mapped pages of a tensor already used, so a pass over a multi-GB checkpoint keeps
// a small resident set.
void release_tensor(const Checkpoint& checkpoint, const CheckpointTensor& tensor);

// Where a tensor's bytes are stored, for writers that copy or stream them (copy_file_range, pread) rather
// than map them: its weight file open for reading (valid while the checkpoint lives), the offset of its first
// byte there, and its dtype.
struct StoredTensor {
  int fd = -1;
  uint64_t offset = 0;
  DType dtype = DType::F32;
};
StoredTensor stored_tensor(const Checkpoint& checkpoint, const CheckpointTensor& tensor);

// Converts little-endian float data between F32/F16/BF16 into `out` (sized for it), bit for bit as torch's
// `.to()`; CheckpointError for any other dtype, or naming `tensor` when a finite value overflows the target.
void convert_float_data(std::span<const uint8_t> data, DType from, std::span<uint8_t> out, DType to,
                        const std::string& tensor);
std::vector<uint8_t> convert_float_data(std::span<const uint8_t> data, DType from, DType to,
                                        const std::string& tensor);

// load_sharded_checkpoint's key check: names the model expects vs names the checkpoint holds.
struct KeyCheck {
  std::vector<std::string> missing, unexpected;
  bool clean() const { return missing.empty() && unexpected.empty(); }
};
// With strict, a non-clean result throws CheckpointError listing the keys.
KeyCheck check_keys(const Checkpoint& checkpoint, const std::vector<std::string>& expected, bool strict);

// "10KB", "5MB", "2GB", "1TB" (decimal, as huggingface_hub parses them) or a plain byte count.
uint64_t parse_shard_size(const std::string& text);

// A tensor to write: its header entry and where to get its bytes — `view` (unchanged bytes of a mapped file,
// written without a copy) when set, else `bytes` (converted or new data).
struct TensorSource {
  SafetensorsTensorInfo info;
  std::function<std::vector<uint8_t>()> bytes;
  std::function<std::string_view()> view;
  std::function<void()> release;  // optional: called once the tensor is written (drops mapped pages)
  // Optional, and preferred by write_safetensors_weights: the bytes as a checkpoint stores them. They are
  // copied inside the kernel when the stored dtype is info.dtype, else read and converted (float dtypes) in
  // chunks, so memory does not grow with the tensor. Whoever changes a tensor's values or shape clears it.
  std::function<StoredTensor()> stored;
};

// Writes the weights of `tensors` (in state-dict order) into `dir` as save_pretrained shards them for
// `max_shard_size` (0 = never shard): `model[.variant].safetensors`, or numbered shards plus the index with
// total_size, total_parameters and a sorted weight_map). Returns the file names written.
std::vector<std::string> write_safetensors_weights(const fs::path& dir,
                                                   const std::vector<TensorSource>& tensors,
                                                   uint64_t max_shard_size, uint64_t total_parameters,
                                                   const std::string& variant = "");

// Rewrites repository `dir` atomically: its files except those `drop` names are copied to a staging
// folder, `fill(staging)` adds the new ones, then the staging folder replaces `dir`. Nothing changes on
// error.
void rewrite_repository(const fs::path& dir, const std::vector<std::string>& drop,
                        const std::function<void(const fs::path& staging)>& fill);

}  // namespace tinyforge
