// util/fs: safe writes (temporary sibling + fsync + rename) and content hashes.
#pragma once
#include <filesystem>
#include <string>

namespace tinyforge {

namespace fs = std::filesystem;

std::string sha256_hex(const std::string& bytes);
std::string sha256_file(const fs::path& path);
std::string read_file(const fs::path& path);

// Writes and fsyncs one file (no rename: callers write into a staging folder).
void write_file_synced(const fs::path& path, const std::string& bytes);
// Writes via a temporary sibling and a rename, so readers see the old or the new file, never half.
void write_file_atomic(const fs::path& path, const std::string& bytes);
// Moves a finished staging folder into place, replacing any older `target` (fsyncs the parent).
void publish_directory(const fs::path& staging, const fs::path& target);
// A unique hidden staging folder next to `target`: ".{name}.tinyforge-tmp-{pid}-{n}".
fs::path staging_directory_for(const fs::path& target);
// Removes staging folders a killed run left behind in `dir`.
void remove_stale_staging(const fs::path& dir);

}  // namespace tinyforge
