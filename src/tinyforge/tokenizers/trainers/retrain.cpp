#include "tinyforge/tokenizers/trainers/retrain.h"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <unordered_map>

#include "tinyforge/tokenizers/corpus/default_corpus.h"
#include "tinyforge/tokenizers/ordered_json.h"
#include "tinyforge/tokenizers/trainers/bpe_trainer.h"
#include "tinyforge/tokenizers/trainers/unigram_trainer.h"
#include "tinyforge/tokenizers/trainers/wordlevel_trainer.h"
#include "tinyforge/tokenizers/unicode.h"
#include "tinyforge/util/fs.h"

namespace tinyforge::tokenizers::trainers {
namespace {

// transformers gives a BPE trainer ByteLevel's 256-character alphabet when the pre-tokenizer is ByteLevel or
// a Sequence holding one at its top level.
bool byte_level_pre_tokenizer(const OJson& pre) {
  if (!pre.is_object()) return false;
  if (pre.value("type", "") == "ByteLevel") return true;
  if (pre.value("type", "") != "Sequence" || !pre.contains("pretokenizers")) return false;
  for (const auto& p : pre["pretokenizers"])
    if (p.is_object() && p.value("type", "") == "ByteLevel") return true;
  return false;
}

uint32_t id_of(const Tokenizer& tokenizer, const std::string& token, const std::string& path) {
  if (auto id = tokenizer.token_to_id(token)) return *id;
  throw TokenizerError(path + ": token \"" + token +
                       "\" is not in the retrained vocabulary; keep it as a special token of the tokenizer");
}

// The post-processor's token ids, looked up again in the new vocabulary. transformers remaps only the top
// level; we also remap inside a Sequence, whose stale ids would otherwise point at unrelated tokens.
void remap_post_processor(OJson& pp, const Tokenizer& tokenizer, const std::string& path) {
  if (!pp.is_object()) return;
  if (pp.contains("special_tokens") && pp["special_tokens"].is_object())
    for (auto& [key, special] : pp["special_tokens"].items()) {
      OJson ids = OJson::array();
      for (const auto& token : special.at("tokens"))
        ids.push_back(id_of(tokenizer, token.get<std::string>(), path + ".special_tokens." + key));
      special["ids"] = ids;
    }
  for (const char* key : {"cls", "sep"})
    if (pp.contains(key) && pp[key].is_array() && pp[key].size() == 2)
      pp[key][1] = id_of(tokenizer, pp[key][0].get<std::string>(), path + "." + key);
  if (pp.contains("processors") && pp["processors"].is_array())
    for (size_t i = 0; i < pp["processors"].size(); ++i)
      remap_post_processor(pp["processors"][i], tokenizer, path + ".processors[" + std::to_string(i) + "]");
}

// transformers' tokenizer classes install a TemplateProcessing when the tokenizer has no post-processor
// (update_post_processor), so train_new_from_iterator saves one: with neither bos nor eos, as add_bos_token
// and add_eos_token default to false and a tokenizer.json has no place for them.
OJson plain_template_processing() {
  auto sequence = [](const char* id, int type_id) {
    return OJson{{"Sequence", {{"id", id}, {"type_id", type_id}}}};
  };
  return {{"type", "TemplateProcessing"},
          {"single", OJson::array({sequence("A", 0)})},
          {"pair", OJson::array({sequence("A", 0), sequence("B", 1)})},
          {"special_tokens", OJson::object()}};
}

}  // namespace

WordCounts count_training_words(const Tokenizer& pipeline, const std::vector<std::string_view>& lines) {
  std::unordered_map<std::string, uint64_t> counts;
  for (std::string_view line : lines)
    for (auto& word : pipeline.pre_tokenize(line)) ++counts[std::move(word.text)];
  return sorted_word_counts(counts);
}

Tokenizer retrain(const OJson& original, const std::vector<std::string_view>& lines,
                  const RetrainOptions& options) {
  if (!original.is_object() || !original.contains("model") || !original["model"].is_object())
    throw TokenizerError("model: missing (every tokenizer needs one)");
  OJson json = original;
  const OJson added = json.value("added_tokens", OJson::array());
  const OJson post_processor = json.value("post_processor", OJson(nullptr));
  json["added_tokens"] = OJson::array();
  json["post_processor"] = nullptr;
  OJson model = json["model"];
  const std::string type = model.value("type", "");

  // Special tokens the trainer puts first: the tokenizer's special added tokens (all added tokens for
  // Unigram), then the new ones.
  std::vector<AddedToken> specials;
  for (const auto& t : added) {
    if (type != "Unigram" && !t.value("special", false)) continue;
    AddedToken token;
    token.content = t.at("content").get<std::string>();
    token.single_word = t.value("single_word", false);
    token.lstrip = t.value("lstrip", false);
    token.rstrip = t.value("rstrip", false);
    token.normalized = t.value("normalized", false);
    specials.push_back(token);
  }
  for (const auto& content : options.new_special_tokens) specials.push_back(AddedToken{0, content});
  std::vector<std::string> special_contents;  // what the trainer puts first: specials, then reserved pieces
  for (auto& t : specials) {
    t.special = true;
    special_contents.push_back(t.content);
  }
  special_contents.insert(special_contents.end(), options.reserved_tokens.begin(),
                          options.reserved_tokens.end());

  // The pipeline without a vocabulary is what counts the words.
  std::optional<std::string> unk_token;  // Unigram's
  if (type == "BPE") {
    model["vocab"] = OJson::object();
    model["merges"] = OJson::array();
  } else if (type == "WordPiece" || type == "WordLevel") {
    model["vocab"] = OJson::object();
  } else if (type == "Unigram") {
    // transformers keeps the unknown piece (as the only entry, id 0) and tells the trainer about it.
    if (model.contains("unk_id") && model["unk_id"].is_number_unsigned()) {
      const auto unk_id = model["unk_id"].get<size_t>();
      if (!model.contains("vocab") || unk_id >= model["vocab"].size())
        throw TokenizerError("model.unk_id: " + std::to_string(unk_id) + " is not an index of model.vocab");
      unk_token = model["vocab"][unk_id].at(0).get<std::string>();
      model["unk_id"] = 0;
      model["vocab"] = OJson::array({OJson::array({*unk_token, 0.0})});
    }
  } else {
    throw TokenizerError("model.type: cannot retrain a \"" + type +
                         "\" model; only BPE, WordPiece, WordLevel and Unigram can be trained");
  }
  json["model"] = model;
  Tokenizer tokenizer = Tokenizer::from_json(json.dump());
  const WordCounts words = count_training_words(tokenizer, lines);
  const size_t appended_size = options.appended_special_tokens.size() + options.appended_tokens.size();
  const size_t trained_size = options.vocab_size > appended_size ? options.vocab_size - appended_size : 0;
  if (words.empty()) throw TokenizerError("the corpus yields no words to train on; give non-empty text");
  const bool byte_level = byte_level_pre_tokenizer(json.value("pre_tokenizer", OJson(nullptr)));

  if (type == "BPE") {
    BpeTrainerOptions o;
    o.vocab_size = trained_size;
    o.special_tokens = special_contents;
    o.limit_alphabet = options.limit_alphabet;
    if (options.min_frequency) o.min_frequency = *options.min_frequency;
    if (byte_level) o.initial_alphabet = byte_level_alphabet();
    if (model.contains("continuing_subword_prefix") && model["continuing_subword_prefix"].is_string())
      o.continuing_subword_prefix = model["continuing_subword_prefix"].get<std::string>();
    if (model.contains("end_of_word_suffix") && model["end_of_word_suffix"].is_string())
      o.end_of_word_suffix = model["end_of_word_suffix"].get<std::string>();
    const auto trained = train_bpe(words, o);
    model["vocab"] = vocab_object(trained.vocab);
    OJson merges = OJson::array();
    for (const auto& [a, b] : trained.merges) merges.push_back({a, b});
    model["merges"] = merges;
  } else if (type == "WordPiece") {
    WordPieceTrainerOptions o;  // transformers passes no prefix: the trainer's "##" replaces the model's
    o.vocab_size = trained_size;
    o.special_tokens = special_contents;
    o.limit_alphabet = options.limit_alphabet;
    if (options.min_frequency) o.min_frequency = *options.min_frequency;
    if (byte_level) o.initial_alphabet = byte_level_alphabet();
    const auto trained = train_wordpiece(words, o);
    model["continuing_subword_prefix"] = trained.continuing_subword_prefix;
    model["vocab"] = vocab_object(trained.vocab);
  } else if (type == "Unigram") {
    UnigramTrainerOptions o;
    o.vocab_size = trained_size;
    o.special_tokens = special_contents;
    o.unk_token = unk_token;
    if (byte_level) o.initial_alphabet = byte_level_alphabet();
    UnigramTrainingResult trained;
    try {
      trained = train_unigram(words, o);
    } catch (const std::invalid_argument& e) {
      throw TokenizerError(e.what());
    }
    OJson vocab = OJson::array();
    for (const auto& [piece, score] : trained.vocab) vocab.push_back({piece, score});
    model["unk_id"] = trained.unk_id ? OJson(*trained.unk_id) : OJson(nullptr);
    model["vocab"] = vocab;
  } else {
    WordLevelTrainerOptions o;
    o.vocab_size = trained_size;
    o.special_tokens = special_contents;
    if (options.min_frequency) o.min_frequency = *options.min_frequency;
    const auto trained = train_wordlevel(words, o);
    model["vocab"] = vocab_object(trained.vocab);
  }
  tokenizer.set_component("model", model);
  tokenizer.add_tokens(specials);
  std::vector<AddedToken> appended;
  for (const auto& content : options.appended_special_tokens)
    appended.push_back({0, content, false, false, false, false, true});
  for (const auto& content : options.appended_tokens) appended.push_back({0, content});  // plain, normalized
  tokenizer.add_tokens(appended);

  if (!post_processor.is_null()) {
    OJson pp = post_processor;
    remap_post_processor(pp, tokenizer, "post_processor");
    tokenizer.set_component("post_processor", pp);
  } else {
    tokenizer.set_component("post_processor", plain_template_processing());
  }
  if (tokenizer.padding)
    if (auto id = tokenizer.token_to_id(tokenizer.padding->pad_token)) tokenizer.padding->pad_id = *id;
  return tokenizer;
}

CorpusLines read_corpus_files(const std::vector<std::string>& paths) {
  CorpusLines out;
  for (const auto& path : paths) {
    const std::string text = read_file(path);
    for (std::string_view line : corpus::split_lines(text)) {
      if (unicode::is_valid_utf8(line)) {
        out.lines.emplace_back(line);
      } else if (out.skipped_invalid++ == 0) {
        const auto before = std::string_view(text).substr(0, static_cast<size_t>(line.data() - text.data()));
        out.first_invalid = path + ":" + std::to_string(1 + std::count(before.begin(), before.end(), '\n'));
      }
    }
  }
  return out;
}

}  // namespace tinyforge::tokenizers::trainers
