#include "tinyforge/hub/objects.h"

#include <algorithm>

#include "tinyforge/util/digest.h"
#include "tinyforge/util/fs.h"

namespace tinyforge::hub {

namespace {
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

std::string git_blob_sha1(const std::string& bytes) {
  std::string header = "blob " + std::to_string(bytes.size());
  header.push_back('\0');
  return digest_hex(DigestKind::Sha1, {header, bytes});
}

bool is_lfs_file(const std::string& path, uint64_t size) {
  // The suffixes of the .gitattributes the Hub puts into every new model repository.
  static const char* const kSuffixes[] = {
      ".7z",  ".arrow",   ".bin",   ".bz2",     ".ckpt", ".ftz", ".gz",          ".h5",  ".joblib",
      ".lfs", ".mlmodel", ".model", ".msgpack", ".npy",  ".npz", ".onnx",        ".ot",  ".parquet",
      ".pb",  ".pickle",  ".pkl",   ".pt",      ".pth",  ".rar", ".safetensors", ".tar", ".tflite",
      ".tgz", ".wasm",    ".xz",    ".zip",     ".zst",  ".gguf"};
  if (size > 10u * 1024 * 1024) return true;
  for (const char* suffix : kSuffixes)
    if (ends_with(path, suffix)) return true;
  return path.find("saved_model/") != std::string::npos || ends_with(path, "tfevents") ||
         path.find("tfevents") != std::string::npos;
}

std::string lfs_pointer(const std::string& sha256, uint64_t size) {
  return "version https://git-lfs.github.com/spec/v1\noid sha256:" + sha256 + "\nsize " +
         std::to_string(size) + "\n";
}

FileEntry describe_file(const std::string& path, const std::string& bytes) {
  FileEntry e;
  e.path = path;
  e.size = bytes.size();
  e.lfs = is_lfs_file(path, e.size);
  e.sha256 = sha256_hex(bytes);
  e.blob_id = e.lfs ? git_blob_sha1(lfs_pointer(e.sha256, e.size)) : git_blob_sha1(bytes);
  return e;
}

std::string commit_id(const std::string& parent, const std::string& message,
                      const std::vector<FileEntry>& files) {
  std::vector<const FileEntry*> sorted;
  for (const auto& f : files) sorted.push_back(&f);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->path < b->path; });
  std::string text = "tinyforge commit\nparent " + parent + "\n";
  for (const auto* f : sorted) text += f->blob_id + " " + f->path + "\n";
  text += "\n" + message;
  return digest_hex(DigestKind::Sha1, {text});
}

namespace {
bool valid_part(const std::string& part) {
  if (part.empty() || part.size() > 96 || part.find("..") != std::string::npos) return false;
  if (part.front() == '.' || part.front() == '-' || part.back() == '.' || part.back() == '-') return false;
  return std::all_of(part.begin(), part.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}
}  // namespace

bool valid_repo_id(const std::string& repo_id) {
  auto slash = repo_id.find('/');
  if (slash == std::string::npos || repo_id.find('/', slash + 1) != std::string::npos) return false;
  return valid_part(repo_id.substr(0, slash)) && valid_part(repo_id.substr(slash + 1));
}

bool valid_hex_digest(const std::string& s, size_t digits) {
  return s.size() == digits && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

bool valid_repo_path(const std::string& path) {
  if (path.empty() || path.size() > 1024 || path.front() == '/') return false;
  if (path.find('\0') != std::string::npos || path.find('\\') != std::string::npos) return false;
  size_t start = 0;
  while (true) {
    auto slash = path.find('/', start);
    std::string seg = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (seg.empty() || seg == "." || seg == ".." || seg == ".git") return false;
    for (unsigned char c : seg)
      if (c < 0x20) return false;
    if (slash == std::string::npos) return true;
    start = slash + 1;
  }
}

}  // namespace tinyforge::hub
