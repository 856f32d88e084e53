// Fuzz target: the safetensors header reader and the checkpoint index reader (open_checkpoint), then every
// tensor's bytes as the checkpoint tools read them. Input: one part is model.safetensors; several parts are
// model.safetensors.index.json followed by its shards model-0000i-of-0000n.safetensors. Each part also
// goes through the in-memory reader.
#include <cstdint>
#include <fstream>

#include "fuzz_input.h"
#include "tinyforge/checkpoint/checkpoint.h"
#include "tinyforge/formats/safetensors.h"

namespace fs = std::filesystem;
using namespace tinyforge;

namespace {

void write(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string shard_name(size_t i, size_t n) {
  char name[64];
  std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", i, n);
  return name;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<std::string> parts = fuzz::split_parts(data, size);
  for (const auto& part : parts) {
    try {
      safetensors_parse(part);
    } catch (const SafetensorsError&) {
    }
  }
  const fs::path dir = fuzz::scratch_folder() / "repo";
  fs::remove_all(dir);
  fs::create_directories(dir);
  if (parts.size() == 1) {
    write(dir / "model.safetensors", parts[0]);
  } else {
    write(dir / "model.safetensors.index.json", parts[0]);
    for (size_t i = 1; i < parts.size(); ++i) write(dir / shard_name(i, parts.size() - 1), parts[i]);
  }
  try {
    const Checkpoint checkpoint = open_checkpoint(dir);
    static volatile uint8_t sink;  // the bytes are read, not optimised away
    for (const auto& tensor : checkpoint.tensors)
      for (const char byte : tensor_view(checkpoint, tensor)) sink = sink ^ static_cast<uint8_t>(byte);
  } catch (const CheckpointError&) {
  }
  return 0;
}
