// tokenizers/components: the stage interfaces of the pipeline; each stage's components live in their own file
// (normalizers, pre_tokenizers, models, post_processors, decoders) with one factory from tokenizer.json.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "tinyforge/tokenizers/normalized_string.h"
#include "tinyforge/tokenizers/tokenizer.h"

namespace tinyforge::tokenizers {

// JSON field helpers that name the path in their errors.
const OJson& need(const OJson& j, const std::string& key, const std::string& path);
std::string get_string(const OJson& j, const std::string& key, const std::string& path,
                       std::optional<std::string> fallback = std::nullopt);
bool get_bool(const OJson& j, const std::string& key, const std::string& path,
              std::optional<bool> fallback = std::nullopt);
std::optional<std::string> get_opt_string(const OJson& j, const std::string& key, const std::string& path);

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(NormalizedString& s) const = 0;
  OJson spec;  // as read (written back verbatim by to_json)
};
std::unique_ptr<Normalizer> make_normalizer(const OJson& j, const std::string& path);

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Splits every piece further (in place).
  virtual void pre_tokenize(std::vector<NormalizedString>& pieces) const = 0;
  OJson spec;
};
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const OJson& j, const std::string& path);

struct Token {
  uint32_t id;
  std::string value;
  Offsets offsets;  // byte range within the word
};

class Model {
 public:
  virtual ~Model() = default;
  virtual void tokenize(const std::string& word, std::vector<Token>& out) const = 0;
  virtual std::optional<uint32_t> token_to_id(const std::string& token) const = 0;
  virtual std::optional<std::string> id_to_token(uint32_t id) const = 0;
  virtual size_t vocab_size() const = 0;
  virtual std::unordered_map<std::string, uint32_t> get_vocab() const = 0;
  virtual OJson to_json() const = 0;
};
std::unique_ptr<Model> make_model(const OJson& j, const std::string& path);

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  virtual Encoding process(Encoding a, std::optional<Encoding> b, bool add_special_tokens) const = 0;
  virtual size_t added_tokens(bool is_pair) const = 0;
  OJson spec;
};
std::unique_ptr<PostProcessor> make_post_processor(const OJson& j, const std::string& path);
// Without a post-processor: the pair is appended as is (windows paired as HF's Encoding::merge_with does).
Encoding default_process(Encoding a, std::optional<Encoding> b);

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual std::vector<std::string> decode_chain(std::vector<std::string> tokens) const = 0;
  OJson spec;
};
std::unique_ptr<Decoder> make_decoder(const OJson& j, const std::string& path);

// The 256 byte ↔ char table of byte-level BPE (GPT-2).
const std::vector<std::string>& byte_to_unicode();
const std::unordered_map<char32_t, unsigned char>& unicode_to_byte();

// Oniguruma regex matching (HF's SysRegex): (byte range, is_match) pieces covering `s`.
class Regex {
 public:
  explicit Regex(const std::string& pattern, const std::string& path);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;
  std::vector<std::pair<Offsets, bool>> find_matches(const std::string& s) const;

 private:
  void* regex_ = nullptr;
};

// The `pattern` of Split, and of the Replace normalizer and decoder: {"Regex": ...} or {"String": ...}. HF
// compiles a String as an escaped regex, so "" matches (empty) at every char boundary.
struct SplitPattern {
  std::shared_ptr<Regex> regex;  // set for a Regex pattern
  std::string literal;           // else the literal string
  // Non-overlapping matches, left to right, as (byte range, is_match) pieces covering `s` (none for "").
  std::vector<std::pair<Offsets, bool>> find_matches(const std::string& s) const;
};
SplitPattern parse_split_pattern(const OJson& pattern, const std::string& path);

}  // namespace tinyforge::tokenizers
