// tokenizers/decoders: tokens back to text (tokenizer.json "decoder").
#include "tinyforge/tokenizers/components.h"
#include "tinyforge/tokenizers/unicode.h"

namespace tinyforge::tokenizers {
namespace {

using Tokens = std::vector<std::string>;

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
    s.replace(p, from.size(), to);
}

void wordpiece_cleanup(std::string& s) {
  for (auto [a, b] : {std::pair<const char*, const char*>{" .", "."},
                      {" ?", "?"},
                      {" !", "!"},
                      {" ,", ","},
                      {" ' ", "'"},
                      {" n't", "n't"},
                      {" 'm", "'m"},
                      {" do not", " don't"},
                      {" 's", "'s"},
                      {" 've", "'ve"},
                      {" 're", "'re"}})
    replace_all(s, a, b);
}

struct FnDecoder : Decoder {
  std::function<Tokens(Tokens)> fn;
  Tokens decode_chain(Tokens t) const override { return fn(std::move(t)); }
};

std::unique_ptr<Decoder> make_fn(std::function<Tokens(Tokens)> fn) {
  auto d = std::make_unique<FnDecoder>();
  d->fn = std::move(fn);
  return d;
}

std::optional<unsigned char> byte_of(const std::string& t) {
  if (t.size() != 6 || t.compare(0, 3, "<0x") != 0 || t[5] != '>') return std::nullopt;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  int h = hex(t[3]), l = hex(t[4]);
  if (h < 0 || l < 0) return std::nullopt;
  return static_cast<unsigned char>(h * 16 + l);
}

}  // namespace

std::unique_ptr<Decoder> make_decoder(const OJson& j, const std::string& path) {
  if (!j.is_object()) throw TokenizerError(path + ": expected an object");
  std::string type = get_string(j, "type", path);
  std::unique_ptr<Decoder> d;
  if (type == "ByteLevel") {
    d = make_fn([](Tokens tokens) {
      const auto& table = unicode_to_byte();
      std::string bytes;
      for (auto& t : tokens) {
        std::string mapped;
        bool ok = true;
        for (size_t i = 0; i < t.size() && ok;) {
          auto it = table.find(unicode::next_char(t, i));
          if (it == table.end())
            ok = false;
          else
            mapped += static_cast<char>(it->second);
        }
        bytes += ok ? mapped : t;
      }
      return Tokens{unicode::repair_utf8(bytes)};
    });
  } else if (type == "WordPiece") {
    std::string prefix = get_string(j, "prefix", path, "##");
    bool cleanup = get_bool(j, "cleanup", path, true);
    d = make_fn([=](Tokens tokens) {
      for (size_t i = 0; i < tokens.size(); ++i) {
        std::string& t = tokens[i];
        if (i != 0) {
          if (t.rfind(prefix, 0) == 0)
            t.erase(0, prefix.size());
          else
            t = " " + t;
        }
        if (cleanup) wordpiece_cleanup(t);
      }
      return tokens;
    });
  } else if (type == "Metaspace") {
    std::string rep = get_string(j, "replacement", path, "\xE2\x96\x81");
    std::string scheme = "always";
    if (j.contains("prepend_scheme"))
      scheme = get_string(j, "prepend_scheme", path);
    else if (j.contains("add_prefix_space"))
      scheme = get_bool(j, "add_prefix_space", path) ? "always" : "never";
    d = make_fn([=](Tokens tokens) {
      for (size_t i = 0; i < tokens.size(); ++i)
        replace_all(tokens[i], rep, i == 0 && scheme != "never" ? "" : " ");
      return tokens;
    });
  } else if (type == "BPEDecoder") {
    std::string suffix = get_string(j, "suffix", path, "</w>");
    d = make_fn([=](Tokens tokens) {
      for (size_t i = 0; i < tokens.size(); ++i)
        replace_all(tokens[i], suffix, i + 1 == tokens.size() ? "" : " ");
      return tokens;
    });
  } else if (type == "ByteFallback") {
    d = make_fn([](Tokens tokens) {
      Tokens out;
      std::string pending;
      size_t n = 0;
      auto flush = [&] {
        if (n == 0) return;
        if (unicode::is_valid_utf8(pending))
          out.push_back(pending);
        else
          for (size_t k = 0; k < n; ++k) out.push_back("\xEF\xBF\xBD");
        pending.clear();
        n = 0;
      };
      for (auto& t : tokens) {
        if (auto b = byte_of(t)) {
          pending += static_cast<char>(*b);
          ++n;
        } else {
          flush();
          out.push_back(t);
        }
      }
      flush();
      return out;
    });
  } else if (type == "Fuse") {
    d = make_fn([](Tokens tokens) {
      std::string all;
      for (auto& t : tokens) all += t;
      return Tokens{all};
    });
  } else if (type == "Strip") {
    std::u32string content = unicode::to_u32(get_string(j, "content", path));
    if (content.size() != 1) throw TokenizerError(path + ".content: expected exactly one character");
    size_t start = j.value("start", 0u), stop = j.value("stop", 0u);
    d = make_fn([=](Tokens tokens) {
      for (auto& t : tokens) {
        std::u32string u = unicode::to_u32(t);
        size_t b = 0, e = u.size();
        while (b < std::min(start, u.size()) && u[b] == content[0]) ++b;
        for (size_t k = 0; k < stop; ++k) {
          // HF indexes past the front here (and slices backwards below): it fails, so do we.
          if (k >= u.size())
            throw TokenizerError("decoder Strip: token \"" + t + "\" has fewer chars than stop");
          if (u[u.size() - 1 - k] != content[0]) break;
          e = u.size() - 1 - k;
        }
        if (b > e) throw TokenizerError("decoder Strip: start and stop overlap in token \"" + t + "\"");
        std::string out;
        for (size_t k = b; k < e; ++k) unicode::append_utf8(out, u[k]);
        t = std::move(out);
      }
      return tokens;
    });
  } else if (type == "Replace") {
    std::string content = get_string(j, "content", path);
    SplitPattern pattern = parse_split_pattern(need(j, "pattern", path), path);
    d = make_fn([=](Tokens tokens) {
      for (auto& t : tokens) {
        std::string out;
        for (auto& [o, is_match] : pattern.find_matches(t))
          out += is_match ? content : t.substr(o.first, o.second - o.first);
        t = out;
      }
      return tokens;
    });
  } else if (type == "CTC") {
    std::string pad = get_string(j, "pad_token", path, "<pad>");
    std::string delim = get_string(j, "word_delimiter_token", path, "|");
    bool cleanup = get_bool(j, "cleanup", path, true);
    d = make_fn([=](Tokens tokens) {
      Tokens out;
      for (size_t i = 0; i < tokens.size(); ++i) {
        if (i > 0 && tokens[i] == tokens[i - 1]) continue;
        std::string t = tokens[i] == pad ? "" : tokens[i];
        if (cleanup) {
          wordpiece_cleanup(t);
          replace_all(t, delim, " ");
        }
        if (!t.empty()) out.push_back(t);
      }
      return out;
    });
  } else if (type == "Sequence") {
    const OJson& items = need(j, "decoders", path);
    auto list = std::make_shared<std::vector<std::unique_ptr<Decoder>>>();
    for (size_t i = 0; i < items.size(); ++i)
      list->push_back(make_decoder(items[i], path + ".decoders[" + std::to_string(i) + "]"));
    d = make_fn([list](Tokens tokens) {
      for (auto& dec : *list) tokens = dec->decode_chain(std::move(tokens));
      return tokens;
    });
  } else {
    throw TokenizerError(path + ": unsupported decoder type \"" + type + "\"");
  }
  d->spec = j;
  return d;
}

}  // namespace tinyforge::tokenizers
