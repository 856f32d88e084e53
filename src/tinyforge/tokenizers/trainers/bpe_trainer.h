// tokenizers/trainers/bpe_trainer: HF's BpeTrainer (and WordPieceTrainer, which is BPE with a "##" prefix and
// the merges dropped). Same semantics as tokenizers/src/models/bpe/trainer.rs: specials first, alphabet
// sorted by code point, max-heap on pair counts with ties to the smaller (id, id) pair, lazy stale-count
// refresh.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tinyforge/tokenizers/trainers/word_counts.h"

namespace tinyforge::tokenizers::trainers {

struct BpeTrainerOptions {
  size_t vocab_size = 30000;
  uint64_t min_frequency = 0;
  std::vector<std::string> special_tokens;
  std::optional<size_t> limit_alphabet;
  std::vector<char32_t> initial_alphabet;
  std::optional<std::string> continuing_subword_prefix;
  std::optional<std::string> end_of_word_suffix;
  std::optional<size_t> max_token_length;
};

struct BpeTrainingResult {
  std::vector<std::string> vocab;                           // piece of id i at index i
  std::vector<std::pair<std::string, std::string>> merges;  // in rank order
  std::vector<std::string> special_tokens;                  // as given (to add as added tokens)
};

// Words are processed in the given order (sorted_word_counts order), which fixes the ids of prefixed/suffixed
// pieces that HF assigns in hash-map order.
BpeTrainingResult train_bpe(const WordCounts& words, const BpeTrainerOptions& options);

struct WordPieceTrainerOptions {
  size_t vocab_size = 30000;
  uint64_t min_frequency = 0;
  std::vector<std::string> special_tokens;
  std::optional<size_t> limit_alphabet;
  std::vector<char32_t> initial_alphabet;
  std::string continuing_subword_prefix = "##";
  std::optional<std::string> end_of_word_suffix;
};

struct WordPieceTrainingResult {
  std::vector<std::string> vocab;
  std::string continuing_subword_prefix;
  std::vector<std::string> special_tokens;
};

WordPieceTrainingResult train_wordpiece(const WordCounts& words, const WordPieceTrainerOptions& options);

}  // namespace tinyforge::tokenizers::trainers
