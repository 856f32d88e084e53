#include "tinyforge/tokenizers/normalized_string.h"

#include <stdexcept>

#include "tinyforge/tokenizers/tokenizer.h"
#include "tinyforge/tokenizers/unicode.h"

namespace tinyforge::tokenizers {

NormalizedString NormalizedString::from_original(const std::string& text, size_t shift) {
  NormalizedString n;
  n.normalized = text;
  n.origin = shift;
  n.align.resize(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t len = unicode::char_len(static_cast<unsigned char>(text[i]));
    for (size_t k = 0; k < len && i + k < text.size(); ++k) n.align[i + k] = {shift + i, shift + i + len};
    i += len;
  }
  return n;
}

void NormalizedString::transform(const std::vector<std::pair<char32_t, int>>& chars, size_t initial_removed) {
  std::string out;
  std::vector<Offsets> out_align;
  out.reserve(normalized.size());
  out_align.reserve(normalized.size());
  size_t idx = 0;
  auto skip_char = [&] {
    if (idx < normalized.size()) idx += unicode::char_len(static_cast<unsigned char>(normalized[idx]));
  };
  for (size_t k = 0; k < initial_removed; ++k) skip_char();
  for (auto [c, change] : chars) {
    Offsets a;
    if (change > 0) {
      a = idx > 0 ? align[idx - 1] : Offsets{origin, origin};
    } else {
      a = idx < align.size() ? align[idx] : (align.empty() ? Offsets{0, 0} : align.back());
      skip_char();
      for (int k = 0; k < -change; ++k) skip_char();
    }
    size_t before = out.size();
    unicode::append_utf8(out, c);
    out_align.insert(out_align.end(), out.size() - before, a);
  }
  normalized = std::move(out);
  align = std::move(out_align);
}

void NormalizedString::map_chars(
    const std::function<void(char32_t, std::vector<std::pair<char32_t, int>>&)>& f) {
  std::vector<std::pair<char32_t, int>> chars;
  chars.reserve(normalized.size());
  for (size_t i = 0; i < normalized.size();) f(unicode::next_char(normalized, i), chars);
  transform(chars, 0);
}

void NormalizedString::prepend(const std::string& s) {
  if (normalized.empty()) return;
  std::vector<std::pair<char32_t, int>> chars;
  bool first = true;
  for (size_t i = 0; i < s.size();) {
    chars.push_back({unicode::next_char(s, i), first ? 0 : 1});
    first = false;
  }
  size_t i = 0;
  char32_t next = unicode::next_char(normalized, i);
  chars.push_back({next, 1});
  for (size_t j = i; j < normalized.size();) chars.push_back({unicode::next_char(normalized, j), 0});
  transform(chars, 0);
}

void NormalizedString::replace_matches(const std::vector<std::pair<Offsets, bool>>& matches,
                                       const std::string& content) {
  std::string out;
  std::vector<Offsets> out_align;
  out.reserve(normalized.size());
  out_align.reserve(normalized.size());
  size_t last = 0;
  for (auto& [o, is_match] : matches) {
    if (!is_match) continue;
    out.append(normalized, last, o.first - last);
    out_align.insert(out_align.end(), align.begin() + static_cast<std::ptrdiff_t>(last),
                     align.begin() + static_cast<std::ptrdiff_t>(o.first));
    out += content;
    out_align.insert(out_align.end(), content.size(),
                     o.second > 0 ? align[o.second - 1] : Offsets{origin, origin});
    last = o.second;
  }
  out.append(normalized, last);
  out_align.insert(out_align.end(), align.begin() + static_cast<std::ptrdiff_t>(last), align.end());
  normalized = std::move(out);
  align = std::move(out_align);
}

NormalizedString NormalizedString::slice(size_t start, size_t end) const {
  NormalizedString n;
  n.origin = start < align.size() ? align[start].first : (align.empty() ? origin : align.back().second);
  n.normalized = normalized.substr(start, end - start);
  n.align.assign(align.begin() + static_cast<std::ptrdiff_t>(start),
                 align.begin() + static_cast<std::ptrdiff_t>(end));
  return n;
}

Offsets NormalizedString::original_offsets(size_t start, size_t end) const {
  if (align.empty()) return {0, 0};
  if (start >= end) {
    size_t p = start < align.size() ? align[start].first : align.back().second;
    return {p, p};
  }
  return {align[start].first, align[end - 1].second};
}

SplitBehavior parse_split_behavior(const std::string& name, const std::string& path) {
  if (name == "Removed") return SplitBehavior::Removed;
  if (name == "Isolated") return SplitBehavior::Isolated;
  if (name == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::MergedWithNext;
  if (name == "Contiguous") return SplitBehavior::Contiguous;
  throw TokenizerError(path + ": unknown split behavior \"" + name +
                       "\" (expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous)");
}

const char* split_behavior_name(SplitBehavior b) {
  switch (b) {
    case SplitBehavior::Removed:
      return "Removed";
    case SplitBehavior::Isolated:
      return "Isolated";
    case SplitBehavior::MergedWithPrevious:
      return "MergedWithPrevious";
    case SplitBehavior::MergedWithNext:
      return "MergedWithNext";
    case SplitBehavior::Contiguous:
      return "Contiguous";
  }
  return "";
}

std::vector<Offsets> apply_split_behavior(std::vector<std::pair<Offsets, bool>> matches,
                                          SplitBehavior behavior) {
  std::vector<std::pair<Offsets, bool>> pieces;
  bool previous_match = false;
  switch (behavior) {
    case SplitBehavior::Isolated:
      pieces = std::move(matches);
      break;
    case SplitBehavior::Removed:
      for (auto& m : matches)
        if (!m.second) pieces.push_back(m);
      break;
    case SplitBehavior::MergedWithPrevious:
      for (auto& [o, is_match] : matches) {
        if (is_match && !previous_match && !pieces.empty())
          pieces.back().first.second = o.second;
        else
          pieces.push_back({o, false});
        previous_match = is_match;
      }
      break;
    case SplitBehavior::MergedWithNext:
      for (auto it = matches.rbegin(); it != matches.rend(); ++it) {
        auto [o, is_match] = *it;
        if (is_match && !previous_match && !pieces.empty())
          pieces.back().first.first = o.first;
        else
          pieces.push_back({o, false});
        previous_match = is_match;
      }
      std::reverse(pieces.begin(), pieces.end());
      break;
    case SplitBehavior::Contiguous:
      for (auto& [o, is_match] : matches) {
        if (is_match == previous_match && !pieces.empty())
          pieces.back().first.second = o.second;
        else
          pieces.push_back({o, false});
        previous_match = is_match;
      }
      break;
  }
  std::vector<Offsets> out;
  for (auto& p : pieces)
    if (p.first.first < p.first.second) out.push_back(p.first);
  return out;
}

std::vector<std::pair<Offsets, bool>> char_matches(const std::string& s,
                                                   const std::function<bool(char32_t)>& pred) {
  std::vector<std::pair<Offsets, bool>> out;
  size_t prev = 0;
  for (size_t i = 0; i < s.size();) {
    size_t start = i;
    char32_t c = unicode::next_char(s, i);
    if (pred(c)) {
      if (prev < start) out.push_back({{prev, start}, false});
      out.push_back({{start, i}, true});
      prev = i;
    }
  }
  if (prev < s.size()) out.push_back({{prev, s.size()}, false});
  return out;
}

}  // namespace tinyforge::tokenizers
