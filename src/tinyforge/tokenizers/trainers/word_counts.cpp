#include "tinyforge/tokenizers/trainers/word_counts.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <stdexcept>

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
    if (!is_valid_utf8(word))
      throw std::runtime_error(where + ": the word is not valid UTF-8; re-encode the file");
    counts[std::string(word)] += count;
  }
  return WordCounts(counts.begin(), counts.end());
}

namespace {
// Returns the code point at `i` and advances it, or -1 when the sequence is malformed.
int64_t next_code_point(std::string_view s, size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  int len = b0 < 0x80 ? 1 : (b0 >> 5) == 6 ? 2 : (b0 >> 4) == 14 ? 3 : (b0 >> 3) == 30 ? 4 : 0;
  if (len == 0 || i + len > s.size()) return -1;
  uint32_t cp = len == 1 ? b0 : len == 2 ? (b0 & 0x1F) : len == 3 ? (b0 & 0x0F) : (b0 & 0x07);
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b >> 6) != 2) return -1;
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  i += len;
  return cp;
}
}  // namespace

bool is_valid_utf8(std::string_view text) {
  for (size_t i = 0; i < text.size();)
    if (next_code_point(text, i) < 0) return false;
  return true;
}

std::vector<char32_t> decode_utf8(std::string_view text) {
  std::vector<char32_t> out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const int64_t cp = next_code_point(text, i);
    if (cp < 0) throw std::runtime_error("invalid UTF-8 in a word");
    out.push_back(static_cast<char32_t>(cp));
  }
  return out;
}

std::string encode_utf8(char32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

std::vector<char32_t> byte_level_alphabet() {
  // GPT-2's bytes_to_unicode: printable Latin-1 bytes map to themselves, the others to 256 + n in order.
  std::vector<char32_t> out;
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    out.push_back(printable ? static_cast<char32_t>(b) : next++);
  }
  return out;
}

}  // namespace tinyforge::tokenizers::trainers
