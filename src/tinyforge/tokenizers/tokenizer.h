// tokenizers/tokenizer: a tokenizer.json pipeline (normalizer → pre-tokenizer → model → post-processor, and
// the decoder back), loaded from and written to the JSON HF `tokenizers` uses, encoding as HF's Python API
// reports.
//
//   auto tok = Tokenizer::from_json(read_text("tokenizer.json"));
//   Encoding e = tok.encode("Hello world", std::nullopt, /*add_special_tokens=*/true);
//   std::string text = tok.decode(e.ids, /*skip_special_tokens=*/true);
//
// Invalid UTF-8 input policy: each invalid byte is replaced by U+FFFD before normalization (what Python's
// errors="replace" does), so offsets are in characters of that repaired text. Never crashes, never throws.
#pragma once
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tinyforge::tokenizers {

using OJson = nlohmann::ordered_json;  // key order matters: tokenizer.json is written in a fixed field order

// JSON text as HF writes tokenizer.json (serde_json): compact = `Tokenizer.to_str()`, pretty = indent 2 as
// `save()`; floats (Unigram scores) in ryu's shortest form.
std::string dump_tokenizer_json(const OJson& j, bool pretty = false);

// Any error reading or using a tokenizer; the message names the JSON path (e.g. "model.merges[3]") or
// component.
struct TokenizerError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One encoded sequence (or pair), field for field what `tokenizers.Encoding` exposes in Python.
struct Encoding {
  std::vector<uint32_t> ids;
  std::vector<uint32_t> type_ids;
  std::vector<std::string> tokens;
  std::vector<std::pair<size_t, size_t>> offsets;  // character (code point) offsets into the input text
  std::vector<uint32_t> special_tokens_mask;
  std::vector<uint32_t> attention_mask;
  std::vector<std::optional<uint32_t>> word_ids;  // index of the pre-token each token came from
  std::vector<Encoding> overflowing;
  size_t size() const { return ids.size(); }
};

// One input of a batch: a sequence, or a pair.
struct EncodeInput {
  std::string text;
  std::optional<std::string> pair;
};

struct AddedToken {
  uint32_t id = 0;
  std::string content;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = true;
  bool special = false;
};

struct Truncation {
  std::string direction = "Right";  // "Right" | "Left"
  size_t max_length = 512;
  std::string strategy = "LongestFirst";  // "LongestFirst" | "OnlyFirst" | "OnlySecond"
  size_t stride = 0;
};

struct Padding {
  std::optional<size_t> fixed;  // nullopt = BatchLongest (a single encode then pads nothing)
  std::string direction = "Right";
  std::optional<size_t> pad_to_multiple_of;
  uint32_t pad_id = 0;
  uint32_t pad_type_id = 0;
  std::string pad_token = "[PAD]";
};

// A pre-token of a trainer's word count: the normalized, pre-tokenized piece the model would see.
struct Word {
  std::string text;
  std::pair<size_t, size_t> offsets;  // byte offsets into the original text
};

class Normalizer;
class PreTokenizer;
class Model;
class PostProcessor;
class Decoder;

class Tokenizer {
 public:
  Tokenizer();
  ~Tokenizer();
  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;

  // Parses tokenizer.json text; errors name the JSON path or the unsupported component `type`.
  static Tokenizer from_json(std::string_view text);
  static Tokenizer from_file(const std::string& path);
  // Serializes to tokenizer.json as HF writes it: compact = `Tokenizer.to_str()`, else pretty (indent 2).
  std::string to_json(bool pretty = false) const;
  OJson to_json_value() const;

  // Truncation and padding apply as set below (HF: errors for impossible truncations name the problem).
  Encoding encode(std::string_view text, std::optional<std::string_view> pair = std::nullopt,
                  bool add_special_tokens = true) const;
  // HF's encode_batch: each input encoded, then padded together (BatchLongest = the longest of the batch).
  std::vector<Encoding> encode_batch(const std::vector<EncodeInput>& inputs,
                                     bool add_special_tokens = true) const;
  std::string decode(const std::vector<uint32_t>& ids, bool skip_special_tokens = true) const;

  // Normalize + pre-tokenize `text` the way HF's `Tokenizer.train` does: added tokens are split out and kept
  // as words of their own. The words a trainer counts.
  std::vector<Word> pre_tokenize(std::string_view text) const;
  std::string normalize(std::string_view text) const;

  // Vocabulary: the model's plus added tokens (get_vocab(with_added_tokens=True)).
  std::optional<uint32_t> token_to_id(std::string_view token) const;
  std::optional<std::string> id_to_token(uint32_t id) const;
  size_t vocab_size(bool with_added_tokens = true) const;
  std::unordered_map<std::string, uint32_t> get_vocab(bool with_added_tokens = true) const;
  const std::vector<AddedToken>& added_tokens() const;
  // Adds tokens (ids from the model vocab if present, else appended); returns how many were new.
  size_t add_tokens(const std::vector<AddedToken>& tokens);

  // Pipeline parts (null when absent). A trainer swaps in its model with set_component("model", json).
  const Normalizer* normalizer() const;
  const PreTokenizer* pre_tokenizer() const;
  const Model& model() const;
  const PostProcessor* post_processor() const;
  const Decoder* decoder() const;
  // Replace one stage from its tokenizer.json form (null = remove, not allowed for "model").
  void set_component(const std::string& stage, const OJson& spec);

  std::optional<Truncation> truncation;
  std::optional<Padding> padding;
  // Throws if `t` could never truncate a single sequence (stride not below max_length minus the special
  // tokens), as HF's enable_truncation does.
  void check_truncation(const Truncation& t) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tinyforge::tokenizers
