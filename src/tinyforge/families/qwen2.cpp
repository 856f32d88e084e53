// PLACEHOLDER: replaced by the family implementation.
#include "tinyforge/families/family.h"
namespace tinyforge {
const Family& qwen2_family() {
  static const Family f{"qwen2", nullptr, nullptr, nullptr};
  return f;
}
}  // namespace tinyforge
