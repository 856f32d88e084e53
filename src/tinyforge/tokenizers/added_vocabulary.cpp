#include "tinyforge/tokenizers/added_vocabulary.h"

#include <algorithm>

#include "tinyforge/tokenizers/unicode.h"

namespace tinyforge::tokenizers {

size_t AddedVocabulary::add(const std::vector<AddedToken>& list, const Model& model,
                            const Normalizer* normalizer) {
  size_t added = 0;
  for (AddedToken t : list) {
    if (t.content.empty()) continue;
    if (auto it = by_content.find(t.content); it != by_content.end()) {
      tokens[by_id.at(it->second)] =
          AddedToken{it->second, t.content, t.single_word, t.lstrip, t.rstrip, t.normalized, t.special};
      if (t.special) special_contents.insert(t.content);
      continue;
    }
    if (auto id = model.token_to_id(t.content)) {
      t.id = *id;
    } else {
      uint32_t vocab = static_cast<uint32_t>(model.vocab_size());
      uint32_t next = vocab;
      for (auto& [c, id2] : by_content)
        if (id2 >= vocab) next = std::max(next, id2 + 1);
      t.id = next;
    }
    by_content[t.content] = t.id;
    by_id[t.id] = tokens.size();
    if (t.special) special_contents.insert(t.content);
    tokens.push_back(t);
    ++added;
  }
  refresh(normalizer);
  return added;
}

const std::string& AddedVocabulary::text_of(uint32_t id) const {
  if (auto it = normalized_.find(id); it != normalized_.end()) return it->second;
  return tokens[by_id.at(id)].content;
}

void AddedVocabulary::refresh(const Normalizer* normalizer) {
  patterns_[0].clear();
  patterns_[1].clear();
  normalized_.clear();
  for (auto& table : first_byte_) std::fill(std::begin(table), std::end(table), false);
  for (size_t i = 0; i < tokens.size(); ++i) {
    const AddedToken& t = tokens[i];
    std::string text = t.content;
    if (t.normalized && normalizer) {
      NormalizedString n = NormalizedString::from_original(text);
      normalizer->normalize(n);
      text = n.normalized;
      if (text != t.content) normalized_[t.id] = text;
    }
    if (text.empty()) continue;
    patterns_[t.normalized ? 1 : 0].push_back({text, t.id, i});
    first_byte_[t.normalized ? 1 : 0][static_cast<unsigned char>(text[0])] = true;
  }
}

std::vector<std::pair<Offsets, std::optional<uint32_t>>> AddedVocabulary::split(const std::string& s,
                                                                                bool normalized_kind) const {
  const auto& patterns = patterns_[normalized_kind ? 1 : 0];
  std::vector<std::pair<Offsets, std::optional<uint32_t>>> out;
  if (patterns.empty()) {
    if (!s.empty()) out.push_back({{0, s.size()}, std::nullopt});
    return out;
  }
  auto is_word = unicode::is_word_char;  // Rust regex \w, as HF's single_word check
  auto last_char = [&](size_t end) {
    size_t b = end;
    while (b > 0 && (static_cast<unsigned char>(s[b - 1]) & 0xC0) == 0x80) --b;
    size_t i = b > 0 ? b - 1 : 0;
    while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
    return unicode::next_char(s, i);
  };
  size_t start_offset = 0, pos = 0;
  while (pos < s.size()) {
    // Leftmost-longest: the first position where some pattern matches, the longest pattern there.
    const Pattern* best = nullptr;
    const bool* first = first_byte_[normalized_kind ? 1 : 0];
    for (; pos < s.size(); ++pos) {
      if (!first[static_cast<unsigned char>(s[pos])]) continue;
      for (auto& p : patterns)
        if (s.compare(pos, p.text.size(), p.text) == 0 && (!best || p.text.size() > best->text.size()))
          best = &p;
      if (best) break;
    }
    if (!best) break;
    size_t start = pos, stop = pos + best->text.size();
    pos = stop;
    const AddedToken& t = tokens[best->index];
    if (t.single_word) {
      bool start_space = start == 0 || !is_word(last_char(start));
      size_t j = stop;
      bool stop_space = stop == s.size() || !is_word(unicode::next_char(s, j));
      if (!start_space || !stop_space) continue;  // HF's matcher resumes after the discarded match
    }
    if (t.lstrip) {
      size_t b = start;
      while (b > start_offset) {
        size_t k = b - 1;
        while (k > 0 && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
        size_t kk = k;
        if (!unicode::is_whitespace(unicode::next_char(s, kk))) break;
        b = k;
      }
      start = std::max(b, start_offset);
    }
    if (t.rstrip) {
      while (stop < s.size()) {
        size_t k = stop;
        if (!unicode::is_whitespace(unicode::next_char(s, k))) break;
        stop = k;
      }
      pos = stop;
    }
    if (start_offset < start) out.push_back({{start_offset, start}, std::nullopt});
    out.push_back({{start, stop}, best->id});
    start_offset = stop;
  }
  if (start_offset < s.size()) out.push_back({{start_offset, s.size()}, std::nullopt});
  return out;
}

}  // namespace tinyforge::tokenizers
