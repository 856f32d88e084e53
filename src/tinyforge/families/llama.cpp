// PLACEHOLDER: replaced by the family implementation.
#include "tinyforge/families/family.h"
namespace tinyforge {
const Family& llama_family() {
  static const Family f{"llama", nullptr, nullptr, nullptr};
  return f;
}
}  // namespace tinyforge
