// tokenizers/ordered_json: reading and building key-ordered JSON (OJson) in linear time. nlohmann's
// ordered_map searches its keys linearly on every insert, so its own parser and operator[] are quadratic in
// an object's size: 68 s for a 300k-entry vocab. Here a hash index finds repeated keys instead, with
// nlohmann's rule kept: a repeated key stays at its first place and takes its last value.
//
//   OJson j = parse_ordered_json(read_file(path), path);   // TokenizerError "PATH is not valid JSON: ..."
//   ObjectBuilder vocab;
//   vocab["hello"] = 7;
//   model["vocab"] = std::move(vocab).take();
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tinyforge/tokenizers/tokenizer.h"

namespace tinyforge::tokenizers {

// Parses JSON text; errors are TokenizerError "<source> is not valid JSON: <nlohmann's message>".
OJson parse_ordered_json(std::string_view text, const std::string& source);

// An object built key by key.
class ObjectBuilder {
 public:
  // The value under `key`: the one already there, or a new null one appended. Valid until the next call.
  OJson& operator[](std::string key);
  OJson take() &&;

 private:
  OJson object_ = OJson::object();
  std::unordered_multimap<size_t, size_t> positions_;  // hash of a key → its index in object_
};

// A model's vocab object {token: id}: ids in list order, or as given.
OJson vocab_object(const std::vector<std::string>& pieces);
OJson vocab_object(const std::vector<std::pair<std::string, uint32_t>>& entries);

}  // namespace tinyforge::tokenizers
