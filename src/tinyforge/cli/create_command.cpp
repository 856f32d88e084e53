// cli/create_command: `tinyforge create` and `tinyforge list`. Flags follow transformers'
// utils/create_dummy_models.py (underscores), with hyphenated aliases.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include "tinyforge/catalog/catalog.h"
#include "tinyforge/cli/command.h"
#include "tinyforge/forge/create.h"
#include "tinyforge/hub/deliver.h"

namespace tinyforge::cli {

void add_durable_flag(CLI::App* command, bool& durable) {
  command->add_flag("--durable", durable,
                    "fsync what is written before publishing it, so a power loss afterwards loses nothing (a "
                    "killed run never leaves a half-written file or repository either way)");
}

std::vector<std::string> split_commas(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (const auto& item : items) {
    size_t start = 0;
    while (start <= item.size()) {
      auto comma = item.find(',', start);
      std::string part = item.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!part.empty()) out.push_back(part);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return out;
}

namespace {

struct CreateArgs {
  CreateOptions options;
  std::vector<std::string> types, skip, sets, variants;
  std::vector<std::string> hf_cache;  // zero or one value
  CLI::Option* hf_cache_option = nullptr;
  bool durable = false;
};

int run_create_command(CreateArgs& args) {
  CreateOptions& options = args.options;
  options.model_types = split_commas(args.types);
  for (const auto& s : split_commas(args.skip)) options.models_to_skip.insert(s);
  for (const auto& s : args.sets) options.overrides.push_back(parse_override(s));
  options.variants = split_commas(args.variants);
  if (!options.all && options.model_types.empty())
    throw UserError("give --all or --model_types a,b (see `tinyforge list` for the model types)");
  options.progress = ::isatty(STDERR_FILENO) != 0;
  set_durable_writes(args.durable);
  auto start = std::chrono::steady_clock::now();
  if (args.hf_cache_option->count())
    options.hf_cache = args.hf_cache.empty() ? fs::path() : fs::path(args.hf_cache.front());
  if ((options.hf_cache || options.upload) && options.organization.empty())
    throw UserError(
        "--hf_cache/--upload need --organization ORG: repositories are named ORG/tiny-random-{Arch}");
  CreateResult result = run_create(options);
  write_reports(options, result);
  const size_t undelivered = hub::deliver(options, result);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const auto& e : result.model_type_errors) std::cerr << "error: " << e << "\n";
  for (const auto& o : result.outcomes)
    if (!o.error.empty()) std::cerr << "error: " << o.model_type << "/" << o.arch << ": " << o.error << "\n";
  std::printf("forged %zu of %zu repositories in %.2f s into %s (reports in %s)\n",
              result.outcomes.size() - result.failed(), result.outcomes.size(), seconds,
              options.output.c_str(), (options.output / "reports").c_str());
  return result.ok() && undelivered == 0 ? 0 : 1;
}

}  // namespace

Subcommand add_create_command(CLI::App& app) {
  auto args = std::make_shared<CreateArgs>();
  CreateOptions& options = args->options;
  auto* create =
      app.add_subcommand("create", "Forge tiny random repositories: {OUTPUT_PATH}/{model_type}/{Arch}/");
  create->add_option("output_path", options.output, "Folder to write into")->required();
  create->add_flag("--all", options.all, "Every model type in the catalog");
  create->add_option("-m,--model_types,--model-types", args->types,
                     "Comma-separated model types, e.g. bert,gpt2");
  create->add_option("--models_to_skip,--models-to-skip", args->skip,
                     "Comma-separated architectures to skip");
  create->add_option("--num_workers,--num-workers", options.num_workers, "Parallel workers")
      ->capture_default_str();
  create->add_option("--seed", options.seed, "Seed of the random weights")->capture_default_str();
  create->add_flag("--with_inputs,--with-inputs", options.with_inputs,
                   "Also write dummy_inputs.safetensors (optimum's dummy inputs for the default task)");
  add_durable_flag(create, args->durable);
  create->add_option("--set", args->sets,
                     "Config override key=value (dotted keys for sub-configs); repeatable");
  create->add_option(
      "--variants", args->variants,
      "Also write loader fixtures {Arch}-{kind}: sharded,bin,safetensors,fp16,bf16,subfolder,variant, or "
      "combinations joined by '-' (sharded-safetensors,variant-sharded)");
  args->hf_cache_option =
      create
          ->add_option("--hf_cache,--hf-cache", args->hf_cache,
                       "Also write ORG/tiny-random-{Arch} into this HF cache (default: HF_HUB_CACHE/HF_HOME)")
          ->expected(0, 1);
  create->add_option("--organization", options.organization, "Namespace of the delivered repositories");
  create->add_flag("--upload", options.upload,
                   "Upload ORG/tiny-random-{Arch} to HF_ENDPOINT (repo exists: a PR)");
  create->add_option("--token", options.token,
                     "Hub token for --upload (default: HF_TOKEN or the HF token file)");
  create
      ->add_option("--upload_timeout,--upload-timeout", options.upload_timeout,
                   "Seconds one repository's upload may take in all, retries included")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  return {create, [args] { return run_create_command(*args); }};
}

Subcommand add_list_command(CLI::App& app) {
  auto* list = app.add_subcommand("list", "List the model types and architectures tinyforge can forge");
  return {list, [] {
            const Catalog& catalog = Catalog::instance();
            for (const auto& t : catalog.model_types()) {
              std::cout << t << ":";
              for (const auto& a : catalog.get(t).architectures) std::cout << " " << a.name;
              std::cout << "\n";
            }
            return 0;
          }};
}

}  // namespace tinyforge::cli
