// catalog: which model types and architectures tinyforge knows, their tiny configs (ModelTester values)
// and the config-class defaults transformers diffs against when it saves config.json. All of it is data
// (catalog/data/*.json) embedded in the binary.
#pragma once
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tinyforge/util/json.h"

namespace tinyforge {

// The transformers release whose facts the catalog records; written into every config.json.
inline constexpr const char* kTransformersVersion = "5.23.0";

struct ArchitectureEntry {
  std::string name;
  bool generative = false;  // can_generate(): gets a generation_config.json
  Json tensors;             // compiled tensor entries (tools/catalog/FORMAT.md); null: a hand-written family
  Json unscalable;          // field -> why `--set` of it is refused for this architecture
  Json config_set;          // fields the architecture's __init__ sets on its config (saved with it)
};

// An architecture the catalog lists but cannot forge (the compiler could not express it and no hand-written
// family exists), with the compiler's reason.
struct UnforgeableArchitecture {
  std::string name;
  std::string reason;
};

// How a model type's repositories get their tokenizer: a family template (catalog/tokenizers/<name>.json)
// trained to the config's vocabulary, whose ids then drive the config (create_dummy_models' overrides).
struct TokenizerSpec {
  std::string template_name;
  std::string config_path;     // sub-config holding the text fields ("text_config"), empty for the top level
  std::string max_length_key;  // config field giving model_max_length; empty: transformers' "no limit" value
  int max_length_offset = 0;   // RoBERTa reserves two positions for its padding offset
  // The class AutoTokenizer gives for this model type when it differs from the template's (mistral's auto
  // mapping maps to TokenizersBackend whatever tokenizer_config.json names); empty: the template's.
  std::string tokenizer_class;
};

struct ModelTypeEntry {
  std::string model_type;
  std::string config_class;
  Json defaults;        // ConfigClass().to_dict() with derived fields as null
  Json class_defaults;  // ConfigClass.default_config_fields(): the class's own non-None defaults
  Json tiny;            // the ModelTester values
  std::vector<ArchitectureEntry> architectures;  // the forgeable ones
  std::vector<UnforgeableArchitecture> unforgeable;
  // The compiled config facts (FORMAT.md): __post_init__'s rules, computed properties, invariants, and the
  // fields --set may not change.
  Json derive = Json::array();
  Json properties = Json::object();
  Json invariants = Json::array();
  Json unscalable = Json::object();
  Json attribute_map =
      Json::object();  // the config class's aliases: --set num_experts means num_local_experts
  Json processor;      // {"preprocessor_config": {...}} or null; shrunk by the family
  // _keep_in_fp32_modules: weights whose name contains one of these stay float32 when cast to float16.
  std::vector<std::string> keep_in_fp32_modules;
  // transformers 5's weight renamings (saved name → in-memory name), in its order; save_pretrained sorts the
  // state dict by the in-memory names, so sharding follows them.
  std::vector<std::pair<std::string, std::string>> in_memory_renames;
  std::optional<TokenizerSpec> tokenizer;  // text and multimodal model types
  const ArchitectureEntry* find_architecture(const std::string& name) const;
};

class UserError : public std::runtime_error {  // bad input: the message names the problem and the fix
 public:
  using std::runtime_error::runtime_error;
};

class Catalog {
 public:
  // The embedded data; a model type's file is parsed the first time it is looked up (thread-safe), so a
  // command pays only for the types it uses and `create --all` parses them in its workers.
  static const Catalog& instance();
  const ModelTypeEntry* find(const std::string& model_type) const;
  const ModelTypeEntry& get(const std::string& model_type) const;  // throws UserError with nearest names
  std::vector<std::string> model_types() const;                    // sorted
  const Json& base_defaults() const { return base_defaults_; }     // PreTrainedConfig().to_dict()
  // The text of catalog/tokenizers/<name>.json; throws UserError naming the known templates.
  std::string_view tokenizer_template(const std::string& name) const;
  std::vector<std::string> tokenizer_templates() const;  // sorted

 private:
  Catalog();
  struct Slot {
    std::string_view file, text;
    mutable std::once_flag parsed;
    mutable std::optional<ModelTypeEntry> entry;
  };
  std::map<std::string, Slot> slots_;  // by model type (the file's stem)
  Json base_defaults_;
};

// Up to `limit` candidates closest to `word` by edit distance, for "did you mean" messages.
std::vector<std::string> nearest_names(const std::string& word, const std::vector<std::string>& candidates,
                                       size_t limit = 3);

}  // namespace tinyforge
