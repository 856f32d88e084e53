// tokenizers/trainers/word_counts: what every trainer consumes — the pre-tokenized words of a corpus with how
// often each occurs. Kept independent of the pipeline so trainers can be fed from any source (pipeline,
// precomputed counts file, tests).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tinyforge::tokenizers::trainers {

// Unique words sorted by their UTF-8 bytes (= code point order), so training is deterministic where HF
// iterates a hash map.
using WordCounts = std::vector<std::pair<std::string, uint64_t>>;

WordCounts sorted_word_counts(const std::unordered_map<std::string, uint64_t>& counts);

// Parses `word<TAB>count` lines (split at the last tab; empty lines skipped). Words must be valid UTF-8;
// a repeated word adds up. Errors name the source and line.
WordCounts parse_word_counts(const std::string& text, const std::string& source_name);

// The code points of valid UTF-8 `text` (validate with unicode::is_valid_utf8 first).
std::vector<char32_t> decode_utf8(std::string_view text);

// The 256 printable characters ByteLevel maps bytes to (HF `pre_tokenizers.ByteLevel.alphabet()`).
std::vector<char32_t> byte_level_alphabet();

}  // namespace tinyforge::tokenizers::trainers
