// PLACEHOLDER: replaced by the family implementation.
#include "tinyforge/families/family.h"
namespace tinyforge {
const Family& roberta_family() {
  static const Family f{"roberta", nullptr, nullptr, nullptr};
  return f;
}
}  // namespace tinyforge
