// hub/connections: serve's connection layer. One event thread accepts connections and reads each request
// (head, then body) under deadlines and limits; only a complete request goes to a worker, which answers it
// from memory. What the socket does not take at once, and every file body, the event thread sends. Slow,
// idle or stalled clients hold a socket, not a worker.
#pragma once
#include <httplib.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace tinyforge::hub {

// Requests one keep-alive connection is served before it closes (the last answer says "Connection: close").
constexpr size_t kKeepAliveRequests = 1000;
// An idle keep-alive connection is closed after this long.
constexpr int kIdleSeconds = 5;

// A request body (and an answer on its way out) may move slowly for kBodyGraceSeconds; after that it must
// average kMinBodyBytesPerSecond, so a trickling client holds its buffers for seconds, not hours.
constexpr int kBodyGraceSeconds = 10;
constexpr int kMinBodyBytesPerSecond = 64 * 1024;
inline bool behind_minimum_rate(double seconds, uint64_t bytes) {
  return seconds > kBodyGraceSeconds && static_cast<double>(bytes) < kMinBodyBytesPerSecond * seconds;
}

std::string body_too_large_message(uint64_t limit);  // 413
std::string body_too_slow_message();                 // 408

// An httplib stream whose request bytes are already in memory (a request the event loop read whole, or a
// fuzzer's input): the reading half both the workers and OfflineServer use; subclasses decide where answers
// go.
class InMemoryRequestStream : public httplib::Stream {
 public:
  explicit InMemoryRequestStream(std::string_view request) : in_(request) {}
  bool is_readable() const override { return true; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override;
  bool exhausted() const { return in_.empty(); }

 private:
  std::string_view in_;
};

// An open file an answer's body is read from; closed when the last holder (a response, an answer on its way
// out) lets go of it.
class OpenFile {
 public:
  // nullptr when `path` cannot be opened.
  static std::shared_ptr<const OpenFile> open(const std::string& path);
  explicit OpenFile(int fd) : fd_(fd) {}
  ~OpenFile();
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// Writes `length` bytes of `file` from `offset` as (part of) a response body, from an httplib content
// provider. On serve's workers the event thread sends them from the file once the worker is done (without
// reading them into memory), so a slow reader holds no worker; elsewhere (OfflineServer) they are read and
// written here, a piece at a time.
bool write_file_part(const std::shared_ptr<const OpenFile>& file, uint64_t offset, uint64_t length,
                     httplib::DataSink& sink);

struct ConnectionHandling {
  int threads = 1;
  // Largest request body, whatever its encoding; answers past it get 413 before the excess is read.
  uint64_t max_body_bytes = 0;
  // A POST/PUT head whose body should be read. False: the request is answered from its head alone (a
  // refusal) and the connection closes with the body unread.
  std::function<bool(const httplib::Request& head)> wants_body;
  // Answers one complete request read from `strm` on `strm`, as httplib::Server::process_request.
  std::function<bool(httplib::Stream& strm, bool close_connection, bool& connection_closed)> process;
  // Fills `res` with the error answer the connection layer gives itself (400, 408, 413, 431, 503).
  std::function<void(httplib::Response& res, int status, const std::string& message)> error;
};

// Serves connections on `listen_fd` (listening, any flags) until `stop` is called from another thread.
class ConnectionLoop {
 public:
  ConnectionLoop(int listen_fd, ConnectionHandling handling);
  ~ConnectionLoop();
  void run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tinyforge::hub
