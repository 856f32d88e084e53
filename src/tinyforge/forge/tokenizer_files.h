// forge/tokenizer_files: the tokenizer of a text repository — the model type's family template
// (catalog/tokenizers/<name>.json) retrained on the embedded corpus to the config's vocabulary — and what it
// changes in the config: vocab_size = len(tokenizer) and every `*_token_id` the tokenizer names, as
// create_dummy_models' get_config_overrides does.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "tinyforge/catalog/config.h"
#include "tinyforge/forge/repository.h"

namespace tinyforge {

struct TinyTokenizer {
  std::string template_name;
  RepositoryFiles files;   // tokenizer.json (vocab.json for CTC), as save_pretrained writes them
  Json tokenizer_config;   // tokenizer_config.json without model_max_length
  Json config_token_ids;   // template's extra config fields → token (or list of tokens), e.g.
                           // decoder_start_token_id
  Json generation_config;  // template's generation_config.json fields, token names replaced by their ids
                           // (Whisper's no_timestamps_token_id, lang_to_id, ...)
  std::unordered_map<std::string, uint32_t> vocab;  // with added tokens: len(tokenizer) entries
};

// Trains `template_name` to at most `vocab_size` entries, once per process (thread-safe, shared by workers);
// throws UserError when the template cannot be that small.
std::shared_ptr<const TinyTokenizer> tiny_tokenizer(const std::string& template_name, size_t vocab_size);

// Trains the model type's tokenizer for `config` and writes its ids into `config`, leaving fields the user
// set with --set alone. The tokenizer is trained to the config's vocab_size when the user set it, else to the
// template's size (1024).
std::shared_ptr<const TinyTokenizer> tokenize_config(const TokenizerSpec& spec,
                                                     const std::vector<ConfigOverride>& overrides,
                                                     Json& config);

// model_max_length: the number of tokens the final config's positions hold, or nothing when the model type
// names no limit.
std::optional<int64_t> model_max_length(const TokenizerSpec& spec, const Json& config);

// tokenizer.json and tokenizer_config.json (model_max_length from the final config).
void add_tokenizer_files(const TokenizerSpec& spec, const TinyTokenizer& tokenizer, const Json& config,
                         RepositoryFiles& files);

}  // namespace tinyforge
