#include "tinyforge/hub/deliver.h"

#include <cstdio>
#include <iostream>

#include "tinyforge/catalog/catalog.h"
#include "tinyforge/hub/cache.h"
#include "tinyforge/hub/objects.h"

namespace tinyforge::hub {

size_t deliver(const CreateOptions& options, const CreateResult& result) {
  if (!options.hf_cache) return 0;
  if (options.organization.empty())
    throw UserError("--hf_cache needs --organization ORG: repositories are named ORG/tiny-random-{Arch}");
  if (!valid_repo_id(options.organization + "/x"))
    throw UserError("invalid --organization '" + options.organization +
                    "': use letters, digits, '.', '_', '-'");
  const fs::path cache = options.hf_cache->empty() ? default_hub_cache() : *options.hf_cache;
  size_t failed = 0, written = 0;
  for (const auto& o : result.outcomes) {
    if (!o.error.empty()) continue;
    const std::string repo_id = options.organization + "/tiny-random-" + o.arch;
    try {
      write_to_hf_cache(cache, repo_id, read_repository_folder(options.output / o.model_type / o.arch));
      ++written;
    } catch (const std::exception& e) {
      std::cerr << "error: HF cache: " << repo_id << ": " << e.what() << "\n";
      ++failed;
    }
  }
  std::printf("wrote %zu repositories into the HF cache %s\n", written, cache.c_str());
  return failed;
}

}  // namespace tinyforge::hub
