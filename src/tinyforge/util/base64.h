// util/base64: the standard alphabet (RFC 4648 §4) with '=' padding, as HF's tokenizer.json
// (Precompiled charsmaps) and the Hub's inline commit files use it.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace tinyforge {

std::string base64_encode(std::string_view bytes);
// Line breaks are skipped and decoding stops at the first '='; nullopt on any other character outside the
// alphabet.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace tinyforge
