// hub/upload: pushes a forged repository to a Hub endpoint (HF_ENDPOINT) over the Hub's HTTP API with
// libcurl: create repo (exists → a PR instead), preupload (inline or LFS, ignored, unchanged), LFS batch +
// PUT
// (+ verify) for LFS files, one NDJSON commit on top of the head read at the start (parentCommit).
#pragma once
#include <chrono>
#include <map>
#include <string>

namespace tinyforge::hub {

struct UploadTarget {
  std::string endpoint;                          // e.g. https://huggingface.co
  std::string token;                             // never printed
  std::chrono::seconds repository_timeout{300};  // bound on all requests of one repository's upload
};

// --token, else HF_TOKEN, else the token file ($HF_TOKEN_PATH or $HF_HOME/token); endpoint from HF_ENDPOINT.
UploadTarget resolve_upload_target(const std::string& token_flag);

struct UploadOutcome {
  std::string commit;  // commit oid (the current head when nothing changed)
  std::string pr_url;  // set when the repository existed and a PR was opened
};

// Throws std::runtime_error (message without the token) when the upload fails after retries.
UploadOutcome upload_repository(const UploadTarget& target, const std::string& repo_id,
                                const std::map<std::string, std::string>& files);

}  // namespace tinyforge::hub
