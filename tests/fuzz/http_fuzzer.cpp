// Fuzz target: serve's request handling (httplib's request parser in front of every route of the Hub API:
// model info, tree, resolve with ranges, preupload, commit, LFS batch and upload, Xet CAS, pull requests)
// over one connection's bytes, on a store in a scratch folder holding one repository. Input: raw HTTP/1.1
// requests (the token is "fuzz"). Besides ASan/UBSan, an answer of 500 (an exception escaped a route on
// input it should have refused) is a crash.
#include <cstdint>
#include <cstdlib>
#include <iostream>

#include "fuzz_input.h"
#include "tinyforge/hub/server.h"

using tinyforge::hub::OfflineServer;

namespace {

OfflineServer& server() {
  static OfflineServer* s = [] {
    tinyforge::hub::ServeOptions options;
    options.root = tinyforge::fuzz::scratch_folder() / "serve";
    options.token = "fuzz";
    options.max_body_bytes = 1 << 20;
    options.max_inline_bytes = 1 << 10;
    auto* made = new OfflineServer(options);
    const std::string create = "{\"name\":\"repo\",\"organization\":\"fuzz\"}";
    const std::string commit =
        "{\"key\":\"header\",\"value\":{\"summary\":\"seed\"}}\n"
        "{\"key\":\"file\",\"value\":{\"path\":\"config.json\",\"encoding\":\"base64\",\"content\":\"e30=\"}}"
        "\n";
    made->answer(
        "POST /api/repos/create HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer fuzz\r\nContent-Length: " +
        std::to_string(create.size()) + "\r\n\r\n" + create);
    made->answer(
        "POST /api/models/fuzz/repo/commit/main HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer fuzz\r\n"
        "Content-Length: " +
        std::to_string(commit.size()) + "\r\n\r\n" + commit);
    return made;
  }();
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string answer = server().answer({reinterpret_cast<const char*>(data), size});
  // The first answer, or one after another's headers (a body could only fake one after its own blank line).
  const std::string_view status = "HTTP/1.1 500 ";
  if (answer.rfind(status, 0) == 0 || answer.find("\r\n\r\n" + std::string(status)) != std::string::npos) {
    std::cerr << "serve answered 500:\n" << answer.substr(0, 4000) << std::endl;
    std::abort();
  }
  return 0;
}
