#include "tinyforge/tokenizers/trainers/wordlevel_trainer.h"

#include <algorithm>
#include <unordered_map>

namespace tinyforge::tokenizers::trainers {

WordLevelTrainingResult train_wordlevel(const WordCounts& words, const WordLevelTrainerOptions& options) {
  std::vector<const std::pair<std::string, uint64_t>*> ordered;
  ordered.reserve(words.size());
  for (const auto& entry : words) ordered.push_back(&entry);
  std::sort(ordered.begin(), ordered.end(), [](const auto* x, const auto* y) {
    return x->second != y->second ? x->second > y->second : x->first < y->first;
  });
  std::vector<const std::string*> sequence;
  for (const auto& token : options.special_tokens) sequence.push_back(&token);
  for (const auto* entry : ordered)
    if (entry->second >= options.min_frequency) sequence.push_back(&entry->first);
  if (sequence.size() > options.vocab_size) sequence.resize(options.vocab_size);

  std::unordered_map<std::string, uint32_t> ids;  // later occurrences overwrite, as HF's collect() into a map
  for (size_t i = 0; i < sequence.size(); ++i) ids[*sequence[i]] = static_cast<uint32_t>(i);
  WordLevelTrainingResult result;
  result.vocab.assign(ids.begin(), ids.end());
  std::sort(result.vocab.begin(), result.vocab.end(),
            [](const auto& x, const auto& y) { return x.second < y.second; });
  result.special_tokens = options.special_tokens;
  return result;
}

}  // namespace tinyforge::tokenizers::trainers
