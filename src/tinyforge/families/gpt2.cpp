// PLACEHOLDER: replaced by the family implementation.
#include "tinyforge/families/family.h"
namespace tinyforge {
const Family& gpt2_family() {
  static const Family f{"gpt2", nullptr, nullptr, nullptr};
  return f;
}
}  // namespace tinyforge
