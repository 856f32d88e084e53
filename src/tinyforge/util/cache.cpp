#include "tinyforge/util/cache.h"

#include <system_error>

namespace tinyforge {
namespace {

constexpr const char* kHeader = "tinyforge-cache-entry sha256=";
constexpr uintmax_t kMaxEntryBytes = uintmax_t{256} << 20;  // far above any tiny tokenizer

}  // namespace

fs::path user_cache_dir() {
  const std::string own = env_value("TINYFORGE_CACHE");
  if (own == "off") return {};
  if (!own.empty()) return own;
  const fs::path home = user_cache_home();
  return home.empty() ? home : home / "tinyforge";
}

ContentCache::ContentCache(const std::string& kind) {
  const fs::path base = user_cache_dir();
  if (!base.empty()) dir_ = base / kind;
}

fs::path ContentCache::entry_path(const std::string& key) const {
  return dir_ / (sha256_hex(std::string(source_hash()) + '\n' + key) + ".entry");
}

std::optional<std::string> ContentCache::get(const std::string& key) const {
  if (dir_.empty()) return std::nullopt;
  const fs::path path = entry_path(key);
  std::error_code ec;
  const uintmax_t size = fs::file_size(path, ec);
  if (ec || size > kMaxEntryBytes) return std::nullopt;
  std::string text;
  try {
    text = read_file(path);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  const std::string header(kHeader);
  const size_t eol = text.find('\n');
  if (eol != header.size() + 64 || text.compare(0, header.size(), header) != 0) return std::nullopt;
  std::string body = text.substr(eol + 1);
  if (sha256_hex(body) != text.substr(header.size(), 64)) return std::nullopt;
  return body;
}

void ContentCache::put(const std::string& key, const std::string& body) const {
  if (dir_.empty()) return;
  try {
    fs::create_directories(dir_);
    remove_stale_staging(dir_);  // temporaries of killed runs (a concurrent writer's loss is only its entry)
    write_file_atomic(entry_path(key), kHeader + sha256_hex(body) + '\n' + body);
  } catch (const std::exception&) {
    // A read-only or full cache folder costs only the time of doing the work again next run.
  }
}

}  // namespace tinyforge
