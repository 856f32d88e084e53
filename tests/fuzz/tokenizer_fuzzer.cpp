// Fuzz target: tokenizer.json loading, then encoding (single and pair), decoding and writing it back.
// Input: tokenizer.json, then (after the part separator) the text to encode.
#include <cstdint>

#include "fuzz_input.h"
#include "tinyforge/tokenizers/tokenizer.h"

using namespace tinyforge::tokenizers;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<std::string> parts = tinyforge::fuzz::split_parts(data, size);
  const std::string text = parts.size() > 1 ? parts[1] : "Hello world, héllo 🤗!";
  try {
    const Tokenizer tokenizer = Tokenizer::from_json(parts[0]);
    const Encoding single = tokenizer.encode(text);
    tokenizer.decode(single.ids, /*skip_special_tokens=*/false);
    const Encoding pair = tokenizer.encode(text, text.substr(text.size() / 2), /*add_special_tokens=*/true);
    tokenizer.decode(pair.ids, /*skip_special_tokens=*/true);
    tokenizer.to_json();
  } catch (const TokenizerError&) {
  }
  return 0;
}
