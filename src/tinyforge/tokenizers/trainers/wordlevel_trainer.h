// tokenizers/trainers/wordlevel_trainer: HF's WordLevelTrainer — specials, then words by count descending and
// bytes ascending, filtered by min_frequency, cut at vocab_size.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tinyforge/tokenizers/trainers/word_counts.h"

namespace tinyforge::tokenizers::trainers {

struct WordLevelTrainerOptions {
  size_t vocab_size = 30000;
  uint64_t min_frequency = 0;
  std::vector<std::string> special_tokens;
};

struct WordLevelTrainingResult {
  // (piece, id) sorted by id. Like HF, a special token that is also a word takes the word's later id, which
  // leaves a hole in the ids.
  std::vector<std::pair<std::string, uint32_t>> vocab;
  std::vector<std::string> special_tokens;
};

WordLevelTrainingResult train_wordlevel(const WordCounts& words, const WordLevelTrainerOptions& options);

}  // namespace tinyforge::tokenizers::trainers
