#include "tinyforge/checkpoint/checkpoint.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "tinyforge/util/parallel.h"

namespace tinyforge {

namespace {
// A read-only map of bytes [offset, offset + size) of a file, unmapped when dropped.
class MappedRange {
 public:
  MappedRange(int fd, uint64_t offset, uint64_t size, const std::string& what)
      : begin_(offset / page() * page()), length_(static_cast<size_t>(offset + size - begin_)) {
    if (length_ > 0) {
      base_ = ::mmap(nullptr, length_, PROT_READ, MAP_PRIVATE, fd, static_cast<off_t>(begin_));
      if (base_ == MAP_FAILED) throw CheckpointError("cannot map " + what);
      ::madvise(base_, length_, MADV_SEQUENTIAL);
      data_ = static_cast<const char*>(base_) + (offset - begin_);
    }
  }
  MappedRange(const MappedRange&) = delete;
  MappedRange& operator=(const MappedRange&) = delete;
  ~MappedRange() {
    if (base_ != MAP_FAILED) ::munmap(base_, length_);
  }
  const char* data() const { return data_; }
  // Lets the kernel drop the pages of bytes [from, to) (counted from `offset`), once used, so a pass over a
  // large range keeps a small resident set; a page that reaches past `to` stays.
  void drop(uint64_t from, uint64_t to) const {
    if (base_ == MAP_FAILED) return;
    const uint64_t start = static_cast<uint64_t>(data_ - static_cast<const char*>(base_));
    const uint64_t first = (start + from) / page() * page(), last = (start + to) / page() * page();
    if (last > first) ::madvise(static_cast<char*>(base_) + first, last - first, MADV_DONTNEED);
  }

 private:
  static uint64_t page() {
    static const auto size = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    return size;
  }
  uint64_t begin_;
  size_t length_;
  void* base_ = MAP_FAILED;
  const char* data_ = nullptr;
};
}  // namespace

struct Checkpoint::Maps {
  // A weight file, opened on first use and mapped whole on first view.
  struct File {
    int fd = -1;
    uint64_t size = 0;
    std::unique_ptr<MappedRange> map;
    File() = default;
    File(const File&) = delete;
    File& operator=(const File&) = delete;
    ~File() {
      if (fd >= 0) ::close(fd);
    }
  };
  std::map<std::string, std::unique_ptr<File>> files;
};

const CheckpointTensor* Checkpoint::find(const std::string& name) const {
  auto it = std::lower_bound(tensors.begin(), tensors.end(), name,
                             [](const CheckpointTensor& t, const std::string& n) { return t.info.name < n; });
  return it != tensors.end() && it->info.name == name ? &*it : nullptr;
}

uint64_t Checkpoint::total_bytes() const {
  uint64_t total = 0;
  for (const auto& t : tensors) total += t.info.size;
  return total;
}

std::string with_variant(const std::string& file_name, const std::string& variant) {
  if (variant.empty()) return file_name;
  std::string out = file_name;
  out.insert(out.rfind('.'), "." + variant);
  return out;
}

namespace {

// config.json or the index: invalid JSON is a CheckpointError naming the file.
Json parse_json_file(const std::string& text, const std::string& file) {
  try {
    return parse_json(text, file);
  } catch (const std::runtime_error& e) {
    throw CheckpointError(std::string(e.what()) + " (fix or re-create it)");
  }
}

SafetensorsHeader read_header(const fs::path& dir, const std::string& file) {
  try {
    return safetensors_read_header((dir / file).string());
  } catch (const SafetensorsError& e) {
    throw CheckpointError(std::string(e.what()) +
                          " (the file is truncated or not safetensors; re-create it)");
  }
}

void add_tensors(Checkpoint& c, const std::string& file, SafetensorsHeader header) {
  for (auto& info : header.tensors) c.tensors.push_back({std::move(info), file});
}

}  // namespace

Json parse_config_json(const std::string& text) {
  Json config = parse_json_file(text, "config.json");
  if (!config.is_object()) throw CheckpointError("config.json: expected a JSON object (fix or re-create it)");
  if (config.contains("model_type") && !config["model_type"].is_string())
    throw CheckpointError("config.json: \"model_type\" must be a string (fix or re-create it)");
  if (config.contains("architectures")) {
    const Json& archs = config["architectures"];
    if (!archs.is_array() ||
        std::any_of(archs.begin(), archs.end(), [](const Json& a) { return !a.is_string(); }))
      throw CheckpointError(
          "config.json: \"architectures\" must be a list of class names (fix or re-create it)");
  }
  return config;
}

Checkpoint open_checkpoint(const fs::path& dir, const std::string& variant) {
  Checkpoint c;
  c.maps = std::make_shared<Checkpoint::Maps>();
  c.dir = dir;
  c.variant = variant;
  if (!fs::is_directory(dir)) throw CheckpointError(dir.string() + " is not a directory");
  if (fs::exists(dir / "config.json")) c.config = parse_config_json(read_file(dir / "config.json"));
  const std::string single = with_variant("model.safetensors", variant);
  const std::string index_name = with_variant("model.safetensors.index.json", variant);
  if (fs::exists(dir / index_name)) {
    c.sharded = true;
    Json index = parse_json_file(read_file(dir / index_name), index_name);
    if (!index.contains("weight_map") || !index["weight_map"].is_object())
      throw CheckpointError(index_name + ": no \"weight_map\" object");
    std::map<std::string, std::set<std::string>> expected;  // file -> tensor names the index puts there
    for (auto it = index["weight_map"].begin(); it != index["weight_map"].end(); ++it) {
      if (!it.value().is_string())
        throw CheckpointError(index_name + ": weight_map[\"" + it.key() + "\"] is not a file name");
      const std::string file = it.value().get<std::string>();
      if (file.find('/') != std::string::npos || file == ".." || file.empty())
        throw CheckpointError(index_name + ": shard name '" + file + "' must be a plain file name");
      expected[file].insert(it.key());
    }
    std::map<std::string, std::string> seen;  // tensor -> file
    for (const auto& [file, names] : expected) {
      if (!fs::exists(dir / file))
        throw CheckpointError(index_name + " names shard '" + file + "', which is missing from " +
                              dir.string());
      SafetensorsHeader header = read_header(dir, file);
      for (const auto& t : header.tensors) {
        if (auto prev = seen.find(t.name); prev != seen.end())
          throw CheckpointError("tensor '" + t.name + "' is in two shards: " + prev->second + " and " + file);
        seen[t.name] = file;
      }
      for (const auto& name : names)
        if (std::none_of(header.tensors.begin(), header.tensors.end(),
                         [&](const SafetensorsTensorInfo& t) { return t.name == name; }))
          throw CheckpointError(index_name + " puts tensor '" + name + "' in " + file +
                                ", which does not hold it");
      c.weight_files.push_back(file);
      add_tensors(c, file, std::move(header));
    }
  } else if (fs::exists(dir / single)) {
    c.weight_files.push_back(single);
    add_tensors(c, single, read_header(dir, single));
  } else {
    throw CheckpointError("no " + single + " or " + index_name + " in " + dir.string() +
                          (variant.empty() ? "" : " (check the variant name)"));
  }
  std::sort(c.tensors.begin(), c.tensors.end(),
            [](const CheckpointTensor& a, const CheckpointTensor& b) { return a.info.name < b.info.name; });
  for (size_t i = 1; i < c.tensors.size(); ++i)
    if (c.tensors[i].info.name == c.tensors[i - 1].info.name)
      throw CheckpointError("tensor '" + c.tensors[i].info.name +
                            "' is in two shards: " + c.tensors[i - 1].file + " and " + c.tensors[i].file);
  return c;
}

namespace {
// The open weight file holding `tensor`, which must lie inside it.
Checkpoint::Maps::File& weight_file(const Checkpoint& checkpoint, const CheckpointTensor& tensor) {
  if (!checkpoint.maps) throw CheckpointError("checkpoint was not opened with open_checkpoint");
  auto& slot = checkpoint.maps->files[tensor.file];
  if (!slot) {
    const fs::path path = checkpoint.dir / tensor.file;
    auto f = std::make_unique<Checkpoint::Maps::File>();
    f->fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (f->fd < 0 || ::fstat(f->fd, &st) != 0) throw CheckpointError("cannot open " + path.string());
    f->size = static_cast<uint64_t>(st.st_size);
    ::posix_fadvise(f->fd, 0, 0, POSIX_FADV_SEQUENTIAL);  // a larger readahead for the streaming readers
    slot = std::move(f);
  }
  if (tensor.info.file_offset + tensor.info.size > slot->size)
    throw CheckpointError(tensor.file + ": tensor '" + tensor.info.name +
                          "' runs past the end (file truncated?)");
  return *slot;
}
}  // namespace

std::string_view tensor_view(const Checkpoint& checkpoint, const CheckpointTensor& tensor) {
  auto& file = weight_file(checkpoint, tensor);
  if (!file.map)
    file.map = std::make_unique<MappedRange>(file.fd, 0, file.size, (checkpoint.dir / tensor.file).string());
  return {file.map->data() + tensor.info.file_offset, tensor.info.size};
}

StoredTensor stored_tensor(const Checkpoint& checkpoint, const CheckpointTensor& tensor) {
  return {weight_file(checkpoint, tensor).fd, tensor.info.file_offset, tensor.info.dtype};
}

void release_tensor(const Checkpoint& checkpoint, const CheckpointTensor& tensor) {
  if (!checkpoint.maps) return;
  auto it = checkpoint.maps->files.find(tensor.file);
  if (it == checkpoint.maps->files.end() || !it->second) return;
  if (it->second->map)
    it->second->map->drop(tensor.info.file_offset, tensor.info.file_offset + tensor.info.size);
  // The cached pages too: a rewrite deletes this file when it is done, and freeing them now (while the disk
  // writes back what came before) is cheaper than all at once when the file goes.
  ::posix_fadvise(it->second->fd, static_cast<off_t>(tensor.info.file_offset),
                  static_cast<off_t>(tensor.info.size), POSIX_FADV_DONTNEED);
}

std::vector<uint8_t> read_tensor(const Checkpoint& checkpoint, const CheckpointTensor& tensor) {
  std::string_view v = tensor_view(checkpoint, tensor);
  return {v.begin(), v.end()};
}

void convert_float_data(std::span<const uint8_t> data, DType from, std::span<uint8_t> out, DType to,
                        const std::string& tensor) {
  // Element widths below are those of the three float dtypes; any other would be read or written out of
  // bounds.
  if (!is_convertible_float(from) || !is_convertible_float(to))
    throw CheckpointError("tensor '" + tensor + "': cannot convert " + std::string(dtype_name(from)) +
                          " to " + std::string(dtype_name(to)) +
                          " (only float32, float16 and bfloat16 convert)");
  const size_t n = data.size() / dtype_size(from);
  if (out.size() != n * dtype_size(to))
    throw CheckpointError("tensor '" + tensor + "': conversion buffer does not match the data");
  const size_t bad = convert_floats(data.data(), from, out.data(), to, n);
  if (bad == n) return;
  float value = 0;
  convert_floats(data.data() + bad * dtype_size(from), from, &value, DType::F32, 1);
  throw CheckpointError("tensor '" + tensor + "' holds " + std::to_string(value) + ", beyond the range of " +
                        std::string(dtype_torch_name(to)) + "; cast to " +
                        (to == DType::F16 ? "bfloat16 or float32" : "float32") + " instead");
}

std::vector<uint8_t> convert_float_data(std::span<const uint8_t> data, DType from, DType to,
                                        const std::string& tensor) {
  std::vector<uint8_t> out(data.size() / dtype_size(from) * dtype_size(to));
  convert_float_data(data, from, out, to, tensor);
  return out;
}

KeyCheck check_keys(const Checkpoint& checkpoint, const std::vector<std::string>& expected, bool strict) {
  KeyCheck result;
  std::set<std::string> want(expected.begin(), expected.end());
  for (const auto& name : want)
    if (!checkpoint.find(name)) result.missing.push_back(name);
  for (const auto& t : checkpoint.tensors)
    if (!want.count(t.info.name)) result.unexpected.push_back(t.info.name);
  if (strict && !result.clean()) {
    std::string msg = "error(s) loading " + checkpoint.dir.string() + ":";
    if (!result.missing.empty()) {
      msg += " missing key(s):";
      for (const auto& k : result.missing) msg.append(" ").append(k);
    }
    if (!result.unexpected.empty()) {
      if (!result.missing.empty()) msg += ";";
      msg += " unexpected key(s):";
      for (const auto& k : result.unexpected) msg.append(" ").append(k);
    }
    throw CheckpointError(msg);
  }
  return result;
}

uint64_t parse_shard_size(const std::string& text) {
  static const std::map<std::string, double> units = {{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}};
  std::string s = text;
  s.erase(0, s.find_first_not_of(' '));
  s.erase(s.find_last_not_of(' ') + 1);
  auto bad = [&] {
    return CheckpointError("bad shard size '" + text +
                           "': give bytes or a number with KB, MB, GB or TB (e.g. 10KB)");
  };
  if (s.empty()) throw bad();
  double multiplier = 1;
  std::string number = s;
  if (s.size() > 2) {
    std::string unit = s.substr(s.size() - 2);
    std::transform(unit.begin(), unit.end(), unit.begin(), ::toupper);
    if (auto it = units.find(unit); it != units.end()) {
      multiplier = it->second;
      number = s.substr(0, s.size() - 2);
    }
  }
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(number, &used);
  } catch (const std::exception&) {
    throw bad();
  }
  while (used < number.size() && number[used] == ' ') ++used;
  if (used != number.size() || !(value > 0) || !std::isfinite(value)) throw bad();
  return static_cast<uint64_t>(value * multiplier);
}

namespace {

// Float values converted per chunk: large enough that syscalls cost nothing, small enough to stay in cache.
constexpr size_t kConvertChunk = 1 << 18;
// A worker's unit: a range of this many elements of one tensor. Large enough that a piece costs a few
// syscalls, small enough that the workers share the one file of an unsharded checkpoint.
constexpr uint64_t kPieceElements = uint64_t{8} << 20;
// Below this many bytes in all, one thread writes: a tiny repository is not worth starting threads for.
constexpr uint64_t kParallelBytes = uint64_t{64} << 20;

// One weight file as laid out before any byte is written; opened by the first piece that reaches it and
// finished (fsynced when durable, closed) by the piece that completes it.
struct PlannedFile {
  fs::path path;
  std::string header;
  std::vector<SafetensorsTensorInfo> infos;  // in data order
  std::unique_ptr<FileWriter> writer;
  std::once_flag opened;
  std::atomic<size_t> pieces_left{0};
};

// Elements [begin, end) of one tensor (none for a file's header), written at `at` in its file.
struct Piece {
  PlannedFile* file;
  const TensorSource* source;  // null: the header
  const SafetensorsTensorInfo* info;
  uint64_t at, begin, end;
  std::atomic<size_t>* tensor_pieces_left;  // the last piece of a tensor releases its mapped pages
};

void write_piece(const Piece& p) {
  PlannedFile& file = *p.file;
  std::call_once(file.opened, [&] { file.writer = std::make_unique<FileWriter>(file.path); });
  FileWriter& out = *file.writer;
  if (!p.source) {
    out.write_at(0, file.header.data(), file.header.size());
  } else if (const TensorSource& source = *p.source; source.stored) {
    const StoredTensor stored = source.stored();
    const SafetensorsTensorInfo& info = *p.info;
    const size_t from = dtype_size(stored.dtype), to = dtype_size(info.dtype);
    if (stored.dtype == info.dtype) {
      out.copy_at(p.at, stored.fd, stored.offset + p.begin * from, (p.end - p.begin) * from);
    } else {
      // Converted straight from a map of the range (no copy into a buffer first), each chunk's pages dropped
      // once converted.
      const uint64_t n = p.end - p.begin;
      const auto buffer =
          std::make_unique_for_overwrite<uint8_t[]>(std::min<uint64_t>(n, kConvertChunk) * to);
      const MappedRange map(stored.fd, stored.offset + p.begin * from, n * from,
                            "tensor '" + info.name + "'");
      const auto* data = reinterpret_cast<const uint8_t*>(map.data());
      for (uint64_t done = 0; done < n; done += kConvertChunk) {
        const size_t k = static_cast<size_t>(std::min<uint64_t>(kConvertChunk, n - done));
        convert_float_data({data + done * from, k * from}, stored.dtype, {buffer.get(), k * to}, info.dtype,
                           info.name);
        out.write_at(p.at + done * to, buffer.get(), k * to);
        map.drop(done * from, (done + k) * from);
      }
    }
  } else {
    std::vector<uint8_t> owned;
    std::string_view bytes;
    if (source.view) {
      bytes = source.view();
    } else {
      owned = source.bytes();
      bytes = {reinterpret_cast<const char*>(owned.data()), owned.size()};
    }
    if (bytes.size() != p.info->size)
      throw CheckpointError("tensor '" + p.info->name + "': byte size does not match its dtype and shape");
    out.write_at(p.at, bytes.data(), bytes.size());
  }
  if (p.source && --*p.tensor_pieces_left == 0 && p.source->release) p.source->release();
  if (--file.pieces_left == 0) {
    file.writer->finish();
    file.writer.reset();
  }
}

// Writes the planned files: every header and tensor range is a piece at a known offset, so a few threads
// write them in any order and the bytes are the same. Pieces go out in file order: at most a few files
// are open at once, however many shards there are.
void write_planned_files(std::vector<PlannedFile>& files, const std::vector<TensorSource>& tensors) {
  std::map<std::string, size_t> index_of;
  for (size_t i = 0; i < tensors.size(); ++i) index_of[tensors[i].info.name] = i;
  std::vector<std::atomic<size_t>> tensor_pieces_left(tensors.size());
  std::vector<Piece> pieces;
  uint64_t total = 0;
  for (auto& file : files) {
    pieces.push_back({&file, nullptr, nullptr, 0, 0, 0, nullptr});
    uint64_t at = file.header.size();
    for (const auto& info : file.infos) {
      const size_t i = index_of.at(info.name);
      const TensorSource& source = tensors[i];
      // Stored tensors split into ranges; other sources produce their bytes whole, once.
      const uint64_t n = static_cast<uint64_t>(numel(info.shape));
      const uint64_t step = source.stored ? kPieceElements : std::max<uint64_t>(n, 1);
      const size_t to = dtype_size(info.dtype);
      uint64_t begin = 0;
      do {  // an empty tensor is one empty piece
        const uint64_t end = std::min(n, begin + step);
        pieces.push_back({&file, &source, &info, at + begin * to, begin, end, &tensor_pieces_left[i]});
        ++tensor_pieces_left[i];
        begin = end;
      } while (begin < n);
      at += info.size;
      total += info.size;
    }
  }
  for (const auto& p : pieces) ++p.file->pieces_left;
  const size_t workers =
      total < kParallelBytes ? 1 : std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
  // Writers of one file queue on its inode lock, so the workers take pieces of `workers` files in turn.
  std::vector<Piece*> order;
  for (size_t first = 0; first < pieces.size();) {
    std::vector<std::vector<Piece*>> window;  // the pieces of the next `workers` files
    size_t longest = 0;
    for (size_t f = 0; f < workers && first < pieces.size(); ++f) {
      window.emplace_back();
      for (const PlannedFile* file = pieces[first].file; first < pieces.size() && pieces[first].file == file;)
        window.back().push_back(&pieces[first++]);
      longest = std::max(longest, window.back().size());
    }
    for (size_t k = 0; k < longest; ++k)
      for (const auto& file_pieces : window)
        if (k < file_pieces.size()) order.push_back(file_pieces[k]);
  }
  parallel_for(order.size(), static_cast<int>(workers), [&](size_t i) { write_piece(*order[i]); });
}

}  // namespace

std::vector<std::string> write_safetensors_weights(const fs::path& dir,
                                                   const std::vector<TensorSource>& tensors,
                                                   uint64_t max_shard_size, uint64_t total_parameters,
                                                   const std::string& variant) {
  // huggingface_hub's split: fill a shard in state-dict order until the next tensor would overflow it; a
  // tensor larger than the limit gets a shard of its own.
  std::vector<std::vector<const TensorSource*>> shards;
  std::vector<const TensorSource*> current;
  uint64_t current_size = 0, total = 0;
  for (const auto& t : tensors) {
    const uint64_t size = static_cast<uint64_t>(numel(t.info.shape)) * dtype_size(t.info.dtype);
    total += size;
    if (max_shard_size > 0 && size > max_shard_size) {
      shards.push_back({&t});
      continue;
    }
    if (max_shard_size > 0 && current_size + size > max_shard_size) {
      shards.push_back(std::move(current));
      current.clear();
      current_size = 0;
    }
    current.push_back(&t);
    current_size += size;
  }
  if (!current.empty() || shards.empty()) shards.push_back(std::move(current));

  std::vector<std::string> written;
  std::vector<PlannedFile> files(shards.size());
  Json weight_map = Json::object();
  char suffix[32];
  for (size_t i = 0; i < shards.size(); ++i) {
    std::string name = with_variant("model.safetensors", variant);
    if (shards.size() > 1) {
      // save_pretrained's pattern: the shard suffix goes after the variant
      // (model.fp16-00001-of-00002.safetensors).
      std::snprintf(suffix, sizeof suffix, "-%05zu-of-%05zu", i + 1, shards.size());
      name.insert(name.size() - std::string_view(".safetensors").size(), suffix);
    }
    for (const auto* t : shards[i]) {
      files[i].infos.push_back(t->info);
      weight_map[t->info.name] = name;
    }
    files[i].header = safetensors_header_bytes(files[i].infos, {{"format", "pt"}});
    files[i].path = dir / name;
    written.push_back(name);
  }
  write_planned_files(files, tensors);
  if (shards.size() == 1) return written;
  Json index = {{"metadata", {{"total_parameters", total_parameters}, {"total_size", total}}},
                {"weight_map", weight_map}};  // nlohmann sorts keys
  written.push_back(with_variant("model.safetensors.index.json", variant));
  write_new_file(dir / written.back(), py_json_dumps(index, PyDumpOptions{2, true}) + "\n");
  return written;
}

void rewrite_repository(const fs::path& dir, const std::vector<std::string>& drop,
                        const std::function<void(const fs::path& staging)>& fill) {
  // The real folder: `DIR/` and `.` must not put the staging folder inside the repository, and a symlink
  // to a repository must leave the link in place and convert what it points to.
  std::error_code ec;
  const fs::path target = fs::canonical(dir, ec);
  if (ec || !fs::is_directory(target))
    throw CheckpointError(dir.string() + " is not a directory" + (ec ? ": " + ec.message() : ""));
  if (target == target.root_path())
    throw CheckpointError("cannot rewrite " + target.string() + " in place; give the repository's folder");
  // What a killed rewrite left next to the repository (a staging copy, or the old repository swapped out).
  remove_stale_staging(target.parent_path());
  const fs::path staging = staging_directory_for(target);
  try {
    fs::create_directories(staging);
    for (const auto& entry : fs::recursive_directory_iterator(target)) {
      const fs::path rel = fs::relative(entry.path(), target);
      if (std::find(drop.begin(), drop.end(), rel.generic_string()) != drop.end()) continue;
      if (entry.is_directory())
        fs::create_directories(staging / rel);
      else
        copy_new_file(entry.path(), staging / rel);
    }
    fill(staging);
    publish_directory(staging, target);
  } catch (...) {
    fs::remove_all(staging, ec);
    throw;
  }
}

}  // namespace tinyforge
