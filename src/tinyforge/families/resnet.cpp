// PLACEHOLDER: replaced by the family implementation.
#include "tinyforge/families/family.h"
namespace tinyforge {
const Family& resnet_family() {
  static const Family f{"resnet", nullptr, nullptr, nullptr};
  return f;
}
}  // namespace tinyforge
