// hub/commit_body: the body of POST /api/models/{repo}/commit/{rev} as huggingface_hub's create_commit sends
// it (NDJSON: a "header" line with the summary, description and parentCommit, then one line per operation:
// "file" with base64 content, "lfsFile" naming an uploaded object, "deletedFile", "deletedFolder").
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "tinyforge/hub/store.h"

namespace tinyforge::hub {

struct CommitBody {
  std::string summary, description, parent;
  std::vector<Change> changes;                                    // in line order
  std::vector<std::pair<std::string, std::string>> inline_blobs;  // sha256, bytes of the "file" lines
  std::vector<std::pair<std::string, std::string>> lfs_files;     // path, oid of the "lfsFile" lines
};

// Parses and validates every line (paths, base64, oids) before anything is stored. std::invalid_argument
// naming the line and the problem; the store is not consulted (whether the LFS objects exist is the
// caller's check).
CommitBody parse_commit_body(const std::string& body);

}  // namespace tinyforge::hub
