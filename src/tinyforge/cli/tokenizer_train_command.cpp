// cli/tokenizer_train_command: `tinyforge tokenizer train` — trains a tokenizer model with HF's trainer
// semantics from `word<TAB>count` lines or from corpus text (the embedded default corpus when none is given)
// and writes a tokenizer.json; `tinyforge tokenizer retrain` — transformers' train_new_from_iterator.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <unordered_map>

#include "tinyforge/cli/command.h"
#include "tinyforge/tokenizers/corpus/default_corpus.h"
#include "tinyforge/tokenizers/ordered_json.h"
#include "tinyforge/tokenizers/tokenizer.h"
#include "tinyforge/tokenizers/trainers/bpe_trainer.h"
#include "tinyforge/tokenizers/trainers/retrain.h"
#include "tinyforge/tokenizers/trainers/unigram_trainer.h"
#include "tinyforge/tokenizers/trainers/word_counts.h"
#include "tinyforge/tokenizers/trainers/wordlevel_trainer.h"
#include "tinyforge/tokenizers/unicode.h"
#include "tinyforge/util/fs.h"

namespace tinyforge::cli {
namespace {

namespace tk = tinyforge::tokenizers;
namespace tr = tinyforge::tokenizers::trainers;
using OrderedJson = nlohmann::ordered_json;

struct TrainArgs {
  std::string word_counts, model = "bpe", out, pipeline;
  std::vector<std::string> corpus;
  size_t vocab_size = 1024;
  uint64_t min_frequency = 0;
  std::string special_tokens;  // comma-separated; a plain string because CLI11 reads `[a,b]` as a list
  std::optional<size_t> limit_alphabet, max_token_length;
  std::string initial_alphabet;
  bool byte_level_alphabet = false;
  std::optional<std::string> continuing_subword_prefix, end_of_word_suffix, unk_token;
  // Unigram only (HF's defaults).
  uint32_t n_sub_iterations = 2;
  double shrinking_factor = 0.75;
  size_t max_piece_length = 16, seed_size = 1'000'000;
  bool timing = false;
};

OrderedJson added_tokens_json(const std::vector<std::string>& specials, const OrderedJson& vocab) {
  // HF adds the trainer's special tokens as special added tokens (normalized = false).
  OrderedJson out = OrderedJson::array();
  std::vector<std::string> seen;
  for (const auto& token : specials) {
    if (std::find(seen.begin(), seen.end(), token) != seen.end()) continue;
    seen.push_back(token);
    out.push_back({{"id", vocab.at(token)},
                   {"content", token},
                   {"single_word", false},
                   {"lstrip", false},
                   {"rstrip", false},
                   {"normalized", false},
                   {"special", true}});
  }
  return out;
}

OrderedJson tokenizer_json(const OrderedJson& model, const OrderedJson& added_tokens) {
  return {{"version", "1.0"},
          {"truncation", nullptr},
          {"padding", nullptr},
          {"added_tokens", added_tokens},
          {"normalizer", nullptr},
          {"pre_tokenizer", nullptr},
          {"post_processor", nullptr},
          {"decoder", nullptr},
          {"model", model}};
}

OrderedJson optional_json(const std::optional<std::string>& value) {
  return value ? OrderedJson(*value) : OrderedJson(nullptr);
}

// Training lines: the given corpus files, or the embedded default corpus. Invalid UTF-8 lines are skipped
// with a warning; nothing left is an error.
std::vector<std::string_view> training_lines(const std::vector<std::string>& files,
                                             tr::CorpusLines& storage) {
  if (files.empty()) return tinyforge::tokenizers::corpus::default_corpus_lines();
  storage = tr::read_corpus_files(files);
  if (storage.skipped_invalid)
    std::fprintf(stderr, "warning: skipped %zu corpus line(s) that are not valid UTF-8 (first: %s)\n",
                 storage.skipped_invalid, storage.first_invalid.c_str());
  if (storage.lines.empty())
    throw std::runtime_error("the corpus holds no text lines; give --corpus files with UTF-8 text");
  return storage.views();
}

// The words to train on: `word<TAB>count` lines, or corpus lines pre-tokenized by --pipeline's normalizer and
// pre-tokenizer (whitespace split when no pipeline is given).
tr::WordCounts training_words(const TrainArgs& args) {
  if (!args.word_counts.empty()) {
    if (!args.corpus.empty()) throw std::runtime_error("give either --word_counts or --corpus, not both");
    tr::WordCounts words = tr::parse_word_counts(read_file(args.word_counts), args.word_counts);
    if (words.empty())
      throw std::runtime_error(args.word_counts + " holds no words; give a non-empty word count file");
    return words;
  }
  tk::Tokenizer pipeline = args.pipeline.empty()
                               ? tk::Tokenizer::from_json(R"({"pre_tokenizer":{"type":"WhitespaceSplit"},
                                   "model":{"type":"WordLevel","vocab":{},"unk_token":"<unk>"}})")
                               : tk::Tokenizer::from_file(args.pipeline);
  tr::CorpusLines storage;
  tr::WordCounts words = tr::count_training_words(pipeline, training_lines(args.corpus, storage));
  if (words.empty())
    throw std::runtime_error("the corpus yields no words; give text that is not only spaces");
  return words;
}

int run_train(const TrainArgs& args) {
  if (args.out.empty()) throw std::runtime_error("give --out tokenizer.json");
  const tr::WordCounts words = training_words(args);
  std::vector<char32_t> initial_alphabet =
      args.byte_level_alphabet ? tr::byte_level_alphabet() : std::vector<char32_t>{};
  if (!tinyforge::tokenizers::unicode::is_valid_utf8(args.initial_alphabet))
    throw std::runtime_error("--initial_alphabet is not valid UTF-8");
  for (char32_t c : tr::decode_utf8(args.initial_alphabet)) initial_alphabet.push_back(c);

  const auto start = std::chrono::steady_clock::now();
  // vocab: token -> id; for Unigram only the special tokens, at their last id (HF's lookup of a repeated
  // piece).
  OrderedJson model, vocab = OrderedJson::object();
  size_t entries = 0;
  std::vector<std::string> specials;
  if (args.model == "bpe") {
    tr::BpeTrainerOptions o;
    o.vocab_size = args.vocab_size;
    o.min_frequency = args.min_frequency;
    o.special_tokens = split_commas({args.special_tokens});
    o.limit_alphabet = args.limit_alphabet;
    o.initial_alphabet = initial_alphabet;
    o.continuing_subword_prefix = args.continuing_subword_prefix;
    o.end_of_word_suffix = args.end_of_word_suffix;
    o.max_token_length = args.max_token_length;
    const auto trained = tr::train_bpe(words, o);
    vocab = tk::vocab_object(trained.vocab);
    OrderedJson merges = OrderedJson::array();
    for (const auto& [a, b] : trained.merges) merges.push_back({a, b});
    model = {{"type", "BPE"},
             {"dropout", nullptr},
             {"unk_token", optional_json(args.unk_token)},
             {"continuing_subword_prefix", optional_json(args.continuing_subword_prefix)},
             {"end_of_word_suffix", optional_json(args.end_of_word_suffix)},
             {"fuse_unk", false},
             {"byte_fallback", false},
             {"ignore_merges", false},
             {"vocab", vocab},
             {"merges", merges}};
    specials = trained.special_tokens;
  } else if (args.model == "wordpiece") {
    tr::WordPieceTrainerOptions o;
    o.vocab_size = args.vocab_size;
    o.min_frequency = args.min_frequency;
    o.special_tokens = split_commas({args.special_tokens});
    o.limit_alphabet = args.limit_alphabet;
    o.initial_alphabet = initial_alphabet;
    if (args.continuing_subword_prefix) o.continuing_subword_prefix = *args.continuing_subword_prefix;
    o.end_of_word_suffix = args.end_of_word_suffix;
    const auto trained = tr::train_wordpiece(words, o);
    vocab = tk::vocab_object(trained.vocab);
    model = {{"type", "WordPiece"},
             {"unk_token", args.unk_token.value_or("[UNK]")},
             {"continuing_subword_prefix", trained.continuing_subword_prefix},
             {"max_input_chars_per_word", 100},
             {"vocab", vocab}};
    specials = trained.special_tokens;
  } else if (args.model == "wordlevel") {
    tr::WordLevelTrainerOptions o;
    o.vocab_size = args.vocab_size;
    o.min_frequency = args.min_frequency;
    o.special_tokens = split_commas({args.special_tokens});
    const auto trained = tr::train_wordlevel(words, o);
    vocab = tk::vocab_object(trained.vocab);
    model = {{"type", "WordLevel"}, {"vocab", vocab}, {"unk_token", args.unk_token.value_or("<unk>")}};
    specials = trained.special_tokens;
  } else if (args.model == "unigram") {
    tr::UnigramTrainerOptions o;
    o.vocab_size = args.vocab_size;
    o.n_sub_iterations = args.n_sub_iterations;
    o.shrinking_factor = args.shrinking_factor;
    o.special_tokens = split_commas({args.special_tokens});
    o.initial_alphabet = initial_alphabet;
    o.unk_token = args.unk_token;
    o.max_piece_length = args.max_piece_length;
    o.seed_size = args.seed_size;
    const auto trained = tr::train_unigram(words, o);
    OrderedJson pieces = OrderedJson::array();
    std::unordered_map<std::string, size_t> last_id;
    for (size_t i = 0; i < trained.vocab.size(); ++i) {
      pieces.push_back({trained.vocab[i].first, trained.vocab[i].second});
      last_id[trained.vocab[i].first] = i;
    }
    for (const auto& token : trained.special_tokens) vocab[token] = last_id.at(token);
    entries = trained.vocab.size();
    model = {{"type", "Unigram"},
             {"unk_id", trained.unk_id ? OrderedJson(*trained.unk_id) : OrderedJson(nullptr)},
             {"vocab", pieces},
             {"byte_fallback", false}};
    specials = trained.special_tokens;
  } else {
    throw std::runtime_error("--model " + args.model +
                             " is not supported; use bpe, wordpiece, wordlevel or unigram");
  }
  if (entries == 0) entries = vocab.size();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  write_file_atomic(args.out,
                    tokenizer_json(model, added_tokens_json(specials, vocab)).dump(2, ' ', false) + "\n");
  if (args.timing) std::printf("train_seconds %.6f\n", seconds);
  std::printf("trained %s with %zu entries from %zu words into %s\n", args.model.c_str(), entries,
              words.size(), args.out.c_str());
  return 0;
}

struct RetrainArgs {
  std::string source, out;
  std::vector<std::string> corpus, new_special_tokens;
  size_t vocab_size = 1024;
  std::optional<size_t> limit_alphabet;
  std::optional<uint64_t> min_frequency;
};

int run_retrain(const RetrainArgs& args) {
  const tk::OJson original = tk::parse_ordered_json(read_file(args.source), args.source);
  tr::RetrainOptions options;
  options.vocab_size = args.vocab_size;
  options.new_special_tokens = split_commas(args.new_special_tokens);
  options.limit_alphabet = args.limit_alphabet;
  options.min_frequency = args.min_frequency;
  tr::CorpusLines storage;
  const auto lines = training_lines(args.corpus, storage);
  tk::Tokenizer trained = tr::retrain(original, lines, options);
  write_file_atomic(args.out, trained.to_json(/*pretty=*/true));
  std::printf("retrained %s to %zu entries on %zu lines into %s\n", args.source.c_str(), trained.vocab_size(),
              lines.size(), args.out.c_str());
  return 0;
}

}  // namespace

std::vector<Subcommand> add_tokenizer_train_subcommands(CLI::App& tokenizer_group) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* train =
      tokenizer_group.add_subcommand("train", "Train a tokenizer model with HF trainer semantics");
  train->add_option("--word_counts,--word-counts", args->word_counts,
                    "File of `word<TAB>count` lines: pre-tokenized words and their counts");
  train->add_option("--corpus", args->corpus,
                    "UTF-8 text files, one sequence per line (default: the embedded corpus)");
  train->add_option(
      "--pipeline", args->pipeline,
      "tokenizer.json whose normalizer and pre-tokenizer split the corpus (default: whitespace)");
  train->add_option("--model", args->model, "bpe, wordpiece, wordlevel or unigram")->capture_default_str();
  train->add_option("--vocab_size,--vocab-size", args->vocab_size, "Target vocabulary size")
      ->capture_default_str();
  train->add_option("--min_frequency,--min-frequency", args->min_frequency, "Minimum pair/word count");
  train->add_option("--special_tokens,--special-tokens", args->special_tokens,
                    "Special tokens, first ids (a,b)");
  train->add_option("--limit_alphabet,--limit-alphabet", args->limit_alphabet,
                    "Keep at most N initial chars");
  train->add_option("--initial_alphabet,--initial-alphabet", args->initial_alphabet,
                    "Chars always in the alphabet");
  train->add_flag("--byte_level_alphabet,--byte-level-alphabet", args->byte_level_alphabet,
                  "Add ByteLevel's 256 byte characters to the initial alphabet");
  train->add_option("--continuing_subword_prefix,--continuing-subword-prefix",
                    args->continuing_subword_prefix, "Prefix of non-initial subwords (wordpiece default ##)");
  train->add_option("--end_of_word_suffix,--end-of-word-suffix", args->end_of_word_suffix,
                    "Suffix of word ends");
  train->add_option("--max_token_length,--max-token-length", args->max_token_length,
                    "Max chars per BPE token");
  train->add_option("--unk_token,--unk-token", args->unk_token, "The model's unknown token");
  train
      ->add_option("--n_sub_iterations,--n-sub-iterations", args->n_sub_iterations,
                   "Unigram: EM iterations between prunings")
      ->capture_default_str();
  train
      ->add_option("--shrinking_factor,--shrinking-factor", args->shrinking_factor,
                   "Unigram: share of pieces kept by each pruning")
      ->capture_default_str();
  train
      ->add_option("--max_piece_length,--max-piece-length", args->max_piece_length,
                   "Unigram: max chars per piece")
      ->capture_default_str();
  train->add_option("--seed_size,--seed-size", args->seed_size, "Unigram: initial pieces (chars included)")
      ->capture_default_str();
  train->add_option("--out,-o", args->out, "tokenizer.json to write");
  train->add_flag("--timing", args->timing, "Print the training time (excluding I/O)");

  auto re = std::make_shared<RetrainArgs>();
  CLI::App* retrain = tokenizer_group.add_subcommand(
      "retrain", "Retrain a tokenizer.json on new text keeping its pipeline (train_new_from_iterator)");
  retrain->add_option("tokenizer", re->source, "tokenizer.json to retrain")->required();
  retrain->add_option("--out,-o", re->out, "tokenizer.json to write")->required();
  retrain->add_option("--vocab_size,--vocab-size", re->vocab_size, "Target vocabulary size")
      ->capture_default_str();
  retrain->add_option("--corpus", re->corpus,
                      "UTF-8 text files, one sequence per line (default: embedded corpus)");
  retrain->add_option("--new_special_tokens,--new-special-tokens", re->new_special_tokens,
                      "Special tokens to add after the tokenizer's own (a,b)");
  retrain->add_option("--limit_alphabet,--limit-alphabet", re->limit_alphabet,
                      "Keep at most N initial chars");
  retrain->add_option("--min_frequency,--min-frequency", re->min_frequency, "Minimum pair/word count");
  return {Subcommand{train, [args] { return run_train(*args); }},
          Subcommand{retrain, [re] { return run_retrain(*re); }}};
}

}  // namespace tinyforge::cli
