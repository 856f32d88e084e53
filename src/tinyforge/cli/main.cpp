// cli: the `tinyforge` command. Flags follow transformers' utils/create_dummy_models.py (underscores),
// with hyphenated aliases.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "tinyforge/catalog/catalog.h"
#include "tinyforge/forge/create.h"

namespace {

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

int run_create_command(tinyforge::CreateOptions& options, const std::vector<std::string>& types,
                       const std::vector<std::string>& skip, const std::vector<std::string>& sets) {
  using namespace tinyforge;
  options.model_types = split_commas(types);
  for (const auto& s : split_commas(skip)) options.models_to_skip.insert(s);
  for (const auto& s : sets) options.overrides.push_back(parse_override(s));
  if (!options.all && options.model_types.empty())
    throw UserError("give --all or --model_types a,b (see `tinyforge list` for the model types)");
  options.progress = ::isatty(STDERR_FILENO) != 0;
  auto start = std::chrono::steady_clock::now();
  CreateResult result = run_create(options);
  write_reports(options, result);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const auto& e : result.model_type_errors) std::cerr << "error: " << e << "\n";
  for (const auto& o : result.outcomes)
    if (!o.error.empty()) std::cerr << "error: " << o.model_type << "/" << o.arch << ": " << o.error << "\n";
  std::printf("forged %zu of %zu repositories in %.2f s into %s (reports in %s)\n",
              result.outcomes.size() - result.failed(), result.outcomes.size(), seconds,
              options.output.c_str(), (options.output / "reports").c_str());
  return result.ok() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tinyforge;
  CLI::App app{"tinyforge: forge tiny random Hugging Face model repositories, offline and deterministically"};
  app.set_version_flag("--version", std::string(TINYFORGE_VERSION));
  app.require_subcommand(1);

  CreateOptions options;
  std::vector<std::string> types, skip, sets;
  auto* create =
      app.add_subcommand("create", "Forge tiny random repositories: {OUTPUT_PATH}/{model_type}/{Arch}/");
  create->add_option("output_path", options.output, "Folder to write into")->required();
  create->add_flag("--all", options.all, "Every model type in the catalog");
  create->add_option("-m,--model_types,--model-types", types, "Comma-separated model types, e.g. bert,gpt2");
  create->add_option("--models_to_skip,--models-to-skip", skip, "Comma-separated architectures to skip");
  create->add_option("--num_workers,--num-workers", options.num_workers, "Parallel workers")
      ->capture_default_str();
  create->add_option("--seed", options.seed, "Seed of the random weights")->capture_default_str();
  create->add_option("--set", sets, "Config override key=value (dotted keys for sub-configs); repeatable");

  auto* list = app.add_subcommand("list", "List the model types and architectures tinyforge can forge");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (*create) return run_create_command(options, types, skip, sets);
    if (*list) {
      const Catalog& catalog = Catalog::instance();
      for (const auto& t : catalog.model_types()) {
        std::cout << t << ":";
        for (const auto& a : catalog.get(t).architectures) std::cout << " " << a.name;
        std::cout << "\n";
      }
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
