// tokenizers/added_vocabulary: tokens matched verbatim in the input before the model runs (special tokens and
// user-added words), with HF's lstrip/rstrip/single_word/normalized rules and leftmost-longest matching.
#pragma once
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "tinyforge/tokenizers/components.h"

namespace tinyforge::tokenizers {

class AddedVocabulary {
 public:
  std::vector<AddedToken> tokens;  // in id order of addition
  std::unordered_map<std::string, uint32_t> by_content;
  std::unordered_map<uint32_t, size_t> by_id;        // id → index in tokens
  std::unordered_set<std::string> special_contents;  // contents ever added as special (HF never shrinks it)

  // The text decode and id_to_token use: the normalized content for a normalized token (HF's cache).
  const std::string& text_of(uint32_t id) const;

  // Adds tokens, taking ids from the model vocab when present; returns how many were new.
  size_t add(const std::vector<AddedToken>& list, const Model& model, const Normalizer* normalizer);
  void refresh(const Normalizer* normalizer);
  // Splits `s` into (piece, added-token id) with the tokens of the given kind (normalized or not).
  std::vector<std::pair<Offsets, std::optional<uint32_t>>> split(const std::string& s,
                                                                 bool normalized_kind) const;

 private:
  struct Pattern {
    std::string text;
    uint32_t id;
    size_t index;
  };
  std::vector<Pattern> patterns_[2];                      // [0] non-normalized, [1] normalized
  std::unordered_map<uint32_t, std::string> normalized_;  // id → normalized content, where it differs
  bool first_byte_[2][256] = {};  // bytes some pattern starts with (skips most positions)
};

}  // namespace tinyforge::tokenizers
