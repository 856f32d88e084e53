// qwen2: configuration_qwen2.py. Its tensors are compiled (catalog/data/qwen2.json); this file keeps the
// config derivations and invariants the catalog does not capture yet.
#include "tinyforge/catalog/config.h"
#include "tinyforge/families/llama_like.h"

namespace tinyforge {

namespace {

// Qwen2Config has no head_dim field: Qwen2Attention uses hidden_size // num_attention_heads.
int64_t head_dim(const Json& c) { return get_int(c, "hidden_size") / get_int(c, "num_attention_heads"); }

void finalize(Json& c, const std::string&) {
  require_positive(c, {"hidden_size", "num_attention_heads", "num_hidden_layers"});
  // Qwen2Config.__post_init__: the window exists only with use_sliding_window; kv heads default to heads;
  // layers from max_window_layers on slide when there is a window.
  if (!get_bool(c, "use_sliding_window")) c["sliding_window"] = nullptr;
  llama_like_derive_kv_heads(c);
  const int64_t layers = get_count(c, "num_hidden_layers");
  if (c["layer_types"].is_null()) {
    Json types = Json::array();
    const bool window = !c["sliding_window"].is_null();
    for (int64_t i = 0; i < layers; ++i)
      types.push_back(window && i >= get_int(c, "max_window_layers") ? "sliding_attention"
                                                                     : "full_attention");
    c["layer_types"] = types;
  }
  // PreTrainedConfig.validate_layer_type, restricted to the two kinds Qwen2Model builds masks for.
  const Json& types = c["layer_types"];
  if (!types.is_array() || static_cast<int64_t>(types.size()) != layers)
    throw ConfigError("config field 'layer_types' must list one entry per layer (num_hidden_layers = " +
                      std::to_string(layers) + ")");
  for (const auto& t : types)
    if (t != "full_attention" && t != "sliding_attention")
      throw ConfigError(
          "config field 'layer_types' entries must be \"full_attention\" or \"sliding_attention\" (got " +
          t.dump() + ")");
  if (!c["sliding_window"].is_null() && get_int(c, "sliding_window") <= 0)
    throw ConfigError("config field 'sliding_window' must be positive (got " + c["sliding_window"].dump() +
                      ")");
  llama_like_validate(c, head_dim(c));
}

}  // namespace

const Family& qwen2_family() {
  static const Family f{"qwen2", finalize, nullptr, nullptr};
  return f;
}

}  // namespace tinyforge
