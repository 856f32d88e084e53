// tests/fuzz: what the fuzz targets share. An input of several files is the files joined by kPartSeparator
// (the seeds in tests/fuzz/corpus show it); a scratch folder holds files a target must read from disk.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace tinyforge::fuzz {

inline constexpr std::string_view kPartSeparator = "\n--tinyforge-fuzz-part--\n";

inline std::vector<std::string> split_parts(const uint8_t* data, size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  for (size_t at = rest.find(kPartSeparator); at != std::string_view::npos; at = rest.find(kPartSeparator)) {
    parts.emplace_back(rest.substr(0, at));
    rest.remove_prefix(at + kPartSeparator.size());
  }
  parts.emplace_back(rest);
  return parts;
}

// A folder of this process under $TMPDIR (or /tmp), created once, removed at exit.
inline const std::filesystem::path& scratch_folder() {
  static const std::filesystem::path path = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::filesystem::path p =
        std::filesystem::path(tmp && *tmp ? tmp : "/tmp") / ("tinyforge-fuzz-" + std::to_string(::getpid()));
    std::filesystem::remove_all(p);
    std::filesystem::create_directories(p);
    std::atexit([] { std::filesystem::remove_all(scratch_folder()); });
    return p;
  }();
  return path;
}

}  // namespace tinyforge::fuzz
