#include "tinyforge/util/fs.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tinyforge/util/digest.h"

namespace tinyforge {

namespace {
std::atomic<bool> g_durable{true};

void fsync_path(const fs::path& path, int flags) {
  if (!g_durable) return;
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::atomic<uint64_t> g_staging_counter{0};
constexpr const char* kStagingMarker = ".tinyforge-tmp-";
}  // namespace

std::string sha256_hex(const std::string& bytes) { return digest_hex(DigestKind::Sha256, {bytes}); }

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string() + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string sha256_file(const fs::path& path) { return sha256_hex(read_file(path)); }

void set_durable_writes(bool durable) { g_durable = durable; }

std::string env_value(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

fs::path user_cache_home() {
  if (!env_value("XDG_CACHE_HOME").empty()) return env_value("XDG_CACHE_HOME");
  if (!env_value("HOME").empty()) return fs::path(env_value("HOME")) / ".cache";
  return {};
}

namespace {
constexpr size_t kBufferBytes = 1 << 20;         // gathers pieces smaller than kWriteThroughBytes
constexpr size_t kWriteThroughBytes = 64 << 10;  // pieces this large are written as they come
constexpr uint64_t kWritebackBytes = 64 << 20;   // durable writes start writeback in ranges this large
constexpr uint64_t kAppend = UINT64_MAX;         // put/copy_range at the file's position (it may be a pipe)

// Reads exactly `size` bytes of `fd` at `offset`; std::runtime_error naming `what` on an error or an early
// end.
void read_exact_at(int fd, void* data, size_t size, uint64_t offset, const std::string& what) {
  auto* bytes = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t n = ::pread(fd, bytes, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error("cannot read " + what + ": " + std::strerror(errno));
    if (n == 0) throw std::runtime_error("cannot read " + what + ": it ends early (truncated?)");
    bytes += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
}
}  // namespace

FileWriter::FileWriter(const fs::path& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) fail(errno);
}

FileWriter::~FileWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void FileWriter::fail(int error) const {
  throw std::runtime_error("cannot write " + path_.string() + ": " + std::strerror(error) +
                           (error == ENOSPC ? "; free space on that disk and run the command again" : ""));
}

void FileWriter::put(uint64_t at, const char* data, size_t size) const {
  while (size > 0) {
    const ssize_t n =
        at == kAppend ? ::write(fd_, data, size) : ::pwrite(fd_, data, size, static_cast<off_t>(at));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(errno);
    }
    data += n;
    size -= static_cast<size_t>(n);
    if (at != kAppend) at += static_cast<uint64_t>(n);
  }
}

void FileWriter::copy_range(uint64_t at, int fd, uint64_t offset, uint64_t size) const {
  auto in = static_cast<off_t>(offset), out = static_cast<off_t>(at);
  while (size > 0) {
    const ssize_t n = ::copy_file_range(fd, &in, fd_, at == kAppend ? nullptr : &out, size, 0);
    if (n > 0) {
      size -= static_cast<uint64_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0)
      throw std::runtime_error("cannot write " + path_.string() + ": its source ends early (truncated?)");
    if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) fail(errno);
    // A pair of file systems the kernel cannot copy between: read and write.
    const auto buffer = std::make_unique_for_overwrite<char[]>(std::min<uint64_t>(size, kBufferBytes));
    while (size > 0) {
      const size_t piece = static_cast<size_t>(std::min<uint64_t>(size, kBufferBytes));
      read_exact_at(fd, buffer.get(), piece, static_cast<uint64_t>(in), "the source of " + path_.string());
      put(at == kAppend ? kAppend : static_cast<uint64_t>(out), buffer.get(), piece);
      in += static_cast<off_t>(piece);
      out += static_cast<off_t>(piece);
      size -= piece;
    }
  }
}

void FileWriter::start_writeback(uint64_t at, uint64_t size) const {
  // No wait: the disk works while the next bytes are produced; finish()'s fsync reports any error.
  if (g_durable && size > 0)
    ::sync_file_range(fd_, static_cast<off_t>(at), static_cast<off_t>(size), SYNC_FILE_RANGE_WRITE);
}

void FileWriter::write_through(const char* data, size_t size) {
  put(kAppend, data, size);
  wrote(size);
}

// `size` more bytes are in the file (not counting the buffer); every kWritebackBytes start their writeback.
void FileWriter::wrote(uint64_t size) {
  size_ += size;
  if (size_ - writeback_start_ < kWritebackBytes) return;
  start_writeback(writeback_start_, size_ - writeback_start_);
  writeback_start_ = size_;
}

void FileWriter::start_writeback() {
  flush();
  start_writeback(writeback_start_, size_ - writeback_start_);
  writeback_start_ = size_;
}

void FileWriter::flush() {
  write_through(buffer_.get(), buffered_);
  buffered_ = 0;
}

void FileWriter::write(const void* data, size_t size) {
  if (size == 0) return;  // an empty tensor's data may be null, which memcpy must not see
  const auto* bytes = static_cast<const char*>(data);
  if (size >= kWriteThroughBytes || buffered_ + size > kBufferBytes) flush();
  if (size >= kWriteThroughBytes) return write_through(bytes, size);
  if (!buffer_) buffer_ = std::make_unique_for_overwrite<char[]>(kBufferBytes);
  std::memcpy(buffer_.get() + buffered_, bytes, size);
  buffered_ += size;
}

void FileWriter::copy_from(int fd, uint64_t offset, uint64_t size) {
  flush();
  copy_range(kAppend, fd, offset, size);
  wrote(size);
}

void FileWriter::write_at(uint64_t at, const void* data, size_t size) {
  put(at, static_cast<const char*>(data), size);
  start_writeback(at, size);
}

void FileWriter::copy_at(uint64_t at, int fd, uint64_t offset, uint64_t size) {
  copy_range(at, fd, offset, size);
  start_writeback(at, size);
}

void FileWriter::finish() {
  flush();
  const int fd = fd_;
  fd_ = -1;
  if (g_durable && ::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    fail(error);
  }
  if (::close(fd) != 0) fail(errno);
}

void write_new_file(const fs::path& path, const std::string& bytes) {
  FileWriter out(path);
  out.write(bytes.data(), bytes.size());
  out.finish();
}

void copy_new_file(const fs::path& from, const fs::path& to) {
  const int fd = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0) {
    const int error = errno;
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot read " + from.string() + ": " + std::strerror(error));
  }
  try {
    FileWriter out(to);
    out.copy_from(fd, 0, static_cast<uint64_t>(st.st_size));
    fs::permissions(to, static_cast<fs::perms>(st.st_mode & 07777));
    out.finish();
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
}

static fs::path temporary_sibling(const fs::path& path) {
  fs::path tmp = path;
  tmp += std::string(kStagingMarker) + std::to_string(::getpid()) + "-" + std::to_string(g_staging_counter++);
  return tmp;
}

void write_file_atomic(const fs::path& path, const std::string& bytes) {
  const fs::path tmp = temporary_sibling(path);
  try {
    write_new_file(tmp, bytes);
    fs::rename(tmp, path);
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);  // a failed write (full disk, ...) leaves nothing behind
    throw;
  }
  fsync_path(path.parent_path(), O_RDONLY | O_DIRECTORY);
}

fs::path staging_directory_for(const fs::path& target) {
  std::string name = ".";
  name += target.filename().string();
  name += kStagingMarker;
  name += std::to_string(::getpid());
  name += '-';
  name += std::to_string(g_staging_counter++);
  return target.parent_path() / name;
}

void publish_directory(const fs::path& staging, const fs::path& target) {
  fsync_path(staging, O_RDONLY | O_DIRECTORY);
  // Atomic swap with an existing target: readers see the old repository or the new one, never neither.
  auto exchange = [&] {
    return ::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) == 0;
  };
  bool swapped = exchange();
  if (!swapped && errno == ENOENT) {  // no target yet
    if (::rename(staging.c_str(), target.c_str()) == 0) {
      fsync_path(target.parent_path(), O_RDONLY | O_DIRECTORY);
      return;
    }
    // Another run published the same target first (parallel jobs into one folder): swap with it.
    if (errno == ENOTEMPTY || errno == EEXIST) swapped = exchange();
  }
  if (swapped) {
    fs::remove_all(staging);  // now holds the old repository
  } else if (errno == EINVAL || errno == ENOSYS) {
    // A file system without RENAME_EXCHANGE: move the old one aside first (briefly no target).
    fs::path old = staging_directory_for(target);
    fs::rename(target, old);
    fs::rename(staging, target);
    fs::remove_all(old);
  } else {
    throw fs::filesystem_error("cannot publish", staging, target,
                               std::error_code(errno, std::generic_category()));
  }
  fsync_path(target.parent_path(), O_RDONLY | O_DIRECTORY);
}

void remove_stale_staging(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    const size_t marker = name.find(kStagingMarker);
    if (marker == std::string::npos) continue;
    // Owned by the run whose pid the name carries: a live run's staging is left alone.
    const char* digits = name.c_str() + marker + std::strlen(kStagingMarker);
    char* end = nullptr;
    const long pid = std::strtol(digits, &end, 10);
    const bool alive =
        end != digits && pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
    if (!alive) fs::remove_all(e.path(), ec);
  }
}

}  // namespace tinyforge
