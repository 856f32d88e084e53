// tokenizers/json_text: tokenizer.json text exactly as HF `tokenizers` (Rust serde_json) writes it — compact
// for `Tokenizer.to_str()`, two-space pretty for `Tokenizer.save()` — so files round-trip byte for byte.
// Floats (Unigram scores) are written as serde_json does: the shortest digits that read back to the same
// double (ryu), with ".0" on whole numbers and exponent form only outside 1e-5 <= |x| < 1e16.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace tinyforge::tokenizers {

std::string serde_json_text(const nlohmann::ordered_json& value, bool pretty);

// One double as serde_json writes it ("-2.0", "0.00001", "-1.5e-7", "1.5e+16").
std::string serde_float(double value);

}  // namespace tinyforge::tokenizers
