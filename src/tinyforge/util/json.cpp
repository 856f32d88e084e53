#include "tinyforge/util/json.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace tinyforge {

ShortestDecimal shortest_decimal(double value) {
  // std::to_chars gives the shortest round-trip digits in scientific form: [-]d[.ddd]e[+-]XX
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  ShortestDecimal d;
  d.negative = sci[0] == '-';
  if (d.negative) sci.erase(0, 1);
  auto e = sci.find('e');
  for (char c : sci.substr(0, e))
    if (c != '.') d.digits += c;
  d.exponent = std::stoi(sci.substr(e + 1));
  return d;
}

std::string py_float_repr(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (value == 0.0) return std::signbit(value) ? "-0.0" : "0.0";
  auto [negative, digits, exponent] = shortest_decimal(value);
  // Appends only: GCC 12 warns (-Wrestrict, falsely) about "literal" + std::string here.
  std::string out;
  if (negative) out += '-';
  if (exponent < -4 || exponent >= 16) {
    out += digits[0];
    if (digits.size() > 1) out.append(".").append(digits, 1);
    char ebuf[16];
    std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    out += ebuf;
  } else if (exponent < 0) {
    out.append("0.").append(static_cast<size_t>(-exponent - 1), '0').append(digits);
  } else {
    auto int_len = static_cast<size_t>(exponent + 1);
    if (digits.size() <= int_len)
      out.append(digits).append(int_len - digits.size(), '0').append(".0");
    else
      out.append(digits, 0, int_len).append(".").append(digits, int_len);
  }
  return out;
}

namespace {

void append_utf16_escape(std::string& out, unsigned code) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\u%04x", code);
  out += buf;
}

void dump_string(std::string& out, const std::string& s, bool ensure_ascii) {
  out += '"';
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      default:
        break;
    }
    if (c < 0x20) {
      append_utf16_escape(out, c);
    } else if (c < 0x80 || !ensure_ascii) {
      out += static_cast<char>(c);
    } else {
      // Decode one UTF-8 sequence (nlohmann has validated it) and escape as UTF-16.
      int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      unsigned code = c & (len == 4 ? 0x07 : len == 3 ? 0x0F : 0x1F);
      for (int k = 1; k < len && i + 1 < s.size(); ++k)
        code = (code << 6) | (static_cast<unsigned char>(s[++i]) & 0x3F);
      if (code >= 0x10000) {
        code -= 0x10000;
        append_utf16_escape(out, 0xD800 + (code >> 10));
        append_utf16_escape(out, 0xDC00 + (code & 0x3FF));
      } else {
        append_utf16_escape(out, code);
      }
    }
  }
  out += '"';
}

void dump(std::string& out, const Json& v, const PyDumpOptions& opt, int depth) {
  auto newline = [&](int d) {
    if (opt.indent >= 0) {
      out += '\n';
      out.append(static_cast<size_t>(opt.indent * d), ' ');
    }
  };
  const char* item_sep = opt.indent >= 0 ? "," : ", ";
  switch (v.type()) {
    case Json::value_t::null:
      out += "null";
      break;
    case Json::value_t::boolean:
      out += v.get<bool>() ? "true" : "false";
      break;
    case Json::value_t::number_integer:
      out += std::to_string(v.get<int64_t>());
      break;
    case Json::value_t::number_unsigned:
      out += std::to_string(v.get<uint64_t>());
      break;
    case Json::value_t::number_float:
      out += py_float_repr(v.get<double>());
      break;
    case Json::value_t::string:
      dump_string(out, v.get_ref<const std::string&>(), opt.ensure_ascii);
      break;
    case Json::value_t::array: {
      if (v.empty()) {
        out += "[]";
        break;
      }
      out += '[';
      bool first = true;
      for (const auto& item : v) {
        if (!first) out += item_sep;
        first = false;
        newline(depth + 1);
        dump(out, item, opt, depth + 1);
      }
      newline(depth);
      out += ']';
      break;
    }
    case Json::value_t::object: {
      if (v.empty()) {
        out += "{}";
        break;
      }
      out += '{';
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) out += item_sep;
        first = false;
        newline(depth + 1);
        dump_string(out, it.key(), opt.ensure_ascii);
        out += ": ";
        dump(out, it.value(), opt, depth + 1);
      }
      newline(depth);
      out += '}';
      break;
    }
    default:
      throw std::runtime_error("cannot serialise JSON value of this type");
  }
}

}  // namespace

std::string py_json_dumps(const Json& value, const PyDumpOptions& options) {
  std::string out;
  dump(out, value, options, 0);
  return out;
}

namespace {

// Python's json module reads and writes the tokens Infinity, -Infinity and NaN, and config.json files carry
// them (Mamba-2's time_step_limit). nlohmann's parser does not: outside strings they are swapped for marked
// strings before parsing and turned back into doubles after.
const std::string kNonFiniteMark = "\x01tinyforge-non-finite:";

std::string mark_non_finite(const std::string& text, bool& found) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) {
        out += text[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    bool matched = false;
    for (const char* token : {"-Infinity", "Infinity", "NaN"}) {
      if (text.compare(i, std::strlen(token), token) == 0) {
        out += "\"\\u0001tinyforge-non-finite:" + std::string(token) + "\"";
        i += std::strlen(token) - 1;
        matched = found = true;
        break;
      }
    }
    if (!matched) out += c;
  }
  return out;
}

void unmark_non_finite(Json& j) {
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (s.rfind(kNonFiniteMark, 0) == 0) {
      const std::string token = s.substr(kNonFiniteMark.size());
      const double inf = std::numeric_limits<double>::infinity();
      j = token == "NaN" ? std::numeric_limits<double>::quiet_NaN() : token == "Infinity" ? inf : -inf;
    }
  } else if (j.is_structured()) {
    for (auto& v : j) unmark_non_finite(v);
  }
}

}  // namespace

Json parse_json(const std::string& text, const std::string& source_name) {
  try {
    // Most files have neither token: they are parsed as they are, without the copy.
    if (text.find("Infinity") == std::string::npos && text.find("NaN") == std::string::npos)
      return Json::parse(text);
    bool found = false;
    Json j = Json::parse(mark_non_finite(text, found));
    if (found) unmark_non_finite(j);
    return j;
  } catch (const Json::exception& e) {  // parse errors, and numbers out of range (1e999)
    throw std::runtime_error(source_name + ": invalid JSON: " + e.what());
  }
}

}  // namespace tinyforge
