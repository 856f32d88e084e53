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

void check_variant_kinds(const std::vector<std::string>& kinds) {
  for (const auto& k : kinds) {
    if (std::find(variant_kinds().begin(), variant_kinds().end(), k) != variant_kinds().end()) continue;
    std::string valid;
    for (const auto& v : variant_kinds()) valid += (valid.empty() ? "" : ", ") + v;
    throw UserError("unknown variant '" + k + "'; --variants takes a comma-separated list of: " + valid);
  }
}

namespace {

void fill_variant(const fs::path& staging, const std::string& model_type, const std::string& kind) {
  if (kind == "safetensors") return;
  if (kind == "fp16" || kind == "bf16") {
    cast_repository(staging, kind == "fp16" ? "float16" : "bfloat16");
  } else if (kind == "sharded") {
    // Small shards, so even a tiny model spans several files.
    const uint64_t total = open_checkpoint(staging).total_bytes();
    reshard_repository(staging, std::max<uint64_t>(1000, total / 4));
  } else if (kind == "bin") {
    const Checkpoint checkpoint = open_checkpoint(staging);
    write_torch_bin(staging / "pytorch_model.bin", checkpoint_sources(checkpoint));
    fs::remove(staging / "model.safetensors");
  } else if (kind == "variant") {
    fs::rename(staging / "model.safetensors", staging / with_variant("model.safetensors", kFixtureVariant));
  } else if (kind == "subfolder") {
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
                                       const std::string& kind) {
  check_variant_kinds({kind});
  const fs::path target = base.parent_path() / (base.filename().string() + "-" + kind);
  const fs::path staging = staging_directory_for(target);
  try {
    fs::create_directories(staging);
    for (const auto& e : fs::directory_iterator(base)) fs::copy_file(e.path(), staging / e.path().filename());
    fill_variant(staging, model_type, kind);
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
