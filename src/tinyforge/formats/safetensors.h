// formats/safetensors: the safetensors file format, written the way the reference `safetensors` crate
// writes it (tensor order, header JSON, space padding) and read with every rejection rule it has.
// Two levels: whole files in memory (forging tiny models), and header + byte ranges (the checkpoint tools
// stream tensors of multi-GB files without holding them in memory).
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tinyforge/tensor/tensor.h"

namespace tinyforge {

struct SafetensorsEntry {
  std::string name;
  DType dtype = DType::F32;
  Shape shape;
  std::vector<uint8_t> data;
};

// A tensor described by a header: where its bytes are in the file.
struct SafetensorsTensorInfo {
  std::string name;
  DType dtype = DType::F32;
  Shape shape;
  uint64_t file_offset = 0;  // absolute offset of the first byte in the file
  uint64_t size = 0;         // bytes
};

// Serialises in the crate's order: dtype descending, then name. `metadata` goes to "__metadata__".
std::string safetensors_serialize(std::vector<SafetensorsEntry> tensors,
                                  const std::map<std::string, std::string>& metadata);
// The same for tensors whose bytes `fill` writes straight into the file's buffer, at the tensor's offset
// (size bytes): forging never holds a tensor twice.
std::string safetensors_serialize(std::vector<SafetensorsTensorInfo> tensors,
                                  const std::map<std::string, std::string>& metadata,
                                  const std::function<void(const SafetensorsTensorInfo&, uint8_t*)>& fill);

class SafetensorsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SafetensorsView {
  std::map<std::string, std::string> metadata;
  std::vector<SafetensorsEntry> tensors;  // in file (offset) order
};

// Parses and validates a whole file. Throws SafetensorsError naming the rule that was broken.
SafetensorsView safetensors_parse(const std::string& bytes);

struct SafetensorsHeader {
  std::map<std::string, std::string> metadata;
  std::vector<SafetensorsTensorInfo> tensors;  // in file (offset) order
};

// Validates the header of a file of `file_size` bytes whose first bytes are `prefix` (at least the 8-byte
// length and the header itself). Same rules as safetensors_parse.
SafetensorsHeader safetensors_parse_header(std::string_view prefix, uint64_t file_size);
// Reads and validates the header of a file on disk, without reading the tensor data.
SafetensorsHeader safetensors_read_header(const std::string& path);

// The 8-byte length + padded header of a file holding `tensors` (their data sizes implied by dtype x shape),
// in the crate's order; `tensors` is reordered to the data order the header describes.
std::string safetensors_header_bytes(std::vector<SafetensorsTensorInfo>& tensors,
                                     const std::map<std::string, std::string>& metadata);

}  // namespace tinyforge
