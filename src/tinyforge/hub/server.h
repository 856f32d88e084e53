// hub/server: a Hub-compatible HTTP server over a RepoStore — enough of huggingface.co's API for
// hf_hub_download, snapshot_download, model_info, create_repo, upload_folder and create_commit.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tinyforge/util/fs.h"

namespace tinyforge::hub {

struct ServeOptions {
  fs::path root;
  std::string host = "127.0.0.1";
  int port = 8080;    // 0: a free port the system picks (the startup line names it)
  std::string token;  // empty: read-only server (writes get 403)
  bool on_demand = false;
  uint64_t seed = 0;
  // Any request body, whatever its encoding, and the bytes the files of one Xet shard may rebuild to.
  size_t max_body_bytes = 1024u * 1024 * 1024;
  // Files up to this size are uploaded inline ("regular") even where the Hub would use LFS or Xet
  // (preupload).
  uint64_t max_inline_bytes = 10u * 1024 * 1024;
  int threads = 32;  // worker threads; each answers one complete request at a time (hub/connections.h)
};

// Blocks until SIGINT/SIGTERM. Throws UserError when the port cannot be bound or another serve holds --root.
int run_server(const ServeOptions& options);

// run_server's request handling without the network or the --root lock: the bytes of one connection (one
// or more HTTP requests) in, the bytes answered out. For the tests and the HTTP fuzzer (tests/fuzz).
class OfflineServer {
 public:
  explicit OfflineServer(const ServeOptions& options);
  ~OfflineServer();
  std::string answer(std::string_view request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tinyforge::hub
