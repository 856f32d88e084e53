#include "tinyforge/tokenizers/unicode.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/ustring.h>

#include <algorithm>
#include <optional>
#include <stdexcept>

namespace tinyforge::tokenizers::unicode {

size_t char_len(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  return 4;
}

char32_t next_char(std::string_view s, size_t& i) {
  unsigned char b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) return s[i++], b;
  size_t n = char_len(b);
  char32_t c = b & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
  for (size_t k = 1; k < n && i + k < s.size(); ++k)
    c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += n;
  return c;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

// Length of the valid sequence starting at s[i], or 0 plus the maximal-subpart length in `bad`.
static size_t valid_sequence(std::string_view s, size_t i, size_t& bad) {
  auto at = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b = at(i);
  bad = 1;
  if (b < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b >= 0xC2 && b <= 0xDF)
    n = 2;
  else if (b >= 0xE0 && b <= 0xEF) {
    n = 3;
    if (b == 0xE0) lo = 0xA0;
    if (b == 0xED) hi = 0x9F;
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4;
    if (b == 0xF0) lo = 0x90;
    if (b == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  for (size_t k = 1; k < n; ++k) {
    if (i + k >= s.size()) return 0;
    unsigned char c = at(i + k);
    unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
    if (c < l || c > h) return 0;
    bad = k + 1;
  }
  return n;
}

bool is_valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t bad, n = valid_sequence(s, i, bad);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string repair_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t bad, n = valid_sequence(s, i, bad);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      i += bad;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

bool is_whitespace(char32_t c) {
  if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D);
  return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_WHITE_SPACE);
}

bool assigned_by(char32_t c, int major, int minor) {
  UVersionInfo age;
  u_charAge(static_cast<UChar32>(c), age);
  return age[0] != 0 && (age[0] < major || (age[0] == major && age[1] <= minor));
}

// HF's unicode_categories crate: Unicode 8.0 tables (its is_other: Cc, Cf, Co; unassigned chars are not).
bool is_punctuation(char32_t c) { return u_ispunct(static_cast<UChar32>(c)) && assigned_by(c, 8, 0); }

bool is_bert_punctuation(char32_t c) {
  if (c < 0x80)
    return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
  return is_punctuation(c);
}

bool is_other(char32_t c) {
  int8_t t = u_charType(static_cast<UChar32>(c));
  return t == U_CONTROL_CHAR || t == U_PRIVATE_USE_CHAR || (t == U_FORMAT_CHAR && assigned_by(c, 8, 0));
}

bool is_mark_nonspacing(char32_t c) {
  return u_charType(static_cast<UChar32>(c)) == U_NON_SPACING_MARK && assigned_by(c, 8, 0);
}

bool is_combining_mark(char32_t c) {
  int8_t t = u_charType(static_cast<UChar32>(c));
  return (t == U_NON_SPACING_MARK || t == U_COMBINING_SPACING_MARK || t == U_ENCLOSING_MARK) &&
         assigned_by(c, 9, 0);
}

bool is_alphanumeric(char32_t c) {
  if (c < 0x80) return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
  return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_ALPHABETIC) || is_numeric(c);
}

bool is_word_char(char32_t c) {
  if (c < 0x80) return is_alphanumeric(c) || c == '_';
  int8_t t = u_charType(static_cast<UChar32>(c));
  return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_ALPHABETIC) || t == U_NON_SPACING_MARK ||
         t == U_ENCLOSING_MARK || t == U_COMBINING_SPACING_MARK || t == U_DECIMAL_DIGIT_NUMBER ||
         t == U_CONNECTOR_PUNCTUATION || u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_JOIN_CONTROL);
}

bool is_numeric(char32_t c) {
  int8_t t = u_charType(static_cast<UChar32>(c));
  return t == U_DECIMAL_DIGIT_NUMBER || t == U_LETTER_NUMBER || t == U_OTHER_NUMBER;
}

bool is_chinese_char(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

static std::u32string from_icu(const icu::UnicodeString& u) {
  std::u32string out;
  for (int32_t i = 0; i < u.length();) {
    UChar32 c = u.char32At(i);
    out += static_cast<char32_t>(c);
    i += U16_LENGTH(c);
  }
  return out;
}

static std::u32string change_case(char32_t c, bool lower) {
  if (c < 0x80) {
    if (lower && c >= 'A' && c <= 'Z') return std::u32string(1, c + 32);
    if (!lower && c >= 'a' && c <= 'z') return std::u32string(1, c - 32);
    return std::u32string(1, c);
  }
  UChar src[2], dst[16];
  int32_t len = 0;
  U16_APPEND_UNSAFE(src, len, static_cast<UChar32>(c));
  UErrorCode status = U_ZERO_ERROR;
  int32_t n =
      lower ? u_strToLower(dst, 16, src, len, "", &status) : u_strToUpper(dst, 16, src, len, "", &status);
  if (U_FAILURE(status)) return std::u32string(1, c);
  return from_icu(icu::UnicodeString(dst, n));
}

std::u32string to_lower(char32_t c) { return change_case(c, true); }
std::u32string to_upper(char32_t c) { return change_case(c, false); }

std::vector<std::pair<char32_t, int>> normalize_aligned(const std::u32string& s, const std::string& form) {
  UErrorCode status = U_ZERO_ERROR;
  bool compatible = form == "NFKC" || form == "NFKD", compose = form == "NFC" || form == "NFKC";
  const icu::Normalizer2* decomposer =
      compatible ? icu::Normalizer2::getNFKDInstance(status) : icu::Normalizer2::getNFDInstance(status);
  const icu::Normalizer2* composer = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status)) throw std::runtime_error("ICU normalization data is unavailable");
  // HF's crate carries Unicode 9.0 tables: a char assigned later has no decomposition, class 0 and no
  // composition there.
  auto in_unicode_9 = [](char32_t c) { return assigned_by(c, 9, 0); };
  auto ccc = [&](char32_t c) -> uint8_t {
    if (c < 0x300 || !in_unicode_9(c)) return 0;  // no char below U+0300 combines
    return u_getCombiningClass(static_cast<UChar32>(c));
  };

  // 1. Full decomposition of each char (its first char replaces it, the others are inserted), then the
  //    canonical order: each run of non-starters stably sorted by combining class.
  std::vector<std::pair<char32_t, int>> d;
  d.reserve(s.size());
  size_t pending = 0;
  auto sort_pending = [&] {
    std::stable_sort(d.begin() + static_cast<std::ptrdiff_t>(pending), d.end(),
                     [&](const auto& a, const auto& b) { return ccc(a.first) < ccc(b.first); });
    pending = d.size();
  };
  icu::UnicodeString mapping;
  for (char32_t c : s) {
    std::u32string parts(1, c);
    if (c >= 0xA0 && in_unicode_9(c) && decomposer->getDecomposition(static_cast<UChar32>(c), mapping))
      parts = from_icu(mapping);
    for (size_t k = 0; k < parts.size(); ++k) {
      if (ccc(parts[k]) == 0) sort_pending();
      d.push_back({parts[k], k == 0 ? 0 : 1});
    }
  }
  sort_pending();
  if (!compose) return d;

  // 2. Canonical composition onto the last starter; a composed pair's change is the sum of its parts' minus
  //    one (the second is absorbed). Blocked marks wait in `blocked` and follow their starter.
  std::vector<std::pair<char32_t, int>> out;
  out.reserve(d.size());
  std::optional<std::pair<char32_t, int>> starter;
  int last_ccc = -1;  // class of the last blocked mark, -1 = none
  std::vector<std::pair<char32_t, int>> blocked;
  auto pair_of = [&](char32_t a, char32_t b) -> std::optional<char32_t> {
    UChar32 r = composer->composePair(static_cast<UChar32>(a), static_cast<UChar32>(b));
    if (r < 0 || !in_unicode_9(static_cast<char32_t>(r))) return std::nullopt;
    return static_cast<char32_t>(r);
  };
  for (auto [c, change] : d) {
    uint8_t cls = ccc(c);
    if (!starter) {
      if (cls != 0)
        out.push_back({c, change});
      else
        starter = {c, change};
      continue;
    }
    if (last_ccc >= cls) {  // blocked from the starter
      if (cls == 0) {
        out.push_back(*starter);
        out.insert(out.end(), blocked.begin(), blocked.end());
        blocked.clear();
        starter = {c, change};
        last_ccc = -1;
      } else {
        blocked.push_back({c, change});
        last_ccc = cls;
      }
      continue;
    }
    if (auto r = pair_of(starter->first, c)) {
      starter = {*r, starter->second + change - 1};
      continue;
    }
    if (last_ccc < 0 && cls == 0) {
      out.push_back(*starter);
      starter = {c, change};
      continue;
    }
    blocked.push_back({c, change});
    last_ccc = cls;
  }
  if (starter) out.push_back(*starter);
  out.insert(out.end(), blocked.begin(), blocked.end());
  return out;
}

std::u32string to_u32(std::string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) out += next_char(s, i);
  return out;
}

}  // namespace tinyforge::tokenizers::unicode
