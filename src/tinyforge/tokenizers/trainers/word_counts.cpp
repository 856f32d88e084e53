#include "tinyforge/tokenizers/trainers/word_counts.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <stdexcept>

#include "tinyforge/tokenizers/components.h"
#include "tinyforge/tokenizers/unicode.h"

namespace tinyforge::tokenizers::trainers {

WordCounts sorted_word_counts(const std::unordered_map<std::string, uint64_t>& counts) {
  WordCounts out(counts.begin(), counts.end());
  std::sort(out.begin(), out.end());
  return out;
}

WordCounts parse_word_counts(const std::string& text, const std::string& source_name) {
  std::map<std::string, uint64_t> counts;
  size_t start = 0, line_number = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    const std::string where = source_name + ":" + std::to_string(line_number);
    const size_t tab = line.rfind('\t');
    if (tab == std::string_view::npos || tab == 0)
      throw std::runtime_error(where + ": expected `word<TAB>count`; write one word and its count per line");
    std::string_view word = line.substr(0, tab), number = line.substr(tab + 1);
    uint64_t count = 0;
    auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), count);
    if (ec != std::errc() || ptr != number.data() + number.size() || count == 0)
      throw std::runtime_error(where + ": count `" + std::string(number) + "` is not a positive integer");
    if (!unicode::is_valid_utf8(word))
      throw std::runtime_error(where + ": the word is not valid UTF-8; re-encode the file");
    counts[std::string(word)] += count;
  }
  return WordCounts(counts.begin(), counts.end());
}

std::vector<char32_t> decode_utf8(std::string_view text) {
  std::vector<char32_t> out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) out.push_back(unicode::next_char(text, i));
  return out;
}

std::vector<char32_t> byte_level_alphabet() {
  std::vector<char32_t> out;
  for (const std::string& c : byte_to_unicode()) out.push_back(decode_utf8(c).front());
  return out;
}

}  // namespace tinyforge::tokenizers::trainers
