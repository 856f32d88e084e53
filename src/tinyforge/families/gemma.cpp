// PLACEHOLDER: replaced by the family implementation.
#include "tinyforge/families/family.h"
namespace tinyforge {
const Family& gemma_family() {
  static const Family f{"gemma", nullptr, nullptr, nullptr};
  return f;
}
}  // namespace tinyforge
