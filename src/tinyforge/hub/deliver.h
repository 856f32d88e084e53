// hub/deliver: after `create` forged its repositories, hands them on (into the HF cache with --hf_cache,
// to HF_ENDPOINT with --upload) as ORG/tiny-random-{Arch}, and each --variants fixture {Arch}-{kind} as
// ORG/tiny-random-{Arch}-{kind}; the architecture a model type's name stands for also as
// ORG/tiny-random-{model_type}[-{kind}].
#pragma once
#include "tinyforge/forge/create.h"

namespace tinyforge::hub {

// Returns the number of repositories that could not be delivered (each reported on stderr).
size_t deliver(const CreateOptions& options, const CreateResult& result);

}  // namespace tinyforge::hub
