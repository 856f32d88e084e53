// hub/card: the Hub metadata of a stored repository, read from its README.md model card and config.json, as
// the Hub's model info reports it (pipeline_tag, library_name, tags, cardData, config).
#pragma once
#include <string>
#include <string_view>

#include "tinyforge/util/json.h"

namespace tinyforge::hub {

// Files larger than this are not read for metadata (they count as absent).
inline constexpr uint64_t kMaxMetadataFileBytes = 1024 * 1024;

// A model card's YAML front matter (between a first line `---` and the next `---`) as a JSON object; empty
// when there is none. Untrusted input: a minimal YAML subset, never an exception. Understood: top-level
// `key: scalar`, `key: [a, b]` and `key:` followed by `- item` lines; scalars plain, 'single' or "double"
// quoted (\" \\ \n \t escapes), YAML 1.1 booleans (true/yes/on, false/no/off), null/~, decimal integers and
// decimals, read as PyYAML reads them; `#` comments. A key whose value is
// outside the subset (nested mappings, block scalars, anchors, flow mappings) is left out; lines that are not
// `key: value` are skipped; at most 256 keys of at most 1000 items each.
Json parse_front_matter(std::string_view readme);

// The model-info fields for a repository holding `readme` and `config_json` (null: the file is absent):
//  cardData      the front matter, when README.md has any;
//  library_name  the card's, else "transformers" when config.json names a model_type;
//  pipeline_tag  the card's, else the catalog's tag of config.json's first architecture;
//  tags          the card's tags, then library_name, model_type, pipeline_tag and "license:{license}" when
//                absent (the Hub merges them the same way);
//  config        {model_type, architectures} from config.json.
// Fields with no value are left out.
Json repository_metadata(const std::string* readme, const std::string* config_json);

}  // namespace tinyforge::hub
