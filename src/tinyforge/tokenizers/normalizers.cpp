// tokenizers/normalizers: the text clean-up stage (tokenizer.json "normalizer").
#include <unicode/uchar.h>

#include <functional>
#include <map>

#include "tinyforge/tokenizers/components.h"
#include "tinyforge/tokenizers/unicode.h"

namespace tinyforge::tokenizers {
namespace {

using Chars = std::vector<std::pair<char32_t, int>>;

// Per-char rewriting where a char may become several (first replaces, others are inserted) or none.
void rewrite(NormalizedString& s, const std::function<void(char32_t, std::u32string&)>& f) {
  Chars chars;
  size_t initial_removed = 0;
  std::u32string buf;
  for (size_t i = 0; i < s.normalized.size();) {
    char32_t c = unicode::next_char(s.normalized, i);
    buf.clear();
    f(c, buf);
    if (buf.empty()) {
      if (chars.empty())
        ++initial_removed;
      else
        chars.back().second -= 1;
      continue;
    }
    for (size_t k = 0; k < buf.size(); ++k) chars.push_back({buf[k], k > 0 ? 1 : 0});
  }
  s.transform(chars, initial_removed);
}

void filter_marks(NormalizedString& s) {
  rewrite(s, [](char32_t c, std::u32string& out) {
    if (!unicode::is_mark_nonspacing(c)) out += c;
  });
}

void lowercase(NormalizedString& s) {
  rewrite(s, [](char32_t c, std::u32string& out) { out += unicode::to_lower(c); });
}

// Unicode normalization, one segment (a starter and its combining marks) at a time so alignments stay local.
void unicode_normalize(NormalizedString& s, const std::string& form) {
  bool ascii = true;
  for (char ch : s.normalized)
    if (static_cast<unsigned char>(ch) >= 0x80) ascii = false;
  if (ascii) return;
  std::u32string all = unicode::to_u32(s.normalized);
  Chars chars;
  size_t i = 0;
  while (i < all.size()) {
    size_t j = i + 1;
    while (j < all.size() && u_getCombiningClass(static_cast<UChar32>(all[j])) != 0) ++j;
    std::u32string seg = unicode::normalize(all.substr(i, j - i), form);
    size_t n_in = j - i;
    // Decomposed extras are inserted after their source; composed-away chars are absorbed by the first char.
    for (size_t k = 0; k < seg.size(); ++k) chars.push_back({seg[k], k < n_in ? 0 : 1});
    if (seg.size() < n_in) chars[chars.size() - seg.size()].second -= static_cast<int>(n_in - seg.size());
    i = j;
  }
  s.transform(chars, 0);
}

struct FnNormalizer : Normalizer {
  std::function<void(NormalizedString&)> fn;
  void normalize(NormalizedString& s) const override { fn(s); }
};

struct SequenceNormalizer : Normalizer {
  std::vector<std::unique_ptr<Normalizer>> items;
  void normalize(NormalizedString& s) const override {
    for (auto& n : items) n->normalize(s);
  }
};

std::unique_ptr<Normalizer> make_fn(std::function<void(NormalizedString&)> fn) {
  auto n = std::make_unique<FnNormalizer>();
  n->fn = std::move(fn);
  return n;
}

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const OJson& j, const std::string& path) {
  if (!j.is_object()) throw TokenizerError(path + ": expected an object");
  std::string type = get_string(j, "type", path);
  std::unique_ptr<Normalizer> n;
  if (type == "Sequence") {
    auto seq = std::make_unique<SequenceNormalizer>();
    const OJson& items = need(j, "normalizers", path);
    if (!items.is_array()) throw TokenizerError(path + ".normalizers: expected an array");
    for (size_t i = 0; i < items.size(); ++i)
      seq->items.push_back(make_normalizer(items[i], path + ".normalizers[" + std::to_string(i) + "]"));
    n = std::move(seq);
  } else if (type == "BertNormalizer") {
    bool clean = get_bool(j, "clean_text", path, true),
         chinese = get_bool(j, "handle_chinese_chars", path, true);
    bool lower = get_bool(j, "lowercase", path, true);
    std::optional<bool> strip;
    if (j.contains("strip_accents") && !j["strip_accents"].is_null())
      strip = get_bool(j, "strip_accents", path);
    bool do_strip = strip.value_or(lower);
    n = make_fn([=](NormalizedString& s) {
      if (clean)
        rewrite(s, [](char32_t c, std::u32string& out) {
          if (c == 0 || c == 0xFFFD) return;
          bool ws = c == '\t' || c == '\n' || c == '\r' || unicode::is_whitespace(c);
          if (!ws && unicode::is_other(c)) return;
          out += ws ? U' ' : c;
        });
      if (chinese)
        rewrite(s, [](char32_t c, std::u32string& out) {
          if (unicode::is_chinese_char(c)) {
            out += U' ';
            out += c;
            out += U' ';
          } else {
            out += c;
          }
        });
      if (do_strip) {
        unicode_normalize(s, "NFD");
        filter_marks(s);
      }
      if (lower) lowercase(s);
    });
  } else if (type == "Lowercase") {
    n = make_fn(lowercase);
  } else if (type == "NFC" || type == "NFD" || type == "NFKC" || type == "NFKD") {
    n = make_fn([type](NormalizedString& s) { unicode_normalize(s, type); });
  } else if (type == "StripAccents") {
    n = make_fn(filter_marks);
  } else if (type == "Strip") {
    bool left = get_bool(j, "strip_left", path, true), right = get_bool(j, "strip_right", path, true);
    n = make_fn([=](NormalizedString& s) {
      std::u32string all = unicode::to_u32(s.normalized);
      size_t b = 0, e = all.size();
      if (left)
        while (b < e && unicode::is_whitespace(all[b])) ++b;
      if (right)
        while (e > b && unicode::is_whitespace(all[e - 1])) --e;
      if (b == 0 && e == all.size()) return;
      Chars chars;
      for (size_t k = b; k < e; ++k) chars.push_back({all[k], 0});
      if (!chars.empty()) chars.back().second -= static_cast<int>(all.size() - e);
      s.transform(chars, b);
    });
  } else if (type == "Prepend") {
    std::string prepend = get_string(j, "prepend", path);
    n = make_fn([prepend](NormalizedString& s) { s.prepend(prepend); });
  } else if (type == "Replace") {
    std::string content = get_string(j, "content", path);
    auto [re, literal] = parse_replace_pattern(need(j, "pattern", path), path);
    n = make_fn([=](NormalizedString& s) {
      std::vector<std::pair<Offsets, bool>> matches;
      if (re) {
        matches = re->find_matches(s.normalized);
      } else if (!literal.empty()) {
        matches = literal_matches(s.normalized, literal);
      }
      bool any = false;
      for (auto& m : matches) any |= m.second;
      if (!any) return;
      // Each match: the new content's chars replace the match's chars (extra ones inserted / removed).
      Chars chars;
      size_t initial_removed = 0;
      std::u32string rep = unicode::to_u32(content);
      for (auto& [o, is_match] : matches) {
        if (!is_match) {
          for (size_t i = o.first; i < o.second;) chars.push_back({unicode::next_char(s.normalized, i), 0});
          continue;
        }
        size_t old_size = 0;
        for (size_t i = o.first; i < o.second;
             i += unicode::char_len(static_cast<unsigned char>(s.normalized[i])))
          ++old_size;
        // Surplus matched chars go first, so the replacement aligns with the match's last chars (as HF).
        size_t removed = old_size > rep.size() ? old_size - rep.size() : 0;
        if (removed && !chars.empty())
          chars.back().second -= static_cast<int>(removed);
        else
          initial_removed += removed;
        for (size_t k = 0; k < rep.size(); ++k) chars.push_back({rep[k], k < old_size - removed ? 0 : 1});
      }
      s.transform(chars, initial_removed);
    });
  } else {
    throw TokenizerError(path + ": unsupported normalizer type \"" + type + "\"");
  }
  n->spec = j;
  return n;
}

}  // namespace tinyforge::tokenizers
