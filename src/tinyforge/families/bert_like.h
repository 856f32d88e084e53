// families/bert_like: the config rules bert and roberta share (their tensors are compiled).
#pragma once
#include <optional>
#include <string>

#include "tinyforge/families/blocks.h"
#include "tinyforge/families/family.h"

namespace tinyforge {

// hidden divisible by heads; sizes positive.
void bert_like_validate(const Json& config);
}  // namespace tinyforge
