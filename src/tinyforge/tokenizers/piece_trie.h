// tokenizers/piece_trie: finds the vocabulary pieces that start at a position of a text, shortest first — the
// candidate search of Unigram encoding (models.cpp) and of Unigram training (trainers/unigram_lattice).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tinyforge::tokenizers {

// Byte trie over the pieces of a vocabulary. A piece listed twice resolves to its last id, like HF's
// token-to-id map.
class PieceTrie {
 public:
  explicit PieceTrie(const std::vector<std::string>& pieces = {});

  // Calls f(length_in_bytes, id) for every piece that is a prefix of text[start..], shortest first.
  template <class F>
  void for_each_prefix(std::string_view text, size_t start, F&& f) const {
    uint32_t node = 0;
    for (size_t i = start; i < text.size(); ++i) {
      node = child(node, static_cast<unsigned char>(text[i]));
      if (node == kNone) return;
      if (ids_[node] != kNone) f(i + 1 - start, ids_[node]);
    }
  }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  // Edges in an open-addressing table keyed by (node, byte) + 1 (0 marks a free slot): the lookups are the
  // hot loop of training.
  static uint64_t edge_key(uint32_t node, unsigned char byte) { return ((uint64_t{node} << 8) | byte) + 1; }
  size_t slot(uint64_t key) const { return (key * 0x9E3779B97F4A7C15ull) >> shift_; }
  uint32_t child(uint32_t node, unsigned char byte) const {
    const uint64_t key = edge_key(node, byte);
    for (size_t i = slot(key);; i = (i + 1) & mask_) {
      if (keys_[i] == key) return children_[i];
      if (keys_[i] == 0) return kNone;
    }
  }
  void resize(size_t capacity);  // a power of two
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> children_;
  size_t mask_ = 0;
  unsigned shift_ = 64;
  std::vector<uint32_t> ids_;  // per trie node: the piece ending there, or kNone
};

}  // namespace tinyforge::tokenizers
