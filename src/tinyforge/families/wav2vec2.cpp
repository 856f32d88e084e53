// PLACEHOLDER: replaced by the family implementation.
#include "tinyforge/families/family.h"
namespace tinyforge {
const Family& wav2vec2_family() {
  static const Family f{"wav2vec2", nullptr, nullptr, nullptr};
  return f;
}
}  // namespace tinyforge
