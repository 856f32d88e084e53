// PLACEHOLDER: replaced by the family implementation.
#include "tinyforge/families/family.h"
namespace tinyforge {
const Family& whisper_family() {
  static const Family f{"whisper", nullptr, nullptr, nullptr};
  return f;
}
}  // namespace tinyforge
