// checkpoint/variants: the loader fixtures projects hand-upload today, derived from a forged repository as
// siblings `{Arch}-{kind}`: sharded, bin (pytorch_model.bin), safetensors, fp16, bf16, subfolder (files under
// `{model_type}/`, for from_pretrained(subfolder=...)), variant (model.v2.safetensors, for variant="v2"), and
// combinations of them (`{Arch}-sharded-safetensors`, `{Arch}-variant-sharded`).
#pragma once
#include <string>
#include <vector>

#include "tinyforge/util/fs.h"

namespace tinyforge {

const std::vector<std::string>& variant_kinds();
// A fixture is one kind or a combination joined by '-' ("sharded-safetensors", "variant-sharded",
// "bf16-bin"), each kind at most once, in any order. Refused combinations: bin with safetensors, fp16 with
// bf16, bin with sharded (the bin fixture is one pytorch_model.bin). Returns the kinds, or throws UserError
// naming the problem and the valid kinds.
std::vector<std::string> parse_variant_spec(const std::string& spec);
// Checks the names given to --variants (parse_variant_spec on each).
void check_variant_kinds(const std::vector<std::string>& specs);

// The variant name transformers is given for the `variant` fixture.
inline constexpr const char* kFixtureVariant = "v2";

// Writes `{base}-{spec}` next to `base` atomically and returns its files (relative paths), sorted. The kinds
// of a combination apply in a fixed order whatever the spelling: cast (fp16/bf16), variant name, shards, bin,
// subfolder.
std::vector<std::string> forge_variant(const fs::path& base, const std::string& model_type,
                                       const std::string& spec);

}  // namespace tinyforge
