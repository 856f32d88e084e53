// hub/objects: how the Hub names file contents and revisions — git blob sha1 for regular files, sha256 for
// LFS files (the etag either way), a deterministic commit id — and which repo ids and paths are acceptable.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tinyforge::hub {

// sha1("blob {len}\0{bytes}"), what git (and the Hub's ETag for regular files) uses.
std::string git_blob_sha1(const std::string& bytes);

// The Hub stores a file in LFS when the repo's default .gitattributes matches it (weights, archives, ...)
// or it is over 10 MB.
bool is_lfs_file(const std::string& path, uint64_t size);

struct FileEntry {
  std::string path;
  uint64_t size = 0;
  bool lfs = false;
  std::string sha256;   // of the content
  std::string blob_id;  // git blob sha1 of the content (of the LFS pointer for LFS files)
  const std::string& etag() const { return lfs ? sha256 : blob_id; }
};
FileEntry describe_file(const std::string& path, const std::string& bytes);
// The git blob of the LFS pointer file the Hub keeps for an LFS file.
std::string lfs_pointer(const std::string& sha256, uint64_t size);

// Same parent, message and files → same 40-hex id, on any machine.
std::string commit_id(const std::string& parent, const std::string& message,
                      const std::vector<FileEntry>& files);

// "org/name" with [A-Za-z0-9._-] parts, no "..", no leading/trailing '.' or '-'.
bool valid_repo_id(const std::string& repo_id);
// Relative, '/'-separated, no empty, '.' or '..' segments, no NUL or backslash.
bool valid_repo_path(const std::string& path);
// Exactly `digits` lowercase hex digits: a sha256 (64), a commit id (40). Content-addressed names are
// checked with it wherever they come in, before they are used as file names.
bool valid_hex_digest(const std::string& s, size_t digits);
inline constexpr const char* kOidRule = "an LFS oid must be a sha256: 64 lowercase hex digits";

}  // namespace tinyforge::hub
