// util/fs: safe writes (temporary sibling or staging folder + rename) and content hashes.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace tinyforge {

namespace fs = std::filesystem;

std::string sha256_hex(const std::string& bytes);
std::string sha256_file(const fs::path& path);
std::string read_file(const fs::path& path);

// Power-loss durability of the writes below, one policy per process. A killed process never leaves a
// half-written file or folder either way: the temporary + rename does that. Durable writes also fsync every
// file and the folder that names it, so a power loss after a write returns loses nothing. On by default
// (serve's uploads, acknowledged to a client); the commands that write files turn it off unless --durable
// (cli/command.h), as cp and save_pretrained do: an fsync per file dominated their run time.
void set_durable_writes(bool durable);

// A new file (no rename: callers write into a staging folder) written in large sequential writes: small
// pieces gather in a buffer, large ones go straight to the file, and copy_from copies a range of another file
// inside the kernel (copy_file_range; a reflink where the file system has them). Durable writes start the
// writeback every 64 MiB while the file grows and fsync in finish(), so little is left to wait for there.
// Errors throw std::runtime_error naming the file (and, for a full disk, the fix).
class FileWriter {
 public:
  explicit FileWriter(const fs::path& path);
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;
  ~FileWriter();  // closes an unfinished file as it is (the caller's staging folder is removed)
  void write(const void* data, size_t size);
  // Appends `size` bytes of the open file `fd` from `offset`.
  void copy_from(int fd, uint64_t offset, uint64_t size);
  // Positioned writes, for a writer that lays a file out in advance and fills its ranges from several
  // threads at once: no buffer, no effect on the appending position; durable ones start their range's
  // writeback.
  void write_at(uint64_t at, const void* data, size_t size);
  void copy_at(uint64_t at, int fd, uint64_t offset, uint64_t size);
  // Writes what is buffered and, when durable, starts the writeback of the whole file without waiting. A
  // writer of several files calls it as each is done and finish()es them later, so one file's writeback
  // overlaps the next one's writes.
  void start_writeback();
  // Writes what is buffered, fsyncs when durable, closes.
  void finish();

 private:
  void flush();
  void write_through(const char* data, size_t size);
  void put(uint64_t at, const char* data, size_t size) const;
  void copy_range(uint64_t at, int fd, uint64_t offset, uint64_t size) const;
  void start_writeback(uint64_t at, uint64_t size) const;
  void wrote(uint64_t size);
  [[noreturn]] void fail(int error) const;

  fs::path path_;
  int fd_ = -1;
  std::unique_ptr<char[]> buffer_;
  size_t buffered_ = 0;
  uint64_t size_ = 0;             // bytes in the file
  uint64_t writeback_start_ = 0;  // where the next writeback range begins
};

// Writes one file (no rename: callers write into a staging folder).
void write_new_file(const fs::path& path, const std::string& bytes);
// Copies one file's bytes and permissions (no rename), durable as write_new_file.
void copy_new_file(const fs::path& from, const fs::path& to);
// Writes via a temporary sibling and a rename, so readers see the old or the new file, never half.
void write_file_atomic(const fs::path& path, const std::string& bytes);
// Moves a finished staging folder into place, replacing any older `target` (fsyncs the parent).
void publish_directory(const fs::path& staging, const fs::path& target);
// A unique hidden staging folder next to `target`: ".{name}.tinyforge-tmp-{pid}-{n}".
fs::path staging_directory_for(const fs::path& target);
// The environment variable's value, or "" when unset.
std::string env_value(const char* name);
// The user's cache folder: $XDG_CACHE_HOME, else $HOME/.cache (empty when neither is set).
fs::path user_cache_home();

// Removes the staging folders and temporary files in `dir` whose run is dead (the pid in their name is not a
// live process), so concurrent runs into one folder keep theirs.
void remove_stale_staging(const fs::path& dir);

}  // namespace tinyforge
