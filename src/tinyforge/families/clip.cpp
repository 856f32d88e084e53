// PLACEHOLDER: replaced by the family implementation.
#include "tinyforge/families/family.h"
namespace tinyforge {
const Family& clip_family() {
  static const Family f{"clip", nullptr, nullptr, nullptr};
  return f;
}
}  // namespace tinyforge
