// forge/create: the `create` job — every requested architecture forged by a pool of workers, then the
// reports create_dummy_models.py writes, plus a sha256 manifest of everything forged.
#pragma once
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tinyforge/catalog/config.h"
#include "tinyforge/util/fs.h"

namespace tinyforge {

struct CreateOptions {
  fs::path output;
  bool all = false;
  std::vector<std::string> model_types;
  std::set<std::string> models_to_skip;
  int num_workers = 1;
  uint64_t seed = 0;
  std::vector<ConfigOverride> overrides;
  bool progress = false;              // a live progress line on stderr (when it is a terminal)
  std::vector<std::string> variants;  // fixture siblings {Arch}-{kind} (checkpoint/variants.h)
  bool with_inputs = false;  // also write dummy_inputs.safetensors (the default task's optimum inputs)
  // Delivery (hub/deliver.h) as ORG/tiny-random-{Arch}: an empty path means the default HF cache.
  std::optional<fs::path> hf_cache;
  std::string organization;
  bool upload = false;       // to HF_ENDPOINT
  std::string token;         // else HF_TOKEN / the token file; never printed
  int upload_timeout = 300;  // seconds for all requests of one repository's upload
};

struct ArchitectureOutcome {
  std::string model_type;
  std::string arch;
  std::string error;                                       // empty when forged
  std::vector<std::pair<std::string, std::string>> files;  // name, sha256
  std::string preprocessor_class;                          // image processor / feature extractor, if any
  std::string tokenizer_class;                             // tokenizer_config.json's class, if any
  std::vector<std::pair<std::string, std::string>> variant_files;  // "{Arch}-{kind}/file", sha256
};

struct CreateResult {
  std::vector<ArchitectureOutcome> outcomes;   // sorted by model type, then architecture
  std::vector<std::string> model_type_errors;  // requests that named no known model type
  bool ok() const;
  size_t failed() const;
};

// Forges everything asked for; never throws for a single failing architecture. Throws UserError when
// nothing can be done at all (no output folder, nothing selected).
CreateResult run_create(const CreateOptions& options);

// Writes the five report files and manifest.sha256 into {output}/reports.
void write_reports(const CreateOptions& options, const CreateResult& result);

}  // namespace tinyforge
