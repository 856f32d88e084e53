#include "tinyforge/catalog/config.h"

#include <cmath>
#include <limits>

#include "tinyforge/util/bounds.h"

namespace tinyforge {

ConfigOverride parse_override(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw UserError("--set '" + text + "': expected key=value, e.g. --set hidden_size=64");
  ConfigOverride o{text.substr(0, eq), Json()};
  if (auto colon = o.key.find(':'); colon != std::string::npos) {
    o.model_type = o.key.substr(0, colon);
    o.key = o.key.substr(colon + 1);
  }
  std::string value = text.substr(eq + 1);
  try {
    o.value = Json::parse(value);
  } catch (const Json::exception&) {
    o.value = value;  // bare words are strings: --set hidden_act=gelu
  }
  return o;
}

namespace {

std::vector<std::string> keys_of(const Json& obj) {
  std::vector<std::string> keys;
  for (auto it = obj.begin(); it != obj.end(); ++it) keys.push_back(it.key());
  return keys;
}

// A value given for a float field is stored as a float, as the typed config would hold it.
Json coerce_like(const Json& value, const Json& like) {
  if (like.is_number_float() && value.is_number_integer()) return Json(value.get<double>());
  return value;
}

void apply_override(Json& config, const ConfigOverride& o) {
  Json* node = &config;
  std::string path;
  size_t start = 0;
  while (true) {
    auto dot = o.key.find('.', start);
    std::string part = o.key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    path += (path.empty() ? "" : ".") + part;
    if (!node->is_object() || !node->contains(part)) {
      std::string msg = "--set " + o.key + ": the config has no field '" + path + "'";
      if (node->is_object()) {
        auto near = nearest_names(part, keys_of(*node));
        if (!near.empty()) {
          msg += "; did you mean";
          for (size_t i = 0; i < near.size(); ++i) msg += (i ? ", " : " ") + near[i];
          msg += "?";
        }
      }
      throw UserError(msg);
    }
    if (dot == std::string::npos) {
      (*node)[part] = coerce_like(o.value, (*node)[part]);
      return;
    }
    node = &(*node)[part];
    start = dot + 1;
  }
}

bool has_path(const Json& config, const std::string& dotted) {
  const Json* node = &config;
  size_t start = 0;
  while (true) {
    auto dot = dotted.find('.', start);
    std::string part = dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!node->is_object() || !node->contains(part)) return false;
    if (dot == std::string::npos) return true;
    node = &(*node)[part];
    start = dot + 1;
  }
}

bool is_sub_config(const Json& default_value) {
  return default_value.is_object() && default_value.contains("model_type");
}

// recursive_diff_dict: keys of a sub-config kept when unknown to the base config or unlike the sub default.
Json diff_sub_config(const Json& value, const Json& base, const Json& sub_default) {
  Json diff = Json::object();
  for (auto it = value.begin(); it != value.end(); ++it) {
    const std::string& k = it.key();
    if (k == "transformers_version") continue;
    if (sub_default.contains(k) && is_sub_config(sub_default[k]) && base.contains(k) && base[k].is_object()) {
      diff[k] = diff_sub_config(it.value(), base[k], sub_default[k]);
    } else if (!base.contains(k) || !sub_default.contains(k) || it.value() != sub_default[k]) {
      diff[k] = it.value();
    }
  }
  diff["model_type"] = value.at("model_type");
  return diff;
}

// PreTrainedConfig._encode_special_floats: config.json spells a non-finite float as {"__float__": "Infinity"}
// (and "-Infinity", "NaN") so that JSON readers other than Python's accept it; reading reverses it.
constexpr const char* kFloatTag = "__float__";

Json encode_special_floats(const Json& v) {
  if (v.is_number_float() && !std::isfinite(v.get<double>())) {
    double d = v.get<double>();
    return Json{{kFloatTag, std::isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity"}};
  }
  if (!v.is_structured()) return v;
  Json out = v;
  for (auto it = out.begin(); it != out.end(); ++it) *it = encode_special_floats(*it);
  return out;
}

Json decode_special_floats(const Json& v) {
  if (v.is_object() && v.size() == 1 && v.contains(kFloatTag) && v[kFloatTag].is_string()) {
    const std::string& tag = v[kFloatTag].get_ref<const std::string&>();
    if (tag == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (tag == "Infinity") return std::numeric_limits<double>::infinity();
    if (tag == "-Infinity") return -std::numeric_limits<double>::infinity();
    return v;
  }
  if (!v.is_structured()) return v;
  Json out = v;
  for (auto it = out.begin(); it != out.end(); ++it) *it = decode_special_floats(*it);
  return out;
}

// PreTrainedConfig.num_labels is a property over id2label: setting it sets id2label and label2id as its
// setter does, so a classifier's width (`len(id2label)` in the catalog) follows.
constexpr int64_t kMaxLabels = 1 << 16;

std::vector<ConfigOverride> labels_override(const ConfigOverride& o) {
  if (!o.value.is_number_integer() || o.value.get<int64_t>() < 0 || o.value.get<int64_t>() > kMaxLabels)
    throw UserError("--set num_labels=" + o.value.dump() + ": expected a whole number of labels from 0 to " +
                    std::to_string(kMaxLabels));
  Json id2label = Json::object(), label2id = Json::object();
  for (int64_t i = 0; i < o.value.get<int64_t>(); ++i) {
    id2label[std::to_string(i)] = "LABEL_" + std::to_string(i);
    label2id["LABEL_" + std::to_string(i)] = i;
  }
  return {{"id2label", id2label, o.model_type}, {"label2id", label2id, o.model_type}};
}

}  // namespace

std::vector<ConfigOverride> overrides_for(const ModelTypeEntry& entry,
                                          const std::vector<ConfigOverride>& overrides) {
  std::vector<ConfigOverride> out;
  for (ConfigOverride o : overrides) {
    if (o.key == "num_labels" && !has_path(entry.defaults, o.key)) {
      for (auto& l : labels_override(o))
        if (l.model_type.empty() || l.model_type == entry.model_type) out.push_back(std::move(l));
      continue;
    }
    // An alias of the config class (attribute_map) sets the field it stands for, as transformers does.
    const std::string head = o.key.substr(0, o.key.find('.'));
    if (entry.attribute_map.contains(head) && entry.attribute_map[head].is_string())
      o.key = entry.attribute_map[head].get<std::string>() + o.key.substr(head.size());
    if (o.model_type.empty() ? has_path(entry.defaults, o.key) : o.model_type == entry.model_type)
      out.push_back(std::move(o));
  }
  return out;
}

void check_overrides_apply(const std::vector<const ModelTypeEntry*>& entries,
                           const std::vector<ConfigOverride>& overrides) {
  for (const auto& o : overrides) {
    bool applies = false;
    for (const auto* e : entries) applies = applies || !overrides_for(*e, {o}).empty();
    if (applies || entries.empty()) continue;
    if (!o.model_type.empty())
      throw UserError("--set " + o.model_type + ":" + o.key + ": model type '" + o.model_type +
                      "' is not among those being created");
    Json scratch = entries.front()->defaults;
    apply_override(scratch, o);  // throws, naming the nearest fields
  }
}

namespace {
// `layer` over `base`; sub-configs merge field by field.
Json lay_over(Json base, const Json& layer) {
  for (auto it = layer.begin(); it != layer.end(); ++it) {
    if (base.contains(it.key()) && base[it.key()].is_object() && it.value().is_object() &&
        is_sub_config(base[it.key()])) {
      base[it.key()].update(it.value());
    } else {
      base[it.key()] = it.value();
    }
  }
  return base;
}
}  // namespace

Json config_from_saved(const ModelTypeEntry& entry, const Json& saved) {
  return lay_over(entry.defaults, decode_special_floats(saved));
}

Json resolve_config(const ModelTypeEntry& entry, const std::string& arch,
                    const std::vector<ConfigOverride>& overrides) {
  Json config = lay_over(entry.defaults, entry.tiny);
  // create_dummy_models.build_model: decoder-only heads of encoder(-decoder) families become decoders.
  auto ends_with = [&](const std::string& suffix) {
    return arch.size() >= suffix.size() &&
           arch.compare(arch.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends_with("ForCausalLM") || ends_with("LMHeadModel")) {
    config["is_encoder_decoder"] = false;
    config["is_decoder"] = true;
  }
  for (const auto& o : overrides) apply_override(config, o);
  return config;
}

std::string config_json_text(const ModelTypeEntry& entry, const std::string& arch, Json config,
                             const std::string& dtype) {
  const Json& base = Catalog::instance().base_defaults();
  config["architectures"] = Json::array({arch});
  config["dtype"] = dtype;
  // The config class's own type: gpt-sw3 checkpoints are GPT2Config ("gpt2") with a tokenizer of their own.
  config["model_type"] = entry.defaults.value("model_type", entry.model_type);
  // from_pretrained sets the dtype on every sub-config too, so a reloaded model saves it in each of them.
  for (auto it = config.begin(); it != config.end(); ++it)
    if (entry.defaults.contains(it.key()) && is_sub_config(entry.defaults[it.key()]) &&
        it.value().is_object())
      it.value()["dtype"] = dtype;
  Json out = Json::object();
  for (auto it = config.begin(); it != config.end(); ++it) {
    const std::string& k = it.key();
    const Json& v = it.value();
    if (k == "_name_or_path" || k == "transformers_version") continue;
    // to_diff_dict diffs a sub-config only when the class declares it with a dict default
    // (sub_configs_defaults); one whose field defaults to None (mpt's attn_config) is written whole.
    if (entry.defaults.contains(k) && is_sub_config(entry.defaults[k]) && v.is_object() &&
        entry.class_defaults.contains(k) && entry.class_defaults[k].is_object()) {
      out[k] = diff_sub_config(v, base, entry.defaults[k]);
    } else if (!base.contains(k) || v != base[k] ||
               (entry.class_defaults.contains(k) && v != entry.class_defaults[k])) {
      out[k] = v;
    }
  }
  out["transformers_version"] = kTransformersVersion;
  return py_json_dumps(encode_special_floats(out)) + "\n";
}

int64_t config_int(const Json& config, const std::string& key) {
  if (!config.contains(key) || !config[key].is_number_integer())
    throw ConfigError("config field '" + key + "' must be an integer");
  return config[key].get<int64_t>();
}

double config_float(const Json& config, const std::string& key) {
  if (!config.contains(key) || !config[key].is_number())
    throw ConfigError("config field '" + key + "' must be a number");
  return config[key].get<double>();
}

void require_positive(const Json& config, const std::vector<std::string>& fields) {
  for (const auto& f : fields)
    if (config_int(config, f) <= 0)
      throw ConfigError("config field '" + f + "' must be positive (got " + config[f].dump() + ")");
}

void require_divisible(const Json& config, const std::string& field, const std::string& by_field) {
  auto a = config_int(config, field), b = config_int(config, by_field);
  if (b <= 0 || a % b != 0)
    throw ConfigError("config field '" + field + "' (" + std::to_string(a) + ") must be divisible by '" +
                      by_field + "' (" + std::to_string(b) + ")");
}

void check_tensor_bounds(const std::string& tensor, const std::vector<int64_t>& shape, size_t count) {
  if (count > static_cast<size_t>(bounds::kTensors.max))
    throw ConfigError(bounds::limit_message("the number of tensors", std::to_string(count), bounds::kTensors,
                                            "check the layer, head and expert counts in config.json"));
  int64_t elements = 1;
  for (const int64_t dim : shape) {
    if (dim < 0)
      throw ConfigError("tensor '" + tensor + "' would have a negative dimension (" + std::to_string(dim) +
                        "); check the config sizes");
    const auto product = bounds::checked_mul(elements, dim, bounds::kElements.max);
    if (!product) {
      throw ConfigError("tensor '" + tensor + "' " + bounds::shape_text(shape) +
                        " would have more elements than the limit for " +
                        std::string(bounds::kElements.what) + " (" + std::to_string(bounds::kElements.max) +
                        "); check the config sizes");
    }
    elements = *product;
  }
}

}  // namespace tinyforge
