#include "tinyforge/checkpoint/transform.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "tinyforge/checkpoint/inspect.h"
#include "tinyforge/util/json.h"

namespace tinyforge {

namespace {

// Every weight file name a checkpoint (any variant) may use, so a rewrite drops the old ones.
std::vector<std::string> weight_file_names(const Checkpoint& c) {
  std::vector<std::string> names = c.weight_files;
  names.push_back(with_variant("model.safetensors.index.json", c.variant));
  return names;
}

}  // namespace

DType float_dtype_from_torch_name(const std::string& name) {
  if (name == "float32" || name == "fp32") return DType::F32;
  if (name == "float16" || name == "fp16") return DType::F16;
  if (name == "bfloat16" || name == "bf16") return DType::BF16;
  throw CheckpointError("unsupported dtype '" + name + "': use float32, float16 or bfloat16");
}

namespace {

// A digit run as Python's int() sees it, of any length (a tensor name may hold a 23-digit number): leading
// zeros dropped, then ordered by length and text, which is numeric order.
struct Number {
  std::string digits;
  Number() = default;
  explicit Number(const std::string& run)
      : digits(run.substr(std::min(run.find_first_not_of('0'), run.size()))) {}
  bool operator<(const Number& o) const {
    return digits.size() != o.digits.size() ? digits.size() < o.digits.size() : digits < o.digits;
  }
  bool operator==(const Number& o) const { return digits == o.digits; }
};

// transformers' dot_natural_key: dotted parts, digit runs compared as numbers, numbers before words.
struct NaturalPart {
  int kind;  // 0: all digits, 1: text (with an optional numeric suffix)
  Number number;
  std::string text;
  bool has_suffix = false;
  Number suffix;
  auto key() const { return std::tie(kind, number, text, has_suffix, suffix); }
};

std::vector<NaturalPart> natural_key(const std::string& name) {
  std::vector<NaturalPart> parts;
  size_t start = 0;
  while (true) {
    size_t dot = name.find('.', start);
    std::string part = name.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    size_t text_end = part.find_last_not_of("0123456789");
    text_end = text_end == std::string::npos ? 0 : text_end + 1;
    NaturalPart p{};
    if (!part.empty() && text_end == 0) {
      p.kind = 0;
      p.number = Number(part);
    } else {
      p.kind = 1;
      p.text = part.substr(0, text_end);
      p.has_suffix = text_end < part.size();
      if (p.has_suffix) p.suffix = Number(part.substr(text_end));
    }
    parts.push_back(std::move(p));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

bool natural_less(const std::string& a, const std::string& b) {
  auto ka = natural_key(a), kb = natural_key(b);
  return std::lexicographical_compare(
      ka.begin(), ka.end(), kb.begin(), kb.end(),
      [](const NaturalPart& x, const NaturalPart& y) { return x.key() < y.key(); });
}

}  // namespace

namespace {
// The name a tensor has inside the transformers model (after its weight renamings).
std::string in_memory_name(std::string name, const ModelTypeEntry* entry) {
  if (!entry) return name;
  for (const auto& [from, to] : entry->in_memory_renames)
    for (size_t at = name.find(from); at != std::string::npos; at = name.find(from, at + to.size()))
      name.replace(at, from.size(), to);
  return name;
}
}  // namespace

std::vector<TensorSource> checkpoint_sources(const Checkpoint& checkpoint) {
  // save_pretrained shards the state dict after transformers 5 re-sorts it by dot_natural_key of the
  // in-memory names.
  const ModelTypeEntry* entry = Catalog::instance().find(checkpoint.config.value("model_type", ""));
  std::vector<std::pair<std::string, const CheckpointTensor*>> keyed;
  for (const auto& t : checkpoint.tensors) keyed.emplace_back(in_memory_name(t.info.name, entry), &t);
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& a, const auto& b) { return natural_less(a.first, b.first); });
  std::vector<const CheckpointTensor*> order;
  for (const auto& [key, t] : keyed) order.push_back(t);
  std::vector<TensorSource> out;
  for (const auto* t : order)
    out.push_back({t->info, [&checkpoint, t] { return read_tensor(checkpoint, *t); },
                   [&checkpoint, t] { return tensor_view(checkpoint, *t); },
                   [&checkpoint, t] { release_tensor(checkpoint, *t); },
                   [&checkpoint, t] { return stored_tensor(checkpoint, *t); }});
  return out;
}

uint64_t shard_limit(const Checkpoint& checkpoint) {
  if (!checkpoint.sharded) return 0;
  std::map<std::string, uint64_t> bytes;
  for (const auto& t : checkpoint.tensors) bytes[t.file] += t.info.size;
  uint64_t limit = 0;
  for (const auto& [file, n] : bytes) limit = std::max(limit, n);
  return limit;
}

std::vector<std::string> reshard_repository(const fs::path& dir, uint64_t max_shard_size,
                                            const std::string& variant) {
  const Checkpoint checkpoint = open_checkpoint(dir, variant);
  const uint64_t parameters = inspect_checkpoint(checkpoint).num_parameters();
  std::vector<std::string> written;
  rewrite_repository(dir, weight_file_names(checkpoint), [&](const fs::path& staging) {
    written = write_safetensors_weights(staging, checkpoint_sources(checkpoint), max_shard_size, parameters,
                                        variant);
  });
  return written;
}

void cast_repository(const fs::path& dir, const std::string& dtype_name_text, const std::string& variant) {
  const DType target = float_dtype_from_torch_name(dtype_name_text);
  const Checkpoint checkpoint = open_checkpoint(dir, variant);
  const ModelTypeEntry* entry = Catalog::instance().find(checkpoint.config.value("model_type", ""));
  auto keep_fp32 = [&](const std::string& name) {
    if (target != DType::F16 || !entry) return false;
    for (const auto& m : entry->keep_in_fp32_modules)
      if (name.find(m) != std::string::npos) return true;
    return false;
  };
  std::vector<TensorSource> sources = checkpoint_sources(checkpoint);
  for (auto& s : sources) {
    const DType from = s.info.dtype;
    if (!is_convertible_float(from)) continue;  // float64 and integer tensors stay as they are
    const DType to = keep_fp32(s.info.name) ? DType::F32 : target;
    if (to == from) continue;
    s.info.dtype = to;
    s.bytes = [view = s.view, from, to, name = s.info.name] {
      const std::string_view v = view();
      return convert_float_data({reinterpret_cast<const uint8_t*>(v.data()), v.size()}, from, to, name);
    };
    s.view = nullptr;  // `stored` stays: the writer converts from the stored dtype as it reads
  }
  // Tensors convert chunk by chunk while the staging folder is written; an overflow there throws before the
  // repository is touched.
  const Inspection inspection = inspect_checkpoint(checkpoint);
  Json config = checkpoint.config;
  config["dtype"] = std::string(dtype_torch_name(target));
  for (auto it = config.begin(); it != config.end(); ++it)  // from_pretrained records it on sub-configs too
    if (it.value().is_object() && it.value().contains("dtype")) it.value()["dtype"] = config["dtype"];
  std::vector<std::string> drop = weight_file_names(checkpoint);
  drop.push_back("config.json");
  rewrite_repository(dir, drop, [&](const fs::path& staging) {
    write_safetensors_weights(staging, sources, shard_limit(checkpoint), inspection.num_parameters(),
                              variant);
    write_new_file(staging / "config.json", py_json_dumps(config, PyDumpOptions{2, true}) + "\n");
  });
}

}  // namespace tinyforge
