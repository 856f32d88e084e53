// PLACEHOLDER: replaced by the family implementation.
#include "tinyforge/families/family.h"
namespace tinyforge {
const Family& bart_family() {
  static const Family f{"bart", nullptr, nullptr, nullptr};
  return f;
}
}  // namespace tinyforge
