// tokenizers/trainers/unigram_lattice: the segmentation lattice HF's UnigramTrainer works on
// (tokenizers/src/models/unigram/lattice.rs): every piece occurrence in a word as a node, forward-backward
// marginals (E step), Viterbi and n-best paths (pruning). Node order, tie-breaking and the floating-point
// operation order follow HF, because the trainer's output depends on them.
//
// Encoding with a trained model is the job of the Unigram model in tokenizers/models.cpp (HF's
// encode_optimized, a best-path table without nodes); both find pieces with the same PieceTrie. This lattice
// is the training-time one: it also needs per-node scores (n-best) and forward-backward sums.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tinyforge/tokenizers/piece_trie.h"

namespace tinyforge::tokenizers::trainers {

class Lattice {
 public:
  struct Node {
    uint32_t id;   // vocabulary id (bos/eos get ids past the vocabulary)
    uint32_t pos;  // byte offset of the start
    uint32_t length;
    double score;
  };

  // Fills the lattice for `text` as HF's Unigram::populate_nodes does: at each char, the matching pieces
  // shortest first, then an unknown node (unk_id, unk_score) when no piece covers that single char.
  void build(std::string_view text, const PieceTrie& trie, const std::vector<double>& scores,
             double unk_score, uint32_t unk_id, uint32_t bos_id, uint32_t eos_id);

  const Node& node(uint32_t index) const { return nodes_[index]; }

  // The best path, bos/eos excluded (node indices). Ties go to the earlier node, as in HF.
  std::vector<uint32_t> viterbi();
  // Adds freq * P(node) to expected[node.id] for every node; returns freq * log Z.
  double populate_marginal(double freq, std::vector<double>& expected);
  // The n best paths, best first (HF's A* over Viterbi scores, with the same 4-ary heap).
  std::vector<std::vector<uint32_t>> nbest(size_t n);

 private:
  static constexpr uint32_t kBos = 0, kEos = 1;
  // begin_nodes[pos] / end_nodes[pos] of HF, as ranges into nodes_ / end_list_.
  size_t begin_first(size_t pos) const { return begin_offsets_[pos]; }
  size_t begin_last(size_t pos) const { return begin_offsets_[pos + 1]; }
  template <class F>
  void for_each_begin(size_t pos, F&& f) const {
    if (pos == len_) return f(kEos);
    for (size_t k = begin_first(pos); k < begin_last(pos); ++k) f(static_cast<uint32_t>(k));
  }
  template <class F>
  void for_each_end(size_t pos, F&& f) const {
    for (size_t k = end_offsets_[pos]; k < end_offsets_[pos + 1]; ++k) f(end_list_[k]);
  }
  uint32_t first_end(size_t pos) const { return end_list_[end_offsets_[pos]]; }

  size_t len_ = 0;
  std::vector<Node> nodes_;
  std::vector<size_t> begin_offsets_, end_offsets_, fill_;
  std::vector<uint32_t> end_list_;
  std::vector<double> alpha_, beta_, backtrace_;
  std::vector<int64_t> prev_;
};

}  // namespace tinyforge::tokenizers::trainers
