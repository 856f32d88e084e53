// util/json: JSON text exactly as Python's json.dumps writes it, so our files diff cleanly against
// what transformers' save_pretrained writes (indent=2, sort_keys=True, ensure_ascii as asked).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace tinyforge {

using Json = nlohmann::json;

struct PyDumpOptions {
  int indent = 2;            // < 0: compact, Python's default separators (", ", ": ")
  bool ensure_ascii = true;  // escape non-ASCII as \uXXXX (surrogate pairs beyond the BMP)
};

// The shortest decimal that reads back as `value` (finite, non-zero), as digits "dddd" meaning
// d.ddd × 10^exponent (the closest to the value among the shortest).
struct ShortestDecimal {
  bool negative = false;
  std::string digits;
  int exponent = 0;
};
ShortestDecimal shortest_decimal(double value);

// Python's repr(float): shortest round-trip digits, exponent form outside [1e-4, 1e16).
std::string py_float_repr(double value);

// json.dumps(value, indent=..., sort_keys=True, ensure_ascii=...). nlohmann's object type is a sorted map,
// and byte order of UTF-8 keys equals Python's code point order.
std::string py_json_dumps(const Json& value, const PyDumpOptions& options = {});

// Parses JSON text, naming the source in the error; like Python's json.loads, it reads Infinity, -Infinity
// and NaN.
Json parse_json(const std::string& text, const std::string& source_name);

}  // namespace tinyforge
