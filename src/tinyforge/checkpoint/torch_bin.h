// checkpoint/torch_bin: the legacy `pytorch_model.bin` — torch.save's zip container (stored records, each
// aligned to 64 bytes) holding a protocol-2 pickle of an OrderedDict of tensors rebuilt from storages —
// written without torch, readable by torch.load(weights_only=True).
#pragma once
#include <string>
#include <vector>

#include "tinyforge/checkpoint/checkpoint.h"

namespace tinyforge {

// Writes `tensors` (in the given order) as torch.save(state_dict) would, into `path`. The record folder
// inside the zip is the file's stem, as torch names it. Deterministic: no random serialization id.
void write_torch_bin(const fs::path& path, const std::vector<TensorSource>& tensors);

}  // namespace tinyforge
