// checkpoint/variants: the loader fixtures projects hand-upload today, derived from a forged repository as
// siblings `{Arch}-{kind}`: sharded, bin (pytorch_model.bin), safetensors, fp16, bf16, subfolder (files under
// `{model_type}/`, for from_pretrained(subfolder=...)), variant (model.v2.safetensors, for variant="v2").
#pragma once
#include <string>
#include <vector>

#include "tinyforge/util/fs.h"

namespace tinyforge {

const std::vector<std::string>& variant_kinds();
// Checks the names given to --variants; UserError naming the unknown one and the valid ones.
void check_variant_kinds(const std::vector<std::string>& kinds);

// The variant name transformers is given for the `variant` fixture.
inline constexpr const char* kFixtureVariant = "v2";

// Writes `{base}-{kind}` next to `base` atomically and returns its files (relative paths), sorted.
std::vector<std::string> forge_variant(const fs::path& base, const std::string& model_type,
                                       const std::string& kind);

}  // namespace tinyforge
