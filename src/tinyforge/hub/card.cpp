#include "tinyforge/hub/card.h"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <vector>

#include "tinyforge/catalog/hub_metadata.h"

namespace tinyforge::hub {

namespace {

constexpr size_t kMaxKeys = 256;
constexpr size_t kMaxItems = 1000;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// A plain scalar ends at " #" (a comment).
std::string_view strip_comment(std::string_view s) {
  if (!s.empty() && s.front() == '#') return {};
  const size_t hash = s.find(" #");
  return trim(hash == std::string_view::npos ? s : s.substr(0, hash));
}

bool is_number(std::string_view s, bool allow_fraction) {
  size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  size_t digits = 0, dots = 0;
  for (; i < s.size(); ++i) {
    if (s[i] >= '0' && s[i] <= '9') {
      ++digits;
    } else if (s[i] == '.' && allow_fraction && dots == 0) {
      ++dots;
    } else {
      return false;
    }
  }
  return digits > 0 && digits <= 18;
}

// One scalar (already trimmed). nullopt: outside the subset (anchors, aliases, tags, block or flow
// collections, an unterminated quote).
std::optional<Json> scalar(std::string_view s) {
  if (s.empty()) return Json();
  if (s.front() == '\'' || s.front() == '"') {
    const char q = s.front();
    std::string out;
    size_t i = 1;
    for (; i < s.size(); ++i) {
      const char c = s[i];
      if (q == '\'' && c == '\'') {
        if (i + 1 < s.size() && s[i + 1] == '\'') {
          out += '\'';
          ++i;
          continue;
        }
        break;
      }
      if (q == '"' && c == '"') break;
      if (q == '"' && c == '\\' && i + 1 < s.size()) {
        const char e = s[++i];
        out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
        continue;
      }
      out += c;
    }
    if (i >= s.size() || !strip_comment(s.substr(i + 1)).empty()) return std::nullopt;
    return Json(out);
  }
  s = strip_comment(s);
  if (s.empty()) return Json();
  if (std::string_view("&*!|>[]{}%@`").find(s.front()) != std::string_view::npos) return std::nullopt;
  if (s == "null" || s == "Null" || s == "NULL" || s == "~") return Json();
  if (s.find(": ") != std::string_view::npos || s.back() == ':') return std::nullopt;  // a mapping
  // YAML 1.1 booleans, as PyYAML (what huggingface_hub's metadata_load uses) reads them.
  for (std::string_view t : {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"})
    if (s == t) return Json(true);
  for (std::string_view f : {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"})
    if (s == f) return Json(false);
  if (s.size() > 1 && s[0] == '0' && s[1] != '.') return std::nullopt;  // YAML 1.1 octal and the like
  const std::string text(s);
  if (is_number(s, false)) return Json(std::strtoll(text.c_str(), nullptr, 10));
  if (is_number(s, true) && s.back() != '.' && s.front() != '.')
    return Json(std::strtod(text.c_str(), nullptr));
  return Json(text);
}

// `[a, "b, c", 'd']`: a flow sequence of scalars.
std::optional<Json> flow_list(std::string_view s) {
  s = trim(s);
  if (s.size() < 2 || s.front() != '[' || s.back() != ']') return std::nullopt;
  s = trim(s.substr(1, s.size() - 2));
  Json list = Json::array();
  if (s.empty()) return list;
  size_t start = 0;
  char quote = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    const char c = i < s.size() ? s[i] : ',';
    if (quote) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == ',') {
      std::optional<Json> item = scalar(trim(s.substr(start, i - start)));
      if (!item || list.size() >= kMaxItems) return std::nullopt;
      list.push_back(std::move(*item));
      start = i + 1;
    }
  }
  return quote ? std::nullopt : std::optional<Json>(list);
}

std::string string_field(const Json& object, const char* key) {
  return object.is_object() && object.contains(key) && object[key].is_string()
             ? object[key].get<std::string>()
             : std::string();
}

}  // namespace

Json parse_front_matter(std::string_view readme) {
  Json out = Json::object();
  std::vector<std::string_view> lines;
  for (size_t start = 0; start < readme.size();) {
    size_t end = readme.find('\n', start);
    if (end == std::string_view::npos) end = readme.size();
    std::string_view line = readme.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (lines.empty() && line != "---") return out;  // no front matter
    if (!lines.empty() && (line == "---" || line == "...")) {
      lines.erase(lines.begin());
      break;
    }
    lines.push_back(line);
    start = end + 1;
    if (start >= readme.size()) return out;  // never closed: not front matter
  }
  if (lines.empty()) return out;

  std::string key;       // the key whose value the following lines continue ("key:" with nothing after it)
  bool dropped = false;  // the current key's value is outside the subset
  for (std::string_view line : lines) {
    const std::string_view body = trim(line);
    if (body.empty() || body.front() == '#') continue;
    const bool indented = line.front() == ' ' || line.front() == '\t';
    const bool item = body == "-" || body.substr(0, 2) == "- ";
    if (indented || (item && !key.empty())) {
      if (key.empty() || dropped) continue;
      std::optional<Json> value = item ? scalar(trim(body.substr(1))) : std::nullopt;
      Json& list = out[key];
      if (!value || (!list.is_null() && !list.is_array()) || list.size() >= kMaxItems) {
        out.erase(key);
        dropped = true;
        continue;
      }
      list.push_back(std::move(*value));
      continue;
    }
    key.clear();
    dropped = false;
    const size_t colon = body.find(": ");
    const bool bare = body.back() == ':';
    if (colon == std::string_view::npos && !bare) continue;  // not `key: value`
    std::optional<Json> k =
        scalar(trim(body.substr(0, colon == std::string_view::npos ? body.size() - 1 : colon)));
    if (!k || !k->is_string() || k->get<std::string>().empty()) continue;
    if (!out.contains(k->get<std::string>()) && out.size() >= kMaxKeys) break;
    const std::string_view rest =
        colon == std::string_view::npos ? std::string_view() : trim(body.substr(colon + 2));
    key = k->get<std::string>();
    out.erase(key);
    if (strip_comment(rest).empty()) {
      out[key] = Json();  // a list may follow; else it stays null, as in YAML
      continue;
    }
    std::optional<Json> value = rest.front() == '[' ? flow_list(strip_comment(rest)) : scalar(rest);
    if (value) {
      out[key] = std::move(*value);
    } else {
      dropped = true;
    }
  }
  return out;
}

Json repository_metadata(const std::string* readme, const std::string* config_json) {
  Json out = Json::object();
  const Json card = readme ? parse_front_matter(*readme) : Json::object();
  Json config = Json::object();
  if (config_json) {
    Json parsed = Json::parse(*config_json, nullptr, false);
    if (parsed.is_object()) {
      if (parsed.contains("model_type") && parsed["model_type"].is_string())
        config["model_type"] = parsed["model_type"];
      if (parsed.contains("architectures") && parsed["architectures"].is_array()) {
        config["architectures"] = Json::array();
        for (const auto& a : parsed["architectures"])
          if (a.is_string()) config["architectures"].push_back(a);
      }
    }
  }
  const std::string model_type = string_field(config, "model_type");
  std::string library = string_field(card, "library_name");
  if (library.empty() && !model_type.empty()) library = "transformers";
  std::string pipeline_tag = string_field(card, "pipeline_tag");
  if (pipeline_tag.empty() && config.contains("architectures") && !config["architectures"].empty()) {
    pipeline_tag = tinyforge::pipeline_tag(config["architectures"][0].get<std::string>());
  }
  std::vector<std::string> tags;
  auto add_tag = [&tags](const std::string& tag) {
    if (!tag.empty() && std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.push_back(tag);
  };
  if (card.contains("tags") && card["tags"].is_array())
    for (const auto& t : card["tags"])
      if (t.is_string()) add_tag(t.get<std::string>());
  add_tag(library);
  add_tag(model_type);
  add_tag(pipeline_tag);
  const std::string license = string_field(card, "license");
  if (!license.empty()) add_tag("license:" + license);

  if (!card.empty()) out["cardData"] = card;
  if (!library.empty()) out["library_name"] = library;
  if (!pipeline_tag.empty()) out["pipeline_tag"] = pipeline_tag;
  out["tags"] = tags;
  if (!config.empty()) out["config"] = config;
  return out;
}

}  // namespace tinyforge::hub
