// tokenizers/models: turning one word into tokens (tokenizer.json "model"): BPE, WordPiece, WordLevel,
// Unigram.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tinyforge/tokenizers/components.h"
#include "tinyforge/tokenizers/ordered_json.h"
#include "tinyforge/tokenizers/piece_trie.h"
#include "tinyforge/tokenizers/unicode.h"
#include "tinyforge/util/bounds.h"

namespace tinyforge::tokenizers {
namespace {

using Vocab = std::unordered_map<std::string, uint32_t>;

// Tokens of recently seen words (as HF caches them), bounded so a long run does not grow without limit.
// Not thread-safe: a Tokenizer is used by one thread at a time.
class WordCache {
 public:
  // Appends the word's tokens, computing them with `compute` on a miss.
  template <class Compute>
  void tokens(const std::string& word, std::vector<Token>& out, Compute&& compute) const {
    if (auto it = cache_.find(word); it != cache_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
    std::vector<Token> result;
    compute(result);
    if (cache_.size() < kCapacity) cache_.emplace(word, result);
    out.insert(out.end(), result.begin(), result.end());
  }

 private:
  static constexpr size_t kCapacity = 10000;
  mutable std::unordered_map<std::string, std::vector<Token>> cache_;
};

// {token: id} object → map and the reverse table (ids may have holes).
void read_vocab(const OJson& j, const std::string& path, Vocab& vocab, std::vector<std::string>& vocab_r) {
  if (!j.is_object()) throw TokenizerError(path + ": expected an object {token: id}");
  // Ids index the reverse table: bounded by the entries plus a gap for holes, so a hostile id neither wraps
  // nor allocates a huge table.
  const uint64_t limit = std::min<uint64_t>(bounds::kTokenId.max, j.size() + bounds::kIdGap);
  vocab.reserve(j.size());
  vocab_r.reserve(j.size());
  for (auto& [k, v] : j.items()) {
    if (!v.is_number_unsigned())
      throw TokenizerError(path + "[\"" + k + "\"]: expected a non-negative integer id");
    if (v.get<uint64_t>() >= limit)
      throw TokenizerError(path + "[\"" + k + "\"]: id " + v.dump() + " is not below " +
                           std::to_string(limit) + " (the vocab's " + std::to_string(j.size()) +
                           " entries + " + std::to_string(bounds::kIdGap) + ", at most " +
                           std::to_string(bounds::kTokenId.max) + "); renumber the vocab");
    const auto id = static_cast<uint32_t>(v.get<uint64_t>());
    vocab[k] = id;
    if (vocab_r.size() <= id) vocab_r.resize(id + 1);
    vocab_r[id] = k;
  }
}

OJson vocab_json(const std::vector<std::string>& vocab_r, const Vocab& vocab) {
  ObjectBuilder out;
  for (size_t id = 0; id < vocab_r.size(); ++id) {
    auto it = vocab.find(vocab_r[id]);
    if (it != vocab.end() && it->second == id) out[vocab_r[id]] = id;
  }
  return std::move(out).take();
}

OJson opt(const std::optional<std::string>& s) { return s ? OJson(*s) : OJson(nullptr); }

std::string byte_token(unsigned char b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "<0x%02X>", b);
  return buf;
}

class VocabModel : public Model {
 public:
  Vocab vocab;
  std::vector<std::string> vocab_r;
  std::optional<uint32_t> token_to_id(const std::string& t) const override {
    auto it = vocab.find(t);
    if (it == vocab.end()) return std::nullopt;
    return it->second;
  }
  std::optional<std::string> id_to_token(uint32_t id) const override {
    if (id >= vocab_r.size() || vocab.find(vocab_r[id]) == vocab.end()) return std::nullopt;
    return vocab_r[id];
  }
  size_t vocab_size() const override { return vocab.size(); }
  Vocab get_vocab() const override { return vocab; }
};

// ---- BPE -------------------------------------------------------------------------------------------------
// (left id, right id) → (rank, merged id), in one open-addressed table (linear probing, power-of-two size,
// at most half full): the lookup is the inner loop of BPE encoding, where a node-based map's pointer chasing
// cost a quarter of the time.
class MergeTable {
 public:
  struct Merge {
    uint32_t rank, id;
  };
  void reserve(size_t n) {
    size_t capacity = 16;
    while (capacity < 2 * n) capacity <<= 1;
    if (capacity > slots_.size()) rehash(capacity);
  }
  // Adds the pair unless it is there already (the first merge of a pair wins).
  void emplace(uint32_t left, uint32_t right, Merge merge) {
    if (2 * (size_ + 1) > slots_.size()) rehash(std::max<size_t>(16, 2 * slots_.size()));
    Slot& slot = slots_[index_of(key(left, right))];
    if (slot.key != kEmpty) return;
    slot = {key(left, right), merge};
    ++size_;
  }
  const Merge* find(uint32_t left, uint32_t right) const {
    if (slots_.empty()) return nullptr;
    const Slot& slot = slots_[index_of(key(left, right))];
    return slot.key == kEmpty ? nullptr : &slot.merge;
  }

 private:
  static constexpr uint64_t kEmpty = UINT64_MAX;  // ids are below 2^31: no pair has this key
  struct Slot {
    uint64_t key = kEmpty;
    Merge merge{};
  };
  std::vector<Slot> slots_;
  size_t size_ = 0;

  static uint64_t key(uint32_t left, uint32_t right) { return (uint64_t{left} << 32) | right; }
  // The slot holding k, or the empty one where it would go.
  size_t index_of(uint64_t k) const {
    const size_t mask = slots_.size() - 1;
    size_t i = static_cast<size_t>((k * 0x9E3779B97F4A7C15ull) >> 32) & mask;
    while (slots_[i].key != kEmpty && slots_[i].key != k) i = (i + 1) & mask;
    return i;
  }
  void rehash(size_t capacity) {
    std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(capacity));
    for (const Slot& slot : old)
      if (slot.key != kEmpty) slots_[index_of(slot.key)] = slot;
  }
};

class Bpe : public VocabModel {
 public:
  std::optional<std::string> unk_token, prefix, suffix;
  bool fuse_unk = false, byte_fallback = false, ignore_merges = false;
  std::vector<std::pair<std::string, std::string>> merge_list;
  MergeTable merges;
  WordCache cache;

  std::optional<double> dropout;  // only 0 (no effect) and 1 (no merge ever applies) are deterministic

  void tokenize(const std::string& word, std::vector<Token>& out) const override {
    if (word.empty()) return;
    if (dropout == 1.0) return merge_word(word, out);  // HF's uncached path: no ignore_merges either
    cache.tokens(word, out, [&](std::vector<Token>& result) {
      if (ignore_merges)
        if (auto it = vocab.find(word); it != vocab.end())
          result.push_back({it->second, word, {0, word.size()}});
      if (result.empty()) merge_word(word, result);
    });
  }

  struct Symbol {
    uint32_t id;
    int prev, next;
    size_t start, len;
  };

  // Merge candidate: the lowest rank first (leftmost on ties), as HF's priority queue pops them. It remembers
  // the pair it was made from, so a pop whose pair is unchanged needs no second table lookup.
  struct Candidate {
    uint32_t rank;
    int pos;
    uint32_t left, right, new_id;
  };
  struct Later {  // a function object, so the heap operations inline it
    bool operator()(const Candidate& x, const Candidate& y) const {
      return x.rank != y.rank ? x.rank > y.rank : x.pos > y.pos;
    }
  };
  // Scratch space reused across words (a Tokenizer is used by one thread at a time, see WordCache).
  mutable std::vector<Symbol> symbols_;
  mutable std::vector<Candidate> queue_;
  // Ids of recently seen undecorated one-character pieces, direct-mapped by their UTF-8 bytes: most
  // characters of a word hit it instead of hashing a string into the vocab (a cache miss each in a large
  // vocab).
  struct CharId {
    uint64_t key = 0;  // (byte length << 32) | bytes; 0 = empty
    uint32_t id = 0;
  };
  mutable std::array<CharId, 256> char_ids_{};
  std::optional<uint32_t> char_id(std::string_view ch) const {
    uint64_t key = uint64_t{ch.size()} << 32;
    for (size_t k = 0; k < ch.size(); ++k) key |= uint64_t{static_cast<unsigned char>(ch[k])} << (8 * k);
    CharId& slot = char_ids_[(static_cast<uint32_t>(key) * 0x9E3779B1u) >> 24];
    if (slot.key == key) return slot.id;
    auto it = vocab.find(std::string(ch));
    if (it == vocab.end()) return std::nullopt;
    slot = {key, it->second};
    return it->second;
  }

  void merge_word(const std::string& word, std::vector<Token>& out) const {
    std::vector<Symbol>& symbols = symbols_;
    symbols.clear();
    size_t unk_symbol = SIZE_MAX;  // index of the last symbol if it is unk (for fuse_unk)
    // Symbols start where the previous one ends, as HF's Word counts offsets: a character dropped (no piece,
    // no byte pieces, no unk token) takes no room, so the offsets after it move back by its bytes.
    size_t end = 0;
    auto push = [&](uint32_t id, size_t len) {
      int idx = static_cast<int>(symbols.size());
      symbols.push_back({id, idx - 1, -1, end, len});
      if (idx > 0) symbols[static_cast<size_t>(idx - 1)].next = idx;
      end += len;
    };
    std::string piece;
    for (size_t i = 0; i < word.size();) {
      size_t start = i;
      i += unicode::char_len(static_cast<unsigned char>(word[i]));
      if (i > word.size()) i = word.size();
      if ((!prefix || start == 0) && (!suffix || i < word.size()) && i - start <= 4) {
        if (auto id = char_id(std::string_view(word).substr(start, i - start))) {
          push(*id, i - start);
          unk_symbol = SIZE_MAX;
          continue;
        }
      } else {
        piece.assign(prefix && start > 0 ? *prefix : std::string());
        piece.append(word, start, i - start);
        if (suffix && i == word.size()) piece += *suffix;
        if (auto it = vocab.find(piece); it != vocab.end()) {
          push(it->second, i - start);
          unk_symbol = SIZE_MAX;
          continue;
        }
      }
      if (byte_fallback) {
        std::vector<uint32_t> ids;
        for (size_t k = start; k < i; ++k) {
          auto it = vocab.find(byte_token(static_cast<unsigned char>(word[k])));
          if (it == vocab.end()) break;
          ids.push_back(it->second);
        }
        if (ids.size() == i - start) {
          for (uint32_t id : ids) push(id, 1);
          unk_symbol = SIZE_MAX;
          continue;
        }
      }
      if (!unk_token) continue;
      auto it = vocab.find(*unk_token);
      if (it == vocab.end())
        throw TokenizerError("model: unk_token \"" + *unk_token + "\" is not in the vocab");
      if (fuse_unk && unk_symbol != SIZE_MAX) {
        symbols[unk_symbol].len += i - start;
        end += i - start;
      } else {
        push(it->second, i - start);
        unk_symbol = symbols.size() - 1;
      }
    }
    std::vector<Candidate>& queue = queue_;  // a heap ordered by Later
    queue.clear();
    auto consider = [&](int pos) {
      if (pos < 0) return;
      const Symbol& a = symbols[static_cast<size_t>(pos)];
      if (a.next < 0) return;
      const uint32_t right = symbols[static_cast<size_t>(a.next)].id;
      if (auto merge = merges.find(a.id, right)) {
        queue.push_back({merge->rank, pos, a.id, right, merge->id});
        std::push_heap(queue.begin(), queue.end(), Later{});
      }
    };
    if (dropout != 1.0)
      for (size_t k = 0; k + 1 < symbols.size(); ++k) consider(static_cast<int>(k));
    while (!queue.empty()) {
      std::pop_heap(queue.begin(), queue.end(), Later{});
      const Candidate top = queue.back();
      queue.pop_back();
      Symbol& a = symbols[static_cast<size_t>(top.pos)];
      if (a.len == 0 || a.next < 0) continue;
      Symbol& b = symbols[static_cast<size_t>(a.next)];
      // As HF: the merge applies if the pair now there merges into the candidate's token.
      if (a.id != top.left || b.id != top.right) {
        auto merge = merges.find(a.id, b.id);
        if (!merge || merge->id != top.new_id) continue;
      }
      a.id = top.new_id;
      a.len += b.len;
      a.next = b.next;
      b.len = 0;
      if (a.next >= 0) symbols[static_cast<size_t>(a.next)].prev = top.pos;
      consider(a.prev);
      consider(top.pos);
    }
    for (auto& s : symbols)
      if (s.len > 0) out.push_back({s.id, vocab_r[s.id], {s.start, s.start + s.len}});
  }

  OJson to_json() const override {
    OJson j;
    j["type"] = "BPE";
    j["dropout"] = dropout ? OJson(*dropout) : OJson(nullptr);
    j["unk_token"] = opt(unk_token);
    j["continuing_subword_prefix"] = opt(prefix);
    j["end_of_word_suffix"] = opt(suffix);
    j["fuse_unk"] = fuse_unk;
    j["byte_fallback"] = byte_fallback;
    j["ignore_merges"] = ignore_merges;
    j["vocab"] = vocab_json(vocab_r, vocab);
    OJson m = OJson::array();
    for (auto& [a, b] : merge_list) m.push_back(OJson::array({a, b}));
    j["merges"] = std::move(m);
    return j;
  }
};

std::unique_ptr<Model> make_bpe(const OJson& j, const std::string& path) {
  auto m = std::make_unique<Bpe>();
  if (j.contains("dropout") && !j["dropout"].is_null()) {
    if (!j["dropout"].is_number()) throw TokenizerError(path + ".dropout: expected a number or null");
    double p = j["dropout"].get<double>();
    if (p != 0.0 && p != 1.0)
      throw TokenizerError(path + ".dropout: " + j["dropout"].dump() +
                           " makes encoding random; only null, 0 and 1 are supported (set it to null)");
    m->dropout = p;
  }
  read_vocab(need(j, "vocab", path), path + ".vocab", m->vocab, m->vocab_r);
  m->unk_token = get_opt_string(j, "unk_token", path);
  m->prefix = get_opt_string(j, "continuing_subword_prefix", path);
  m->suffix = get_opt_string(j, "end_of_word_suffix", path);
  m->fuse_unk = get_bool(j, "fuse_unk", path, false);
  m->byte_fallback = get_bool(j, "byte_fallback", path, false);
  m->ignore_merges = get_bool(j, "ignore_merges", path, false);
  const OJson& merges = need(j, "merges", path);
  if (!merges.is_array()) throw TokenizerError(path + ".merges: expected an array");
  size_t prefix_len = m->prefix ? m->prefix->size() : 0;
  m->merges.reserve(merges.size());
  m->merge_list.reserve(merges.size());
  std::string a, b, merged;
  for (size_t i = 0; i < merges.size(); ++i) {
    auto where = [&] { return path + ".merges[" + std::to_string(i) + "]"; };
    const OJson& e = merges[i];
    if (e.is_string()) {
      const auto& line = e.get_ref<const std::string&>();
      if (line.rfind("#version", 0) == 0) continue;
      size_t sp = line.find(' ');
      if (sp == std::string::npos || line.find(' ', sp + 1) != std::string::npos)
        throw TokenizerError(where() + ": merge \"" + line + "\" must be two tokens separated by one space");
      a.assign(line, 0, sp);
      b.assign(line, sp + 1);
    } else if (e.is_array() && e.size() == 2 && e[0].is_string() && e[1].is_string()) {
      a = e[0].get_ref<const std::string&>();
      b = e[1].get_ref<const std::string&>();
    } else {
      throw TokenizerError(where() + ": expected \"a b\" or [\"a\", \"b\"]");
    }
    auto ia = m->vocab.find(a), ib = m->vocab.find(b);
    if (ia == m->vocab.end()) throw TokenizerError(where() + ": token \"" + a + "\" is not in the vocab");
    if (ib == m->vocab.end()) throw TokenizerError(where() + ": token \"" + b + "\" is not in the vocab");
    merged.assign(a).append(b, b.size() >= prefix_len ? prefix_len : 0);
    auto im = m->vocab.find(merged);
    if (im == m->vocab.end())
      throw TokenizerError(where() + ": merged token \"" + merged + "\" is not in the vocab");
    m->merges.emplace(ia->second, ib->second, {static_cast<uint32_t>(m->merge_list.size()), im->second});
    m->merge_list.push_back({a, b});
  }
  return m;
}

// ---- WordPiece -------------------------------------------------------------------------------------------
class WordPiece : public VocabModel {
 public:
  std::string unk_token = "[UNK]", prefix = "##";
  size_t max_chars = 100;
  void tokenize(const std::string& word, std::vector<Token>& out) const override {
    size_t nchars = 0;
    for (size_t i = 0; i < word.size(); i += unicode::char_len(static_cast<unsigned char>(word[i]))) ++nchars;
    auto unk = [&] {
      auto it = vocab.find(unk_token);
      if (it == vocab.end())
        throw TokenizerError("model: unk_token \"" + unk_token + "\" is not in the vocab");
      out.push_back({it->second, unk_token, {0, word.size()}});
    };
    if (nchars > max_chars) return unk();
    size_t before = out.size(), start = 0;
    std::string sub;
    while (start < word.size()) {
      size_t end = word.size();
      bool found = false;
      while (start < end) {
        sub.assign(start > 0 ? prefix : std::string());
        sub.append(word, start, end - start);
        if (auto it = vocab.find(sub); it != vocab.end()) {
          out.push_back({it->second, sub, {start, end}});
          found = true;
          break;
        }
        do --end;  // back off one whole char
        while (end > start && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80);
      }
      if (!found) {
        out.resize(before);
        return unk();
      }
      start = end;
    }
  }
  OJson to_json() const override {
    OJson j;
    j["type"] = "WordPiece";
    j["unk_token"] = unk_token;
    j["continuing_subword_prefix"] = prefix;
    j["max_input_chars_per_word"] = max_chars;
    j["vocab"] = vocab_json(vocab_r, vocab);
    return j;
  }
};

// ---- WordLevel -------------------------------------------------------------------------------------------
class WordLevel : public VocabModel {
 public:
  std::string unk_token = "<unk>";
  void tokenize(const std::string& word, std::vector<Token>& out) const override {
    if (auto it = vocab.find(word); it != vocab.end())
      return out.push_back({it->second, word, {0, word.size()}});
    auto it = vocab.find(unk_token);
    if (it == vocab.end()) throw TokenizerError("model: unk_token \"" + unk_token + "\" is not in the vocab");
    out.push_back({it->second, unk_token, {0, word.size()}});
  }
  OJson to_json() const override {
    OJson j;
    j["type"] = "WordLevel";
    j["vocab"] = vocab_json(vocab_r, vocab);
    j["unk_token"] = unk_token;
    return j;
  }
};

// ---- Unigram ---------------------------------------------------------------------------------------------
class Unigram : public Model {
 public:
  std::vector<std::pair<std::string, double>> pieces;
  Vocab vocab;
  std::optional<uint32_t> unk_id;
  bool byte_fallback = false;
  PieceTrie trie;  // ids as HF's token-to-id map: a repeated piece resolves to its last id
  double min_score = 0;
  WordCache cache;

  void tokenize(const std::string& word, std::vector<Token>& out) const override {
    if (word.empty()) return;
    cache.tokens(word, out, [&](std::vector<Token>& result) { encode(word, result); });
  }

  void encode(const std::string& s, std::vector<Token>& out) const {
    struct Node {
      std::optional<uint32_t> id;
      double score = 0;
      std::optional<size_t> starts_at;
    };
    const double unk_score = min_score - 10.0;
    std::vector<Node> best(s.size() + 1);
    for (size_t start = 0; start < s.size();) {
      double base = best[start].score;
      size_t mblen = std::min(unicode::char_len(static_cast<unsigned char>(s[start])), s.size() - start);
      bool single = false;
      trie.for_each_prefix(s, start, [&](size_t len, uint32_t id) {
        double cand = pieces[id].second + base;
        Node& n = best[start + len];
        if (!n.starts_at || cand > n.score) n = {id, cand, start};
        if (len == mblen) single = true;
      });
      if (!single) {
        double cand = unk_score + base;
        Node& n = best[start + mblen];
        if (!n.starts_at || cand > n.score) n = {unk_id, cand, start};
      }
      start += mblen;
    }
    // Walk back from the end; consecutive unknown nodes fuse into one piece.
    std::vector<Offsets> spans;
    bool prev_unk = false;
    for (size_t end = s.size(); end > 0;) {
      const Node& n = best[end];
      size_t start = n.starts_at.value_or(0);
      bool is_unk = unk_id && n.id == unk_id;
      if (is_unk && prev_unk)
        spans.back().first = start;
      else
        spans.push_back({start, end});
      prev_unk = is_unk;
      end = start;
    }
    std::reverse(spans.begin(), spans.end());
    for (auto [b, e] : spans) {
      std::string piece = s.substr(b, e - b);
      if (auto it = vocab.find(piece); it != vocab.end()) {
        out.push_back({it->second, piece, {b, e}});
        continue;
      }
      if (byte_fallback) {
        bool all = true;
        std::vector<Token> bytes;
        for (size_t k = b; k < e; ++k) {
          std::string t = byte_token(static_cast<unsigned char>(s[k]));
          auto it = vocab.find(t);
          if (it == vocab.end()) {
            all = false;
            break;
          }
          bytes.push_back({it->second, t, {b, e}});
        }
        if (all) {
          out.insert(out.end(), bytes.begin(), bytes.end());
          continue;
        }
      }
      if (!unk_id)
        throw TokenizerError("model: text needs an unknown token but the Unigram model has no unk_id");
      out.push_back({*unk_id, piece, {b, e}});  // HF keeps the unknown text as the token
    }
  }

  std::optional<uint32_t> token_to_id(const std::string& t) const override {
    auto it = vocab.find(t);
    if (it == vocab.end()) return std::nullopt;
    return it->second;
  }
  std::optional<std::string> id_to_token(uint32_t id) const override {
    if (id >= pieces.size()) return std::nullopt;
    return pieces[id].first;
  }
  size_t vocab_size() const override { return pieces.size(); }
  Vocab get_vocab() const override { return vocab; }
  OJson to_json() const override {
    OJson j;
    j["type"] = "Unigram";
    j["unk_id"] = unk_id ? OJson(*unk_id) : OJson(nullptr);
    OJson v = OJson::array();
    for (auto& [p, sc] : pieces) v.push_back(OJson::array({p, sc}));
    j["vocab"] = std::move(v);
    j["byte_fallback"] = byte_fallback;
    return j;
  }
};

std::unique_ptr<Model> make_unigram(const OJson& j, const std::string& path) {
  auto m = std::make_unique<Unigram>();
  const OJson& v = need(j, "vocab", path);
  if (!v.is_array()) throw TokenizerError(path + ".vocab: expected an array of [piece, score]");
  m->min_score = std::numeric_limits<double>::infinity();
  std::vector<std::string> strings;
  for (size_t i = 0; i < v.size(); ++i) {
    const OJson& e = v[i];
    if (!e.is_array() || e.size() != 2 || !e[0].is_string() || !e[1].is_number())
      throw TokenizerError(path + ".vocab[" + std::to_string(i) + "]: expected [piece, score]");
    std::string p = e[0].get<std::string>();
    double sc = e[1].get<double>();
    m->vocab[p] = static_cast<uint32_t>(i);
    m->pieces.push_back({p, sc});
    strings.push_back(std::move(p));
    m->min_score = std::min(m->min_score, sc);
  }
  m->trie = PieceTrie(strings);
  if (m->pieces.empty()) m->min_score = 0;
  if (j.contains("unk_id") && !j["unk_id"].is_null()) {
    if (!j["unk_id"].is_number_unsigned())
      throw TokenizerError(path + ".unk_id: expected an integer or null");
    if (j["unk_id"].get<uint64_t>() >= m->pieces.size())  // checked before narrowing, so it cannot wrap
      throw TokenizerError(path + ".unk_id: " + j["unk_id"].dump() + " is outside the vocab");
    m->unk_id = static_cast<uint32_t>(j["unk_id"].get<uint64_t>());
  }
  m->byte_fallback = get_bool(j, "byte_fallback", path, false);
  return m;
}

}  // namespace

std::unique_ptr<Model> make_model(const OJson& j, const std::string& path) {
  if (!j.is_object()) throw TokenizerError(path + ": expected an object");
  std::string type;
  if (j.contains("type"))
    type = get_string(j, "type", path);
  else if (j.contains("merges"))
    type = "BPE";
  else if (j.contains("continuing_subword_prefix"))
    type = "WordPiece";
  else if (j.contains("vocab") && j["vocab"].is_array())
    type = "Unigram";
  else
    type = "WordLevel";
  if (type == "BPE") return make_bpe(j, path);
  if (type == "Unigram") return make_unigram(j, path);
  if (type == "WordPiece") {
    auto m = std::make_unique<WordPiece>();
    read_vocab(need(j, "vocab", path), path + ".vocab", m->vocab, m->vocab_r);
    m->unk_token = get_string(j, "unk_token", path, "[UNK]");
    m->prefix = get_string(j, "continuing_subword_prefix", path, "##");
    if (j.contains("max_input_chars_per_word")) m->max_chars = j["max_input_chars_per_word"].get<size_t>();
    return m;
  }
  if (type == "WordLevel") {
    auto m = std::make_unique<WordLevel>();
    read_vocab(need(j, "vocab", path), path + ".vocab", m->vocab, m->vocab_r);
    m->unk_token = get_string(j, "unk_token", path, "<unk>");
    return m;
  }
  throw TokenizerError(path + ": unsupported model type \"" + type + "\"");
}

}  // namespace tinyforge::tokenizers
