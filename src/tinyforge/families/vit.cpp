// vit: configuration_vit.py and the patch grid; the image processor. Its tensors are compiled
// (catalog/data/vit.json); this file keeps the config derivations and invariants the catalog does not capture
// yet.
#include "tinyforge/catalog/config.h"
#include "tinyforge/families/blocks.h"
#include "tinyforge/families/family.h"
#include "tinyforge/families/vit_like.h"

namespace tinyforge {

namespace {

void finalize(Json& c, const std::string&) {
  // ViTConfig.__post_init__: a falsy pooler_output_size means hidden_size.
  if (!c["pooler_output_size"].is_number_integer() || c["pooler_output_size"].get<int64_t>() == 0)
    c["pooler_output_size"] = c["hidden_size"];
  require_positive(c, {"hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                       "num_channels", "encoder_stride", "pooler_output_size"});
  require_divisible(c, "hidden_size", "num_attention_heads");
  patch_count(c);
}

Json preprocessor(const Json& c) {
  const auto [height, width] = image_extent(c, "image_size");
  return shrunk_image_processor("vit", height, width);
}

}  // namespace

const Family& vit_family() {
  static const Family f{"vit", finalize, nullptr, preprocessor};
  return f;
}

}  // namespace tinyforge
