#include "tinyforge/util/fs.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <unistd.h>

#include <atomic>
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
bool durable_writes() { return g_durable; }

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

void write_file_atomic(const fs::path& path, const std::string& bytes) {
  fs::path tmp = path;
  tmp += std::string(kStagingMarker) + std::to_string(::getpid()) + "-" + std::to_string(g_staging_counter++);
  write_new_file(tmp, bytes);
  fs::rename(tmp, path);
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
  if (fs::exists(target)) {
    // Atomic swap: readers see the old repository or the new one, never neither.
    if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) == 0) {
      fs::remove_all(staging);  // now holds the old repository
    } else {
      fs::path old = staging_directory_for(target);
      fs::rename(target, old);
      fs::rename(staging, target);
      fs::remove_all(old);
    }
  } else {
    fs::rename(staging, target);
  }
  fsync_path(target.parent_path(), O_RDONLY | O_DIRECTORY);
}

void remove_stale_staging(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().filename().string().find(kStagingMarker) != std::string::npos) fs::remove_all(e.path(), ec);
}

}  // namespace tinyforge
