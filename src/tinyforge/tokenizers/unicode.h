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

bool is_whitespace(char32_t c);        // Rust char::is_whitespace (White_Space property)
bool is_punctuation(char32_t c);       // general category P*
bool is_bert_punctuation(char32_t c);  // ASCII punctuation or P*
bool is_other(char32_t c);             // Cc, Cf, Cs, Co, Cn
bool is_mark_nonspacing(char32_t c);   // Mn
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
