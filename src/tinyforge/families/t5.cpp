// PLACEHOLDER: replaced by the family implementation.
#include "tinyforge/families/family.h"
namespace tinyforge {
const Family& t5_family() {
  static const Family f{"t5", nullptr, nullptr, nullptr};
  return f;
}
}  // namespace tinyforge
