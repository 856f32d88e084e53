#include "tinyforge/checkpoint/variants.h"

#include <algorithm>

#include "tinyforge/checkpoint/checkpoint.h"
#include "tinyforge/checkpoint/torch_bin.h"
#include "tinyforge/checkpoint/transform.h"

namespace tinyforge {

const std::vector<std::string>& variant_kinds() {
  static const std::vector<std::string> kinds = {"sharded", "bin",       "safetensors", "fp16",
                                                 "bf16",    "subfolder", "variant"};
  return kinds;
}

namespace {
bool has_kind(const std::vector<std::string>& kinds, const std::string& kind) {
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}
}  // namespace

std::vector<std::string> parse_variant_spec(const std::string& spec) {
  auto valid = [] {
    std::string out;
    for (const auto& v : variant_kinds()) out += (out.empty() ? "" : ", ") + v;
    return out;
  };
  std::vector<std::string> kinds;
  for (size_t start = 0;;) {
    const size_t dash = spec.find('-', start);
    const std::string kind = spec.substr(start, dash == std::string::npos ? std::string::npos : dash - start);
    if (!has_kind(variant_kinds(), kind))
      throw UserError("unknown variant '" + kind + "'" + (kind == spec ? "" : " in '" + spec + "'") +
                      "; --variants takes a comma-separated list of: " + valid() +
                      ", or combinations joined by '-' (sharded-safetensors)");
    if (has_kind(kinds, kind)) throw UserError("variant '" + spec + "' names '" + kind + "' twice");
    kinds.push_back(kind);
    if (dash == std::string::npos) break;
    start = dash + 1;
  }
  auto has = [&](const char* k) { return has_kind(kinds, k); };
  for (const auto& [a, b] : {std::pair{"bin", "safetensors"}, {"fp16", "bf16"}, {"bin", "sharded"}})
    if (has(a) && has(b))
      throw UserError("variant '" + spec + "' combines '" + a + "' and '" + b +
                      "', which exclude each other" +
                      (std::string(b) == "sharded" ? " (the bin fixture is one pytorch_model.bin)" : ""));
  return kinds;
}

void check_variant_kinds(const std::vector<std::string>& specs) {
  for (const auto& spec : specs) parse_variant_spec(spec);
}

namespace {

void fill_variant(const fs::path& staging, const std::string& model_type,
                  const std::vector<std::string>& kinds) {
  auto has = [&](const char* k) { return has_kind(kinds, k); };
  if (has("fp16") || has("bf16")) cast_repository(staging, has("fp16") ? "float16" : "bfloat16");
  const std::string variant = has("variant") ? kFixtureVariant : "";
  if (has("variant"))
    fs::rename(staging / "model.safetensors", staging / with_variant("model.safetensors", variant));
  if (has("sharded")) {
    // Small shards, so even a tiny model spans several files.
    const uint64_t total = open_checkpoint(staging, variant).total_bytes();
    reshard_repository(staging, std::max<uint64_t>(1000, total / 4), variant);
  }
  if (has("bin")) {
    const Checkpoint checkpoint = open_checkpoint(staging, variant);
    write_torch_bin(staging / with_variant("pytorch_model.bin", variant), checkpoint_sources(checkpoint));
    fs::remove(staging / with_variant("model.safetensors", variant));
  }
  if (has("subfolder")) {
    const fs::path inner = staging / model_type;
    std::vector<fs::path> entries;
    for (const auto& e : fs::directory_iterator(staging))
      if (e.path().filename() != "README.md")
        entries.push_back(e.path());  // the model card stays at the root
    fs::create_directories(inner);
    for (const auto& p : entries) fs::rename(p, inner / p.filename());
  }
}

}  // namespace

std::vector<std::string> forge_variant(const fs::path& base, const std::string& model_type,
                                       const std::string& spec) {
  const std::vector<std::string> kinds = parse_variant_spec(spec);
  const fs::path target = base.parent_path() / (base.filename().string() + "-" + spec);
  const fs::path staging = staging_directory_for(target);
  try {
    fs::create_directories(staging);
    for (const auto& e : fs::directory_iterator(base)) fs::copy_file(e.path(), staging / e.path().filename());
    fill_variant(staging, model_type, kinds);
    publish_directory(staging, target);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(staging, ec);
    throw;
  }
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(target))
    if (e.is_regular_file()) files.push_back(fs::relative(e.path(), target).generic_string());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace tinyforge
