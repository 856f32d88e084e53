#include "tinyforge/forge/repository.h"

#include "tinyforge/families/family.h"
#include "tinyforge/forge/model_card.h"
#include "tinyforge/forge/tokenizer_files.h"
#include "tinyforge/formats/safetensors.h"
#include "tinyforge/inputs/dummy_inputs.h"
#include "tinyforge/layout/layout.h"
#include "tinyforge/tensor/rng.h"

namespace tinyforge {

uint64_t tensor_stream_key(uint64_t seed, const std::string& repository, const std::string& tensor) {
  return hash_name(repository + '\0' + tensor, seed);
}

std::string generation_config_text(const Json& config, const Json& fields) {
  // from_model_config keeps the model config's generation fields that are set.
  static const char* kGenerationKeys[] = {
      "bos_token_id",        "eos_token_id",        "pad_token_id",          "decoder_start_token_id",
      "forced_bos_token_id", "forced_eos_token_id", "begin_suppress_tokens", "suppress_tokens"};
  Json gen = Json::object();
  // GenerationConfig drops every field it does not define from a file marked as made from the model config.
  if (fields.empty()) gen["_from_model_config"] = true;
  for (const char* k : kGenerationKeys)
    if (config.contains(k) && !config[k].is_null()) gen[k] = config[k];
  gen.update(fields);
  gen["output_attentions"] = false;
  gen["output_hidden_states"] = false;
  gen["use_cache"] = config.value("use_cache", true);
  gen["transformers_version"] = kTransformersVersion;
  return py_json_dumps(gen) + "\n";
}

namespace {

// transformers' generation pipelines (text-generation, text2text, ASR, image-to-text, ...) ask generate() for
// 256 new tokens unless the model's generation config sets max_length.
constexpr int64_t kPipelineNewTokens = 256;

// generation_config.json's fields beyond the config's: the tokenizer template's (Whisper's timestamp and
// language ids) and max_length = the tokens the positions hold when a default pipeline call (256 new tokens
// after a prompt of up to as many) would run past them, as openai/whisper-* write max_target_positions. A
// longer position table keeps GenerationConfig's default (max_length 20), as the Hub's tiny models do.
Json generation_fields(const ModelTypeEntry& entry, const TinyTokenizer* tokenizer, const Json& config) {
  Json fields = tokenizer ? tokenizer->generation_config : Json::object();
  if (entry.tokenizer)
    if (const auto limit = model_max_length(*entry.tokenizer, config);
        limit && *limit < 2 * kPipelineNewTokens)
      fields["max_length"] = *limit;
  return fields;
}

}  // namespace

RenderedRepository render_repository(const RepositoryRequest& request) {
  const ModelTypeEntry& entry = *request.entry;
  const ArchitectureEntry* arch = entry.find_architecture(request.arch);
  if (!arch)
    throw UserError("model type '" + entry.model_type + "' has no architecture '" + request.arch + "'");
  check_scalable(entry, request.arch, request.overrides);
  Json config = resolve_config(entry, request.arch, request.overrides);
  std::shared_ptr<const TinyTokenizer> tokenizer;
  if (entry.tokenizer) tokenizer = tokenize_config(*entry.tokenizer, request.overrides, config);
  finalize_config(entry, request.arch, config);
  const Family* family = find_family(entry.model_type);

  RenderedRepository rendered;
  RepositoryFiles& files = rendered.files;
  files["config.json"] = config_json_text(entry, request.arch, config);
  files["README.md"] = model_card_text(request);
  if (arch->generative)
    files["generation_config.json"] =
        generation_config_text(config, generation_fields(entry, tokenizer.get(), config));
  if (tokenizer) {
    add_tokenizer_files(*entry.tokenizer, *tokenizer, config, files);
    rendered.tokenizer_class = entry.tokenizer->tokenizer_class.empty()
                                   ? tokenizer->tokenizer_config.at("tokenizer_class").get<std::string>()
                                   : entry.tokenizer->tokenizer_class;
  }
  if (family && family->preprocessor_config) {
    Json pre = family->preprocessor_config(config);
    if (!pre.is_null()) {
      files["preprocessor_config.json"] = py_json_dumps(pre) + "\n";
      for (const char* k : {"image_processor_type", "feature_extractor_type"})
        if (pre.contains(k)) rendered.preprocessor_class = pre[k].get<std::string>();
    }
  }

  const std::string repository = entry.model_type + "/" + request.arch;
  std::map<std::string, TensorSpec> specs;
  std::vector<SafetensorsTensorInfo> tensors;
  for (TensorSpec& spec : architecture_tensors(entry, request.arch, config)) {
    for (auto d : spec.shape)
      if (d < 0)
        throw ConfigError("tensor '" + spec.name +
                          "' would have a negative dimension; check the config sizes");
    tensors.push_back({spec.name, spec.dtype, spec.shape, 0, 0});
    specs.emplace(spec.name, std::move(spec));
  }
  // Each tensor generated straight into the file's buffer.
  files["model.safetensors"] = safetensors_serialize(
      std::move(tensors), {{"format", "pt"}}, [&](const SafetensorsTensorInfo& t, uint8_t* out) {
        materialize_into(specs.at(t.name), tensor_stream_key(request.seed, repository, t.name), out);
      });
  if (request.with_inputs) {
    std::string inputs =
        inputs::default_inputs_file(entry.model_type, request.arch, files["config.json"], request.seed);
    if (!inputs.empty()) files["dummy_inputs.safetensors"] = std::move(inputs);
  }
  return rendered;
}

ForgedRepository forge_repository(const RepositoryRequest& request, const fs::path& root) {
  RenderedRepository rendered = render_repository(request);
  const fs::path target = root / request.entry->model_type / request.arch;
  fs::create_directories(target.parent_path());
  const fs::path staging = staging_directory_for(target);
  ForgedRepository forged{{}, rendered.preprocessor_class, rendered.tokenizer_class};
  try {
    fs::create_directory(staging);
    for (const auto& [name, bytes] : rendered.files) {
      write_new_file(staging / name, bytes);
      forged.files.push_back({name, sha256_hex(bytes), bytes.size()});
    }
    publish_directory(staging, target);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(staging, ec);
    throw;
  }
  return forged;
}

}  // namespace tinyforge
