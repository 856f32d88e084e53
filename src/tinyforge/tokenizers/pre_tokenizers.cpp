// tokenizers/pre_tokenizers: splitting normalized text into words (tokenizer.json "pre_tokenizer").
#include <oniguruma.h>

#include <mutex>
#include <optional>

#include "tinyforge/tokenizers/components.h"
#include "tinyforge/tokenizers/unicode.h"

namespace tinyforge::tokenizers {

// ---- Oniguruma regex -------------------------------------------------------------------------------------
Regex::Regex(const std::string& pattern, const std::string& path) {
  static std::once_flag once;
  std::call_once(once, [] {
    OnigEncoding enc = ONIG_ENCODING_UTF8;
    onig_initialize(&enc, 1);
  });
  OnigErrorInfo info;
  regex_t* re = nullptr;
  auto p = reinterpret_cast<const OnigUChar*>(pattern.data());
  int r = onig_new(&re, p, p + pattern.size(), ONIG_OPTION_NONE, ONIG_ENCODING_UTF8, ONIG_SYNTAX_RUBY, &info);
  if (r != ONIG_NORMAL) {
    OnigUChar msg[ONIG_MAX_ERROR_MESSAGE_LEN];
    onig_error_code_to_str(msg, r, &info);
    throw TokenizerError(path + ": invalid regex \"" + pattern + "\": " + reinterpret_cast<char*>(msg));
  }
  regex_ = re;
}

Regex::~Regex() {
  if (regex_) onig_free(static_cast<regex_t*>(regex_));
}

// Matches as rust-onig's find_iter yields them (HF's SysRegex): empty matches count, except one right where
// the previous match ended.
std::vector<std::pair<Offsets, bool>> Regex::find_matches(const std::string& s) const {
  std::vector<std::pair<Offsets, bool>> out;
  if (s.empty()) return out;  // HF: an empty input has no match
  auto re = static_cast<regex_t*>(regex_);
  OnigRegion* region = onig_region_new();
  auto base = reinterpret_cast<const OnigUChar*>(s.data());
  const OnigUChar* end = base + s.size();
  size_t prev = 0, pos = 0;
  std::optional<size_t> last_match_end;
  while (pos <= s.size()) {
    int r = onig_search(re, base, end, base + pos, end, region, ONIG_OPTION_NONE);
    if (r < 0) break;
    size_t ms = static_cast<size_t>(region->beg[0]), me = static_cast<size_t>(region->end[0]);
    if (me == ms && last_match_end == me) {
      pos += pos < s.size() ? unicode::char_len(static_cast<unsigned char>(s[pos])) : 1;
      continue;
    }
    pos = me;
    last_match_end = me;
    if (prev < ms) out.push_back({{prev, ms}, false});
    out.push_back({{ms, me}, true});
    prev = me;
  }
  onig_region_free(region, 1);
  if (prev < s.size()) out.push_back({{prev, s.size()}, false});
  return out;
}

// ---- byte-level table ------------------------------------------------------------------------------------
const std::vector<std::string>& byte_to_unicode() {
  static const std::vector<std::string> table = [] {
    std::vector<std::string> t(256);
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      bool keep = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      char32_t c = keep ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + n++);
      unicode::append_utf8(t[static_cast<size_t>(b)], c);
    }
    return t;
  }();
  return table;
}

const std::unordered_map<char32_t, unsigned char>& unicode_to_byte() {
  static const std::unordered_map<char32_t, unsigned char> table = [] {
    std::unordered_map<char32_t, unsigned char> t;
    const auto& fwd = byte_to_unicode();
    for (int b = 0; b < 256; ++b) {
      size_t i = 0;
      t[unicode::next_char(fwd[static_cast<size_t>(b)], i)] = static_cast<unsigned char>(b);
    }
    return t;
  }();
  return table;
}

namespace {

using Pieces = std::vector<NormalizedString>;

// Replaces every piece by its sub-pieces.
template <class F>
void split_each(Pieces& pieces, F&& f) {
  Pieces out;
  out.reserve(pieces.size() * 2);
  for (auto& p : pieces) f(p, out);
  pieces = std::move(out);
}

void split_by(const NormalizedString& s, std::vector<std::pair<Offsets, bool>> matches,
              SplitBehavior behavior, bool invert, Pieces& out) {
  if (invert)
    for (auto& m : matches) m.second = !m.second;
  for (auto [b, e] : apply_split_behavior(std::move(matches), behavior)) out.push_back(s.slice(b, e));
}

const char* kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

struct ByteLevelPre : PreTokenizer {
  bool add_prefix_space = true, use_regex = true;
  std::unique_ptr<Regex> re;
  void pre_tokenize(Pieces& pieces) const override {
    split_each(pieces, [&](NormalizedString& s, Pieces& out) {
      if (add_prefix_space && !s.normalized.empty() && s.normalized[0] != ' ') s.prepend(" ");
      if (use_regex)
        split_by(s, re->find_matches(s.normalized), SplitBehavior::Isolated, false, out);
      else
        out.push_back(std::move(s));
    });
    const auto& table = byte_to_unicode();
    for (auto& s : pieces) {
      std::vector<std::pair<char32_t, int>> chars;
      chars.reserve(s.normalized.size());
      for (size_t i = 0; i < s.normalized.size();) {
        size_t len = unicode::char_len(static_cast<unsigned char>(s.normalized[i]));
        for (size_t k = 0; k < len; ++k) {
          size_t j = 0;
          chars.push_back(
              {unicode::next_char(table[static_cast<unsigned char>(s.normalized[i + k])], j), k > 0 ? 1 : 0});
        }
        i += len;
      }
      s.transform(chars, 0);
    }
  }
};

struct PredicateSplit : PreTokenizer {
  std::vector<std::pair<std::function<bool(char32_t)>, SplitBehavior>> steps;
  void pre_tokenize(Pieces& pieces) const override {
    for (const auto& step : steps)  // not a structured binding: clang 14 (the fuzzers) cannot capture one
      split_each(pieces, [&](NormalizedString& s, Pieces& out) {
        split_by(s, char_matches(s.normalized, step.first), step.second, false, out);
      });
  }
};

struct PatternSplit : PreTokenizer {
  SplitPattern pattern;
  SplitBehavior behavior = SplitBehavior::Isolated;
  bool invert = false;
  void pre_tokenize(Pieces& pieces) const override {
    split_each(pieces, [&](NormalizedString& s, Pieces& out) {
      split_by(s, pattern.find_matches(s.normalized), behavior, invert, out);
    });
  }
};

struct Metaspace : PreTokenizer {
  std::string replacement = "\xE2\x96\x81";
  std::string prepend_scheme = "always";
  bool split = true;
  void pre_tokenize(Pieces& pieces) const override {
    char32_t rep;
    {
      size_t i = 0;
      rep = unicode::next_char(replacement, i);
    }
    split_each(pieces, [&](NormalizedString& s, Pieces& out) {
      s.map_chars([&](char32_t c, std::vector<std::pair<char32_t, int>>& o) {
        if (c == U' ') {
          std::u32string r = unicode::to_u32(replacement);
          for (size_t k = 0; k < r.size(); ++k) o.push_back({r[k], k > 0 ? 1 : 0});
        } else {
          o.push_back({c, 0});
        }
      });
      bool starts = s.normalized.rfind(replacement, 0) == 0;
      if (prepend_scheme == "always" && !starts) s.prepend(replacement);
      if (prepend_scheme == "first" && !starts && !s.align.empty() && s.align[0].first == 0)
        s.prepend(replacement);
      if (split)
        split_by(s, char_matches(s.normalized, [rep](char32_t c) { return c == rep; }),
                 SplitBehavior::MergedWithNext, false, out);
      else
        out.push_back(std::move(s));
    });
  }
};

// `\w+|[^\w\s]+` with Rust regex classes (HF uses the regex crate here, whose \w includes Join_Control).
struct WhitespacePre : PreTokenizer {
  void pre_tokenize(Pieces& pieces) const override {
    split_each(pieces, [&](NormalizedString& s, Pieces& out) {
      int run = 0;  // 0 none, 1 word, 2 other
      size_t start = 0;
      for (size_t i = 0; i < s.normalized.size();) {
        size_t b = i;
        char32_t c = unicode::next_char(s.normalized, i);
        int kind = unicode::is_word_char(c) ? 1 : unicode::is_whitespace(c) ? 0 : 2;
        if (kind != run) {
          if (run) out.push_back(s.slice(start, b));
          run = kind;
          start = b;
        }
      }
      if (run) out.push_back(s.slice(start, s.normalized.size()));
    });
  }
};

struct SequencePre : PreTokenizer {
  std::vector<std::unique_ptr<PreTokenizer>> items;
  void pre_tokenize(Pieces& pieces) const override {
    for (auto& p : items) p->pre_tokenize(pieces);
  }
};

bool numeric(char32_t c) { return unicode::is_numeric(c); }  // Rust char::is_numeric, not only ASCII

}  // namespace

std::vector<std::pair<Offsets, bool>> SplitPattern::find_matches(const std::string& s) const {
  if (regex) return regex->find_matches(s);
  std::vector<std::pair<Offsets, bool>> pieces;
  if (s.empty()) return pieces;
  if (literal.empty()) {  // HF compiles the escaped literal: "" matches (empty) at every char boundary
    for (size_t i = 0;; i += unicode::char_len(static_cast<unsigned char>(s[i]))) {
      if (i > 0) pieces.push_back({{pieces.back().first.first, i}, false});
      pieces.push_back({{i, i}, true});
      if (i >= s.size()) break;
    }
    return pieces;
  }
  size_t prev = 0;
  for (size_t p = s.find(literal); p != std::string::npos; p = s.find(literal, p)) {
    if (prev < p) pieces.push_back({{prev, p}, false});
    pieces.push_back({{p, p + literal.size()}, true});
    p += literal.size();
    prev = p;
  }
  if (prev < s.size()) pieces.push_back({{prev, s.size()}, false});
  return pieces;
}

SplitPattern parse_split_pattern(const OJson& pattern, const std::string& path) {
  SplitPattern p;
  if (pattern.contains("Regex"))
    p.regex = std::make_shared<Regex>(get_string(pattern, "Regex", path + ".pattern"), path);
  else
    p.literal = get_string(pattern, "String", path + ".pattern");
  return p;
}

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const OJson& j, const std::string& path) {
  if (!j.is_object()) throw TokenizerError(path + ": expected an object");
  std::string type = get_string(j, "type", path);
  std::unique_ptr<PreTokenizer> p;
  if (type == "ByteLevel") {
    auto b = std::make_unique<ByteLevelPre>();
    b->add_prefix_space = get_bool(j, "add_prefix_space", path, true);
    b->use_regex = get_bool(j, "use_regex", path, true);
    if (b->use_regex) b->re = std::make_unique<Regex>(kGpt2Pattern, path);
    p = std::move(b);
  } else if (type == "BertPreTokenizer") {
    auto s = std::make_unique<PredicateSplit>();
    s->steps.push_back({unicode::is_whitespace, SplitBehavior::Removed});
    s->steps.push_back({unicode::is_bert_punctuation, SplitBehavior::Isolated});
    p = std::move(s);
  } else if (type == "WhitespaceSplit") {
    auto s = std::make_unique<PredicateSplit>();
    s->steps.push_back({unicode::is_whitespace, SplitBehavior::Removed});
    p = std::move(s);
  } else if (type == "Whitespace") {
    p = std::make_unique<WhitespacePre>();
  } else if (type == "Punctuation") {
    auto s = std::make_unique<PredicateSplit>();
    s->steps.push_back(
        {unicode::is_bert_punctuation,
         parse_split_behavior(get_string(j, "behavior", path, "Isolated"), path + ".behavior")});
    p = std::move(s);
  } else if (type == "Digits") {
    auto s = std::make_unique<PredicateSplit>();
    bool individual = get_bool(j, "individual_digits", path, false);
    s->steps.push_back({numeric, individual ? SplitBehavior::Isolated : SplitBehavior::Contiguous});
    p = std::move(s);
  } else if (type == "Split") {
    auto s = std::make_unique<PatternSplit>();
    s->pattern = parse_split_pattern(need(j, "pattern", path), path);
    s->behavior = parse_split_behavior(get_string(j, "behavior", path), path + ".behavior");
    s->invert = get_bool(j, "invert", path, false);
    p = std::move(s);
  } else if (type == "Metaspace") {
    auto m = std::make_unique<Metaspace>();
    m->replacement = get_string(j, "replacement", path, "\xE2\x96\x81");
    if (j.contains("prepend_scheme"))
      m->prepend_scheme = get_string(j, "prepend_scheme", path);
    else if (j.contains("add_prefix_space"))
      m->prepend_scheme = get_bool(j, "add_prefix_space", path) ? "always" : "never";
    if (m->prepend_scheme != "always" && m->prepend_scheme != "first" && m->prepend_scheme != "never")
      throw TokenizerError(path + ".prepend_scheme: expected always, first or never, got \"" +
                           m->prepend_scheme + "\"");
    m->split = get_bool(j, "split", path, true);
    p = std::move(m);
  } else if (type == "Sequence") {
    auto s = std::make_unique<SequencePre>();
    const OJson& items = need(j, "pretokenizers", path);
    if (!items.is_array()) throw TokenizerError(path + ".pretokenizers: expected an array");
    for (size_t i = 0; i < items.size(); ++i)
      s->items.push_back(make_pre_tokenizer(items[i], path + ".pretokenizers[" + std::to_string(i) + "]"));
    p = std::move(s);
  } else {
    throw TokenizerError(path + ": unsupported pre_tokenizer type \"" + type + "\"");
  }
  p->spec = j;
  return p;
}

}  // namespace tinyforge::tokenizers
