#include "tinyforge/tokenizers/piece_trie.h"

#include <utility>

namespace tinyforge::tokenizers {

PieceTrie::PieceTrie(const std::vector<std::string>& pieces) {
  resize(16);
  ids_.push_back(kNone);
  size_t edges = 0;
  for (size_t id = 0; id < pieces.size(); ++id) {
    uint32_t node = 0;
    for (unsigned char byte : pieces[id]) {
      const uint64_t key = edge_key(node, byte);
      size_t i = slot(key);
      while (keys_[i] != 0 && keys_[i] != key) i = (i + 1) & mask_;
      if (keys_[i] == 0) {
        keys_[i] = key;
        children_[i] = static_cast<uint32_t>(ids_.size());
        ids_.push_back(kNone);
        if (2 * ++edges > keys_.size()) resize(2 * keys_.size());  // keep the load at most one half
      }
      node = child(node, byte);
    }
    if (node != 0) ids_[node] = static_cast<uint32_t>(id);
  }
}

void PieceTrie::resize(size_t capacity) {
  std::vector<uint64_t> old_keys(capacity, 0);
  std::vector<uint32_t> old_children(capacity, kNone);
  std::swap(old_keys, keys_);
  std::swap(old_children, children_);
  mask_ = capacity - 1;
  shift_ = 64;
  for (size_t c = capacity; c > 1; c /= 2) --shift_;
  for (size_t k = 0; k < old_keys.size(); ++k) {
    if (old_keys[k] == 0) continue;
    size_t i = slot(old_keys[k]);
    while (keys_[i] != 0) i = (i + 1) & mask_;
    keys_[i] = old_keys[k];
    children_[i] = old_children[k];
  }
}

}  // namespace tinyforge::tokenizers
