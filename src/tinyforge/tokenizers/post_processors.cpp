// tokenizers/post_processors: special tokens around the encoded sequence(s) (tokenizer.json
// "post_processor").
#include <map>

#include "tinyforge/tokenizers/components.h"
#include "tinyforge/tokenizers/unicode.h"
#include "tinyforge/util/bounds.h"

namespace tinyforge::tokenizers {
namespace {

// HF's Encoding::merge_with: appends `pair`, and pairs every overflowing window of one side with the other
// side (and its windows), so each overflowing encoding is a whole sequence or pair again.
void merge_into(Encoding& a, Encoding b) {
  std::vector<Encoding> overflowing;
  for (const Encoding& mine : a.overflowing) {
    Encoding with_pair = mine;
    merge_into(with_pair, b);
    overflowing.push_back(std::move(with_pair));
    for (const Encoding& theirs : b.overflowing) {
      Encoding both = mine;
      merge_into(both, theirs);
      overflowing.push_back(std::move(both));
    }
  }
  for (const Encoding& theirs : b.overflowing) {
    Encoding whole = a;  // with its own windows, as HF clones it
    merge_into(whole, theirs);
    overflowing.push_back(std::move(whole));
  }
  auto append = [](auto& x, auto& y) {
    x.insert(x.end(), std::make_move_iterator(y.begin()), std::make_move_iterator(y.end()));
  };
  append(a.ids, b.ids);
  append(a.type_ids, b.type_ids);
  append(a.tokens, b.tokens);
  append(a.offsets, b.offsets);
  append(a.special_tokens_mask, b.special_tokens_mask);
  append(a.attention_mask, b.attention_mask);
  append(a.word_ids, b.word_ids);
  a.overflowing = std::move(overflowing);
}

Encoding merge_all(std::vector<Encoding> encs) {
  Encoding out;
  for (auto& e : encs) merge_into(out, std::move(e));
  return out;
}

}  // namespace

Encoding default_process(Encoding a, std::optional<Encoding> b) {
  if (!b) return a;
  std::vector<Encoding> both;
  both.push_back(std::move(a));
  both.push_back(std::move(*b));
  return merge_all(std::move(both));
}

namespace {

Encoding special(const std::vector<uint32_t>& ids, const std::vector<std::string>& tokens, uint32_t type_id) {
  Encoding e;
  e.ids = ids;
  e.tokens = tokens;
  e.type_ids.assign(ids.size(), type_id);
  e.offsets.assign(ids.size(), {0, 0});
  e.special_tokens_mask.assign(ids.size(), 1);
  e.attention_mask.assign(ids.size(), 1);
  e.word_ids.assign(ids.size(), std::nullopt);
  return e;
}

// Offsets exclude the spaces byte-level BPE folds into tokens (HF's process_offsets), windows included.
void trim_offsets(Encoding& e, bool add_prefix_space) {
  const char32_t space = 0x120;
  for (size_t i = 0; i < e.tokens.size(); ++i) {
    std::u32string t = unicode::to_u32(e.tokens[i]);
    auto is_space = [&](char32_t c) { return c == space || unicode::is_whitespace(c); };
    size_t lead = 0, trail = 0;
    while (lead < t.size() && is_space(t[lead])) ++lead;
    while (trail < t.size() && is_space(t[t.size() - 1 - trail])) ++trail;
    auto& o = e.offsets[i];
    if (lead > 0) {
      bool first = i == 0 || o.first == 0;
      if (first && add_prefix_space && lead == 1) lead = 0;
      o.first = std::min(o.first + lead, o.second);
    }
    if (trail > 0 && o.second >= trail) o.second = std::max(o.second - trail, o.first);
  }
  for (auto& o : e.overflowing) trim_offsets(o, add_prefix_space);
}

struct ProcessorBase : PostProcessor {
  // HF's process_encodings: the encodings after this step (merged at the end).
  virtual std::vector<Encoding> process_encodings(std::vector<Encoding> encs, bool add_special) const = 0;
  Encoding process(Encoding a, std::optional<Encoding> b, bool add_special) const override {
    std::vector<Encoding> encs{std::move(a)};
    if (b) encs.push_back(std::move(*b));
    for (size_t i = 0; i < encs.size(); ++i)  // the windows keep the type ids they were encoded with
      encs[i].type_ids.assign(encs[i].ids.size(), static_cast<uint32_t>(i));
    return merge_all(process_encodings(std::move(encs), add_special));
  }
};

struct ByteLevelPost : ProcessorBase {
  bool trim = true, add_prefix_space = true;
  std::vector<Encoding> process_encodings(std::vector<Encoding> encs, bool) const override {
    if (trim)
      for (auto& e : encs) trim_offsets(e, add_prefix_space);
    return encs;
  }
  size_t added_tokens(bool) const override { return 0; }
};

struct Piece {
  bool is_special;
  std::string id;  // special token name, or "A"/"B"
  uint32_t type_id;
};

struct Template : ProcessorBase {
  std::vector<Piece> single, pair;
  std::map<std::string, std::pair<std::vector<uint32_t>, std::vector<std::string>>> specials;
  std::vector<Encoding> process_encodings(std::vector<Encoding> encs, bool add_special) const override {
    std::vector<Encoding> out;
    for (const Piece& p : encs.size() > 1 ? pair : single) {
      if (!p.is_special) {
        size_t i = p.id == "A" ? 0 : 1;
        if (i >= encs.size()) continue;
        encs[i].type_ids.assign(encs[i].ids.size(), p.type_id);
        out.push_back(encs[i]);
      } else if (add_special) {
        const auto& [ids, tokens] = specials.at(p.id);
        out.push_back(special(ids, tokens, p.type_id));
      }
    }
    return out;
  }
  size_t added_tokens(bool is_pair) const override {
    size_t n = 0;
    for (const Piece& p : is_pair ? pair : single)
      if (p.is_special) n += specials.at(p.id).first.size();
    return n;
  }
};

// BertProcessing ([CLS] A [SEP] B [SEP], B typed 1) and RobertaProcessing (<s> A </s></s> B </s>, all type
// 0).
struct BertLike : ProcessorBase {
  std::pair<std::string, uint32_t> sep, cls;
  bool roberta = false, trim = true, add_prefix_space = true;

  // Wraps one sequence (or window): [cls] or [sep] first if asked, then sep; `inner_type` overrides its type
  // ids.
  Encoding wrap(const Encoding& e, bool open_with_cls, bool open_with_sep, std::optional<uint32_t> inner_type,
                uint32_t close_type) const {
    Encoding out;
    auto push_special = [&](const std::pair<std::string, uint32_t>& t, uint32_t type) {
      out.ids.push_back(t.second);
      out.tokens.push_back(t.first);
      out.type_ids.push_back(type);
      out.offsets.push_back({0, 0});
      out.special_tokens_mask.push_back(1);
      out.attention_mask.push_back(1);
      out.word_ids.push_back(std::nullopt);
    };
    if (open_with_cls) push_special(cls, 0);
    if (open_with_sep) push_special(sep, 0);
    for (size_t k = 0; k < e.ids.size(); ++k) {
      out.ids.push_back(e.ids[k]);
      out.tokens.push_back(e.tokens[k]);
      out.type_ids.push_back(inner_type ? *inner_type : e.type_ids[k]);
      out.offsets.push_back(e.offsets[k]);
      out.special_tokens_mask.push_back(0);
      out.attention_mask.push_back(1);
      out.word_ids.push_back(e.word_ids[k]);
    }
    push_special(sep, close_type);
    return out;
  }

  std::vector<Encoding> process_encodings(std::vector<Encoding> encs, bool add_special) const override {
    if (roberta) {
      if (trim)
        for (auto& e : encs) trim_offsets(e, add_prefix_space);
      for (auto& e : encs) e.type_ids.assign(e.ids.size(), 0);  // not the windows' (HF)
    }
    if (!add_special) return encs;
    for (size_t i = 0; i < encs.size(); ++i) {
      bool first = i == 0;
      // Roberta types everything 0; Bert keeps the inner type ids (the windows' too).
      auto one = [&](const Encoding& e) {
        return roberta ? wrap(e, first, !first, 0u, 0) : wrap(e, first, false, std::nullopt, first ? 0 : 1);
      };
      Encoding out = one(encs[i]);
      for (const Encoding& o : encs[i].overflowing) out.overflowing.push_back(one(o));
      encs[i] = std::move(out);
    }
    return encs;
  }
  size_t added_tokens(bool is_pair) const override { return is_pair ? (roberta ? 4 : 3) : 2; }
};

struct SequencePost : ProcessorBase {
  std::vector<std::unique_ptr<PostProcessor>> items;
  std::vector<Encoding> process_encodings(std::vector<Encoding> encs, bool add_special) const override {
    for (auto& p : items)
      encs = static_cast<const ProcessorBase&>(*p).process_encodings(std::move(encs), add_special);
    return encs;
  }
  size_t added_tokens(bool is_pair) const override {
    size_t n = 0;
    for (auto& p : items) n += p->added_tokens(is_pair);
    return n;
  }
};

std::pair<std::string, uint32_t> token_pair(const OJson& j, const std::string& key, const std::string& path) {
  const OJson& v = need(j, key, path);
  if (!v.is_array() || v.size() != 2 || !v[0].is_string() || !v[1].is_number_unsigned())
    throw TokenizerError(path + "." + key + ": expected [token, id]");
  if (v[1].get<uint64_t>() > static_cast<uint64_t>(bounds::kTokenId.max))
    throw TokenizerError(bounds::limit_message(path + "." + key + " id", v[1].dump(), bounds::kTokenId,
                                               "give the token's id in the vocab"));
  return {v[0].get<std::string>(), v[1].get<uint32_t>()};
}

std::vector<Piece> read_template(const OJson& j, const std::string& path) {
  std::vector<Piece> out;
  if (!j.is_array()) throw TokenizerError(path + ": expected an array of template pieces");
  for (size_t i = 0; i < j.size(); ++i) {
    std::string where = path + "[" + std::to_string(i) + "]";
    const OJson& p = j[i];
    if (p.contains("SpecialToken")) {
      const OJson& s = p["SpecialToken"];
      out.push_back({true, get_string(s, "id", where + ".SpecialToken"), s.value("type_id", 0u)});
    } else if (p.contains("Sequence")) {
      const OJson& s = p["Sequence"];
      std::string id = get_string(s, "id", where + ".Sequence");
      if (id != "A" && id != "B") throw TokenizerError(where + ".Sequence.id: expected \"A\" or \"B\"");
      out.push_back({false, id, s.value("type_id", 0u)});
    } else {
      throw TokenizerError(where + ": expected {\"SpecialToken\": ...} or {\"Sequence\": ...}");
    }
  }
  return out;
}

}  // namespace

std::unique_ptr<PostProcessor> make_post_processor(const OJson& j, const std::string& path) {
  if (!j.is_object()) throw TokenizerError(path + ": expected an object");
  std::string type = get_string(j, "type", path);
  std::unique_ptr<PostProcessor> p;
  if (type == "ByteLevel") {
    auto b = std::make_unique<ByteLevelPost>();
    b->trim = get_bool(j, "trim_offsets", path, true);
    b->add_prefix_space = get_bool(j, "add_prefix_space", path, true);
    p = std::move(b);
  } else if (type == "TemplateProcessing") {
    auto t = std::make_unique<Template>();
    t->single = read_template(need(j, "single", path), path + ".single");
    t->pair = read_template(need(j, "pair", path), path + ".pair");
    const OJson& st = need(j, "special_tokens", path);
    for (auto& [name, v] : st.items()) {
      std::string where = path + ".special_tokens[\"" + name + "\"]";
      auto ids = need(v, "ids", where).get<std::vector<uint32_t>>();
      auto tokens = need(v, "tokens", where).get<std::vector<std::string>>();
      if (ids.size() != tokens.size()) throw TokenizerError(where + ": ids and tokens differ in length");
      t->specials[name] = {ids, tokens};
    }
    for (auto* tmpl : {&t->single, &t->pair})
      for (auto& piece : *tmpl)
        if (piece.is_special && !t->specials.count(piece.id))
          throw TokenizerError(path + ": template uses special token \"" + piece.id +
                               "\" missing from special_tokens");
    p = std::move(t);
  } else if (type == "BertProcessing" || type == "RobertaProcessing") {
    auto b = std::make_unique<BertLike>();
    b->sep = token_pair(j, "sep", path);
    b->cls = token_pair(j, "cls", path);
    b->roberta = type == "RobertaProcessing";
    b->trim = get_bool(j, "trim_offsets", path, true);
    b->add_prefix_space = get_bool(j, "add_prefix_space", path, true);
    p = std::move(b);
  } else if (type == "Sequence") {
    auto s = std::make_unique<SequencePost>();
    const OJson& items = need(j, "processors", path);
    for (size_t i = 0; i < items.size(); ++i)
      s->items.push_back(make_post_processor(items[i], path + ".processors[" + std::to_string(i) + "]"));
    p = std::move(s);
  } else {
    throw TokenizerError(path + ": unsupported post_processor type \"" + type + "\"");
  }
  p->spec = j;
  return p;
}

}  // namespace tinyforge::tokenizers
