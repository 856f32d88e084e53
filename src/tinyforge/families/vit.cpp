// PLACEHOLDER: replaced by the family implementation.
#include "tinyforge/families/family.h"
namespace tinyforge {
const Family& vit_family() {
  static const Family f{"vit", nullptr, nullptr, nullptr};
  return f;
}
}  // namespace tinyforge
