#include "tinyforge/tokenizers/json_text.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

namespace tinyforge::tokenizers {
namespace {

void write_string(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

void newline(std::string& out, bool pretty, int depth) {
  if (!pretty) return;
  out += '\n';
  out.append(static_cast<size_t>(depth) * 2, ' ');
}

void write(std::string& out, const nlohmann::ordered_json& v, bool pretty, int depth) {
  using T = nlohmann::ordered_json::value_t;
  switch (v.type()) {
    case T::null:
      out += "null";
      return;
    case T::boolean:
      out += v.get<bool>() ? "true" : "false";
      return;
    case T::number_integer:
      out += std::to_string(v.get<int64_t>());
      return;
    case T::number_unsigned:
      out += std::to_string(v.get<uint64_t>());
      return;
    case T::number_float:
      out += serde_float(v.get<double>());
      return;
    case T::string:
      write_string(out, v.get_ref<const std::string&>());
      return;
    case T::array: {
      if (v.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      bool first = true;
      for (const auto& item : v) {
        if (!first) out += ',';
        first = false;
        newline(out, pretty, depth + 1);
        write(out, item, pretty, depth + 1);
      }
      newline(out, pretty, depth);
      out += ']';
      return;
    }
    case T::object: {
      if (v.empty()) {
        out += "{}";
        return;
      }
      out += '{';
      bool first = true;
      for (const auto& [key, item] : v.items()) {
        if (!first) out += ',';
        first = false;
        newline(out, pretty, depth + 1);
        write_string(out, key);
        out += pretty ? ": " : ":";
        write(out, item, pretty, depth + 1);
      }
      newline(out, pretty, depth);
      out += '}';
      return;
    }
    default:
      throw std::invalid_argument("tokenizer.json cannot hold binary or discarded JSON values");
  }
}

}  // namespace

std::string serde_float(double value) {
  if (!std::isfinite(value)) return "null";  // serde_json writes non-finite floats as null
  if (value == 0) return std::signbit(value) ? "-0.0" : "0.0";
  // Shortest round-trip digits, then laid out the way ryu's format64 does.
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  if (ec != std::errc()) throw std::runtime_error("float formatting failed");
  std::string_view sci(buf, static_cast<size_t>(end - buf));  // "-d.ddde+XX"
  std::string out;
  if (sci.front() == '-') {
    out += '-';
    sci.remove_prefix(1);
  }
  const size_t e = sci.find('e');
  std::string digits(sci.substr(0, e));
  if (digits.size() > 1) digits.erase(1, 1);  // drop the '.'
  const int exponent = std::atoi(std::string(sci.substr(e + 1)).c_str());
  const int length = static_cast<int>(digits.size());
  const int point = exponent + 1;                     // digits before the decimal point
  if (point > 0 && point <= 16 && length <= point) {  // 1234.0
    out += digits;
    out.append(static_cast<size_t>(point - length), '0');
    out += ".0";
  } else if (point > 0 && point <= 16) {  // 12.34
    out += digits.substr(0, static_cast<size_t>(point));
    out += '.';
    out += digits.substr(static_cast<size_t>(point));
  } else if (point > -5 && point <= 0) {  // 0.001234
    out += "0.";
    out.append(static_cast<size_t>(-point), '0');
    out += digits;
  } else {  // 1.234e-7, 1e+30
    out += digits.substr(0, 1);
    if (length > 1) {
      out += '.';
      out += digits.substr(1);
    }
    out += point - 1 > 0 ? "e+" : "e";
    out += std::to_string(point - 1);
  }
  return out;
}

std::string serde_json_text(const nlohmann::ordered_json& value, bool pretty) {
  std::string out;
  write(out, value, pretty, 0);
  return out;
}

}  // namespace tinyforge::tokenizers
