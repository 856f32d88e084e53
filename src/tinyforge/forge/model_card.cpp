#include "tinyforge/forge/model_card.h"

#include "tinyforge/catalog/hub_metadata.h"

namespace tinyforge {

namespace {

// A shell word: kept bare when it holds only characters no shell treats specially, else single-quoted.
std::string shell_word(const std::string& word) {
  const bool bare = !word.empty() && word.find_first_not_of(
                                         "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                         "0123456789_.,:=/+-@%") == std::string::npos;
  if (bare) return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The command that forges this repository: `create` of its model type with the same seed and overrides.
std::string reproduce_command(const RepositoryRequest& request) {
  std::string cmd = "tinyforge create OUT --model_types " + request.entry->model_type + " --seed " +
                    std::to_string(request.seed);
  for (const auto& o : request.overrides) {
    // A string is given bare where parse_override reads it back as that string (text that is not JSON).
    std::string value = o.value.dump();
    if (o.value.is_string() && !Json::accept(o.value.get<std::string>())) value = o.value.get<std::string>();
    cmd += " --set " + shell_word(o.key + "=" + value);
  }
  if (request.with_inputs) cmd += " --with_inputs";
  return cmd;
}

}  // namespace

std::string model_card_text(const RepositoryRequest& request) {
  const ModelTypeEntry& entry = *request.entry;
  const std::string& task = pipeline_tag(request.arch);
  std::string card = "---\nlibrary_name: transformers\n";
  if (!task.empty()) card += "pipeline_tag: " + task + "\n";
  card += std::string("license: ") + kForgedContentLicense + "\n";
  card += "tags:\n- transformers\n- " + entry.model_type + "\n- tiny\n- random\n- tinyforge\n---\n\n";
  card += "# tiny-random-" + request.arch + "\n\n";
  card += "A tiny `" + request.arch + "` (model type `" + entry.model_type +
          "`) with random weights, for tests: it loads, runs and saves like a real checkpoint of its "
          "architecture, but its outputs mean nothing.\n\n";
  card += "- seed: " + std::to_string(request.seed) + "\n";
  card += std::string("- forged by: tinyforge ") + TINYFORGE_VERSION + " (transformers " +
          kTransformersVersion + " facts)\n";
  card += "- reproduce: `" + reproduce_command(request) + "` writes this repository as `OUT/" +
          entry.model_type + "/" + request.arch + "/`\n";
  return card;
}

}  // namespace tinyforge
