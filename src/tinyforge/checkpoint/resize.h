// checkpoint/resize: PreTrainedModel.resize_token_embeddings on a repository on disk. Every tensor whose
// shape follows the vocabulary (input embeddings, an untied output head and its bias, Bart's
// final_logits_bias) is resized; kept rows are copied, new rows get the model's own init (the
// mean_resizing=False behaviour), config vocab_size is updated and the tie state is unchanged.
#pragma once
#include <cstdint>

#include "tinyforge/util/fs.h"

namespace tinyforge {

struct ResizeOptions {
  int64_t new_num_tokens = 0;
  int64_t pad_to_multiple_of = 0;  // 0: none; else rounds new_num_tokens up, as transformers does
  uint64_t seed = 0;               // stream of the new rows' random init
};

// Returns the vocabulary size written.
int64_t resize_token_embeddings(const fs::path& dir, const ResizeOptions& options);

}  // namespace tinyforge
