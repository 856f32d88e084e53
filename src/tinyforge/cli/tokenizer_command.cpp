// cli/tokenizer_command: `tinyforge tokenizer encode|decode` over a tokenizer.json (train/retrain plug in
// below).
#include <fstream>
#include <iostream>
#include <sstream>

#include "tinyforge/cli/command.h"
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

std::string dump(const OJson& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

struct EncodeOptions {
  std::string tokenizer_path;
  std::vector<std::string> texts;
  std::string pair;
  bool has_pair = false;
  bool no_special_tokens = false;
  bool json = false;
  std::string file;
  std::string jsonl;
};

int run_encode(const EncodeOptions& o) {
  Tokenizer tok = Tokenizer::from_file(o.tokenizer_path);
  std::ostringstream out;
  if (!o.jsonl.empty()) {
    // Batch: one JSON object per line {"text", "pair"?, "add_special_tokens"?}; prints the encoding plus the
    // decodes of its ids (skipping and keeping special tokens), one JSON line each.
    std::ifstream in(o.jsonl, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + o.jsonl);
    std::string line;
    size_t n = 0;
    while (std::getline(in, line)) {
      ++n;
      if (line.empty()) continue;
      OJson req;
      try {
        req = OJson::parse(line);
      } catch (const std::exception& e) {
        throw std::runtime_error(o.jsonl + ":" + std::to_string(n) + ": not a JSON object: " + e.what());
      }
      std::string text = req.value("text", std::string());
      std::optional<std::string> pair;
      if (req.contains("pair") && req["pair"].is_string()) pair = req["pair"].get<std::string>();
      bool special = req.value("add_special_tokens", !o.no_special_tokens);
      Encoding e =
          pair ? tok.encode(text, std::string_view(*pair), special) : tok.encode(text, std::nullopt, special);
      OJson j = encoding_json(e);
      j["decoded"] = tok.decode(e.ids, true);
      j["decoded_keep_special"] = tok.decode(e.ids, false);
      out << dump(j) << "\n";
    }
    std::cout << out.str();
    return 0;
  }
  std::vector<std::string> texts = o.texts;
  if (!o.file.empty()) {
    std::ifstream in(o.file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + o.file);
    std::string line;
    while (std::getline(in, line)) texts.push_back(line);
  }
  if (texts.empty()) throw std::runtime_error("nothing to encode: give TEXT arguments, --file or --jsonl");
  for (auto& text : texts) {
    Encoding e = o.has_pair ? tok.encode(text, std::string_view(o.pair), !o.no_special_tokens)
                            : tok.encode(text, std::nullopt, !o.no_special_tokens);
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
  encode->add_option("tokenizer_json", enc->tokenizer_path, "tokenizer.json to use")
      ->required()
      ->check(CLI::ExistingFile);
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
                   "Batch requests, one JSON object per line: {\"text\", \"pair\"?, \"add_special_tokens\"?}")
      ->check(CLI::ExistingFile);

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
