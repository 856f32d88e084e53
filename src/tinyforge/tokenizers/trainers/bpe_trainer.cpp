#include "tinyforge/tokenizers/trainers/bpe_trainer.h"

#include <algorithm>
#include <limits>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "tinyforge/tokenizers/unicode.h"

namespace tinyforge::tokenizers::trainers {
namespace {

using PairKey = uint64_t;  // (a << 32) | b: compares like Rust's (u32, u32) tuple
PairKey make_pair_key(uint32_t a, uint32_t b) { return (static_cast<uint64_t>(a) << 32) | b; }
uint32_t first_of(PairKey p) { return static_cast<uint32_t>(p >> 32); }
uint32_t second_of(PairKey p) { return static_cast<uint32_t>(p & 0xFFFFFFFFu); }

struct Symbol {
  uint32_t id;
  size_t len;  // in characters of the original word (prefix/suffix not counted, like HF)
};

struct HeapEntry {
  PairKey pair;
  uint64_t count;
  std::vector<uint32_t> words;  // words that (may) contain the pair
};

// std heap is a max-heap on `less`: higher count first, then the smaller pair.
bool heap_less(const HeapEntry& x, const HeapEntry& y) {
  if (x.count != y.count) return x.count < y.count;
  return x.pair > y.pair;
}

struct Change {
  PairKey pair;
  int delta;
};

// Merges non-overlapping (a, b) left to right, reporting the pair-count changes like HF's Word::merge.
void merge_word(std::vector<Symbol>& s, uint32_t a, uint32_t b, uint32_t replacement, size_t max_length,
                std::vector<Change>& changes) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (!(s[i].id == a && i + 1 < s.size() && s[i + 1].id == b)) continue;
    const Symbol first = s[i], second = s[i + 1];
    const Symbol merged{replacement, first.len + second.len};
    if (i > 0) {
      changes.push_back({make_pair_key(s[i - 1].id, first.id), -1});
      if (s[i - 1].len + merged.len < max_length)
        changes.push_back({make_pair_key(s[i - 1].id, replacement), 1});
    }
    s[i] = merged;
    s.erase(s.begin() + static_cast<std::ptrdiff_t>(i) + 1);
    if (i + 1 < s.size()) {
      changes.push_back({make_pair_key(second.id, s[i + 1].id), -1});
      if (s[i + 1].len + merged.len < max_length)
        changes.push_back({make_pair_key(replacement, s[i + 1].id), 1});
    }
  }
}

class Vocab {
 public:
  uint32_t add(const std::string& piece) {
    auto [it, inserted] = ids_.emplace(piece, static_cast<uint32_t>(pieces_.size()));
    if (inserted) pieces_.push_back(piece);
    return it->second;
  }
  const uint32_t* find(const std::string& piece) const {
    auto it = ids_.find(piece);
    return it == ids_.end() ? nullptr : &it->second;
  }
  size_t size() const { return pieces_.size(); }
  const std::string& operator[](uint32_t id) const { return pieces_[id]; }
  std::vector<std::string> release() { return std::move(pieces_); }

 private:
  std::unordered_map<std::string, uint32_t> ids_;
  std::vector<std::string> pieces_;
};

}  // namespace

BpeTrainingResult train_bpe(const WordCounts& word_counts, const BpeTrainerOptions& options) {
  const size_t max_length = options.max_token_length.value_or(std::numeric_limits<size_t>::max());
  Vocab vocab;
  for (const auto& token : options.special_tokens) vocab.add(token);

  // Alphabet: chars weighted by word count; initial_alphabet forced to the maximum count.
  std::vector<std::vector<char32_t>> decoded;
  decoded.reserve(word_counts.size());
  std::unordered_map<char32_t, uint64_t> char_counts;
  for (const auto& [word, count] : word_counts) {
    decoded.push_back(decode_utf8(word));
    for (char32_t c : decoded.back()) char_counts[c] += count;
  }
  for (char32_t c : options.initial_alphabet) char_counts[c] = std::numeric_limits<uint64_t>::max();
  std::vector<std::pair<char32_t, uint64_t>> kept(char_counts.begin(), char_counts.end());
  if (options.limit_alphabet && kept.size() > *options.limit_alphabet) {
    // HF drops the least frequent with an unstable sort: among equal counts which ones go is unspecified;
    // we drop the larger code points first.
    std::sort(kept.begin(), kept.end(), [](const auto& x, const auto& y) {
      return x.second != y.second ? x.second < y.second : x.first > y.first;
    });
    kept.erase(kept.begin(),
               kept.begin() + static_cast<std::ptrdiff_t>(kept.size() - *options.limit_alphabet));
  }
  std::sort(kept.begin(), kept.end());
  std::unordered_set<char32_t> alphabet;
  for (const auto& [c, count] : kept) {
    {
      std::string piece;
      unicode::append_utf8(piece, c);
      vocab.add(piece);
    }
    alphabet.insert(c);
  }

  // Words as symbol ids; chars outside the alphabet are dropped, prefix/suffix decorate by original position.
  std::vector<std::vector<Symbol>> words(word_counts.size());
  std::vector<uint64_t> counts(word_counts.size());
  for (size_t w = 0; w < word_counts.size(); ++w) {
    counts[w] = word_counts[w].second;
    const auto& chars = decoded[w];
    words[w].reserve(chars.size());
    for (size_t k = 0; k < chars.size(); ++k) {
      if (!alphabet.count(chars[k])) continue;
      std::string piece;
      unicode::append_utf8(piece, chars[k]);
      if (k > 0 && options.continuing_subword_prefix) piece = *options.continuing_subword_prefix + piece;
      if (k + 1 == chars.size() && options.end_of_word_suffix) piece += *options.end_of_word_suffix;
      words[w].push_back({vocab.add(piece), 1});
    }
  }
  decoded.clear();
  decoded.shrink_to_fit();

  // Initial pair counts and the words holding each pair. New (pair, word) occurrences are collected in a flat
  // list: a hash map of lists cleared after every merge would wipe its whole bucket array each time.
  std::unordered_map<PairKey, int64_t> pair_counts;
  std::vector<std::pair<PairKey, uint32_t>> where;
  pair_counts.reserve(words.size() * 2);
  for (size_t w = 0; w < words.size(); ++w) {
    const auto& s = words[w];
    for (size_t k = 0; k + 1 < s.size(); ++k) {
      const PairKey p = make_pair_key(s[k].id, s[k + 1].id);
      pair_counts[p] += static_cast<int64_t>(counts[w]);
      where.emplace_back(p, static_cast<uint32_t>(w));
    }
  }

  std::vector<HeapEntry> heap;
  // Drains `where` into the heap in pair order (each pair's words sorted, once each) so the heap's history
  // (and equal-key order) is reproducible.
  auto drain_where = [&]() {
    std::sort(where.begin(), where.end());
    for (size_t i = 0; i < where.size();) {
      const PairKey p = where[i].first;
      size_t j = i;
      while (j < where.size() && where[j].first == p) ++j;
      if (const int64_t count = pair_counts[p]; count > 0) {
        std::vector<uint32_t> list;
        list.reserve(j - i);
        for (size_t k = i; k < j; ++k)
          if (list.empty() || list.back() != where[k].second) list.push_back(where[k].second);
        heap.push_back({p, static_cast<uint64_t>(count), std::move(list)});
        std::push_heap(heap.begin(), heap.end(), heap_less);
      }
      i = j;
    }
    where.clear();
  };
  drain_where();

  std::vector<std::pair<PairKey, uint32_t>> merges;
  std::vector<Change> changes;
  while (vocab.size() < options.vocab_size && !heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), heap_less);
    HeapEntry top = std::move(heap.back());
    heap.pop_back();
    const auto current = static_cast<uint64_t>(pair_counts[top.pair]);
    if (top.count != current) {  // stale: re-queue with the fresh count
      top.count = current;
      heap.push_back(std::move(top));
      std::push_heap(heap.begin(), heap.end(), heap_less);
      continue;
    }
    if (top.count < 1 || options.min_frequency > top.count) break;

    const uint32_t a = first_of(top.pair), b = second_of(top.pair);
    std::string part_b = vocab[b];
    if (options.continuing_subword_prefix && part_b.starts_with(*options.continuing_subword_prefix))
      part_b.erase(0, options.continuing_subword_prefix->size());
    const uint32_t new_id = vocab.add(vocab[a] + part_b);
    merges.emplace_back(top.pair, new_id);

    for (uint32_t w : top.words) {
      changes.clear();
      merge_word(words[w], a, b, new_id, max_length, changes);
      for (const auto& change : changes) {
        pair_counts[change.pair] += change.delta * static_cast<int64_t>(counts[w]);
        if (change.delta > 0) where.emplace_back(change.pair, w);
      }
    }
    drain_where();
  }

  // HF keeps merges in a map keyed by pair: a pair merged twice keeps its last rank.
  std::unordered_map<PairKey, size_t> last_rank;
  for (size_t r = 0; r < merges.size(); ++r) last_rank[merges[r].first] = r;
  BpeTrainingResult result;
  for (size_t r = 0; r < merges.size(); ++r)
    if (last_rank[merges[r].first] == r)
      result.merges.emplace_back(vocab[first_of(merges[r].first)], vocab[second_of(merges[r].first)]);
  result.vocab = vocab.release();
  result.special_tokens = options.special_tokens;
  return result;
}

WordPieceTrainingResult train_wordpiece(const WordCounts& words, const WordPieceTrainerOptions& options) {
  BpeTrainerOptions bpe;
  bpe.vocab_size = options.vocab_size;
  bpe.min_frequency = options.min_frequency;
  bpe.special_tokens = options.special_tokens;
  bpe.limit_alphabet = options.limit_alphabet;
  bpe.initial_alphabet = options.initial_alphabet;
  bpe.continuing_subword_prefix = options.continuing_subword_prefix;
  bpe.end_of_word_suffix = options.end_of_word_suffix;
  BpeTrainingResult trained = train_bpe(words, bpe);
  return {std::move(trained.vocab), options.continuing_subword_prefix, std::move(trained.special_tokens)};
}

}  // namespace tinyforge::tokenizers::trainers
