// formats/safetensors: the safetensors file format, written the way the reference `safetensors` crate
// writes it (tensor order, header JSON, space padding) and read with every rejection rule it has.
#pragma once
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "tinyforge/tensor/tensor.h"

namespace tinyforge {

struct SafetensorsEntry {
  std::string name;
  DType dtype = DType::F32;
  Shape shape;
  std::vector<uint8_t> data;
};

// Serialises in the crate's order: dtype descending, then name. `metadata` goes to "__metadata__".
std::string safetensors_serialize(std::vector<SafetensorsEntry> tensors,
                                  const std::map<std::string, std::string>& metadata);

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

}  // namespace tinyforge
