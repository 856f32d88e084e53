// tokenizers/trainers/unigram_trainer: HF's UnigramTrainer (tokenizers/src/models/unigram/trainer.rs):
// seed pieces from the frequent substrings of the words (suffix-array internal nodes, as esaxx finds them),
// EM with the digamma (Bayesian) M step, pruning by the likelihood lost without each piece, then the final
// vocabulary: special tokens (and unk) first, then the required chars and best pieces by score.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tinyforge/tokenizers/trainers/word_counts.h"

namespace tinyforge::tokenizers::trainers {

struct UnigramTrainerOptions {
  size_t vocab_size = 8000;
  uint32_t n_sub_iterations = 2;
  double shrinking_factor = 0.75;
  std::vector<std::string> special_tokens;
  std::vector<char32_t> initial_alphabet;
  std::optional<std::string> unk_token;
  size_t max_piece_length = 16;  // in chars
  size_t seed_size = 1'000'000;
};

struct UnigramTrainingResult {
  std::vector<std::pair<std::string, double>> vocab;  // (piece, score) of id i at index i
  std::optional<uint32_t> unk_id;                     // set when unk_token is
  std::vector<std::string> special_tokens;            // as given (to add as added tokens)
};

// Throws std::invalid_argument when the vocabulary cannot hold every char of the words (HF's
// VocabularyTooSmall) or the options are out of range. Words are processed in the given order; HF iterates a
// hash map, which only moves sums by rounding (see the parity tests for the tolerance).
UnigramTrainingResult train_unigram(const WordCounts& words, const UnigramTrainerOptions& options);

// The steps, exposed for tests.
namespace unigram_detail {
// HF's digamma approximation.
double digamma(double x);
// Seed pieces with log-probability scores: chars by count, then frequent substrings by freq * length.
std::vector<std::pair<std::string, double>> seed_pieces(const WordCounts& words,
                                                        const UnigramTrainerOptions& options);
}  // namespace unigram_detail

}  // namespace tinyforge::tokenizers::trainers
