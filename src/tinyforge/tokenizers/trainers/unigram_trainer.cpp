#include "tinyforge/tokenizers/trainers/unigram_trainer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "tinyforge/tokenizers/trainers/unigram_lattice.h"
#include "tinyforge/tokenizers/unicode.h"

namespace tinyforge::tokenizers::trainers {

using Piece = std::pair<std::string, double>;

namespace unigram_detail {

double digamma(double x) {
  double result = 0.0;
  while (x < 7.0) {
    result -= 1.0 / x;
    x += 1.0;
  }
  x -= 1.0 / 2.0;
  const double xx = 1.0 / x, xx2 = xx * xx, xx4 = xx2 * xx2;
  result += std::log(x) + (1.0 / 24.0) * xx2 - 7.0 / 960.0 * xx4 + (31.0 / 8064.0) * xx4 * xx2 -
            (127.0 / 30720.0) * xx4 * xx4;
  return result;
}

namespace {

std::string encode(const char32_t* chars, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) unicode::append_utf8(out, chars[i]);
  return out;
}

void to_log_prob(std::vector<Piece>& pieces) {
  double sum = 0.0;
  for (const auto& piece : pieces) sum += piece.second;
  const double logsum = std::log(sum);
  for (auto& piece : pieces) piece.second = std::log(piece.second) - logsum;
}

}  // namespace

std::vector<Piece> seed_pieces(const WordCounts& words, const UnigramTrainerOptions& options) {
  // The words once each (not weighted by count), each followed by the boundary char U+0000, as HF feeds its
  // suffix array; chars are counted with the word counts.
  std::vector<char32_t> text;
  std::unordered_map<char32_t, uint64_t> char_counts;
  for (const auto& [word, count] : words) {
    if (word.empty()) continue;
    for (char32_t c : decode_utf8(word)) {
      text.push_back(c);
      if (c != 0) char_counts[c] += count;
    }
    text.push_back(0);
  }

  // HF takes the internal nodes of the suffix tree (substrings occurring at least twice, followed by at least
  // two different chars) of 2..max_piece_length chars without the boundary. Those depend only on the first
  // max_piece_length + 1 chars of each suffix up to its boundary, so the suffixes are sorted on that key.
  const size_t cap = options.max_piece_length + 1;
  std::vector<uint32_t> suffixes;
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] != 0) suffixes.push_back(static_cast<uint32_t>(i));
  const auto common_prefix = [&](uint32_t a, uint32_t b) {
    size_t k = 0;
    while (k < cap && text[a + k] == text[b + k]) {
      ++k;
      if (text[a + k - 1] == 0) break;
    }
    return k;
  };
  std::sort(suffixes.begin(), suffixes.end(), [&](uint32_t a, uint32_t b) {
    for (size_t k = 0; k < cap; ++k) {
      const char32_t x = text[a + k], y = text[b + k];
      if (x != y) return x < y;
      if (x == 0) return false;
    }
    return false;
  });

  struct Substring {
    uint64_t score;
    uint32_t pos, length;
  };
  std::vector<Substring> substrings;
  const auto report = [&](size_t depth, size_t first, size_t last) {
    if (depth < 2 || depth > options.max_piece_length) return;
    const uint32_t pos = suffixes[first];
    for (size_t k = 0; k < depth; ++k)
      if (text[pos + k] == 0) return;
    substrings.push_back({uint64_t{last - first} * depth, pos, static_cast<uint32_t>(depth)});
  };
  // LCP intervals (depth, first suffix) on a stack; an interval closes when a smaller LCP arrives.
  std::vector<std::pair<size_t, size_t>> stack{{0, 0}};
  for (size_t i = 1; i <= suffixes.size(); ++i) {
    const size_t lcp = i < suffixes.size() ? common_prefix(suffixes[i - 1], suffixes[i]) : 0;
    size_t first = i - 1;
    while (lcp < stack.back().first) {
      const auto [depth, start] = stack.back();
      stack.pop_back();
      report(depth, start, i);
      first = start;
    }
    if (lcp > stack.back().first) stack.push_back({lcp, first});
  }

  std::vector<std::pair<char32_t, uint64_t>> chars(char_counts.begin(), char_counts.end());
  std::sort(chars.begin(), chars.end(), [](const auto& x, const auto& y) {
    return x.second != y.second ? x.second > y.second : x.first > y.first;
  });
  // By score, then by chars, both descending (HF sorts (score, chars) in reverse).
  std::sort(substrings.begin(), substrings.end(), [&](const Substring& x, const Substring& y) {
    if (x.score != y.score) return x.score > y.score;
    return std::lexicographical_compare(text.begin() + y.pos, text.begin() + y.pos + y.length,
                                        text.begin() + x.pos, text.begin() + x.pos + x.length);
  });

  std::vector<Piece> seeds;
  for (const auto& [c, count] : chars) seeds.emplace_back(encode(&c, 1), static_cast<double>(count));
  for (const auto& s : substrings) {
    seeds.emplace_back(encode(text.data() + s.pos, s.length), static_cast<double>(s.score));
    if (seeds.size() >= options.seed_size) break;
  }
  to_log_prob(seeds);
  return seeds;
}

}  // namespace unigram_detail

namespace {

constexpr double kUnkPenalty = 10.0;

// A vocabulary during training: pieces with scores, id 0 the training-time "<UNK>" (score NaN).
class Model {
 public:
  explicit Model(const std::vector<Piece>& pieces) : trie_(piece_strings(pieces)) {
    scores_.reserve(pieces.size());
    min_score_ = std::numeric_limits<double>::infinity();
    for (const auto& [piece, score] : pieces) {
      scores_.push_back(score);
      if (score < min_score_) min_score_ = score;  // NaN never compares less, as in HF
    }
  }
  size_t size() const { return scores_.size(); }
  double min_score() const { return min_score_; }
  void fill(Lattice& lattice, std::string_view text) const {
    const auto n = static_cast<uint32_t>(scores_.size());
    lattice.build(text, trie_, scores_, min_score_ - kUnkPenalty, 0, n + 1, n + 2);
  }

 private:
  static std::vector<std::string> piece_strings(const std::vector<Piece>& pieces) {
    std::vector<std::string> out;
    out.reserve(pieces.size());
    for (const auto& piece : pieces) out.push_back(piece.first);
    return out;
  }
  PieceTrie trie_;
  std::vector<double> scores_;
  double min_score_;
};

// E step: expected count of every piece under the current model.
std::vector<double> expected_counts(const Model& model, const WordCounts& words) {
  std::vector<double> expected(model.size(), 0.0);
  Lattice lattice;
  for (const auto& [word, count] : words) {
    model.fill(lattice, word);
    const double z = lattice.populate_marginal(static_cast<double>(count), expected);
    if (std::isnan(z))
      throw std::invalid_argument("unigram training: the likelihood of word `" + word +
                                  "` is NaN (a word may be too long or contain the training piece <UNK>)");
  }
  return expected;
}

// M step: drops pieces expected less than half a time and rescores the rest with digamma (a sparse prior).
std::vector<Piece> maximize(const std::vector<Piece>& pieces, const std::vector<double>& expected) {
  std::vector<Piece> kept;
  double sum = 0.0;
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (i == 0) {
      kept.emplace_back(pieces[0].first, std::numeric_limits<double>::quiet_NaN());
      continue;
    }
    if (expected[i] < 0.5) continue;
    kept.emplace_back(pieces[i].first, expected[i]);
    sum += expected[i];
  }
  const double logsum = unigram_detail::digamma(sum);
  for (auto& piece : kept) piece.second = unigram_detail::digamma(piece.second) - logsum;
  return kept;
}

// Drops the pieces whose removal costs the least likelihood, assuming each removed piece's occurrences move
// to its second-best segmentation.
std::vector<Piece> prune(const Model& model, const std::vector<Piece>& pieces, const WordCounts& words,
                         const UnigramTrainerOptions& options) {
  const size_t n = pieces.size();
  std::vector<bool> always_keep(n, true);
  std::vector<std::vector<uint32_t>> alternatives(n);
  Lattice lattice;
  for (size_t id = 1; id < n; ++id) {
    model.fill(lattice, pieces[id].first);
    const auto nbests = lattice.nbest(2);
    if (nbests.size() == 1) {
      always_keep[id] = true;
    } else if (nbests[0].size() >= 2) {
      always_keep[id] = false;
    } else if (nbests[0].size() == 1) {
      always_keep[id] = true;
      for (uint32_t node : nbests[1]) alternatives[id].push_back(lattice.node(node).id);
    }
  }
  always_keep[0] = false;

  // Viterbi counts of every piece. They are sums of integers, so exact whatever the order.
  std::vector<double> freq(n, 0.0);
  double vsum = 0.0;
  for (const auto& [word, count] : words) {
    model.fill(lattice, word);
    vsum += static_cast<double>(count);
    for (uint32_t node : lattice.viterbi()) freq[lattice.node(node).id] += static_cast<double>(count);
  }
  double sum = 0.0;
  for (double f : freq) sum += f;
  const double logsum = std::log(sum);

  std::vector<std::pair<size_t, double>> candidates;
  std::vector<Piece> kept{pieces[0]};
  for (size_t id = 1; id < n; ++id) {
    if (freq[id] == 0.0 && !always_keep[id]) continue;  // never on a best path: safe to drop
    if (alternatives[id].empty()) {
      kept.push_back(pieces[id]);
      continue;
    }
    // HF's occurrence frequency (the counts of the words the piece occurs in, per occurrence) equals freq.
    double f = freq[id];
    if (f == 0.0) continue;
    f /= vsum;
    const double logprob_sp = std::log(freq[id]) - logsum;
    // HF multiplies by (number of pieces - 1) where the number of alternatives is meant; kept for parity.
    const double logsum_alt = std::log(sum + freq[id] * static_cast<double>(n - 1));
    double logprob_alt = 0.0;
    for (uint32_t alt : alternatives[id]) logprob_alt += std::log(freq[alt] + freq[id]) - logsum_alt;
    const double loss = f * (logprob_sp - logprob_alt);
    if (std::isnan(loss)) throw std::logic_error("unigram training: NaN pruning loss");
    candidates.emplace_back(id, loss);
  }
  const size_t desired = options.vocab_size * 11 / 10;
  const size_t pruned_size =
      std::max(desired, static_cast<size_t>(static_cast<double>(n) * options.shrinking_factor));
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const auto& x, const auto& y) { return x.second > y.second; });
  for (const auto& [id, loss] : candidates) {
    if (kept.size() == pruned_size) break;
    kept.push_back(pieces[id]);
  }
  return kept;
}

std::vector<char32_t> required_chars(const WordCounts& words, const UnigramTrainerOptions& options) {
  std::unordered_set<char32_t> seen;
  for (const auto& [word, count] : words)
    for (char32_t c : decode_utf8(word)) seen.insert(c);
  seen.insert(options.initial_alphabet.begin(), options.initial_alphabet.end());
  // HF visits them in hash-set order; code point order makes ties reproducible.
  std::vector<char32_t> out(seen.begin(), seen.end());
  std::sort(out.begin(), out.end());
  return out;
}

UnigramTrainingResult finalize(const std::vector<Piece>& model_pieces, double min_score,
                               const std::vector<char32_t>& chars, const UnigramTrainerOptions& options) {
  std::unordered_map<std::string, double> existing;
  for (const auto& [piece, score] : model_pieces) existing[piece] = score;
  std::unordered_set<std::string> inserted{"<UNK>"};  // the training-time unknown piece is dropped
  std::vector<Piece> pieces;
  double penalty = 0.0;
  for (char32_t c : chars) {
    std::string piece;
    unicode::append_utf8(piece, c);
    inserted.insert(piece);
    if (auto it = existing.find(piece); it != existing.end()) {
      pieces.emplace_back(piece, it->second);
    } else {  // a char EM dropped: just below the worst piece
      pieces.emplace_back(piece, min_score + penalty);
      penalty += 0.0001;
    }
  }

  UnigramTrainingResult result;
  bool add_unk = false;
  if (options.unk_token) {
    const auto& specials = options.special_tokens;
    auto it = std::find(specials.begin(), specials.end(), *options.unk_token);
    add_unk = it == specials.end();
    result.unk_id = add_unk ? 0u : static_cast<uint32_t>(it - specials.begin());
  }
  const size_t reserved = options.special_tokens.size() + (add_unk ? 1 : 0);
  if (options.vocab_size < reserved)
    throw std::invalid_argument("unigram training: vocab_size " + std::to_string(options.vocab_size) +
                                " is smaller than the " + std::to_string(reserved) +
                                " special tokens; raise vocab_size");
  const size_t budget = options.vocab_size - reserved;
  for (const auto& [piece, score] : model_pieces) {
    if (!inserted.insert(piece).second) continue;
    pieces.emplace_back(piece, std::isnan(score) ? 0.0 : score);
    if (pieces.size() == budget) break;
  }
  std::stable_sort(pieces.begin(), pieces.end(),
                   [](const Piece& x, const Piece& y) { return x.second > y.second; });

  if (add_unk) result.vocab.emplace_back(*options.unk_token, 0.0);
  for (const auto& token : options.special_tokens) result.vocab.emplace_back(token, 0.0);
  result.vocab.insert(result.vocab.end(), pieces.begin(), pieces.end());
  result.special_tokens = options.special_tokens;
  return result;
}

}  // namespace

UnigramTrainingResult train_unigram(const WordCounts& words, const UnigramTrainerOptions& options) {
  // At 1 or more pruning keeps every candidate, and HF never finishes.
  if (!(options.shrinking_factor >= 0.0 && options.shrinking_factor < 1.0))
    throw std::invalid_argument("unigram training: shrinking_factor must be in [0, 1); HF's default is 0.75");

  std::vector<Piece> pieces{{"<UNK>", std::numeric_limits<double>::quiet_NaN()}};
  for (auto& seed : unigram_detail::seed_pieces(words, options)) pieces.push_back(std::move(seed));

  const std::vector<char32_t> chars = required_chars(words, options);
  if (chars.size() > options.vocab_size)
    throw std::invalid_argument("unigram training: the " + std::to_string(chars.size()) +
                                " distinct chars of the words (and initial alphabet) do not fit vocab_size " +
                                std::to_string(options.vocab_size) + "; raise vocab_size");

  const size_t desired = options.vocab_size * 11 / 10;
  auto model = std::make_unique<Model>(pieces);
  for (;;) {
    const size_t size_before = pieces.size();
    for (uint32_t iteration = 0; iteration < options.n_sub_iterations; ++iteration) {
      pieces = maximize(pieces, expected_counts(*model, words));
      model = std::make_unique<Model>(pieces);
    }
    if (pieces.size() <= desired) break;
    pieces = prune(*model, pieces, words, options);
    model = std::make_unique<Model>(pieces);
    // A round that removed nothing means more pieces have no alternative segmentation than pruning may keep
    // (only possible for a vocab_size of a few entries): HF loops forever there; stop instead.
    if (pieces.size() == size_before) break;
  }
  return finalize(pieces, model->min_score(), chars, options);
}

}  // namespace tinyforge::tokenizers::trainers
