// PLACEHOLDER: replaced by the family implementation.
#include "tinyforge/families/family.h"
namespace tinyforge {
const Family& mistral_family() {
  static const Family f{"mistral", nullptr, nullptr, nullptr};
  return f;
}
}  // namespace tinyforge
