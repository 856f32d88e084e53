#include "tinyforge/tokenizers/piece_trie.h"

namespace tinyforge::tokenizers {

PieceTrie::PieceTrie(const std::vector<std::string>& pieces) {
  size_t bytes = 0;
  for (const auto& piece : pieces) bytes += piece.size();
  size_t capacity = 16;
  shift_ = 60;
  while (capacity < 2 * bytes) {
    capacity *= 2;
    --shift_;
  }
  keys_.assign(capacity, 0);
  children_.assign(capacity, kNone);
  mask_ = capacity - 1;
  ids_.push_back(kNone);
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
      }
      node = children_[i];
    }
    if (node != 0) ids_[node] = static_cast<uint32_t>(id);
  }
}

}  // namespace tinyforge::tokenizers
