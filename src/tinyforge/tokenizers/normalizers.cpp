// tokenizers/normalizers: the text clean-up stage (tokenizer.json "normalizer").
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/utext.h>

#include <cstring>
#include <functional>
#include <map>

#include "tinyforge/tokenizers/components.h"
#include "tinyforge/tokenizers/unicode.h"
#include "tinyforge/util/base64.h"

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

void filter_chars(NormalizedString& s, bool (*drop)(char32_t)) {
  rewrite(s, [drop](char32_t c, std::u32string& out) {
    if (!drop(c)) out += c;
  });
}

void lowercase(NormalizedString& s) {
  rewrite(s, [](char32_t c, std::u32string& out) { out += unicode::to_lower(c); });
}

void unicode_normalize(NormalizedString& s, const std::string& form) {
  bool ascii = true;
  for (char ch : s.normalized)
    if (static_cast<unsigned char>(ch) >= 0x80) ascii = false;
  if (ascii) return;  // no ASCII char decomposes or composes
  s.transform(unicode::normalize_aligned(unicode::to_u32(s.normalized), form), 0);
}

// sentencepiece's precompiled charsmap (HF's spm_precompiled): a little-endian u32 byte size of the trie, the
// trie as a Darts double array of u32 units, then NUL-terminated replacement strings the trie's values index.
class Precompiled : public Normalizer {
 public:
  Precompiled(const std::string& blob, const std::string& path) {
    auto u32_at = [&](size_t pos) {
      uint32_t v = 0;
      for (size_t k = 0; k < 4; ++k)
        v |= static_cast<uint32_t>(static_cast<unsigned char>(blob[pos + k])) << (8 * k);
      return v;
    };
    if (blob.size() < 4) throw TokenizerError(path + ".precompiled_charsmap: too short to hold a trie size");
    size_t trie_bytes = u32_at(0);
    if (trie_bytes / 4 * 4 + 4 > blob.size() || trie_bytes < 4)
      throw TokenizerError(path + ".precompiled_charsmap: trie size " + std::to_string(trie_bytes) +
                           " does not fit the " + std::to_string(blob.size()) + "-byte charsmap");
    units_.resize(trie_bytes / 4);
    for (size_t i = 0; i < units_.size(); ++i) units_[i] = u32_at(4 + 4 * i);
    normalized_ = blob.substr(4 + units_.size() * 4);
    if (!unicode::is_valid_utf8(normalized_))
      throw TokenizerError(path + ".precompiled_charsmap: its replacement strings are not valid UTF-8");
  }

  void normalize(NormalizedString& s) const override {
    std::vector<std::pair<char32_t, int>> chars;
    bool modified = false;
    // HF's bookkeeping: the new chars replace the old ones in order; surplus new chars are inserted (the
    // last ones), and missing ones are removed after the last char written so far (none yet: dropped).
    auto push = [&](std::string_view norm, int old_count) {
      int new_count = 0;
      for (size_t i = 0; i < norm.size(); ++new_count) chars.push_back({unicode::next_char(norm, i), 0});
      int diff = new_count - old_count;
      for (int k = 0; k < diff; ++k) chars[chars.size() - 1 - static_cast<size_t>(k)].second = 1;
      if (diff < 0 && !chars.empty()) chars.back().second += diff;
      modified = true;
    };
    for_each_grapheme(s.normalized, [&](std::string_view g) {
      if (g.size() < 6)
        if (auto norm = transform(g)) return push(*norm, static_cast<int>(unicode::to_u32(g).size()));
      for (size_t i = 0; i < g.size();) {
        size_t start = i;
        char32_t c = unicode::next_char(g, i);
        if (auto norm = transform(g.substr(start, i - start)))
          push(*norm, 1);
        else
          chars.push_back({c, 0});
      }
    });
    if (modified) s.transform(chars, 0);
  }

 private:
  std::vector<uint32_t> units_;
  std::string normalized_;

  static bool has_leaf(uint32_t u) { return (u >> 8) & 1; }
  static uint32_t value(uint32_t u) { return u & 0x7FFFFFFFu; }
  static uint32_t label(uint32_t u) { return u & (0x80000000u | 0xFFu); }
  static size_t offset(uint32_t u) { return static_cast<size_t>(u >> 10) << ((u & (1u << 9)) >> 6); }

  // The replacement of the shortest key that is a prefix of `chunk` (keys stop at a NUL byte).
  std::optional<std::string_view> transform(std::string_view chunk) const {
    size_t node = 0;
    if (units_.empty()) return std::nullopt;
    node ^= offset(units_[0]);
    for (unsigned char c : chunk) {
      if (c == 0) break;
      node ^= c;
      if (node >= units_.size()) return std::nullopt;
      uint32_t unit = units_[node];
      if (label(unit) != c) return std::nullopt;
      node ^= offset(unit);
      if (has_leaf(unit)) {
        if (node >= units_.size()) return std::nullopt;
        size_t start = value(units_[node]);
        if (start > normalized_.size()) return std::nullopt;
        if (start < normalized_.size() && (static_cast<unsigned char>(normalized_[start]) & 0xC0) == 0x80)
          return std::nullopt;  // points inside a char: no valid charsmap does this
        size_t end = normalized_.find('\0', start);
        return std::string_view(normalized_)
            .substr(start, (end == std::string::npos ? normalized_.size() : end) - start);
      }
    }
    return std::nullopt;
  }

  // Extended grapheme clusters (UAX #29), as the unicode-segmentation crate HF uses splits them.
  template <class F>
  static void for_each_grapheme(const std::string& s, F&& f) {
    UErrorCode status = U_ZERO_ERROR;
    UText* text = utext_openUTF8(nullptr, s.data(), static_cast<int64_t>(s.size()), &status);
    UBreakIterator* it = ubrk_open(UBRK_CHARACTER, "", nullptr, 0, &status);
    if (U_SUCCESS(status)) ubrk_setUText(it, text, &status);
    if (U_FAILURE(status)) {  // cannot happen with valid UTF-8; fall back to one grapheme per char
      for (size_t i = 0; i < s.size();) {
        size_t start = i;
        unicode::next_char(s, i);
        f(std::string_view(s).substr(start, i - start));
      }
    } else {
      int32_t prev = ubrk_first(it);
      for (int32_t b = ubrk_next(it); b != UBRK_DONE; prev = b, b = ubrk_next(it))
        f(std::string_view(s).substr(static_cast<size_t>(prev), static_cast<size_t>(b - prev)));
    }
    ubrk_close(it);
    utext_close(text);
  }
};

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
          // HF filters first (NUL, U+FFFD, controls other than \t\n\r), then maps whitespace to ' '.
          bool tab_or_newline = c == '\t' || c == '\n' || c == '\r';
          if (c == 0 || c == 0xFFFD || (!tab_or_newline && unicode::is_other(c))) return;
          out += tab_or_newline || unicode::is_whitespace(c) ? U' ' : c;
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
        filter_chars(s, unicode::is_mark_nonspacing);
      }
      if (lower) lowercase(s);
    });
  } else if (type == "Lowercase") {
    n = make_fn(lowercase);
  } else if (type == "NFC" || type == "NFD" || type == "NFKC" || type == "NFKD") {
    n = make_fn([type](NormalizedString& s) { unicode_normalize(s, type); });
  } else if (type == "Nmt") {
    // sentencepiece's NMT clean-up: drop ASCII controls, map other whitespace-like chars to a space.
    n = make_fn([](NormalizedString& s) {
      rewrite(s, [](char32_t c, std::u32string& out) {
        if ((c >= 0x1 && c <= 0x8) || c == 0xB || (c >= 0xE && c <= 0x1F) || c == 0x7F || c == 0x8F ||
            c == 0x9F)
          return;
        bool space = c == 0x9 || c == 0xA || c == 0xC || c == 0xD || c == 0x1680 ||
                     (c >= 0x200B && c <= 0x200F) || c == 0x2028 || c == 0x2029 || c == 0x2581 ||
                     c == 0xFEFF || c == 0xFFFD;
        out += space ? U' ' : c;
      });
    });
  } else if (type == "Precompiled") {
    const OJson& map = need(j, "precompiled_charsmap", path);
    if (!map.is_string()) throw TokenizerError(path + ".precompiled_charsmap: expected a base64 string");
    std::optional<std::string> blob = base64_decode(map.get<std::string>());
    if (!blob) throw TokenizerError(path + ".precompiled_charsmap: not valid base64");
    n = std::make_unique<Precompiled>(*blob, path);
  } else if (type == "StripAccents") {
    n = make_fn([](NormalizedString& s) { filter_chars(s, unicode::is_combining_mark); });
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
    SplitPattern pattern = parse_split_pattern(need(j, "pattern", path), path);
    n = make_fn([=](NormalizedString& s) { s.replace_matches(pattern.find_matches(s.normalized), content); });
  } else {
    throw TokenizerError(path + ": unsupported normalizer type \"" + type + "\"");
  }
  n->spec = j;
  return n;
}

}  // namespace tinyforge::tokenizers
