// checkpoint/inspect: what a repository holds, counted the way PreTrainedModel counts it: parameters with
// num_parameters' only_trainable / exclude_embeddings semantics, bytes per dtype, shards, and the Trainer's
// floating_point_ops estimate (6 x tokens of the main input x non-embedding parameters).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tinyforge/checkpoint/checkpoint.h"
#include "tinyforge/tensor/tensor.h"

namespace tinyforge {

struct Inspection {
  std::string model_type, architecture;
  bool roles_known = false;  // the family is in our catalog: buffers and embedding weights are known
  // Element counts by kind. Tied copies are not saved, so each shared parameter counts once, as in torch.
  // Every loaded parameter is trainable (from_pretrained even un-freezes Whisper's encoder positions).
  uint64_t parameters = 0, embedding_parameters = 0, buffers = 0;
  bool tie_word_embeddings = false;                // the output head shares the input embedding (saved once)
  std::map<std::string, uint64_t> bytes_by_dtype;  // "F32" -> bytes
  std::vector<std::pair<std::string, uint64_t>> files;  // weight file -> bytes of tensor data
  std::string main_input_name;  // input_ids, pixel_values, input_features, input_values

  uint64_t num_parameters(bool only_trainable = false, bool exclude_embeddings = false) const;
  // The main input's shape for a batch (text: [batch, sequence]; vision: [batch, channels, size, size]; ...).
  Shape main_input_shape(int64_t batch_size, int64_t sequence_length) const;
  // Trainer.floating_point_ops: 6 x numel(main input) x num_parameters(exclude_embeddings=True).
  uint64_t floating_point_ops(int64_t batch_size, int64_t sequence_length) const;

  Json resolved_config;  // defaults + config.json + derived fields (for shapes)
  // load_sharded_checkpoint's check against the tensors save_pretrained writes for this architecture
  // (empty when the model type is not ours).
  KeyCheck keys;
};

Inspection inspect_checkpoint(const Checkpoint& checkpoint);

// The same as JSON (what `tinyforge inspect --json` prints).
Json inspection_json(const Inspection& inspection, int64_t batch_size, int64_t sequence_length);

// The family's tensor specs for a saved config (state-dict order), or empty when the model type is not ours.
std::vector<TensorSpec> family_tensors_for(const Json& saved_config, Json* resolved = nullptr);

}  // namespace tinyforge
