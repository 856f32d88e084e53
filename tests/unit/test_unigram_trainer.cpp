// Unigram trainer pieces on inputs small enough to check by hand: HF's digamma, the seed pieces (suffix-array
// internal nodes), the training lattice (Viterbi, n-best, marginals) and the final vocabulary layout.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <unordered_map>

#include "tinyforge/tokenizers/corpus/default_corpus.h"
#include "tinyforge/tokenizers/trainers/unigram_lattice.h"
#include "tinyforge/tokenizers/trainers/unigram_trainer.h"

namespace tr = tinyforge::tokenizers::trainers;
using tr::unigram_detail::digamma;
using tr::unigram_detail::seed_pieces;

namespace {

std::vector<std::string> pieces_of(const std::vector<std::pair<std::string, double>>& v) {
  std::vector<std::string> out;
  for (const auto& [piece, score] : v) out.push_back(piece);
  return out;
}

}  // namespace

TEST(UnigramDigamma, KnownValuesAndRecurrence) {
  EXPECT_NEAR(digamma(1.0), -std::numbers::egamma, 1e-10);  // HF's series is good to ~5e-11
  EXPECT_NEAR(digamma(0.5), -std::numbers::egamma - 2 * std::numbers::ln2, 1e-10);
  // psi(x + 1) = psi(x) + 1 / x, also across the series branch (x >= 7).
  for (double x : {0.75, 3.0, 6.5, 7.0, 12.25, 1000.0})
    EXPECT_NEAR(digamma(x + 1), digamma(x) + 1 / x, 1e-10) << x;
}

TEST(UnigramSeeds, CharsByCountThenRepeatedSubstringsByFreqTimesLength) {
  // Chars: s, i, ' ' twice each; the rest once (count desc, then code point desc). Substrings: "is " and "s "
  // occur twice and are followed by different chars ('i' / 'a'): scores 2 * 3 and 2 * 2. "is" also occurs
  // twice but always before ' ', so it is no suffix-tree node and no seed.
  tr::UnigramTrainerOptions o;
  const auto seeds = seed_pieces({{"This is a", 1}, {"こんにちは友達", 1}}, o);
  EXPECT_EQ(pieces_of(seeds), (std::vector<std::string>{"s", "i", " ", "達", "友", "ん", "は", "に", "ち",
                                                        "こ", "h", "a", "T", "is ", "s "}));
  const double total = 3 * 2 + 10 * 1 + 6 + 4;
  EXPECT_DOUBLE_EQ(seeds[0].second, std::log(2.0) - std::log(total));
  EXPECT_DOUBLE_EQ(seeds[3].second, std::log(1.0) - std::log(total));
  EXPECT_DOUBLE_EQ(seeds[13].second, std::log(6.0) - std::log(total));
  EXPECT_DOUBLE_EQ(seeds[14].second, std::log(4.0) - std::log(total));
}

TEST(UnigramSeeds, CharsWeightedByCountSubstringsCountedOncePerWord) {
  // a and b: 5 + 1 each; "ab" occurs in two words (freq 2, not weighted), once before the boundary and once
  // before 'c', so it is a node: 2 * 2. Ties between chars go to the larger code point.
  tr::UnigramTrainerOptions o;
  const auto seeds = seed_pieces({{"ab", 5}, {"abc", 1}}, o);
  EXPECT_EQ(pieces_of(seeds), (std::vector<std::string>{"b", "a", "c", "ab"}));
  EXPECT_DOUBLE_EQ(seeds[3].second, std::log(4.0) - std::log(6.0 + 6.0 + 1.0 + 4.0));
}

TEST(UnigramSeeds, MaxPieceLengthAndSeedSize) {
  tr::UnigramTrainerOptions o;
  o.max_piece_length = 2;  // "is " is too long; "s " stays
  auto seeds = seed_pieces({{"This is a", 1}}, o);
  EXPECT_EQ(seeds.back().first, "s ");
  EXPECT_EQ(std::count_if(seeds.begin(), seeds.end(), [](const auto& s) { return s.first == "is "; }), 0);
  o.max_piece_length = 16;
  o.seed_size = 6;  // the 6 chars always go in; the first substring is added before the size is checked
  seeds = seed_pieces({{"This is a", 1}}, o);
  ASSERT_EQ(seeds.size(), 7u);
  EXPECT_EQ(seeds.back().first, "is ");
}

TEST(UnigramLattice, ViterbiNbestAndMarginals) {
  const std::vector<std::string> pieces{"<UNK>", "a", "b", "ab"};
  const std::vector<double> scores{0.0, std::log(0.5), std::log(0.25), std::log(0.25)};
  const tinyforge::tokenizers::PieceTrie trie(pieces);
  tr::Lattice lattice;
  lattice.build("ab", trie, scores, -20.0, 0, 5, 6);
  const auto ids = [&](const std::vector<uint32_t>& path) {
    std::vector<uint32_t> out;
    for (uint32_t node : path) out.push_back(lattice.node(node).id);
    return out;
  };
  EXPECT_EQ(ids(lattice.viterbi()), (std::vector<uint32_t>{3}));  // 0.25 > 0.5 * 0.25
  const auto nbest = lattice.nbest(3);
  ASSERT_EQ(nbest.size(), 2u);
  EXPECT_EQ(ids(nbest[0]), (std::vector<uint32_t>{3}));
  EXPECT_EQ(ids(nbest[1]), (std::vector<uint32_t>{1, 2}));
  // Z = 0.25 + 0.125; P(ab) = 2/3, P(a) = P(b) = 1/3; weighted by freq 3.
  std::vector<double> expected(4, 0.0);
  EXPECT_NEAR(lattice.populate_marginal(3.0, expected), 3 * std::log(0.375), 1e-12);
  EXPECT_NEAR(expected[3], 2.0, 1e-12);
  EXPECT_NEAR(expected[1], 1.0, 1e-12);
  EXPECT_NEAR(expected[2], 1.0, 1e-12);
}

TEST(UnigramLattice, UnknownCharsAndTies) {
  const std::vector<std::string> pieces{"<UNK>", "a", "aa"};
  const tinyforge::tokenizers::PieceTrie trie(pieces);
  tr::Lattice lattice;
  // 'é' (two bytes) has no piece: one unknown node over the whole char, with the given unk score.
  lattice.build("aé", trie, {0.0, -1.0, -1.5}, -11.5, 0, 4, 5);
  auto path = lattice.viterbi();
  ASSERT_EQ(path.size(), 2u);
  EXPECT_EQ(lattice.node(path[1]).id, 0u);
  EXPECT_EQ(lattice.node(path[1]).length, 2u);
  EXPECT_EQ(lattice.node(path[1]).score, -11.5);
  // "aaa": [a, aa] and [aa, a] score exactly the same; the node inserted first at the end ("aa" from 1) wins.
  lattice.build("aaa", trie, {0.0, -1.0, -1.5}, -11.5, 0, 4, 5);
  path = lattice.viterbi();
  ASSERT_EQ(path.size(), 2u);
  EXPECT_EQ(lattice.node(path[0]).id, 1u);
  EXPECT_EQ(lattice.node(path[1]).id, 2u);
}

TEST(UnigramTrainer, SpecialsFirstUnkPlacement) {
  const tr::WordCounts words{{"The", 12}, {"are", 11}};
  tr::UnigramTrainerOptions o;
  o.special_tokens = {"[SEP]", "[CLS]"};
  o.unk_token = "[UNK]";  // not a special token: inserted first with id 0
  auto r = tr::train_unigram(words, o);
  ASSERT_GE(r.vocab.size(), 3u);
  EXPECT_EQ(pieces_of(r.vocab).at(0), "[UNK]");
  EXPECT_EQ(r.vocab[1], (std::pair<std::string, double>{"[SEP]", 0.0}));
  EXPECT_EQ(r.vocab[2], (std::pair<std::string, double>{"[CLS]", 0.0}));
  EXPECT_EQ(r.unk_id, 0u);
  EXPECT_EQ(r.special_tokens, o.special_tokens);  // unk is not added as a special token

  o.special_tokens = {"[SEP]", "[CLS]", "[UNK]"};  // among the specials: stays where it is
  r = tr::train_unigram(words, o);
  EXPECT_EQ(pieces_of(r.vocab).at(2), "[UNK]");
  EXPECT_EQ(r.unk_id, 2u);

  o.special_tokens.clear();
  o.unk_token.reset();
  r = tr::train_unigram(words, o);
  EXPECT_FALSE(r.unk_id.has_value());
  for (const auto& [piece, score] : r.vocab) EXPECT_NE(piece, "<UNK>");  // the training-time unk is dropped
}

TEST(UnigramTrainer, UnreachableVocabKeepsEveryCharSortedByScore) {
  const tr::WordCounts words{{"banana", 3}, {"bandana", 2}, {"nab", 1}};
  tr::UnigramTrainerOptions o;
  o.vocab_size = 1000;
  o.initial_alphabet = {U'z', U'x'};  // not in the words: penalty scores min, min + 1e-4 by code point
  const auto r = tr::train_unigram(words, o);
  EXPECT_LT(r.vocab.size(), 1000u);
  const auto pieces = pieces_of(r.vocab);
  for (const char* c : {"a", "b", "n", "d", "x", "z"})
    EXPECT_NE(std::find(pieces.begin(), pieces.end(), c), pieces.end()) << c;
  for (size_t i = 1; i < r.vocab.size(); ++i) EXPECT_GE(r.vocab[i - 1].second, r.vocab[i].second);
  // Chars EM dropped (x and z surely) get min_score + k * 1e-4, k counting them in code point order; no
  // dropped char lies between x and z.
  const auto x = std::find(pieces.begin(), pieces.end(), "x") - pieces.begin();
  const auto z = std::find(pieces.begin(), pieces.end(), "z") - pieces.begin();
  EXPECT_NEAR(r.vocab[z].second - r.vocab[x].second, 1e-4, 1e-12);
  const double steps = (r.vocab[x].second - r.vocab.back().second) / 1e-4;
  EXPECT_NEAR(steps, std::round(steps), 1e-6);
}

TEST(UnigramTrainer, PrunesToExactlyVocabSize) {
  // ASCII words of the default corpus: far more seed pieces than 300, few enough chars.
  std::unordered_map<std::string, uint64_t> counts;
  for (std::string_view line : tinyforge::tokenizers::corpus::default_corpus_lines()) {
    for (size_t start = 0; start < line.size();) {
      size_t end = line.find(' ', start);
      if (end == std::string_view::npos) end = line.size();
      std::string word(line.substr(start, end - start));
      if (!word.empty() && std::all_of(word.begin(), word.end(), [](char c) { return c > 32 && c < 127; }))
        ++counts[word];
      start = end + 1;
    }
  }
  tr::UnigramTrainerOptions o;
  o.vocab_size = 300;
  o.special_tokens = {"<unk>"};
  o.unk_token = "<unk>";
  const auto r = tr::train_unigram(tr::sorted_word_counts(counts), o);
  ASSERT_EQ(r.vocab.size(), 300u);
  EXPECT_EQ(r.vocab[0], (std::pair<std::string, double>{"<unk>", 0.0}));
  EXPECT_EQ(r.unk_id, 0u);
  size_t multi_char = 0;
  for (size_t i = 1; i < r.vocab.size(); ++i) {
    EXPECT_LT(r.vocab[i].second, 0.0);
    if (i > 1) {
      EXPECT_GE(r.vocab[i - 1].second, r.vocab[i].second);
    }
    multi_char += r.vocab[i].first.size() > 1;
  }
  EXPECT_GT(multi_char, 100u);
}

TEST(UnigramTrainer, VocabTooSmallForTheAlphabetIsAnError) {
  tr::UnigramTrainerOptions o;
  o.vocab_size = 3;
  try {
    tr::train_unigram({{"abcd", 1}}, o);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("4 distinct chars"), std::string::npos) << e.what();
  }
  o.vocab_size = 10;
  o.special_tokens = {"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10"};
  o.unk_token = "<unk>";  // 11 reserved entries
  EXPECT_THROW(tr::train_unigram({{"ab", 1}}, o), std::invalid_argument);
}
