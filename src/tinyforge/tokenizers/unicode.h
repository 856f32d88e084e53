// tokenizers/unicode: UTF-8 walking and the Unicode predicates HF's Rust pipeline uses (char::is_whitespace,
// general categories, full lowercase, canonical decomposition), backed by ICU.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tinyforge::tokenizers::unicode {

// Decodes the code point at s[i] (s must be valid UTF-8) and advances i.
char32_t next_char(std::string_view s, size_t& i);
size_t char_len(unsigned char lead);
void append_utf8(std::string& out, char32_t c);
// Replaces each maximal invalid subsequence by U+FFFD (Python's errors="replace", Rust's from_utf8_lossy).
std::string repair_utf8(std::string_view s);
bool is_valid_utf8(std::string_view s);

// HF's Rust crates carry Unicode tables of their own age; `assigned_by(c, 9, 0)` = c exists in Unicode 9.0.
bool assigned_by(char32_t c, int major, int minor);

bool is_whitespace(char32_t c);        // Rust char::is_whitespace (White_Space property)
bool is_punctuation(char32_t c);       // general category P* (unicode_categories: Unicode 8.0)
bool is_bert_punctuation(char32_t c);  // ASCII punctuation or P*
bool is_other(char32_t c);             // unicode_categories' is_other: Cc, Cf, Co (not Cn)
bool is_mark_nonspacing(char32_t c);   // Mn (unicode_categories: Unicode 8.0), BertNormalizer's accents
bool is_combining_mark(char32_t c);    // Mn, Mc, Me (normalization crate: Unicode 9.0), StripAccents
bool is_alphanumeric(char32_t c);      // Rust char::is_alphanumeric
bool is_numeric(char32_t c);
bool is_word_char(char32_t c);  // Rust regex \w (UTS#18: Alphabetic, M, Nd, Pc, Join_Control)           //
                                // Rust char::is_numeric (Nd, Nl, No)
bool is_chinese_char(char32_t c);
// Rust char::to_lowercase / to_uppercase: full mappings without context.
std::u32string to_lower(char32_t c);
std::u32string to_upper(char32_t c);
// A normalization form (NFC, NFD, NFKC, NFKD) of a whole string as (char, change) pairs, change as
// NormalizedString::transform takes it: decomposed extras are inserted (1), a composed pair absorbs its
// second char (-1 per absorbed char), as HF's unicode-normalization-alignments crate computes them.
std::vector<std::pair<char32_t, int>> normalize_aligned(const std::u32string& s, const std::string& form);
std::u32string to_u32(std::string_view s);

}  // namespace tinyforge::tokenizers::unicode
