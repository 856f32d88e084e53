#include "tinyforge/tokenizers/ctrl_bpe.h"

#include <filesystem>
#include <map>
#include <set>
#include <string_view>

#include "tinyforge/util/fs.h"

namespace tinyforge::tokenizers {
namespace {

constexpr std::string_view kWordEnd = "</w>";  // the merges' mark of a word's last piece
constexpr std::string_view kContinued = "@@";  // vocab.json's mark of a piece that is not a word's last

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

OJson added_token_json(const AddedToken& t) {
  return {{"id", t.id},          {"content", t.content}, {"single_word", t.single_word},
          {"lstrip", t.lstrip},  {"rstrip", t.rstrip},   {"normalized", t.normalized},
          {"special", t.special}};
}

}  // namespace

OJson ctrl_pipeline(const std::string& unk_token) {
  auto sequence = [](const char* id) { return OJson{{"Sequence", {{"id", id}, {"type_id", 0}}}}; };
  OJson j;
  j["version"] = "1.0";
  j["truncation"] = nullptr;
  j["padding"] = nullptr;
  j["added_tokens"] = OJson::array({added_token_json({0, unk_token, false, false, false, false, true})});
  j["normalizer"] = nullptr;
  // re.findall(r"\S+\n?", text): the matches are the words, what lies between them is dropped.
  j["pre_tokenizer"] = {
      {"type", "Split"}, {"pattern", {{"Regex", "\\S+\\n?"}}}, {"behavior", "Removed"}, {"invert", true}};
  // No special tokens around a sequence, and token_type_ids all zeros (a pair too).
  j["post_processor"] = {{"type", "TemplateProcessing"},
                         {"single", OJson::array({sequence("A")})},
                         {"pair", OJson::array({sequence("A"), sequence("B")})},
                         {"special_tokens", OJson::object()}};
  j["decoder"] = {{"type", "BPEDecoder"}, {"suffix", kWordEnd}};
  j["model"] = {{"type", "BPE"},
                {"dropout", nullptr},
                {"unk_token", unk_token},
                {"continuing_subword_prefix", nullptr},
                {"end_of_word_suffix", kWordEnd},
                {"fuse_unk", false},
                {"byte_fallback", false},
                {"ignore_merges", false},
                {"vocab", OJson::object()},
                {"merges", OJson::array()}};
  return j;
}

CtrlFiles ctrl_files(const Tokenizer& trained) {
  std::set<std::string> added;
  for (const auto& t : trained.added_tokens()) added.insert(t.content);
  std::map<uint32_t, std::string> names;
  for (const auto& [piece, id] : trained.get_vocab(true)) {
    std::string name = piece;
    if (!added.count(piece)) {
      if (ends_with(piece, kWordEnd)) {
        name.resize(piece.size() - kWordEnd.size());
        // ctrl_tokenizer_from_folder reads such a name as a continued piece.
        if (name.size() > kContinued.size() && ends_with(name, kContinued))
          throw TokenizerError("the word-final piece \"" + piece + "\" would be named \"" + name +
                               "\" in vocab.json, the name of a piece that does not end a word");
      } else {
        name += kContinued;
      }
    }
    names.emplace(id, std::move(name));
  }
  CtrlFiles out;
  out.vocab = OJson::object();
  for (const auto& [id, name] : names) {
    if (out.vocab.contains(name))
      throw TokenizerError("two pieces of the vocabulary are both named \"" + name + "\" in vocab.json");
    out.vocab[name] = id;
  }
  out.merges_txt = "#version: 0.2\n";
  const OJson json = trained.to_json_value();
  for (const auto& merge : json.at("model").at("merges"))
    out.merges_txt += merge.at(0).get<std::string>() + " " + merge.at(1).get<std::string>() + "\n";
  return out;
}

Tokenizer ctrl_tokenizer_from_folder(const std::string& folder) {
  namespace fs = std::filesystem;
  auto parse = [&](const char* name) {
    const fs::path path = fs::path(folder) / name;
    try {
      return OJson::parse(read_file(path));
    } catch (const std::exception& e) {
      throw TokenizerError(path.string() + ": " + e.what());
    }
  };
  const OJson config = parse("tokenizer_config.json");
  if (config.value("tokenizer_class", "") != "CTRLTokenizer")
    throw TokenizerError(folder + "/tokenizer_config.json: tokenizer_class is " +
                         config.value("tokenizer_class", OJson("missing")).dump() +
                         ", not CTRLTokenizer (the only Python tokenizer read from vocab.json + merges.txt)");
  const OJson vocab = parse("vocab.json");
  const std::string merges_path = (fs::path(folder) / "merges.txt").string();
  if (!vocab.is_object()) throw TokenizerError(folder + "/vocab.json: expected an object {token: id}");

  std::string unk_token = "<unk>";  // CTRLTokenizer's default
  if (config.contains("unk_token") && config["unk_token"].is_string()) unk_token = config["unk_token"];
  OJson pipeline = ctrl_pipeline(unk_token);
  pipeline["added_tokens"] = OJson::array();
  std::set<std::string> added;
  const OJson added_tokens = config.value("added_tokens_decoder", OJson::object());
  for (const auto& [id, t] : added_tokens.items()) {
    AddedToken token{static_cast<uint32_t>(std::stoul(id)),
                     t.at("content").get<std::string>(),
                     t.value("single_word", false),
                     t.value("lstrip", false),
                     t.value("rstrip", false),
                     t.value("normalized", false),
                     t.value("special", false)};
    added.insert(token.content);
    pipeline["added_tokens"].push_back(added_token_json(token));
  }
  OJson& model = pipeline["model"];
  for (const auto& [name, id] : vocab.items()) {
    if (!id.is_number_unsigned())
      throw TokenizerError(folder + "/vocab.json: the id of \"" + name + "\" is not a non-negative integer");
    std::string piece = name;
    if (added.count(name))
      ;  // an added token keeps its name
    else if (name.size() > kContinued.size() && ends_with(name, kContinued))
      piece.resize(name.size() - kContinued.size());
    else
      piece += kWordEnd;
    model["vocab"][piece] = id;
  }
  // merges.txt: a version line, then one "a b" merge per line (what CTRLTokenizer reads: lines 2 to n-1).
  const std::string merges = read_file(merges_path);
  size_t start = merges.find('\n');
  if (start == std::string::npos) throw TokenizerError(merges_path + ": expected a version line");
  for (size_t end; (end = merges.find('\n', ++start)) != std::string::npos; start = end)
    model["merges"].push_back(merges.substr(start, end - start));
  try {
    return Tokenizer::from_json(pipeline.dump());
  } catch (const TokenizerError& e) {
    throw TokenizerError(folder + " (CTRL vocab.json + merges.txt): " + e.what());
  }
}

}  // namespace tinyforge::tokenizers
