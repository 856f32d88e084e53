// hub/upload: pushes a forged repository to a Hub endpoint (HF_ENDPOINT) over the Hub's HTTP API with
// libcurl: create repo (exists → a PR instead), LFS batch + PUT for LFS files, one NDJSON commit.
#pragma once
#include <map>
#include <string>

namespace tinyforge::hub {

struct UploadTarget {
  std::string endpoint;  // e.g. https://huggingface.co
  std::string token;     // never printed
};

// --token, else HF_TOKEN, else the token file ($HF_TOKEN_PATH or $HF_HOME/token); endpoint from HF_ENDPOINT.
UploadTarget resolve_upload_target(const std::string& token_flag);

struct UploadOutcome {
  std::string commit;  // commit oid
  std::string pr_url;  // set when the repository existed and a PR was opened
};

// Throws std::runtime_error (message without the token) when the upload fails after retries.
UploadOutcome upload_repository(const UploadTarget& target, const std::string& repo_id,
                                const std::map<std::string, std::string>& files);

}  // namespace tinyforge::hub
