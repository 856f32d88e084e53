#include "tinyforge/forge/tokenizer_files.h"

#include <algorithm>
#include <cstdio>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>

#include "tinyforge/catalog/catalog.h"
#include "tinyforge/tokenizers/corpus/default_corpus.h"
#include "tinyforge/tokenizers/ctrl_bpe.h"
#include "tinyforge/tokenizers/ordered_json.h"
#include "tinyforge/tokenizers/trainers/retrain.h"
#include "tinyforge/util/cache.h"

namespace tinyforge {
namespace {

namespace tk = tinyforge::tokenizers;
namespace tr = tinyforge::tokenizers::trainers;

constexpr size_t kTargetVocabSize = 1024;  // create_dummy_models' TARGET_VOCAB_SIZE
// int(1e30): what transformers writes as model_max_length when a tokenizer has no length limit.
constexpr const char* kNoLengthLimit = "1000000000000000019884624838656";

// A CTRL template ("format": "ctrl") is trained as the pipeline tokenizers/ctrl_bpe.h expresses it in.
bool ctrl_format(const tk::OJson& tmpl) { return tmpl.value("format", "") == "ctrl"; }

tk::OJson pipeline_of(const tk::OJson& tmpl) {
  return ctrl_format(tmpl) ? tk::ctrl_pipeline(tmpl.at("tokenizer_config").at("unk_token").get<std::string>())
                           : tmpl.at("tokenizer");
}

// A byte-pair / WordPiece / WordLevel template retrained on the embedded corpus.
tk::Tokenizer retrain_template(const tk::OJson& tmpl, size_t vocab_size) {
  const tk::OJson pipeline = pipeline_of(tmpl);
  tr::RetrainOptions options;
  options.vocab_size = vocab_size;
  if (tmpl.value("byte_fallback_pieces", false))
    for (int b = 0; b < 256; ++b) {
      char piece[8];
      std::snprintf(piece, sizeof piece, "<0x%02X>", b);
      options.reserved_tokens.emplace_back(piece);
    }
  if (tmpl.contains("appended_special_tokens"))
    options.appended_special_tokens = tmpl["appended_special_tokens"].get<std::vector<std::string>>();
  if (tmpl.contains("appended_tokens"))
    options.appended_tokens = tmpl["appended_tokens"].get<std::vector<std::string>>();
  // The corpus has thousands of distinct characters; a character-level alphabet is capped so merges get room,
  // and capped harder when the vocabulary asked for is small.
  if (tmpl.contains("limit_alphabet")) {
    const size_t fixed = pipeline["added_tokens"].size() + options.reserved_tokens.size();
    const size_t room = vocab_size > fixed ? (vocab_size - fixed) / 4 : 0;
    options.limit_alphabet = std::min(tmpl["limit_alphabet"].get<size_t>(), std::max<size_t>(16, room));
  }
  // A template may train on part of the corpus: Unigram needs every character of its corpus in the
  // vocabulary.
  const auto lines =
      tmpl.contains("corpus_files")
          ? tk::corpus::default_corpus_lines(tmpl["corpus_files"].get<std::vector<std::string>>())
          : tk::corpus::default_corpus_lines();
  try {
    return tr::retrain(pipeline, lines, options);
  } catch (const tk::TokenizerError& e) {
    std::string reserved;
    if (const size_t appended = options.appended_special_tokens.size() + options.appended_tokens.size())
      reserved = " (" + std::to_string(appended) + " entries are its appended tokens)";
    throw UserError("cannot train the tokenizer to vocab_size " + std::to_string(vocab_size) + reserved +
                    ": " + e.what());
  }
}

// A CTC character vocabulary (Wav2Vec2CTCTokenizer's vocab.json): the template's special tokens, then its
// alphabet ordered by how often each character occurs in the corpus (ASCII letters case-folded to upper
// case), most frequent first.
std::string character_vocabulary(const tk::OJson& tmpl, std::unordered_map<std::string, uint32_t>& vocab) {
  std::map<char, uint64_t> counts;
  for (char c : tmpl.at("alphabet").get<std::string>()) counts[c] = 0;
  for (std::string_view line : tk::corpus::default_corpus_lines())
    for (char c : line) {
      const char upper = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
      if (auto it = counts.find(upper); it != counts.end()) ++it->second;
    }
  std::vector<std::string> pieces = tmpl.at("special_tokens").get<std::vector<std::string>>();
  std::vector<std::pair<uint64_t, char>> order;
  for (auto [c, n] : counts) order.emplace_back(n, c);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& x, const auto& y) { return x.first > y.first; });
  for (auto [n, c] : order) pieces.emplace_back(1, c);
  Json json = Json::object();
  for (const auto& piece : pieces) {
    const auto id = static_cast<uint32_t>(vocab.size());
    vocab.emplace(piece, id);
    json[piece] = id;
  }
  return py_json_dumps(json, {2, /*ensure_ascii=*/false}) + "\n";
}

tk::OJson parse_template(const std::string& name) {
  const std::string_view text = Catalog::instance().tokenizer_template(name);
  return tk::parse_ordered_json(text, "tokenizer template " + name);
}

// The vocabulary size a type gets unless the user sets one: create_dummy_models' size, plus the template's
// plain appended tokens on top (Whisper's 1501 timestamp tokens), so the trained part keeps that size.
size_t default_vocab_size(const std::string& name) {
  static std::mutex mutex;
  static std::map<std::string, size_t> sizes;  // per template: parsed once, not once per repository
  std::lock_guard lock(mutex);
  auto [it, inserted] = sizes.try_emplace(name, kTargetVocabSize);
  if (inserted) it->second += parse_template(name).value("appended_tokens", tk::OJson::array()).size();
  return it->second;
}

// `fields` with every string value (in objects and arrays too) replaced by the id of the token it names.
Json token_ids_in(const Json& fields, const std::unordered_map<std::string, uint32_t>& vocab,
                  const std::string& template_name) {
  if (fields.is_string()) {
    auto id = vocab.find(fields.get<std::string>());
    if (id == vocab.end())
      throw std::logic_error("tokenizer template '" + template_name + "' names token " + fields.dump() +
                             " that its vocabulary lacks");
    return id->second;
  }
  Json out = fields;
  for (auto it = out.begin(); fields.is_structured() && it != out.end(); ++it)
    *it = token_ids_in(*it, vocab, template_name);
  return out;
}

std::shared_ptr<const TinyTokenizer> train_template(const std::string& name, size_t vocab_size) {
  const tk::OJson tmpl = parse_template(name);
  auto out = std::make_shared<TinyTokenizer>();
  out->template_name = name;
  out->tokenizer_config = Json::parse(tmpl.at("tokenizer_config").dump());
  out->config_token_ids = Json::parse(tmpl.value("config_token_ids", tk::OJson::object()).dump());
  if (tmpl.value("format", "") == "vocab.json") {
    out->files["vocab.json"] = character_vocabulary(tmpl, out->vocab);
  } else {
    // Training is most of a small `create` run, and its result depends only on the template, the corpus, the
    // size and this build: trained once per machine (util/cache.h).
    static const ContentCache cache("tokenizers");
    const std::string key =
        "retrained tokenizer.json: " + name + ", vocab_size " + std::to_string(vocab_size);
    std::optional<std::string> text = cache.get(key);
    std::optional<tk::Tokenizer> trained;
    if (text) {
      try {
        trained = tk::Tokenizer::from_json(*text);
      } catch (const std::exception&) {
        text.reset();  // intact bytes this build cannot read: train again
      }
    }
    if (!text) {
      trained = retrain_template(tmpl, vocab_size);
      text = trained->to_json(/*pretty=*/true);
      cache.put(key, *text);
    }
    if (ctrl_format(tmpl)) {
      tk::CtrlFiles ctrl;
      try {
        ctrl = tk::ctrl_files(*trained);
      } catch (const tk::TokenizerError& e) {
        throw UserError("cannot write a CTRL tokenizer of vocab_size " + std::to_string(vocab_size) + ": " +
                        e.what() + "; set another vocab_size");
      }
      const Json vocab = Json::parse(ctrl.vocab.dump());  // sorted by token, as save_pretrained writes it
      for (const auto& [token, id] : vocab.items()) out->vocab.emplace(token, id.get<uint32_t>());
      out->files["vocab.json"] = py_json_dumps(vocab, {2, /*ensure_ascii=*/false}) + "\n";
      out->files["merges.txt"] = std::move(ctrl.merges_txt);
      // save_pretrained lists the added tokens under their ids in this vocabulary.
      Json by_id = Json::object();
      for (const auto& [id, token] : out->tokenizer_config.at("added_tokens_decoder").items())
        by_id[std::to_string(out->vocab.at(token.at("content").get<std::string>()))] = token;
      out->tokenizer_config["added_tokens_decoder"] = by_id;
    } else {
      out->vocab = trained->get_vocab(true);
      out->files["tokenizer.json"] = std::move(*text);
    }
  }
  out->generation_config = token_ids_in(
      Json::parse(tmpl.value("generation_config", tk::OJson::object()).dump()), out->vocab, name);
  if (out->vocab.size() > vocab_size)
    throw UserError("vocab_size " + std::to_string(vocab_size) + " is too small for a " + name +
                    " tokenizer (its alphabet and special tokens alone take " +
                    std::to_string(out->vocab.size()) + " entries); set vocab_size to at least " +
                    std::to_string(out->vocab.size()));
  return out;
}

}  // namespace

std::shared_ptr<const TinyTokenizer> tiny_tokenizer(const std::string& template_name, size_t vocab_size) {
  using Future = std::shared_future<std::shared_ptr<const TinyTokenizer>>;
  static std::mutex mutex;
  static std::map<std::pair<std::string, size_t>, Future> trained;
  Future future;
  std::promise<std::shared_ptr<const TinyTokenizer>> promise;
  bool train_here = false;
  {
    std::lock_guard lock(mutex);
    auto [it, inserted] = trained.try_emplace({template_name, vocab_size});
    if (inserted) {
      it->second = promise.get_future().share();
      train_here = true;
    }
    future = it->second;
  }
  if (train_here) {  // other workers wait on the future instead of training the same tokenizer again
    try {
      promise.set_value(train_template(template_name, vocab_size));
    } catch (...) {
      promise.set_exception(std::current_exception());
    }
  }
  return future.get();
}

std::shared_ptr<const TinyTokenizer> tokenize_config(const TokenizerSpec& spec,
                                                     const std::vector<ConfigOverride>& overrides,
                                                     Json& config) {
  const std::string prefix = spec.config_path.empty() ? "" : spec.config_path + ".";
  Json& text = spec.config_path.empty() ? config : config.at(spec.config_path);
  auto user_set = [&](const std::string& field) {
    return std::any_of(overrides.begin(), overrides.end(),
                       [&](const auto& o) { return o.key == prefix + field; });
  };
  size_t target = default_vocab_size(spec.template_name);
  if (user_set("vocab_size")) {
    const int64_t asked = config_int(text, "vocab_size");
    if (asked <= 0) throw ConfigError(prefix + "vocab_size must be positive");
    target = static_cast<size_t>(asked);
  }
  auto tokenizer = tiny_tokenizer(spec.template_name, target);
  if (!user_set("vocab_size")) text["vocab_size"] = tokenizer->vocab.size();
  auto id_of = [&](const Json& token) -> Json {
    if (!token.is_string()) return nullptr;
    auto id = tokenizer->vocab.find(token.get<std::string>());
    return id == tokenizer->vocab.end() ? Json(nullptr) : Json(id->second);
  };
  // Every `<name>_token_id` whose `<name>_token` the tokenizer defines takes that token's id.
  const std::string suffix = "_token_id";
  for (auto& [key, value] : text.items()) {
    if (key.size() <= suffix.size() || key.compare(key.size() - suffix.size(), suffix.size(), suffix) != 0 ||
        user_set(key))
      continue;
    const auto token = tokenizer->tokenizer_config.find(key.substr(0, key.size() - 3));
    if (token == tokenizer->tokenizer_config.end()) continue;
    if (Json id = id_of(*token); !id.is_null()) value = id;
  }
  // Fields the template ties to tokens by name (Whisper's decoder start and suppressed tokens).
  for (const auto& [key, tokens] : tokenizer->config_token_ids.items()) {
    if (user_set(key)) continue;
    Json ids = Json::array();
    for (const auto& token : tokens.is_array() ? tokens : Json::array({tokens})) ids.push_back(id_of(token));
    text[key] = tokens.is_array() ? ids : ids[0];
  }
  return tokenizer;
}

std::optional<int64_t> model_max_length(const TokenizerSpec& spec, const Json& config) {
  const Json& text = spec.config_path.empty() ? config : config.at(spec.config_path);
  if (spec.max_length_key.empty() || !text.contains(spec.max_length_key) ||
      !text[spec.max_length_key].is_number_integer())
    return std::nullopt;
  return text[spec.max_length_key].get<int64_t>() + spec.max_length_offset;
}

void add_tokenizer_files(const TokenizerSpec& spec, const TinyTokenizer& tokenizer, const Json& config,
                         RepositoryFiles& files) {
  Json tokenizer_config = tokenizer.tokenizer_config;
  if (!spec.tokenizer_class.empty()) tokenizer_config["tokenizer_class"] = spec.tokenizer_class;
  const std::optional<int64_t> max_length = model_max_length(spec, config);
  const bool limited = max_length.has_value();
  tokenizer_config["model_max_length"] = limited ? Json(*max_length) : Json(nullptr);
  std::string rendered = py_json_dumps(tokenizer_config, {2, /*ensure_ascii=*/false}) + "\n";
  if (!limited) {  // int(1e30) does not fit a JSON integer here: write Python's digits in its place
    const std::string null_field = "\"model_max_length\": null";
    rendered.replace(rendered.find(null_field), null_field.size(),
                     std::string("\"model_max_length\": ") + kNoLengthLimit);
  }
  for (const auto& [name, bytes] : tokenizer.files) files[name] = bytes;
  files["tokenizer_config.json"] = std::move(rendered);
}

}  // namespace tinyforge
