#include "tinyforge/hub/connections.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace tinyforge::hub {

ssize_t InMemoryRequestStream::read(char* ptr, size_t size) {
  const size_t n = std::min(size, in_.size());
  std::memcpy(ptr, in_.data(), n);
  in_.remove_prefix(n);
  return static_cast<ssize_t>(n);
}

OpenFile::~OpenFile() { ::close(fd_); }

std::shared_ptr<const OpenFile> OpenFile::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  return fd < 0 ? nullptr : std::make_shared<const OpenFile>(fd);
}

namespace {

using Clock = std::chrono::steady_clock;

// A request head (request line and headers) must arrive whole within kHeadSeconds of its first byte, in at
// most kMaxHeadBytes and kMaxHeaderLines lines (else 408 / 431 and the connection closes).
constexpr double kHeadSeconds = 10;
constexpr size_t kMaxHeadBytes = 16 * 1024;
constexpr size_t kMaxHeaderLines = 100;
// Complete requests waiting for a worker; beyond it a request is answered 503 with Retry-After.
constexpr size_t kMaxQueuedRequests = 512;
// Open connections at most (lowered to what the file descriptor limit allows): a new one first evicts
// the connection idle the longest; with none idle, new connections wait in the kernel's backlog.
constexpr size_t kMaxConnections = 4096;
// Bytes of request bodies held in memory at once: at least this, at least --max_body_bytes. A body that
// does not fit gets 503 with Retry-After (before it is read when it has a Content-Length).
constexpr uint64_t kMinBodyBudget = 256u << 20;
// An answer's write may wait this long without progress (and must keep the minimum rate after the grace).
constexpr double kSendStallSeconds = 10;
// After an error answer, what the client still sends is read and dropped for this long (or this many
// bytes), so the answer is not lost to a reset for unread data.
constexpr double kLingerSeconds = 2;
constexpr size_t kLingerBytes = 1 << 20;
constexpr int kTickMs = 200;
// Sends of one connection's answer per event (each at most 1 MiB): then the other connections' turn.
constexpr int kMaxSendsPerTurn = 16;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

const char* reason(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 408:
      return "Request Timeout";
    case 413:
      return "Payload Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

void address(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  if ((peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&a), &len)
            : ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len)) != 0)
    return;
  char text[INET6_ADDRSTRLEN] = "";
  if (a.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&a);
    ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    port = ntohs(in->sin_port);
  } else if (a.ss_family == AF_INET6) {
    const auto* in = reinterpret_cast<const sockaddr_in6*>(&a);
    ::inet_ntop(AF_INET6, &in->sin6_addr, text, sizeof text);
    port = ntohs(in->sin6_port);
  }
  ip = text;
}

// Answer bytes the socket could not take at once are kept for the event thread to send, up to these
// bounds; only beyond them does a worker wait for its client. File bodies cost no memory: they are sent
// from the file.
constexpr size_t kMaxPendingPerConnection = 1 << 20;
constexpr uint64_t kMaxPendingTotal = 128u << 20;

// The unsent rest of an answer, in order: bytes in memory (counted in `total`, shared by all connections)
// and regions of open files.
class Outgoing {
 public:
  explicit Outgoing(std::atomic<uint64_t>& total) : total_(total) {}
  ~Outgoing() { clear(); }
  Outgoing(const Outgoing&) = delete;
  Outgoing& operator=(const Outgoing&) = delete;

  bool empty() const { return pieces_.empty(); }

  // Keeps a copy of `data` when this answer and all of them together stay within their bounds.
  bool keep(std::string_view data) {
    if (memory_ + data.size() > kMaxPendingPerConnection) return false;
    if (total_.fetch_add(data.size()) + data.size() > kMaxPendingTotal) {
      total_ -= data.size();
      return false;
    }
    memory_ += data.size();
    if (pieces_.empty() || pieces_.back().file) pieces_.emplace_back();
    pieces_.back().bytes.append(data);
    return true;
  }

  void add_file(std::shared_ptr<const OpenFile> file, uint64_t offset, uint64_t length) {
    if (length > 0) pieces_.push_back({{}, 0, std::move(file), offset, length});
  }

  // One send(2) or sendfile(2) of the front piece: the bytes the socket took, or -1 (errno says why; 0 from
  // sendfile: the file ended early, EIO).
  ssize_t send_front(int fd) {
    Piece& p = pieces_.front();
    ssize_t n;
    if (p.file) {
      auto offset = static_cast<off_t>(p.offset);
      n = ::sendfile(fd, p.file->fd(), &offset, static_cast<size_t>(std::min<uint64_t>(p.length, 1 << 20)));
      if (n == 0) errno = EIO;
      if (n <= 0) return -1;
      p.offset += static_cast<uint64_t>(n);
      p.length -= static_cast<uint64_t>(n);
      if (p.length == 0) pieces_.pop_front();
      return n;
    }
    n = ::send(fd, p.bytes.data() + p.sent, p.bytes.size() - p.sent, MSG_NOSIGNAL);
    if (n <= 0) return -1;
    p.sent += static_cast<size_t>(n);
    memory_ -= static_cast<size_t>(n);
    total_ -= static_cast<uint64_t>(n);
    if (p.sent == p.bytes.size()) pieces_.pop_front();
    return n;
  }

  // Drops what is left (closing files no one else holds).
  void clear() {
    total_ -= memory_;
    memory_ = 0;
    pieces_.clear();
  }

 private:
  struct Piece {
    std::string bytes;
    size_t sent = 0;  // of `bytes`
    std::shared_ptr<const OpenFile> file;
    uint64_t offset = 0, length = 0;  // of `file`, still to send
  };
  std::atomic<uint64_t>& total_;
  std::deque<Piece> pieces_;
  size_t memory_ = 0;  // unsent bytes in `pieces_`
};

// What a worker answers on: the request from memory, the answer to the socket. What the socket does not take
// at once goes to `out` (sent by the event thread once the worker is done), so a client that reads slowly or
// not at all holds no worker for an answer of up to kMaxPendingPerConnection beyond the socket's buffer, nor
// for a file body of any size (write_file_part). Beyond that the worker waits, at most kSendStallSeconds
// without progress and keeping the minimum rate after the grace, so it is held for seconds at most.
class WorkerStream : public InMemoryRequestStream {
 public:
  WorkerStream(int fd, std::string_view request, Outgoing& out)
      : InMemoryRequestStream(request), fd_(fd), out_(out) {}
  ssize_t write(const char* ptr, size_t size) override {
    if (file_bytes_ > 0) {  // a file part's stand-in bytes (write_file_part): `out` holds the file region
      const auto n = static_cast<size_t>(std::min<uint64_t>(size, file_bytes_));
      file_bytes_ -= n;
      return static_cast<ssize_t>(n);
    }
    std::string_view data(ptr, size);
    if (out_.empty() && !send_some(data, false)) return -1;
    if (data.empty() || out_.keep(data)) return static_cast<ssize_t>(size);
    return send_out() && send_some(data, true) ? static_cast<ssize_t>(size) : -1;
  }
  // The next `length` bytes written stand for this file region, which the event thread sends.
  void add_file(const std::shared_ptr<const OpenFile>& file, uint64_t offset, uint64_t length) {
    out_.add_file(file, offset, length);
    file_bytes_ = length;
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override { address(fd_, true, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { address(fd_, false, ip, port); }
  // httplib refuses sockets beyond FD_SETSIZE (it would select() on them); it never touches this one.
  socket_t socket() const override { return INVALID_SOCKET; }

 private:
  // Sends from the front of `data` what the socket takes; with `wait`, all of it, within the deadlines.
  bool send_some(std::string_view& data, bool wait) {
    return push([&] { return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL); },
                [&](size_t n) { data.remove_prefix(n); }, [&] { return data.empty(); }, wait);
  }
  // Sends all of `out`, within the deadlines.
  bool send_out() {
    return push([&] { return out_.send_front(fd_); }, [](size_t) {}, [&] { return out_.empty(); }, true);
  }
  // Calls `step` (one send) until `done`, `took` told each time what the socket took; without `wait` it
  // stops where the socket is full.
  template <class Step, class Took, class Done>
  bool push(Step step, Took took, Done done, bool wait) {
    while (!done()) {
      const ssize_t n = step();
      if (n > 0) {
        took(static_cast<size_t>(n));
        sent_ += static_cast<uint64_t>(n);
        progress_ = Clock::now();
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (!wait) return true;
        if (seconds_since(progress_) > kSendStallSeconds || behind_minimum_rate(seconds_since(start_), sent_))
          return false;
        pollfd p{fd_, POLLOUT, 0};
        ::poll(&p, 1, 1000);
      } else {
        return false;
      }
    }
    return true;
  }

  int fd_;
  Outgoing& out_;
  uint64_t file_bytes_ = 0;
  uint64_t sent_ = 0;
  Clock::time_point start_ = Clock::now(), progress_ = start_;
};

// The stream the calling worker thread answers on, if it is one (write_file_part).
thread_local WorkerStream* answering = nullptr;

enum class Phase { Idle, Head, Body, Busy, Write, Linger };
enum class Framing { Length, Chunked, UntilEof };
enum class Chunk { Size, Data, DataEnd, Trailer };

struct Connection {
  explicit Connection(int socket, std::atomic<uint64_t>& pending_total) : fd(socket), out(pending_total) {}
  int fd;
  Phase phase = Phase::Idle;
  Clock::time_point since = Clock::now();  // when the phase began
  std::string in;                          // received and not yet taken into a request
  std::string request;                     // the request being read: head (without Expect), raw body
  Outgoing out;                            // the end of an answer the socket has not taken yet
  Clock::time_point out_progress;
  uint64_t out_sent = 0;
  Framing framing = Framing::Length;
  Chunk chunk = Chunk::Size;
  uint64_t remaining = 0;   // body bytes (Length) or bytes of the current chunk (Chunked) still to come
  uint64_t body_bytes = 0;  // body bytes read so far (chunked: decoded)
  uint64_t reserved = 0;    // of the body budget
  size_t trailer_lines = 0;
  size_t lingered = 0;
  size_t served = 0;
  bool close_after = false;
  bool keep = false;  // set by the worker: the connection may serve another request
};

struct Failure {
  int status;
  std::string message;
};

}  // namespace

struct ConnectionLoop::Impl {
  Impl(int listen, ConnectionHandling h) : listen_fd(listen), handling(std::move(h)) {
    body_budget = std::max<uint64_t>(kMinBodyBudget, handling.max_body_bytes);
    // Each connection is a descriptor, and one more while its answer streams a file: leave room for those,
    // the files workers read and the rest of the process.
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur < limit.rlim_max) {
      limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, 65536);
      ::setrlimit(RLIMIT_NOFILE, &limit);
      ::getrlimit(RLIMIT_NOFILE, &limit);
    }
    const auto reserve = static_cast<rlim_t>(64 + 2 * handling.threads);
    max_connections = limit.rlim_cur > reserve + 32
                          ? std::min<size_t>(kMaxConnections, (limit.rlim_cur - reserve) / 2)
                          : 16;
    epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    const int flags = ::fcntl(listen_fd, F_GETFL);
    ::fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK);
    watch(listen_fd);
    watch(wake_fd);
    for (int i = 0; i < std::max(1, handling.threads); ++i) workers.emplace_back([this] { work(); });
  }

  ~Impl() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    ready.notify_all();
    for (auto& w : workers) w.join();
    for (auto& [fd, c] : connections) ::close(fd);
    ::close(epoll_fd);
    ::close(wake_fd);
  }

  void watch(int fd, uint32_t events = EPOLLIN) {
    epoll_event e{};
    e.events = events;
    e.data.fd = fd;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &e);
  }
  void unwatch(int fd) { ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr); }

  void run() {
    std::vector<epoll_event> events(256);
    auto last_scan = Clock::now();
    while (!stop_requested.load()) {
      const int n = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), kTickMs);
      for (int i = 0; i < n; ++i) {
        const int fd = events[static_cast<size_t>(i)].data.fd;
        if (fd == listen_fd) {
          accept_all();
        } else if (fd == wake_fd) {
          uint64_t count;
          [[maybe_unused]] const ssize_t r = ::read(wake_fd, &count, sizeof count);
          take_back();
        } else if (auto it = connections.find(fd);
                   it != connections.end() && it->second->phase != Phase::Busy) {
          if (it->second->phase == Phase::Write)
            flush(*it->second);
          else
            receive(*it->second);
        }
      }
      if (seconds_since(last_scan) * 1000 >= kTickMs) {
        last_scan = Clock::now();
        enforce_deadlines();
      }
    }
  }

  // --- connections ---

  void accept_all() {
    for (;;) {
      if (connections.size() >= max_connections && !evict_idle()) {
        unwatch(listen_fd);  // new connections wait in the backlog until one closes
        accepting = false;
        return;
      }
      const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;  // EAGAIN, or an error of that one connection
      // Small answers: without it delayed ACKs add ~40 ms per keep-alive request.
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      auto c = std::make_unique<Connection>(fd, pending_total);
      connections.emplace(fd, std::move(c));
      watch(fd);
    }
  }

  bool evict_idle() {
    Connection* oldest = nullptr;
    for (auto& [fd, c] : connections)
      if (c->phase == Phase::Idle && (!oldest || c->since < oldest->since)) oldest = c.get();
    if (!oldest) return false;
    close_connection(*oldest);
    return true;
  }

  void close_connection(Connection& c) {
    release(c);
    if (c.phase != Phase::Busy) unwatch(c.fd);
    const int fd = c.fd;
    ::close(fd);
    connections.erase(fd);  // c is gone
    if (!accepting) {
      accepting = true;
      watch(listen_fd);
    }
  }

  void release(Connection& c) {
    body_buffered -= c.reserved;
    c.reserved = 0;
  }

  bool reserve(Connection& c, uint64_t bytes) {
    if (body_buffered + bytes > body_budget) return false;
    body_buffered += bytes;
    c.reserved += bytes;
    return true;
  }

  // Stops reading requests: the client's remaining bytes are read and dropped for a moment, then it closes.
  void linger(Connection& c) {
    release(c);
    std::string().swap(c.request);
    c.in.clear();
    ::shutdown(c.fd, SHUT_WR);
    c.phase = Phase::Linger;
    c.since = Clock::now();
    c.lingered = 0;
  }

  // An answer from the connection layer itself, then the connection closes.
  void fail(Connection& c, const Failure& f) {
    httplib::Response res;
    handling.error(res, f.status, f.message);
    if (f.status == 503) res.set_header("Retry-After", "1");
    std::string out = "HTTP/1.1 " + std::to_string(f.status) + " " + reason(f.status) + "\r\n";
    for (const auto& [name, value] : res.headers) out += name + ": " + value + "\r\n";
    out += "Content-Length: " + std::to_string(res.body.size()) + "\r\nConnection: close\r\n\r\n" + res.body;
    // Small, and the socket's buffer is empty: one non-blocking send; a client that cannot take it loses it.
    [[maybe_unused]] const ssize_t n = ::send(c.fd, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    linger(c);
  }

  void receive(Connection& c) {
    char buffer[1 << 16];
    // At most 1 MiB per turn: a fast upload does not keep the other connections waiting.
    for (int turn = 0; turn < 16; ++turn) {
      const ssize_t n = ::recv(c.fd, buffer, sizeof buffer, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (c.phase == Phase::Linger) {
        c.lingered += n > 0 ? static_cast<size_t>(n) : 0;
        if (n <= 0 || c.lingered > kLingerBytes) return close_connection(c);
        continue;
      }
      if (n <= 0) {
        // The client finished sending: that ends a body read until the end; anything else is abandoned.
        if (n == 0 && c.phase == Phase::Body && c.framing == Framing::UntilEof) {
          c.close_after = true;
          return dispatch(c);
        }
        return close_connection(c);
      }
      c.in.append(buffer, static_cast<size_t>(n));
      if (auto f = advance(c)) return fail(c, *f);
      if (c.phase == Phase::Busy) return;
    }
  }

  // Takes what `in` holds into the request being read; dispatches the request once it is complete.
  std::optional<Failure> advance(Connection& c) {
    if (c.phase == Phase::Idle) {
      if (c.in.empty()) return std::nullopt;
      c.phase = Phase::Head;
      c.since = Clock::now();
    }
    if (c.phase == Phase::Head) {
      const size_t end = c.in.find("\r\n\r\n");
      if (end == std::string::npos ? c.in.size() > kMaxHeadBytes : end + 4 > kMaxHeadBytes)
        return Failure{431, "the request head is larger than " + std::to_string(kMaxHeadBytes) + " bytes"};
      if (end == std::string::npos) return std::nullopt;
      if (auto f = read_head(c, std::string_view(c.in).substr(0, end + 4))) return f;
      c.in.erase(0, end + 4);
      if (c.phase == Phase::Busy) return std::nullopt;
    }
    if (c.phase == Phase::Body) {
      if (auto f = read_body(c)) return f;
    }
    return std::nullopt;
  }

  // The request line and headers: the body's framing, and whether to read it at all.
  std::optional<Failure> read_head(Connection& c, std::string_view head) {
    httplib::Request req;
    size_t line_end = head.find("\r\n");
    const std::string_view line = head.substr(0, line_end);
    const size_t s1 = line.find(' '), s2 = line.rfind(' ');
    if (s1 == std::string_view::npos || s2 == s1 || line.substr(s2 + 1).rfind("HTTP/1.", 0) != 0 ||
        line.find('\n') != std::string_view::npos)
      return Failure{400, "malformed request line"};
    req.method = std::string(line.substr(0, s1));
    req.target = std::string(line.substr(s1 + 1, s2 - s1 - 1));
    c.request.assign(line.data(), line.size() + 2);
    std::optional<uint64_t> length;
    bool chunked = false, expect_continue = false;
    size_t lines = 0;
    for (size_t start = line_end + 2; start < head.size() - 2; start = line_end + 2) {
      line_end = head.find("\r\n", start);
      const std::string_view h = head.substr(start, line_end - start);
      if (++lines > kMaxHeaderLines)
        return Failure{431, "the request has more than " + std::to_string(kMaxHeaderLines) + " header lines"};
      const size_t colon = h.find(':');
      if (colon == 0 || colon == std::string_view::npos || h[0] == ' ' || h[0] == '\t' ||
          h.find_first_of("\r\n") != std::string_view::npos)
        return Failure{400, "malformed header line"};
      const std::string_view name = h.substr(0, colon), value = trim(h.substr(colon + 1));
      if (iequals(name, "Content-Length")) {
        if (value.empty() || value.size() > 18 || value.find_first_not_of("0123456789") != std::string::npos)
          return Failure{400, "malformed Content-Length"};
        const uint64_t n = std::stoull(std::string(value));
        if (length && *length != n) return Failure{400, "conflicting Content-Length headers"};
        length = n;
      } else if (iequals(name, "Transfer-Encoding")) {
        if (!iequals(value, "chunked")) return Failure{400, "only the chunked transfer coding is served"};
        chunked = true;
      } else if (iequals(name, "Expect")) {
        expect_continue = iequals(value, "100-continue");
        continue;  // answered here, not again by the worker
      }
      req.headers.emplace(std::string(name), std::string(value));
      c.request.append(h.data(), h.size() + 2);
    }
    c.request += "\r\n";
    if (chunked && length) return Failure{400, "both Content-Length and Transfer-Encoding"};
    const bool announced = chunked || (length && *length > 0);
    if (req.method != "POST" && req.method != "PUT") {
      // No body is served on other methods: answered from the head, a body announced is left unread.
      c.close_after = announced || (req.method != "GET" && req.method != "HEAD");
      dispatch(c);
      return std::nullopt;
    }
    if (!handling.wants_body(req)) {
      c.close_after = true;
      dispatch(c);
      return std::nullopt;
    }
    c.framing = chunked ? Framing::Chunked : length ? Framing::Length : Framing::UntilEof;
    c.chunk = Chunk::Size;
    c.remaining = length.value_or(0);
    c.body_bytes = 0;
    c.trailer_lines = 0;
    if (c.framing == Framing::Length && !reserve(c, c.remaining)) return busy_failure();
    if (expect_continue) {
      const std::string_view go = "HTTP/1.1 100 Continue\r\n\r\n";
      [[maybe_unused]] const ssize_t n = ::send(c.fd, go.data(), go.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    c.phase = Phase::Body;
    c.since = Clock::now();
    return std::nullopt;
  }

  Failure busy_failure() const {
    return Failure{503, "the server is holding as many request bodies as it buffers (" +
                            std::to_string(body_budget) + " bytes); try again"};
  }
  void take(Connection& c, uint64_t bytes) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(bytes, c.in.size()));
    c.request.append(c.in, 0, n);
    c.in.erase(0, n);
    c.body_bytes += n;
    c.remaining -= std::min<uint64_t>(c.remaining, n);
  }

  std::optional<Failure> read_body(Connection& c) {
    switch (c.framing) {
      case Framing::Length:
        take(c, c.remaining);
        if (c.remaining == 0) dispatch(c);
        return std::nullopt;
      case Framing::UntilEof:
        if (c.body_bytes + c.in.size() > handling.max_body_bytes)
          return Failure{413, body_too_large_message(handling.max_body_bytes)};
        if (!reserve(c, c.in.size())) return busy_failure();
        take(c, c.in.size());
        return std::nullopt;
      case Framing::Chunked:
        return read_chunks(c);
    }
    return std::nullopt;
  }

  std::optional<Failure> read_chunks(Connection& c) {
    for (;;) {
      if (c.chunk == Chunk::Data) {
        take(c, c.remaining);
        if (c.remaining > 0) return std::nullopt;
        c.chunk = Chunk::DataEnd;
      }
      if (c.chunk == Chunk::DataEnd) {
        if (c.in.size() < 2) return std::nullopt;
        if (c.in.compare(0, 2, "\r\n") != 0) return Failure{400, "malformed chunked body"};
        c.request += "\r\n";
        c.in.erase(0, 2);
        c.chunk = Chunk::Size;
      }
      const size_t eol = c.in.find("\r\n");
      if (eol == std::string::npos) {
        if (c.in.size() > 1024) return Failure{400, "malformed chunked body"};
        return std::nullopt;
      }
      const bool last = c.chunk == Chunk::Trailer && eol == 0;  // the empty line after the trailers
      if (c.chunk == Chunk::Size) {
        const std::string_view line = std::string_view(c.in).substr(0, eol);
        const std::string_view digits = trim(line.substr(0, line.find(';')));
        if (digits.empty() || digits.size() > 15 ||
            digits.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
          return Failure{400, "malformed chunk size"};
        const uint64_t size = std::stoull(std::string(digits), nullptr, 16);
        if (c.body_bytes + size > handling.max_body_bytes)
          return Failure{413, body_too_large_message(handling.max_body_bytes)};
        if (!reserve(c, size)) return busy_failure();
        c.remaining = size;
        c.chunk = size == 0 ? Chunk::Trailer : Chunk::Data;
      } else if (!last && ++c.trailer_lines > kMaxHeaderLines) {
        return Failure{
            431, "the chunked body has more than " + std::to_string(kMaxHeaderLines) + " trailer lines"};
      }
      c.request.append(c.in, 0, eol + 2);
      c.in.erase(0, eol + 2);
      if (last) {
        dispatch(c);
        return std::nullopt;
      }
    }
  }

  // A complete request (or a head answered alone) goes to the workers; the connection waits for them.
  void dispatch(Connection& c) {
    {
      std::lock_guard lock(mutex);
      if (queue.size() >= kMaxQueuedRequests) {
        fail(c, Failure{503, "every worker is busy and " + std::to_string(kMaxQueuedRequests) +
                                 " requests are waiting; try again"});
        return;
      }
      queue.push_back(&c);
    }
    unwatch(c.fd);
    c.phase = Phase::Busy;
    ready.notify_one();
  }

  void work() {
    for (;;) {
      Connection* c;
      {
        std::unique_lock lock(mutex);
        ready.wait(lock, [&] { return stopping || !queue.empty(); });
        if (stopping) return;
        c = queue.front();
        queue.pop_front();
      }
      WorkerStream stream(c->fd, c->request, c->out);
      bool closed = false;
      const bool close = c->close_after || c->served + 1 >= kKeepAliveRequests;
      answering = &stream;
      c->keep = handling.process(stream, close, closed) && !closed && !close;
      answering = nullptr;
      {
        std::lock_guard lock(mutex);
        done.push_back(c);
      }
      const uint64_t one = 1;
      [[maybe_unused]] const ssize_t r = ::write(wake_fd, &one, sizeof one);
    }
  }

  // Connections whose worker is done: the rest of the answer to send, or idle again (or closing), their
  // request's memory freed.
  void take_back() {
    std::vector<Connection*> back;
    {
      std::lock_guard lock(mutex);
      back.assign(done.begin(), done.end());
      done.clear();
    }
    for (Connection* c : back) {
      release(*c);
      std::string().swap(c->request);
      ++c->served;
      c->close_after = false;
      if (c->out.empty()) {
        answered(*c);
        continue;
      }
      c->phase = Phase::Write;
      c->since = c->out_progress = Clock::now();
      c->out_sent = 0;
      watch(c->fd, EPOLLOUT);
    }
  }

  // The answer is sent: read the next request, or close.
  void answered(Connection& c) {
    watch(c.fd);
    if (!c.keep) return linger(c);
    c.phase = Phase::Idle;
    c.since = Clock::now();
    if (auto f = advance(c)) fail(c, *f);  // a request sent before the answer came
  }

  // Sends what the socket takes of the answer's rest; at most kMaxSendsPerTurn sends, so a fast reader of a
  // large file does not keep the other connections waiting (the next EPOLLOUT goes on).
  void flush(Connection& c) {
    for (int turn = 0; turn < kMaxSendsPerTurn && !c.out.empty(); ++turn) {
      const ssize_t n = c.out.send_front(c.fd);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (n < 0) return drop(c);
      c.out_sent += static_cast<uint64_t>(n);
      c.out_progress = Clock::now();
    }
    if (!c.out.empty()) return;
    unwatch(c.fd);
    answered(c);
  }

  // Closes a connection whose answer cannot be sent (its files too, unless a response still holds them).
  void drop(Connection& c) {
    c.out.clear();
    close_connection(c);
  }

  void enforce_deadlines() {
    std::vector<std::pair<Connection*, std::optional<Failure>>> expired;
    for (auto& [fd, cp] : connections) {
      Connection& c = *cp;
      const double t = seconds_since(c.since);
      if (c.phase == Phase::Idle && t > kIdleSeconds) expired.push_back({&c, std::nullopt});
      if (c.phase == Phase::Linger && t > kLingerSeconds) expired.push_back({&c, std::nullopt});
      if (c.phase == Phase::Write &&
          (seconds_since(c.out_progress) > kSendStallSeconds || behind_minimum_rate(t, c.out_sent)))
        expired.push_back({&c, std::nullopt});
      if (c.phase == Phase::Head && t > kHeadSeconds)
        expired.push_back({&c, Failure{408, "the request head did not arrive within " +
                                                std::to_string(static_cast<int>(kHeadSeconds)) + " s"}});
      if (c.phase == Phase::Body && behind_minimum_rate(t, c.body_bytes))
        expired.push_back({&c, Failure{408, body_too_slow_message()}});
    }
    for (auto& [c, f] : expired) {
      if (f)
        fail(*c, *f);
      else
        drop(*c);
    }
  }

  int listen_fd;
  ConnectionHandling handling;
  int epoll_fd = -1, wake_fd = -1;
  size_t max_connections = kMaxConnections;
  bool accepting = true;
  uint64_t body_budget = 0, body_buffered = 0;
  std::atomic<uint64_t> pending_total{0};  // bytes in the connections' `out` (declared first: they use it)
  std::unordered_map<int, std::unique_ptr<Connection>> connections;
  std::atomic<bool> stop_requested{false};

  std::mutex mutex;
  std::condition_variable ready;
  std::deque<Connection*> queue;  // complete requests waiting for a worker
  std::vector<Connection*> done;  // answered, waiting for the event thread
  bool stopping = false;
  std::vector<std::thread> workers;
};

bool write_file_part(const std::shared_ptr<const OpenFile>& file, uint64_t offset, uint64_t length,
                     httplib::DataSink& sink) {
  if (answering) {
    // httplib counts a body part as written by what passes through the sink: `length` stand-in bytes,
    // which the worker's stream takes in place of the file's and never reads.
    static const char stand_in = 0;
    answering->add_file(file, offset, length);
    return sink.write(&stand_in, static_cast<size_t>(length));
  }
  char buffer[1 << 16];
  const ssize_t got =
      ::pread(file->fd(), buffer, std::min<uint64_t>(length, sizeof buffer), static_cast<off_t>(offset));
  return got > 0 && sink.write(buffer, static_cast<size_t>(got));
}

std::string body_too_large_message(uint64_t limit) {
  return "the request body is larger than --max_body_bytes (" + std::to_string(limit) +
         " bytes); send less per request or start serve with a larger --max_body_bytes";
}

std::string body_too_slow_message() {
  return "the request body came slower than " + std::to_string(kMinBodyBytesPerSecond) + " bytes/s after " +
         std::to_string(kBodyGraceSeconds) + " s; send it faster";
}

ConnectionLoop::ConnectionLoop(int listen_fd, ConnectionHandling handling)
    : impl_(std::make_unique<Impl>(listen_fd, std::move(handling))) {}
ConnectionLoop::~ConnectionLoop() = default;
void ConnectionLoop::run() { impl_->run(); }
void ConnectionLoop::stop() {
  impl_->stop_requested = true;
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t r = ::write(impl_->wake_fd, &one, sizeof one);
}

}  // namespace tinyforge::hub
