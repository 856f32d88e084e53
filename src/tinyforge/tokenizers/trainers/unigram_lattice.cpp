#include "tinyforge/tokenizers/trainers/unigram_lattice.h"

#include <algorithm>
#include <cmath>

#include "tinyforge/tokenizers/unicode.h"

namespace tinyforge::tokenizers::trainers {

void Lattice::build(std::string_view text, const PieceTrie& trie, const std::vector<double>& scores,
                    double unk_score, uint32_t unk_id, uint32_t bos_id, uint32_t eos_id) {
  len_ = text.size();
  nodes_.clear();
  nodes_.push_back({bos_id, 0, 0, 0.0});
  nodes_.push_back({eos_id, static_cast<uint32_t>(len_), 0, 0.0});
  begin_offsets_.assign(len_ + 1, 0);
  for (size_t pos = 0; pos < len_;) {
    const size_t char_len = std::min(unicode::char_len(static_cast<unsigned char>(text[pos])), len_ - pos);
    begin_offsets_[pos] = nodes_.size();
    bool has_single = false;
    trie.for_each_prefix(text, pos, [&](size_t length, uint32_t id) {
      nodes_.push_back({id, static_cast<uint32_t>(pos), static_cast<uint32_t>(length), scores[id]});
      has_single = has_single || length == char_len;
    });
    if (!has_single)
      nodes_.push_back({unk_id, static_cast<uint32_t>(pos), static_cast<uint32_t>(char_len), unk_score});
    // Non-boundary bytes inside the char begin nothing: their ranges are empty.
    for (size_t p = pos + 1; p < pos + char_len; ++p) begin_offsets_[p] = nodes_.size();
    pos += char_len;
  }
  begin_offsets_[len_] = nodes_.size();

  // end_nodes: bos at 0, then every node at its end, in insertion order.
  end_offsets_.assign(len_ + 2, 0);
  end_offsets_[1] = 1;
  for (size_t k = 2; k < nodes_.size(); ++k) ++end_offsets_[nodes_[k].pos + nodes_[k].length + 1];
  for (size_t p = 1; p < end_offsets_.size(); ++p) end_offsets_[p] += end_offsets_[p - 1];
  end_list_.resize(end_offsets_.back());
  fill_.assign(end_offsets_.begin(), end_offsets_.end() - 1);
  end_list_[fill_[0]++] = kBos;
  for (size_t k = 2; k < nodes_.size(); ++k)
    end_list_[fill_[nodes_[k].pos + nodes_[k].length]++] = static_cast<uint32_t>(k);
}

std::vector<uint32_t> Lattice::viterbi() {
  backtrace_.assign(nodes_.size(), 0.0);
  prev_.assign(nodes_.size(), -1);
  for (size_t pos = 0; pos <= len_; ++pos) {
    if (pos < len_ && begin_first(pos) == begin_last(pos)) continue;  // inside a char
    bool ok = true;
    for_each_begin(pos, [&](uint32_t r) {
      double best = 0.0;
      int64_t best_node = -1;
      for_each_end(pos, [&](uint32_t l) {
        const double score = backtrace_[l] + nodes_[r].score;
        if (best_node < 0 || score > best) {
          best_node = l;
          best = score;
        }
      });
      if (best_node < 0) ok = false;
      prev_[r] = best_node;
      backtrace_[r] = best;
    });
    if (!ok) return {};
  }
  std::vector<uint32_t> path;
  if (prev_[kEos] < 0) return path;
  for (int64_t node = prev_[kEos]; prev_[node] >= 0; node = prev_[node])
    path.push_back(static_cast<uint32_t>(node));
  std::reverse(path.begin(), path.end());
  return path;
}

namespace {

// log(exp(x) + exp(y)) as HF computes it (init_mode: y).
double log_sum_exp(double x, double y, bool init_mode) {
  if (init_mode) return y;
  const double vmin = x > y ? y : x, vmax = x > y ? x : y;
  if (vmax > vmin + 50.0) return vmax;
  return vmax + std::log(std::exp(vmin - vmax) + 1.0);
}

}  // namespace

double Lattice::populate_marginal(double freq, std::vector<double>& expected) {
  alpha_.assign(nodes_.size(), 0.0);
  beta_.assign(nodes_.size(), 0.0);
  // HF starts each sum at the first node of the list, recognised by its vocabulary id.
  for (size_t pos = 0; pos <= len_; ++pos) {
    if (end_offsets_[pos] == end_offsets_[pos + 1]) continue;
    const uint32_t first_id = nodes_[first_end(pos)].id;
    for_each_begin(pos, [&](uint32_t r) {
      for_each_end(pos, [&](uint32_t l) {
        alpha_[r] = log_sum_exp(alpha_[r], nodes_[l].score + alpha_[l], nodes_[l].id == first_id);
      });
    });
  }
  for (size_t pos = len_ + 1; pos-- > 0;) {
    bool any_begin = pos == len_ || begin_first(pos) != begin_last(pos);
    if (!any_begin) continue;
    const uint32_t first_id = pos == len_ ? nodes_[kEos].id : nodes_[begin_first(pos)].id;
    for_each_end(pos, [&](uint32_t l) {
      for_each_begin(pos, [&](uint32_t r) {
        beta_[l] = log_sum_exp(beta_[l], nodes_[r].score + beta_[r], nodes_[r].id == first_id);
      });
    });
  }
  const double z = alpha_[kEos];
  for (size_t k = 2; k < nodes_.size(); ++k) {
    const Node& n = nodes_[k];
    const double total = alpha_[k] + n.score + beta_[k] - z;
    expected[n.id] += freq * std::exp(total);
  }
  return freq * z;
}

namespace {

struct Hypothesis {
  uint32_t node;
  int64_t next;  // index of the following hypothesis in the arena, -1 for none
  double fx, gx;
};

// dary_heap's QuaternaryHeap with HF's Hypothesis ordering: a <= b and a < b both mean a.fx < b.fx, a >= b
// means !(a.fx < b.fx) (its Ord never says Equal). The sift routines are replicated so that hypotheses with
// equal scores come out in HF's order.
class Agenda {
 public:
  bool empty() const { return data_.empty(); }
  size_t size() const { return data_.size(); }
  void push(const Hypothesis& h) {
    data_.push_back(h);
    sift_up(0, data_.size() - 1);
  }
  Hypothesis pop() {
    Hypothesis item = data_.back();
    data_.pop_back();
    if (!data_.empty()) {
      std::swap(item, data_[0]);
      sift_down_to_bottom(0);
    }
    return item;
  }

 private:
  static constexpr size_t kArity = 4;
  static bool less(const Hypothesis& a, const Hypothesis& b) { return a.fx < b.fx; }
  size_t sift_up(size_t start, size_t pos) {
    const Hypothesis hole = data_[pos];
    while (pos > start) {
      const size_t parent = (pos - 1) / kArity;
      if (less(hole, data_[parent])) break;
      data_[pos] = data_[parent];
      pos = parent;
    }
    data_[pos] = hole;
    return pos;
  }
  size_t max_of_two(size_t s) const { return s + (less(data_[s], data_[s + 1]) ? 1 : 0); }
  void sift_down_to_bottom(size_t pos) {
    const size_t end = data_.size(), start = pos;
    const Hypothesis hole = data_[pos];
    size_t child = kArity * pos + 1;
    while (end >= kArity && child <= end - kArity) {
      const size_t a = max_of_two(child), b = max_of_two(child + 2);
      child = less(data_[a], data_[b]) ? b : a;
      data_[pos] = data_[child];
      pos = child;
      child = kArity * pos + 1;
    }
    for (size_t other = child + 1; other < end; ++other)
      if (less(data_[child], data_[other])) child = other;
    if (child < end) {
      data_[pos] = data_[child];
      pos = child;
    }
    data_[pos] = hole;
    sift_up(start, pos);
  }
  std::vector<Hypothesis> data_;
};

}  // namespace

std::vector<std::vector<uint32_t>> Lattice::nbest(size_t n) {
  if (n == 0) return {};
  if (n == 1) return {viterbi()};
  std::vector<std::vector<uint32_t>> hypotheses;
  std::vector<Hypothesis> arena;  // popped hypotheses, referenced by `next`
  Agenda agenda;
  agenda.push({kEos, -1, nodes_[kEos].score, nodes_[kEos].score});
  viterbi();  // fills backtrace_
  const uint32_t bos_id = nodes_[kBos].id;
  while (!agenda.empty()) {
    arena.push_back(agenda.pop());
    const int64_t top = static_cast<int64_t>(arena.size()) - 1;
    const Hypothesis& h = arena.back();
    if (nodes_[h.node].id == bos_id) {
      std::vector<uint32_t> path;
      for (int64_t next = h.next; arena[next].next >= 0; next = arena[next].next)
        path.push_back(arena[next].node);
      hypotheses.push_back(std::move(path));
      if (hypotheses.size() == n) return hypotheses;
      continue;
    }
    const double top_gx = h.gx;
    for_each_end(nodes_[h.node].pos, [&](uint32_t l) {
      agenda.push({l, top, backtrace_[l] + top_gx, nodes_[l].score + top_gx});
    });
    // HF bounds the agenda: past 100000 entries it keeps only the best min(512, 10 n).
    if (agenda.size() > 100000) {
      Agenda kept;
      for (size_t i = 0; i < std::min<size_t>(512, n * 10); ++i) kept.push(agenda.pop());
      agenda = std::move(kept);
    }
  }
  return hypotheses;
}

}  // namespace tinyforge::tokenizers::trainers
