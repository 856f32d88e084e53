// util/fs: safe writes (temporary sibling or staging folder + rename) and content hashes.
#pragma once
#include <filesystem>
#include <string>

namespace tinyforge {

namespace fs = std::filesystem;

std::string sha256_hex(const std::string& bytes);
std::string sha256_file(const fs::path& path);
std::string read_file(const fs::path& path);

// Power-loss durability of the writes below, one policy per process. A killed process never leaves a
// half-written file or folder either way: the temporary + rename does that. Durable writes also fsync every
// file and the folder that names it, so a power loss after a write returns loses nothing. On by default
// (uploads, checkpoint rewrites: data that exists nowhere else); `create` turns it off unless --durable,
// since what it forges is reproduced by its command and an fsync per file dominated its run time.
void set_durable_writes(bool durable);

// Writes one file (no rename: callers write into a staging folder).
void write_new_file(const fs::path& path, const std::string& bytes);
// Writes via a temporary sibling and a rename, so readers see the old or the new file, never half.
void write_file_atomic(const fs::path& path, const std::string& bytes);
// Moves a finished staging folder into place, replacing any older `target` (fsyncs the parent).
void publish_directory(const fs::path& staging, const fs::path& target);
// A unique hidden staging folder next to `target`: ".{name}.tinyforge-tmp-{pid}-{n}".
fs::path staging_directory_for(const fs::path& target);
// The environment variable's value, or "" when unset.
std::string env_value(const char* name);
// The user's cache folder: $XDG_CACHE_HOME, else $HOME/.cache (empty when neither is set).
fs::path user_cache_home();

// Removes the staging folders and temporary files in `dir` whose run is dead (the pid in their name is not a
// live process), so concurrent runs into one folder keep theirs.
void remove_stale_staging(const fs::path& dir);

}  // namespace tinyforge
