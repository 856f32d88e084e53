// checkpoint/transform: rewrite a repository's weights in place (atomically: staging folder, then rename)
// the way save_pretrained would have written them — resharded, or cast to another float dtype.
#pragma once
#include <string>

#include "tinyforge/checkpoint/checkpoint.h"

namespace tinyforge {

// The tensors of `checkpoint` in the order save_pretrained shards them (transformers' dot_natural_key), each
// read lazily.
std::vector<TensorSource> checkpoint_sources(const Checkpoint& checkpoint);

// The max_shard_size that keeps a sharded checkpoint sharded as it is (its largest shard), 0 when unsharded.
uint64_t shard_limit(const Checkpoint& checkpoint);

// Rewrites the weights with save_pretrained's sharding for `max_shard_size` (bytes). Returns file names.
std::vector<std::string> reshard_repository(const fs::path& dir, uint64_t max_shard_size,
                                            const std::string& variant = "");

// Casts floating-point weights to float16 / bfloat16 / float32 and records it as config.json's "dtype",
// keeping the architecture's _keep_in_fp32_modules in float32 for float16. A value the target cannot hold
// (beyond float16's range) is an error naming the tensor; nothing is written then.
void cast_repository(const fs::path& dir, const std::string& dtype, const std::string& variant = "");

// The target dtype of a torch dtype name ("float16", "bfloat16", "float32"); CheckpointError otherwise.
DType float_dtype_from_torch_name(const std::string& name);

}  // namespace tinyforge
