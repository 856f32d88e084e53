// tokenizers/normalized_string: text under normalization that remembers, for every byte, which bytes of the
// original input it came from — how HF reports offsets into the input whatever the pipeline did to the text.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tinyforge::tokenizers {

using Offsets = std::pair<size_t, size_t>;

struct NormalizedString {
  std::string normalized;
  std::vector<Offsets> align;  // per normalized byte: the original byte range of the char it came from
  size_t origin = 0;           // original byte offset this string starts at (where text inserted at 0 aligns)

  static NormalizedString from_original(const std::string& text, size_t shift = 0);
  bool empty() const { return normalized.empty(); }
  // Rewrites the text char by char: `change` 0 = replaces the next old char, > 0 = inserted (takes the
  // alignment of the previous old byte), < 0 = replaces the next old char and removes -change more.
  // `initial_removed` old chars are dropped before the first new char.
  void transform(const std::vector<std::pair<char32_t, int>>& chars, size_t initial_removed);
  // Applies f to every char: f appends (char, change) pairs.
  void map_chars(const std::function<void(char32_t, std::vector<std::pair<char32_t, int>>&)>& f);
  void prepend(const std::string& s);
  // Replaces every match (is_match pieces of `matches`, which cover the string in order) by `content`; the
  // new chars all align with the match's last char, as HF's NormalizedString::replace.
  void replace_matches(const std::vector<std::pair<Offsets, bool>>& matches, const std::string& content);
  NormalizedString slice(size_t start, size_t end) const;  // normalized byte range
  // Original byte range of a normalized byte range.
  Offsets original_offsets(size_t start, size_t end) const;
};

// How a pattern's matches split a string (HF SplitDelimiterBehavior).
enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };
SplitBehavior parse_split_behavior(const std::string& name, const std::string& path);
const char* split_behavior_name(SplitBehavior b);

// matches: (byte range, is_match) covering the whole string in order. Returns the kept pieces (non-empty).
std::vector<Offsets> apply_split_behavior(std::vector<std::pair<Offsets, bool>> matches,
                                          SplitBehavior behavior);
// Matches of a per-char predicate, each char its own match.
std::vector<std::pair<Offsets, bool>> char_matches(const std::string& s,
                                                   const std::function<bool(char32_t)>& pred);

}  // namespace tinyforge::tokenizers
