// tokenizers/trainers/retrain: transformers' `train_new_from_iterator` — retrain a tokenizer.json on new text
// keeping its normalizer, pre-tokenizer, decoder, model options and special tokens, with the post-processor's
// special-token ids remapped to the new vocabulary. Also what `create` uses to shrink a family template.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tinyforge/tokenizers/tokenizer.h"
#include "tinyforge/tokenizers/trainers/word_counts.h"

namespace tinyforge::tokenizers::trainers {

struct RetrainOptions {
  size_t vocab_size = 1024;
  std::vector<std::string> new_special_tokens;  // appended after the tokenizer's own special tokens
  // Plain vocabulary entries placed right after the special tokens but not made added tokens: the
  // byte-fallback pieces <0x00>..<0xFF> of Llama-like tokenizers (not in transformers' method).
  std::vector<std::string> reserved_tokens;
  // Special tokens added after training, at the end of the vocabulary (T5's <extra_id_N> sentinels); they
  // count towards vocab_size.
  std::vector<std::string> appended_special_tokens;
  // Plain (non-special, normalized) added tokens after those, last in the vocabulary (Whisper's timestamp
  // tokens); they count towards vocab_size too.
  std::vector<std::string> appended_tokens;
  // Trainer settings transformers would pass through **kwargs (unset: the trainer's defaults).
  std::optional<size_t> limit_alphabet;
  std::optional<uint64_t> min_frequency;
};

// The words HF's `Tokenizer.train` counts for `lines`: each line normalized and pre-tokenized by `pipeline`.
WordCounts count_training_words(const Tokenizer& pipeline, const std::vector<std::string_view>& lines);

// Retrains `original` (tokenizer.json as JSON) on `lines`. Unsupported models or a post-processor token the
// new vocabulary lacks raise TokenizerError naming the JSON path.
Tokenizer retrain(const OJson& original, const std::vector<std::string_view>& lines,
                  const RetrainOptions& options);

// Lines of corpus files for training: invalid UTF-8 lines are skipped (counted in `skipped_invalid`, first
// one in `first_invalid` as "file:line"), never repaired, so no U+FFFD enters a vocabulary.
struct CorpusLines {
  std::vector<std::string> lines;
  size_t skipped_invalid = 0;
  std::string first_invalid;
  std::vector<std::string_view> views() const { return {lines.begin(), lines.end()}; }
};
CorpusLines read_corpus_files(const std::vector<std::string>& paths);

}  // namespace tinyforge::tokenizers::trainers
