#include "tinyforge/util/fs.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tinyforge {

namespace {
std::string to_hex(const unsigned char* data, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[data[i] >> 4];
    out[2 * i + 1] = digits[data[i] & 15];
  }
  return out;
}

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

std::string sha256_hex(const std::string& bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
  return to_hex(md, len);
}

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

void write_new_file(const fs::path& path, const std::string& bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  if ((g_durable && ::fsync(fd) != 0) || ::close(fd) != 0)
    throw std::runtime_error("cannot flush " + path.string() + ": " + std::strerror(errno));
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
