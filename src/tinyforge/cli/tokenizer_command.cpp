// cli/tokenizer_command: `tinyforge tokenizer encode|decode` over a tokenizer.json (train/retrain plug in
// below).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "tinyforge/cli/command.h"
#include "tinyforge/tokenizers/ctrl_bpe.h"
#include "tinyforge/tokenizers/tokenizer.h"

namespace tinyforge::cli {
namespace {

using tokenizers::Encoding;
using tokenizers::OJson;
using tokenizers::Tokenizer;

OJson encoding_json(const Encoding& e) {
  OJson j;
  j["ids"] = e.ids;
  j["type_ids"] = e.type_ids;
  j["tokens"] = e.tokens;
  OJson offsets = OJson::array();
  for (auto& [b, end] : e.offsets) offsets.push_back({b, end});
  j["offsets"] = offsets;
  j["special_tokens_mask"] = e.special_tokens_mask;
  j["attention_mask"] = e.attention_mask;
  if (!e.overflowing.empty()) {
    OJson o = OJson::array();
    for (auto& x : e.overflowing) o.push_back(encoding_json(x));
    j["overflowing"] = o;
  }
  return j;
}

// A tokenizer.json, or a repository folder: its tokenizer.json, else the vocab.json + merges.txt of a
// CTRLTokenizer (a Python tokenizer without tokenizer.json, tokenizers/ctrl_bpe.h).
Tokenizer load_tokenizer(const std::string& path) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(path)) return Tokenizer::from_file(path);
  if (fs::exists(fs::path(path) / "tokenizer.json"))
    return Tokenizer::from_file(fs::path(path) / "tokenizer.json");
  return tokenizers::ctrl_tokenizer_from_folder(path);
}

std::string dump(const OJson& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

struct EncodeOptions {
  std::string tokenizer_path;
  std::vector<std::string> texts;
  std::string pair;
  bool has_pair = false;
  bool no_special_tokens = false;
  bool json = false;
  bool batch = false;
  std::string file;
  std::string jsonl;
  std::string truncation, padding, padding_direction, pad_token;
  std::optional<size_t> pad_to_multiple_of;
  std::optional<uint32_t> pad_type_id;
};

std::vector<std::string> split_on(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t p; (p = s.find(sep, start)) != std::string::npos; start = p + 1)
    parts.push_back(s.substr(start, p - start));
  parts.push_back(s.substr(start));
  return parts;
}

size_t parse_count(const std::string& s, const std::string& flag) {
  size_t used = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (s.empty() || used != s.size() || s[0] == '-')
    throw std::runtime_error(flag + ": \"" + s + "\" is not a non-negative integer");
  return static_cast<size_t>(v);
}

// "left"/"Left" → "Left", as tokenizer.json spells directions and strategies.
std::string direction_name(const std::string& s, const std::string& flag) {
  if (s == "left" || s == "Left") return "Left";
  if (s == "right" || s == "Right") return "Right";
  throw std::runtime_error(flag + ": unknown direction \"" + s + "\" (expected left or right)");
}

// --truncation / --padding flags override (or switch off) the tokenizer.json sections, as HF's
// enable_truncation / enable_padding do.
void apply_flags(Tokenizer& tok, const EncodeOptions& o) {
  if (o.truncation == "none") {
    tok.truncation.reset();
  } else if (!o.truncation.empty()) {
    auto parts = split_on(o.truncation, ',');
    if (parts.size() > 4)
      throw std::runtime_error("--truncation: expected MAX_LENGTH[,STRIDE[,STRATEGY[,DIRECTION]]], got \"" +
                               o.truncation + "\"");
    tokenizers::Truncation t;
    t.max_length = parse_count(parts[0], "--truncation max_length");
    if (parts.size() > 1) t.stride = parse_count(parts[1], "--truncation stride");
    if (parts.size() > 2) {
      const std::string& st = parts[2];
      if (st == "longest_first" || st == "LongestFirst")
        t.strategy = "LongestFirst";
      else if (st == "only_first" || st == "OnlyFirst")
        t.strategy = "OnlyFirst";
      else if (st == "only_second" || st == "OnlySecond")
        t.strategy = "OnlySecond";
      else
        throw std::runtime_error("--truncation: unknown strategy \"" + st +
                                 "\" (expected longest_first, only_first or only_second)");
    }
    if (parts.size() > 3) t.direction = direction_name(parts[3], "--truncation direction");
    tok.check_truncation(t);
    tok.truncation = t;
  }
  bool pad_detail =
      !o.padding_direction.empty() || !o.pad_token.empty() || o.pad_to_multiple_of || o.pad_type_id;
  if (o.padding == "none") {
    if (pad_detail)
      throw std::runtime_error("--padding none: padding options given with padding switched off");
    tok.padding.reset();
    return;
  }
  if (!o.padding.empty()) {
    tokenizers::Padding p = tok.padding.value_or(tokenizers::Padding{});
    if (o.padding == "longest")
      p.fixed.reset();
    else
      p.fixed = parse_count(o.padding, "--padding");
    tok.padding = p;
  } else if (pad_detail && !tok.padding) {
    throw std::runtime_error(
        "padding options need padding: add --padding longest or --padding LENGTH (the tokenizer.json has "
        "none)");
  }
  if (!tok.padding) return;
  if (!o.padding_direction.empty())
    tok.padding->direction = direction_name(o.padding_direction, "--padding_direction");
  if (o.pad_to_multiple_of) tok.padding->pad_to_multiple_of = *o.pad_to_multiple_of;
  if (o.pad_type_id) tok.padding->pad_type_id = *o.pad_type_id;
  if (!o.pad_token.empty()) {
    auto id = tok.token_to_id(o.pad_token);
    if (!id) throw std::runtime_error("--pad_token: \"" + o.pad_token + "\" is not in the vocabulary");
    tok.padding->pad_token = o.pad_token;
    tok.padding->pad_id = *id;
  }
}

// A decode for the JSON output; a decoder that fails (as HF's would) reports its error in place.
void add_decodes(const Tokenizer& tok, const Encoding& e, OJson& j) {
  for (bool skip : {true, false}) {
    const char* key = skip ? "decoded" : "decoded_keep_special";
    try {
      j[key] = tok.decode(e.ids, skip);
    } catch (const std::exception& ex) {
      j[key] = {{"error", ex.what()}};
    }
  }
}

// --jsonl: one request per line, {"text", "pair"?, "add_special_tokens"?} or a batch
// {"batch": [{"text", "pair"?}, ...], "add_special_tokens"?}; one JSON line out each (the encoding(s) and
// their decodes, or {"error"}). Exit 1 if any request failed.
int run_jsonl(const Tokenizer& tok, const EncodeOptions& o) {
  std::ifstream in(o.jsonl, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + o.jsonl);
  std::ostringstream out;
  std::string line;
  size_t n = 0, failed = 0;
  auto input_of = [&](const OJson& r) {
    if (!r.is_object() || !r.contains("text") || !r["text"].is_string())
      throw std::runtime_error(o.jsonl + ":" + std::to_string(n) + ": each request needs a string \"text\"");
    tokenizers::EncodeInput x{r["text"].get<std::string>(), std::nullopt};
    if (r.contains("pair") && !r["pair"].is_null()) {
      if (!r["pair"].is_string())
        throw std::runtime_error(o.jsonl + ":" + std::to_string(n) + ": \"pair\" must be a string");
      x.pair = r["pair"].get<std::string>();
    }
    return x;
  };
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    OJson req;
    try {
      req = OJson::parse(line);
    } catch (const std::exception& e) {
      throw std::runtime_error(o.jsonl + ":" + std::to_string(n) + ": not a JSON object: " + e.what());
    }
    bool special = !o.no_special_tokens;
    if (req.is_object() && req.contains("add_special_tokens")) {
      if (!req["add_special_tokens"].is_boolean())
        throw std::runtime_error(o.jsonl + ":" + std::to_string(n) +
                                 ": \"add_special_tokens\" must be true or false");
      special = req["add_special_tokens"].get<bool>();
    }
    std::vector<tokenizers::EncodeInput> inputs;
    bool is_batch = req.is_object() && req.contains("batch");
    if (is_batch) {
      if (!req["batch"].is_array())
        throw std::runtime_error(o.jsonl + ":" + std::to_string(n) + ": \"batch\" must be an array");
      for (auto& r : req["batch"]) inputs.push_back(input_of(r));
    } else {
      inputs.push_back(input_of(req));
    }
    OJson j;
    try {
      std::vector<Encoding> encs = tok.encode_batch(inputs, special);
      if (is_batch) {
        j["batch"] = OJson::array();
        for (auto& e : encs) {
          OJson one = encoding_json(e);
          add_decodes(tok, e, one);
          j["batch"].push_back(std::move(one));
        }
      } else {
        j = encoding_json(encs[0]);
        add_decodes(tok, encs[0], j);
      }
    } catch (const tokenizers::TokenizerError& e) {
      j = {{"error", e.what()}};
      ++failed;
    }
    out << dump(j) << "\n";
  }
  std::cout << out.str();
  if (failed) std::cerr << "error: " << failed << " of " << n << " requests failed (see their \"error\")\n";
  return failed ? 1 : 0;
}

int run_encode(const EncodeOptions& o) {
  Tokenizer tok = load_tokenizer(o.tokenizer_path);
  apply_flags(tok, o);
  if (!o.jsonl.empty()) return run_jsonl(tok, o);
  std::vector<std::string> texts = o.texts;
  if (!o.file.empty()) {
    std::ifstream in(o.file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + o.file);
    std::string line;
    while (std::getline(in, line)) texts.push_back(line);
  }
  if (texts.empty()) throw std::runtime_error("nothing to encode: give TEXT arguments, --file or --jsonl");
  std::vector<tokenizers::EncodeInput> inputs;
  for (auto& text : texts)
    inputs.push_back({text, o.has_pair ? std::optional<std::string>(o.pair) : std::nullopt});
  // Without --batch each text is its own batch (BatchLongest padding then only rounds to the multiple).
  std::vector<Encoding> encs;
  if (o.batch) {
    encs = tok.encode_batch(inputs, !o.no_special_tokens);
  } else {
    for (auto& in : inputs) encs.push_back(tok.encode_batch({in}, !o.no_special_tokens)[0]);
  }
  std::ostringstream out;
  for (auto& e : encs) {
    if (o.json) {
      out << dump(encoding_json(e)) << "\n";
    } else {
      for (size_t i = 0; i < e.ids.size(); ++i) out << (i ? " " : "") << e.ids[i];
      out << "\n";
    }
  }
  std::cout << out.str();
  return 0;
}

}  // namespace

Subcommand add_tokenizer_command(CLI::App& app) {
  CLI::App* group =
      app.add_subcommand("tokenizer", "Encode and decode with a tokenizer.json (HF tokenizers-exact)");
  group->require_subcommand(1);

  auto enc = std::make_shared<EncodeOptions>();
  CLI::App* encode = group->add_subcommand("encode", "Print the token ids of TEXT (or JSON with --json)");
  encode
      ->add_option("tokenizer_json", enc->tokenizer_path,
                   "tokenizer.json to use, or a repository folder (its tokenizer.json, or a CTRLTokenizer's "
                   "vocab.json + merges.txt)")
      ->required()
      ->check(CLI::ExistingPath);
  encode->add_option("text", enc->texts, "Text(s) to encode");
  encode->add_option("--pair", enc->pair, "Second sequence of a pair")->each([enc](const std::string&) {
    enc->has_pair = true;
  });
  encode->add_flag("--no_special_tokens", enc->no_special_tokens,
                   "Do not add the post-processor's special tokens");
  encode->add_flag("--json", enc->json,
                   "Print the whole encoding as JSON (ids, type_ids, tokens, offsets, masks)");
  encode
      ->add_option("--file", enc->file,
                   "Encode every line of this file, one output line each (ids, or JSON with --json)")
      ->check(CLI::ExistingFile);
  encode
      ->add_option("--jsonl", enc->jsonl,
                   "Requests, one JSON object per line: {\"text\", \"pair\"?, \"add_special_tokens\"?}, or "
                   "{\"batch\": [{\"text\", \"pair\"?}, ...]} encoded together (encode_batch)")
      ->check(CLI::ExistingFile);
  encode->add_flag("--batch", enc->batch,
                   "Encode all TEXTs / --file lines as one batch (padding to the longest of them)");
  encode->add_option("--truncation", enc->truncation,
                     "MAX_LENGTH[,STRIDE[,STRATEGY[,DIRECTION]]] (longest_first|only_first|only_second, "
                     "right|left), or none; overrides tokenizer.json's truncation");
  encode->add_option("--padding", enc->padding,
                     "longest, a fixed LENGTH, or none; overrides tokenizer.json's padding");
  encode->add_option("--pad_to_multiple_of", enc->pad_to_multiple_of,
                     "Round the padded length up to a multiple");
  encode->add_option("--padding_direction", enc->padding_direction, "right (default) or left");
  encode->add_option("--pad_token", enc->pad_token, "Padding token (its id from the vocabulary)");
  encode->add_option("--pad_type_id", enc->pad_type_id, "Type id of the padding");

  auto dec_path = std::make_shared<std::string>();
  auto dec_ids = std::make_shared<std::vector<std::string>>();
  auto keep = std::make_shared<bool>(false);
  CLI::App* decode = group->add_subcommand("decode", "Print the text of token IDS");
  decode->add_option("tokenizer_json", *dec_path, "tokenizer.json to use")
      ->required()
      ->check(CLI::ExistingFile);
  decode->add_option("ids", *dec_ids, "Token ids (spaces or commas)")->required();
  decode->add_flag("--keep_special_tokens", *keep, "Keep special tokens in the text");

  auto show_path = std::make_shared<std::string>();
  CLI::App* show =
      group->add_subcommand("show", "Print the tokenizer.json as HF's Tokenizer.to_str() writes it");
  show->add_option("tokenizer_json", *show_path, "tokenizer.json to read")
      ->required()
      ->check(CLI::ExistingFile);

  // `train` and `retrain` subcommands (trainers) plug in here, as further group->add_subcommand(...) blocks
  // whose run functions are dispatched below.

  return {group, [=]() -> int {
            if (*encode) return run_encode(*enc);
            if (*show) {
              std::cout << Tokenizer::from_file(*show_path).to_json() << "\n";
              return 0;
            }
            if (*decode) {
              Tokenizer tok = Tokenizer::from_file(*dec_path);
              std::vector<uint32_t> ids;
              for (auto& s : split_commas(*dec_ids)) {
                try {
                  size_t used = 0;
                  unsigned long v = std::stoul(s, &used);
                  if (used != s.size() || v > UINT32_MAX) throw std::invalid_argument(s);
                  ids.push_back(static_cast<uint32_t>(v));
                } catch (const std::exception&) {
                  throw std::runtime_error("not a token id: \"" + s + "\" (expected non-negative integers)");
                }
              }
              std::cout << tok.decode(ids, !*keep) << "\n";
              return 0;
            }
            return 2;
          }};
}

}  // namespace tinyforge::cli
