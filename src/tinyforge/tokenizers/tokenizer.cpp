// tokenizers/tokenizer: the pipeline that runs the stages in order, and tokenizer.json reading and writing.
#include "tinyforge/tokenizers/tokenizer.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "tinyforge/tokenizers/added_vocabulary.h"
#include "tinyforge/tokenizers/components.h"
#include "tinyforge/tokenizers/unicode.h"
#include "tinyforge/util/json.h"

namespace tinyforge::tokenizers {

// ---- JSON helpers ----------------------------------------------------------------------------------------
const OJson& need(const OJson& j, const std::string& key, const std::string& path) {
  if (!j.is_object() || !j.contains(key)) throw TokenizerError(path + ": missing field \"" + key + "\"");
  return j[key];
}

std::string get_string(const OJson& j, const std::string& key, const std::string& path,
                       std::optional<std::string> fallback) {
  if (!j.is_object() || !j.contains(key) || (fallback && j[key].is_null())) {
    if (fallback) return *fallback;
    throw TokenizerError(path + ": missing field \"" + key + "\"");
  }
  if (!j[key].is_string()) throw TokenizerError(path + "." + key + ": expected a string");
  return j[key].get<std::string>();
}

bool get_bool(const OJson& j, const std::string& key, const std::string& path, std::optional<bool> fallback) {
  if (!j.is_object() || !j.contains(key)) {
    if (fallback) return *fallback;
    throw TokenizerError(path + ": missing field \"" + key + "\"");
  }
  if (!j[key].is_boolean()) throw TokenizerError(path + "." + key + ": expected true or false");
  return j[key].get<bool>();
}

std::optional<std::string> get_opt_string(const OJson& j, const std::string& key, const std::string& path) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  if (!j[key].is_string()) throw TokenizerError(path + "." + key + ": expected a string or null");
  return j[key].get<std::string>();
}

// ---- pipeline --------------------------------------------------------------------------------------------
struct Tokenizer::Impl {
  std::unique_ptr<Normalizer> normalizer;
  std::unique_ptr<PreTokenizer> pre_tokenizer;
  std::unique_ptr<Model> model;
  std::unique_ptr<PostProcessor> post_processor;
  std::unique_ptr<Decoder> decoder;
  AddedVocabulary added;

  // One piece of a sequence after added-token extraction, normalization and pre-tokenization.
  struct Piece {
    NormalizedString text;
    std::optional<uint32_t> added_id;
  };

  std::vector<Piece> split(const std::string& original) const {
    std::vector<Piece> pieces;
    NormalizedString all = NormalizedString::from_original(original);
    for (auto& [o, id] : added.split(original, false)) {
      NormalizedString sub = all.slice(o.first, o.second);
      if (id) {
        pieces.push_back({std::move(sub), id});
        continue;
      }
      if (normalizer) normalizer->normalize(sub);
      for (auto& [o2, id2] : added.split(sub.normalized, true)) {
        NormalizedString part = sub.slice(o2.first, o2.second);
        if (id2) {
          pieces.push_back({std::move(part), id2});
          continue;
        }
        std::vector<NormalizedString> words{std::move(part)};
        if (pre_tokenizer) pre_tokenizer->pre_tokenize(words);
        for (auto& w : words)
          if (!w.empty()) pieces.push_back({std::move(w), std::nullopt});
      }
    }
    return pieces;
  }

  Encoding encode_sequence(std::string_view input, uint32_t type_id) const {
    std::string original = unicode::is_valid_utf8(input) ? std::string(input) : unicode::repair_utf8(input);
    // Byte offset → char index, for the character offsets Python reports.
    std::vector<uint32_t> char_at(original.size() + 1);
    uint32_t nchars = 0;
    for (size_t i = 0; i < original.size();) {
      size_t len = unicode::char_len(static_cast<unsigned char>(original[i]));
      for (size_t k = 0; k < len && i + k < original.size(); ++k) char_at[i + k] = nchars;
      i += len;
      ++nchars;
    }
    char_at[original.size()] = nchars;
    auto to_chars = [&](Offsets o) -> Offsets {
      if (o.first >= o.second)
        return {char_at[std::min(o.first, original.size())], char_at[std::min(o.first, original.size())]};
      return {char_at[o.first], char_at[o.second - 1] + 1};
    };
    Encoding e;
    std::vector<Token> tokens;
    uint32_t word = 0;
    for (auto& piece : split(original)) {
      tokens.clear();
      if (piece.added_id) {  // the matched text (spaces lstrip/rstrip took included), as HF reports it
        tokens.push_back({*piece.added_id, piece.text.normalized, {0, piece.text.normalized.size()}});
      } else {
        model->tokenize(piece.text.normalized, tokens);
      }
      for (auto& t : tokens) {
        e.ids.push_back(t.id);
        e.tokens.push_back(std::move(t.value));
        e.offsets.push_back(to_chars(piece.text.original_offsets(t.offsets.first, t.offsets.second)));
        e.word_ids.push_back(word);
      }
      ++word;
    }
    size_t n = e.ids.size();
    e.type_ids.assign(n, type_id);
    e.special_tokens_mask.assign(n, 0);
    e.attention_mask.assign(n, 1);
    return e;
  }
};

Tokenizer::Tokenizer() : impl_(std::make_unique<Impl>()) {}
Tokenizer::~Tokenizer() = default;
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;

namespace {

Encoding slice(const Encoding& e, size_t b, size_t end) {
  Encoding o;
  auto cut = [&](auto& dst, const auto& src) {
    dst.assign(src.begin() + static_cast<std::ptrdiff_t>(b), src.begin() + static_cast<std::ptrdiff_t>(end));
  };
  cut(o.ids, e.ids);
  cut(o.type_ids, e.type_ids);
  cut(o.tokens, e.tokens);
  cut(o.offsets, e.offsets);
  cut(o.special_tokens_mask, e.special_tokens_mask);
  cut(o.attention_mask, e.attention_mask);
  cut(o.word_ids, e.word_ids);
  return o;
}

// HF's Encoding::truncate: keeps `keep` tokens; the rest become overflowing windows of `keep` tokens that
// overlap by `stride`.
void truncate(Encoding& e, size_t keep, size_t stride, bool left) {
  if (e.size() <= keep) return;
  if (keep == 0) {
    Encoding all = std::move(e);
    e = Encoding{};
    e.overflowing.push_back(std::move(all));
    return;
  }
  if (stride >= keep)
    throw TokenizerError("truncation: stride " + std::to_string(stride) + " must be smaller than the " +
                         std::to_string(keep) +
                         " tokens kept of this sequence (max_length minus the special tokens, split between "
                         "the pair); lower the stride or raise max_length");
  size_t total = e.size(), step = keep - stride;
  std::vector<Encoding> parts;
  if (!left) {
    for (size_t start = 0; start < total; start += step) {
      parts.push_back(slice(e, start, std::min(start + keep, total)));
      if (start + keep >= total) break;
    }
  } else {
    for (size_t end = total;; end -= std::min(end, step)) {
      size_t start = end > keep ? end - keep : 0;
      parts.push_back(slice(e, start, end));
      if (start == 0) break;
    }
  }
  e = std::move(parts[0]);
  for (size_t i = 1; i < parts.size(); ++i) e.overflowing.push_back(std::move(parts[i]));
}

// HF's truncate_encodings.
void truncate_pair(Encoding& a, std::optional<Encoding>& b, const Truncation& t, size_t max) {
  bool left = t.direction == "Left";
  if (max == 0) {
    truncate(a, 0, t.stride, left);
    if (b) truncate(*b, 0, t.stride, left);
    return;
  }
  size_t total = a.size() + (b ? b->size() : 0);
  if (total <= max) return;
  size_t to_remove = total - max;
  if (t.strategy == "LongestFirst") {
    if (!b) return truncate(a, max, t.stride, left);
    // The shorter keeps its length if the longer can take the rest, else both get half (the longer the odd
    // one).
    size_t n1 = a.size(), n2 = b->size();
    bool swapped = n1 > n2;
    if (swapped) std::swap(n1, n2);
    n2 = n1 > max ? n1 : std::max(n1, max - n1);
    if (n1 + n2 > max) {
      n1 = max / 2;
      n2 = n1 + max % 2;
    }
    if (swapped) std::swap(n1, n2);
    truncate(a, n1, t.stride, left);
    truncate(*b, n2, t.stride, left);
    return;
  }
  if (t.strategy == "OnlySecond" && !b)
    throw TokenizerError("Truncation error: Second sequence not provided");
  Encoding& target = t.strategy == "OnlyFirst" ? a : *b;
  if (target.size() <= to_remove)
    throw TokenizerError(
        "Truncation error: Sequence to truncate too short to respect the provided max_length");
  truncate(target, target.size() - to_remove, t.stride, left);
}

void pad(Encoding& e, size_t target, const Padding& p) {
  for (auto& o : e.overflowing) pad(o, target, p);
  if (e.size() >= target) return;
  size_t n = target - e.size();
  bool left = p.direction == "Left";
  auto fill = [&](auto& v, auto value) { v.insert(left ? v.begin() : v.end(), n, value); };
  fill(e.ids, p.pad_id);
  fill(e.type_ids, p.pad_type_id);
  fill(e.tokens, p.pad_token);
  fill(e.offsets, Offsets{0, 0});
  fill(e.special_tokens_mask, 1u);
  fill(e.attention_mask, 0u);
  fill(e.word_ids, std::optional<uint32_t>());
}

// HF's pad_encodings: to the fixed length or the longest of the batch, rounded up to the multiple.
void pad_all(std::vector<Encoding>& encodings, const Padding& p) {
  if (encodings.empty()) return;
  size_t target = 0;
  if (p.fixed)
    target = *p.fixed;
  else
    for (auto& e : encodings) target = std::max(target, e.size());
  if (p.pad_to_multiple_of && *p.pad_to_multiple_of > 0 && target % *p.pad_to_multiple_of)
    target += *p.pad_to_multiple_of - target % *p.pad_to_multiple_of;
  for (auto& e : encodings) pad(e, target, p);
}

}  // namespace

Encoding Tokenizer::encode(std::string_view text, std::optional<std::string_view> pair,
                           bool add_special_tokens) const {
  Encoding a = impl_->encode_sequence(text, 0);
  std::optional<Encoding> b;
  if (pair) b = impl_->encode_sequence(*pair, 1);
  if (truncation) {
    size_t added =
        add_special_tokens && impl_->post_processor ? impl_->post_processor->added_tokens(b.has_value()) : 0;
    // HF subtracts in wrapping arithmetic: fewer tokens than the special ones means no truncation at all.
    if (added <= truncation->max_length) truncate_pair(a, b, *truncation, truncation->max_length - added);
  }
  std::vector<Encoding> out;
  out.push_back(impl_->post_processor
                    ? impl_->post_processor->process(std::move(a), std::move(b), add_special_tokens)
                    : default_process(std::move(a), std::move(b)));
  if (padding) pad_all(out, *padding);
  return std::move(out[0]);
}

std::vector<Encoding> Tokenizer::encode_batch(const std::vector<EncodeInput>& inputs,
                                              bool add_special_tokens) const {
  std::vector<Encoding> out;
  out.reserve(inputs.size());
  for (auto& in : inputs)
    out.push_back(in.pair ? encode(in.text, std::string_view(*in.pair), add_special_tokens)
                          : encode(in.text, std::nullopt, add_special_tokens));
  if (padding) pad_all(out, *padding);
  return out;
}

void Tokenizer::check_truncation(const Truncation& t) const {
  size_t added = impl_->post_processor ? impl_->post_processor->added_tokens(false) : 0;
  // HF's with_truncation (its subtraction wraps when max_length is below the special tokens: no check).
  if (added <= t.max_length && t.max_length - added < t.stride)
    throw TokenizerError("truncation: stride " + std::to_string(t.stride) +
                         " is greater than or equal to the effective max length " +
                         std::to_string(t.max_length - added) + " (max_length " +
                         std::to_string(t.max_length) + " minus " + std::to_string(added) +
                         " special tokens); lower the stride");
}

std::string Tokenizer::decode(const std::vector<uint32_t>& ids, bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  for (uint32_t id : ids) {
    std::optional<std::string> t = id_to_token(id);
    // HF skips by text: any token spelled like a special token goes, and a normalized special one stays.
    if (!t || (skip_special_tokens && impl_->added.special_contents.count(*t))) continue;
    tokens.push_back(std::move(*t));
  }
  if (!impl_->decoder) {
    std::string out;
    for (size_t i = 0; i < tokens.size(); ++i) out += (i ? " " : "") + tokens[i];
    return out;
  }
  std::string out;
  for (auto& t : impl_->decoder->decode_chain(std::move(tokens))) out += t;
  return out;
}

std::vector<Word> Tokenizer::pre_tokenize(std::string_view text) const {
  std::string original = unicode::is_valid_utf8(text) ? std::string(text) : unicode::repair_utf8(text);
  std::vector<Word> words;
  for (auto& piece : impl_->split(original))
    words.push_back({piece.text.normalized, piece.text.original_offsets(0, piece.text.normalized.size())});
  return words;
}

std::string Tokenizer::normalize(std::string_view text) const {
  NormalizedString n = NormalizedString::from_original(unicode::repair_utf8(text));
  if (impl_->normalizer) impl_->normalizer->normalize(n);
  return n.normalized;
}

std::optional<uint32_t> Tokenizer::token_to_id(std::string_view token) const {
  std::string t(token);
  if (auto it = impl_->added.by_content.find(t); it != impl_->added.by_content.end()) return it->second;
  return impl_->model->token_to_id(t);
}

std::optional<std::string> Tokenizer::id_to_token(uint32_t id) const {
  if (impl_->added.by_id.count(id)) return impl_->added.text_of(id);
  return impl_->model->id_to_token(id);
}

size_t Tokenizer::vocab_size(bool with_added_tokens) const {
  return with_added_tokens ? get_vocab(true).size() : impl_->model->vocab_size();
}

std::unordered_map<std::string, uint32_t> Tokenizer::get_vocab(bool with_added_tokens) const {
  auto v = impl_->model->get_vocab();
  if (with_added_tokens)
    for (auto& t : impl_->added.tokens) v[t.content] = t.id;
  return v;
}

const std::vector<AddedToken>& Tokenizer::added_tokens() const { return impl_->added.tokens; }

size_t Tokenizer::add_tokens(const std::vector<AddedToken>& tokens) {
  return impl_->added.add(tokens, *impl_->model, impl_->normalizer.get());
}

const Normalizer* Tokenizer::normalizer() const { return impl_->normalizer.get(); }
const PreTokenizer* Tokenizer::pre_tokenizer() const { return impl_->pre_tokenizer.get(); }
const Model& Tokenizer::model() const { return *impl_->model; }
const PostProcessor* Tokenizer::post_processor() const { return impl_->post_processor.get(); }
const Decoder* Tokenizer::decoder() const { return impl_->decoder.get(); }

void Tokenizer::set_component(const std::string& stage, const OJson& spec) {
  bool null = spec.is_null();
  if (stage == "normalizer")
    impl_->normalizer = null ? nullptr : make_normalizer(spec, stage);
  else if (stage == "pre_tokenizer")
    impl_->pre_tokenizer = null ? nullptr : make_pre_tokenizer(spec, stage);
  else if (stage == "post_processor")
    impl_->post_processor = null ? nullptr : make_post_processor(spec, stage);
  else if (stage == "decoder")
    impl_->decoder = null ? nullptr : make_decoder(spec, stage);
  else if (stage == "model") {
    if (null) throw TokenizerError("model: a tokenizer needs a model");
    impl_->model = make_model(spec, stage);
  } else {
    throw TokenizerError("unknown pipeline stage \"" + stage + "\"");
  }
  if (stage == "normalizer") impl_->added.refresh(impl_->normalizer.get());
}

// ---- tokenizer.json --------------------------------------------------------------------------------------
Tokenizer Tokenizer::from_json(std::string_view text) {
  OJson j;
  try {
    j = OJson::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {  // parse errors, and numbers beyond a double (out_of_range)
    throw TokenizerError(std::string("tokenizer.json is not valid JSON: ") + e.what());
  }
  if (!j.is_object()) throw TokenizerError("tokenizer.json: expected a JSON object at the top level");
  if (j.contains("version") && j["version"] != "1.0")
    throw TokenizerError("version: unknown tokenizer version " + j["version"].dump() + " (expected \"1.0\")");
  Tokenizer t;
  if (!j.contains("model") || j["model"].is_null())
    throw TokenizerError("model: missing (every tokenizer needs one)");
  for (const char* stage : {"normalizer", "pre_tokenizer", "post_processor", "decoder", "model"})
    if (j.contains(stage)) t.set_component(stage, j[stage]);
  auto get_size = [](const OJson& o, const std::string& key, const std::string& path, size_t fallback) {
    if (!o.contains(key)) return fallback;
    if (!o[key].is_number_unsigned())
      throw TokenizerError(path + "." + key + ": expected a non-negative integer");
    return o[key].get<size_t>();
  };
  auto one_of = [](const std::string& v, std::initializer_list<const char*> names, const std::string& path) {
    std::string list;
    for (const char* n : names) {
      if (v == n) return v;
      list += (list.empty() ? "" : ", ") + std::string(n);
    }
    throw TokenizerError(path + ": unknown value \"" + v + "\" (expected " + list + ")");
  };
  if (j.contains("truncation") && !j["truncation"].is_null()) {
    const OJson& tr = j["truncation"];
    if (!tr.is_object()) throw TokenizerError("truncation: expected an object or null");
    Truncation x;
    x.direction =
        one_of(get_string(tr, "direction", "truncation", "Right"), {"Right", "Left"}, "truncation.direction");
    x.max_length = get_size(tr, "max_length", "truncation", 512);
    x.strategy = one_of(get_string(tr, "strategy", "truncation", "LongestFirst"),
                        {"LongestFirst", "OnlyFirst", "OnlySecond"}, "truncation.strategy");
    x.stride = get_size(tr, "stride", "truncation", 0);
    t.truncation = x;
  }
  if (j.contains("padding") && !j["padding"].is_null()) {
    const OJson& p = j["padding"];
    if (!p.is_object()) throw TokenizerError("padding: expected an object or null");
    Padding x;
    if (p.contains("strategy") && p["strategy"].is_object())
      x.fixed = get_size((need(p["strategy"], "Fixed", "padding.strategy"), p["strategy"]), "Fixed",
                         "padding.strategy", 0);
    else if (p.contains("strategy"))
      one_of(get_string(p, "strategy", "padding"), {"BatchLongest"}, "padding.strategy");
    x.direction =
        one_of(get_string(p, "direction", "padding", "Right"), {"Right", "Left"}, "padding.direction");
    if (p.contains("pad_to_multiple_of") && !p["pad_to_multiple_of"].is_null())
      x.pad_to_multiple_of = get_size(p, "pad_to_multiple_of", "padding", 0);
    x.pad_id = static_cast<uint32_t>(get_size(p, "pad_id", "padding", 0));
    x.pad_type_id = static_cast<uint32_t>(get_size(p, "pad_type_id", "padding", 0));
    x.pad_token = get_string(p, "pad_token", "padding", "[PAD]");
    t.padding = x;
  }
  if (j.contains("added_tokens") && !j["added_tokens"].is_null()) {
    const OJson& list = j["added_tokens"];
    if (!list.is_array()) throw TokenizerError("added_tokens: expected an array");
    std::vector<AddedToken> tokens;
    for (size_t i = 0; i < list.size(); ++i) {
      std::string where = "added_tokens[" + std::to_string(i) + "]";
      const OJson& a = list[i];
      AddedToken x;
      x.content = get_string(a, "content", where);
      x.single_word = get_bool(a, "single_word", where, false);
      x.lstrip = get_bool(a, "lstrip", where, false);
      x.rstrip = get_bool(a, "rstrip", where, false);
      x.normalized = get_bool(a, "normalized", where, true);
      x.special = get_bool(a, "special", where, false);
      tokens.push_back(x);
    }
    t.add_tokens(tokens);
  }
  return t;
}

Tokenizer Tokenizer::from_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw TokenizerError("cannot read tokenizer file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return from_json(ss.str());
  } catch (const TokenizerError& e) {
    throw TokenizerError(path + ": " + e.what());
  }
}

OJson Tokenizer::to_json_value() const {
  OJson j;
  j["version"] = "1.0";
  if (truncation) {
    j["truncation"] = {{"direction", truncation->direction},
                       {"max_length", truncation->max_length},
                       {"strategy", truncation->strategy},
                       {"stride", truncation->stride}};
  } else {
    j["truncation"] = nullptr;
  }
  if (padding) {
    OJson p;
    p["strategy"] = padding->fixed ? OJson{{"Fixed", *padding->fixed}} : OJson("BatchLongest");
    p["direction"] = padding->direction;
    p["pad_to_multiple_of"] =
        padding->pad_to_multiple_of ? OJson(*padding->pad_to_multiple_of) : OJson(nullptr);
    p["pad_id"] = padding->pad_id;
    p["pad_type_id"] = padding->pad_type_id;
    p["pad_token"] = padding->pad_token;
    j["padding"] = p;
  } else {
    j["padding"] = nullptr;
  }
  std::vector<AddedToken> sorted = impl_->added.tokens;
  std::stable_sort(sorted.begin(), sorted.end(), [](auto& x, auto& y) { return x.id < y.id; });
  OJson added = OJson::array();
  for (auto& t : sorted)
    added.push_back({{"id", t.id},
                     {"content", t.content},
                     {"single_word", t.single_word},
                     {"lstrip", t.lstrip},
                     {"rstrip", t.rstrip},
                     {"normalized", t.normalized},
                     {"special", t.special}});
  j["added_tokens"] = added;
  j["normalizer"] = impl_->normalizer ? impl_->normalizer->spec : OJson(nullptr);
  j["pre_tokenizer"] = impl_->pre_tokenizer ? impl_->pre_tokenizer->spec : OJson(nullptr);
  j["post_processor"] = impl_->post_processor ? impl_->post_processor->spec : OJson(nullptr);
  j["decoder"] = impl_->decoder ? impl_->decoder->spec : OJson(nullptr);
  j["model"] = impl_->model->to_json();
  return j;
}

namespace {

// A float as serde_json writes it (ryu): shortest digits, plain notation for magnitudes 1e-5 .. 1e16 ("1.0",
// "0.00001"), else "1.5e-7" / "1e+16"; non-finite floats become null.
void write_float(std::string& out, double v) {
  if (!std::isfinite(v)) return void(out += "null");
  if (v == 0) return void(out += std::signbit(v) ? "-0.0" : "0.0");
  auto [negative, digits, exponent] = shortest_decimal(v);
  int length = static_cast<int>(digits.size()), kk = exponent + 1, k = kk - length;
  if (negative) out += '-';
  if (k >= 0 && kk <= 16)
    out.append(digits).append(static_cast<size_t>(k), '0').append(".0");
  else if (kk > 0 && kk <= 16)
    out.append(digits, 0, static_cast<size_t>(kk)).append(".").append(digits, static_cast<size_t>(kk));
  else if (kk > -5 && kk <= 0)
    out.append("0.").append(static_cast<size_t>(-kk), '0').append(digits);
  else  // ryu writes "1e+16" and "1.5e-7": a sign only on positive exponents is explicit
    out.append(digits, 0, 1)
        .append(length == 1 ? "" : ".")
        .append(digits, 1)
        .append(kk - 1 > 0 ? "e+" : "e")
        .append(std::to_string(kk - 1));
}

void write_json(std::string& out, const OJson& j, bool pretty, size_t depth) {
  auto newline = [&](size_t d) {
    if (!pretty) return;
    out += '\n';
    out.append(2 * d, ' ');
  };
  if (j.is_object() || j.is_array()) {
    bool object = j.is_object();
    if (j.empty()) return void(out += object ? "{}" : "[]");
    out += object ? '{' : '[';
    bool first = true;
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!first) out += ',';
      first = false;
      newline(depth + 1);
      if (object) {
        out += OJson(it.key()).dump();
        out += pretty ? ": " : ":";
      }
      write_json(out, *it, pretty, depth + 1);
    }
    newline(depth);
    out += object ? '}' : ']';
  } else if (j.is_number_float()) {
    write_float(out, j.get<double>());
  } else {
    out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
}

}  // namespace

std::string dump_tokenizer_json(const OJson& j, bool pretty) {
  std::string out;
  write_json(out, j, pretty, 0);
  return out;
}

std::string Tokenizer::to_json(bool pretty) const { return dump_tokenizer_json(to_json_value(), pretty); }

}  // namespace tinyforge::tokenizers
