#include "tinyforge/tokenizers/ordered_json.h"

#include <cmath>
#include <functional>
#include <utility>
#include <vector>

namespace tinyforge::tokenizers {

OJson& ObjectBuilder::operator[](std::string key) {
  auto& items = static_cast<OJson::object_t::Container&>(object_.get_ref<OJson::object_t&>());
  const size_t hash = std::hash<std::string>{}(key);
  auto [first, last] = positions_.equal_range(hash);
  for (auto it = first; it != last; ++it)
    if (items[it->second].first == key) return items[it->second].second;
  positions_.emplace(hash, items.size());
  items.emplace_back(std::move(key), OJson());
  return items.back().second;
}

OJson ObjectBuilder::take() && { return std::move(object_); }

OJson vocab_object(const std::vector<std::string>& pieces) {
  ObjectBuilder vocab;
  for (size_t i = 0; i < pieces.size(); ++i) vocab[pieces[i]] = i;
  return std::move(vocab).take();
}

OJson vocab_object(const std::vector<std::pair<std::string, uint32_t>>& entries) {
  ObjectBuilder vocab;
  for (const auto& [piece, id] : entries) vocab[piece] = id;
  return std::move(vocab).take();
}

namespace {

// nlohmann's SAX events → OJson, each object through an ObjectBuilder.
class Reader {
 public:
  bool null() { return put(nullptr); }
  bool boolean(bool value) { return put(value); }
  bool number_integer(OJson::number_integer_t value) { return put(value); }
  bool number_unsigned(OJson::number_unsigned_t value) { return put(value); }
  bool number_float(OJson::number_float_t value, const OJson::string_t& text) {
    if (!std::isfinite(value)) {  // as nlohmann's own parser: 1e999 does not read as infinity
      error = "number overflow parsing '" + text + "'";
      return false;
    }
    return put(value);
  }
  bool string(OJson::string_t& value) { return put(std::move(value)); }
  bool binary(OJson::binary_t& value) { return put(OJson::binary(std::move(value))); }
  bool start_object(size_t) {
    stack_.emplace_back();
    stack_.back().is_object = true;
    return true;
  }
  bool key(OJson::string_t& key) {
    stack_.back().key = std::move(key);
    return true;
  }
  bool end_object() { return close(std::move(stack_.back().object).take()); }
  bool start_array(size_t) {
    stack_.emplace_back();
    stack_.back().array = OJson::array();
    return true;
  }
  bool end_array() { return close(std::move(stack_.back().array)); }
  bool parse_error(size_t, const std::string&, const OJson::exception& e) {
    error = e.what();
    return false;
  }

  OJson root;
  std::string error;

 private:
  struct Frame {
    bool is_object = false;
    ObjectBuilder object;
    OJson array;
    std::string key;  // of the object's value being read
  };
  std::vector<Frame> stack_;

  bool put(OJson value) {
    if (stack_.empty()) {
      root = std::move(value);
    } else if (Frame& f = stack_.back(); f.is_object) {
      f.object[std::move(f.key)] = std::move(value);
    } else {
      f.array.push_back(std::move(value));
    }
    return true;
  }
  bool close(OJson value) {
    stack_.pop_back();
    return put(std::move(value));
  }
};

}  // namespace

OJson parse_ordered_json(std::string_view text, const std::string& source) {
  Reader reader;
  if (!OJson::sax_parse(text.begin(), text.end(), &reader))
    throw TokenizerError(source + " is not valid JSON: " + reader.error);
  return std::move(reader.root);
}

}  // namespace tinyforge::tokenizers
