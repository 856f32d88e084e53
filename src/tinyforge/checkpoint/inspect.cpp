#include "tinyforge/checkpoint/inspect.h"

#include "tinyforge/catalog/config.h"
#include "tinyforge/layout/layout.h"

namespace tinyforge {

namespace {

std::string first_architecture(const Json& config) {
  if (config.contains("architectures") && config["architectures"].is_array() &&
      !config["architectures"].empty())
    return config["architectures"][0].get<std::string>();
  return "";
}

// PreTrainedModel.main_input_name of the architecture.
std::string main_input_name_of(const std::string& model_type, const std::string& arch) {
  if (model_type == "whisper") return arch == "WhisperForCausalLM" ? "input_ids" : "input_features";
  if (model_type == "wav2vec2") return "input_values";
  if (model_type == "vit" || model_type == "resnet") return "pixel_values";
  if (model_type == "clip" && arch != "CLIPModel") return "pixel_values";
  return "input_ids";
}

const Json& vision_part(const Json& config) {
  return config.contains("vision_config") && config["vision_config"].is_object() ? config["vision_config"]
                                                                                 : config;
}

}  // namespace

std::vector<TensorSpec> family_tensors_for(const Json& saved, Json* resolved) {
  const std::string model_type = saved.value("model_type", "");
  const std::string arch = first_architecture(saved);
  const ModelTypeEntry* entry = Catalog::instance().find(model_type);
  if (!entry || arch.empty() || !entry->find_architecture(arch)) return {};
  Json config = config_from_saved(*entry, saved);
  finalize_config(*entry, arch, config);
  if (resolved) *resolved = config;
  return architecture_tensors(*entry, arch, config);
}

Inspection inspect_checkpoint(const Checkpoint& checkpoint) {
  Inspection r;
  r.model_type = checkpoint.config.value("model_type", "");
  r.architecture = first_architecture(checkpoint.config);
  r.main_input_name = main_input_name_of(r.model_type, r.architecture);
  std::map<std::string, const TensorSpec*> roles;
  std::vector<TensorSpec> specs = family_tensors_for(checkpoint.config, &r.resolved_config);
  r.roles_known = !specs.empty();
  if (r.roles_known) {
    std::vector<std::string> expected;
    for (const auto& spec : specs) expected.push_back(spec.name);
    r.keys = check_keys(checkpoint, expected, /*strict=*/false);
  }
  for (const auto& s : specs) roles[s.name] = &s;
  std::map<std::string, uint64_t> file_bytes;
  for (const auto& t : checkpoint.tensors) {
    const uint64_t n = static_cast<uint64_t>(numel(t.info.shape));
    r.bytes_by_dtype[std::string(dtype_name(t.info.dtype))] += t.info.size;
    file_bytes[t.file] += t.info.size;
    auto it = roles.find(t.info.name);
    const TensorSpec* spec = it == roles.end() ? nullptr : it->second;
    if (spec && spec->role == TensorRole::Buffer) {
      r.buffers += n;
      continue;
    }
    r.parameters += n;
    if (spec && spec->embedding) r.embedding_parameters += n;
  }
  for (const auto& f : checkpoint.weight_files) r.files.emplace_back(f, file_bytes[f]);
  r.tie_word_embeddings = r.roles_known && r.resolved_config.value("tie_word_embeddings", false);
  return r;
}

uint64_t Inspection::num_parameters(bool /*only_trainable: all are, see above*/,
                                    bool exclude_embeddings) const {
  return exclude_embeddings ? parameters - embedding_parameters : parameters;
}

Shape Inspection::main_input_shape(int64_t batch, int64_t sequence) const {
  if (main_input_name == "pixel_values") {
    const Json& v = vision_part(resolved_config);
    const int64_t size = v.value("image_size", int64_t{224});
    return {batch, v.value("num_channels", int64_t{3}), size, size};
  }
  if (main_input_name == "input_features")
    return {batch, resolved_config.value("num_mel_bins", int64_t{80}),
            2 * resolved_config.value("max_source_positions", int64_t{1500})};
  return {batch, sequence};
}

uint64_t Inspection::floating_point_ops(int64_t batch, int64_t sequence) const {
  return 6 * static_cast<uint64_t>(numel(main_input_shape(batch, sequence))) * num_parameters(false, true);
}

Json inspection_json(const Inspection& r, int64_t batch, int64_t sequence) {
  Json j;
  j["model_type"] = r.model_type;
  j["architecture"] = r.architecture;
  j["roles_known"] = r.roles_known;
  Json counts;
  for (bool trainable : {false, true})
    for (bool no_emb : {false, true})
      counts[std::string("only_trainable=") + (trainable ? "true" : "false") +
             ",exclude_embeddings=" + (no_emb ? "true" : "false")] = r.num_parameters(trainable, no_emb);
  j["num_parameters"] = counts;
  j["buffer_elements"] = r.buffers;
  j["bytes_by_dtype"] = r.bytes_by_dtype;
  Json files = Json::array();
  for (const auto& [name, bytes] : r.files) files.push_back({{"file", name}, {"bytes", bytes}});
  j["files"] = files;
  j["tie_word_embeddings"] = r.tie_word_embeddings;
  j["missing_keys"] = r.keys.missing;
  j["unexpected_keys"] = r.keys.unexpected;
  j["main_input_name"] = r.main_input_name;
  j["main_input_shape"] = r.main_input_shape(batch, sequence);
  j["estimate_tokens"] = numel(r.main_input_shape(batch, sequence));
  j["floating_point_ops"] = r.floating_point_ops(batch, sequence);
  return j;
}

}  // namespace tinyforge
