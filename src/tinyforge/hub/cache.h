// hub/cache: writes a repository into the huggingface_hub cache layout
// (models--{org}--{name}/{blobs,refs,snapshots}) so `HF_HUB_OFFLINE=1 from_pretrained("org/name")` finds it.
#pragma once
#include <map>
#include <string>

#include "tinyforge/util/fs.h"

namespace tinyforge::hub {

// huggingface_hub's HF_HOME: $HF_HOME, else ${XDG_CACHE_HOME:-~/.cache}/huggingface (its token file lives
// there).
fs::path hf_home();
// HF_HUB_CACHE, else hf_home()/hub.
fs::path default_hub_cache();

// Writes blobs, the snapshot (relative symlinks to the blobs) and refs/main; returns the commit id.
// The snapshot folder is published atomically; refs/main is written last.
std::string write_to_hf_cache(const fs::path& cache, const std::string& repo_id,
                              const std::map<std::string, std::string>& files);

// Reads every file of a forged repository folder (recursively) into path → bytes.
std::map<std::string, std::string> read_repository_folder(const fs::path& folder);

// Message of the single commit of a forged repository (cache and server agree on it, so on the commit id).
inline constexpr const char* kForgeCommitMessage = "Upload tiny random model (tinyforge)";

}  // namespace tinyforge::hub
