#include "tinyforge/forge/create.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>

#include "tinyforge/checkpoint/variants.h"
#include "tinyforge/forge/repository.h"
#include "tinyforge/util/parallel.h"

namespace tinyforge {

bool CreateResult::ok() const { return failed() == 0 && model_type_errors.empty(); }
size_t CreateResult::failed() const {
  return static_cast<size_t>(
      std::count_if(outcomes.begin(), outcomes.end(), [](const auto& o) { return !o.error.empty(); }));
}

CreateResult run_create(const CreateOptions& options) {
  const Catalog& catalog = Catalog::instance();
  CreateResult result;
  std::vector<std::string> types = options.all ? catalog.model_types() : options.model_types;
  if (types.empty()) throw UserError("nothing to create: give --all or --model_types a,b");
  std::sort(types.begin(), types.end());
  types.erase(std::unique(types.begin(), types.end()), types.end());
  // The catalog parses a type's file at its first lookup: do those in parallel. A failure is left to the
  // lookups below, on this thread, which report it.
  parallel_for(types.size(), options.num_workers, [&](size_t i) {
    try {
      catalog.find(types[i]);
    } catch (const std::exception&) {
    }
  });

  std::vector<const ModelTypeEntry*> entries;
  for (const auto& t : types)
    if (const ModelTypeEntry* entry = catalog.find(t)) entries.push_back(entry);
  check_overrides_apply(entries, options.overrides);
  check_variant_kinds(options.variants);

  std::vector<RepositoryRequest> requests;
  for (const auto& t : types) {
    const ModelTypeEntry* entry = catalog.find(t);
    if (!entry) {
      try {
        catalog.get(t);
      } catch (const UserError& e) {
        result.model_type_errors.push_back(e.what());
      }
      continue;
    }
    for (const auto& a : entry->architectures) {
      if (options.models_to_skip.count(a.name)) continue;
      requests.push_back(
          {entry, a.name, overrides_for(*entry, options.overrides), options.seed, options.with_inputs});
    }
  }
  std::error_code ec;
  fs::create_directories(options.output, ec);
  if (ec || !fs::is_directory(options.output))
    throw UserError("cannot create output folder '" + options.output.string() + "': " + ec.message() +
                    "; choose a writable path");
  for (const auto& t : types) remove_stale_staging(options.output / t);

  result.outcomes.resize(requests.size());
  std::atomic<size_t> done{0};
  std::mutex progress_mutex;
  parallel_for(requests.size(), options.num_workers, [&](size_t i) {
    const RepositoryRequest& r = requests[i];
    ArchitectureOutcome& out = result.outcomes[i];
    out.model_type = r.entry->model_type;
    out.arch = r.arch;
    try {
      ForgedRepository forged = forge_repository(r, options.output);
      for (const auto& f : forged.files) out.files.emplace_back(f.name, f.sha256);
      out.preprocessor_class = forged.preprocessor_class;
      out.tokenizer_class = forged.tokenizer_class;
      const fs::path base = options.output / r.entry->model_type / r.arch;
      for (const auto& kind : options.variants) {
        const std::string folder = r.arch + "-" + kind;
        for (const auto& f : forge_variant(base, r.entry->model_type, kind))
          out.variant_files.emplace_back(folder + "/" + f,
                                         sha256_file(options.output / r.entry->model_type / folder / f));
      }
    } catch (const std::exception& e) {
      out.error = e.what();
    }
    size_t n = ++done;
    if (options.progress) {
      std::lock_guard lock(progress_mutex);
      std::fprintf(stderr, "\r\033[K[%zu/%zu] %s/%s", n, requests.size(), out.model_type.c_str(),
                   out.arch.c_str());
      if (n == requests.size()) std::fprintf(stderr, "\n");
    }
  });
  return result;
}

void write_reports(const CreateOptions& options, const CreateResult& result) {
  const Catalog& catalog = Catalog::instance();
  const fs::path reports = options.output / "reports";
  fs::create_directories(reports);

  Json creation = Json::object(), failed = Json::object(), summary = Json::object();
  std::string simple, simple_failed, manifest;
  for (const auto& o : result.outcomes) {
    const std::string config_class = catalog.get(o.model_type).config_class;
    Json& entry = creation[config_class];
    if (!entry.contains("processor")) entry["processor"] = Json::object();
    if (!o.preprocessor_class.empty()) entry["processor"][o.preprocessor_class] = o.preprocessor_class;
    if (!o.tokenizer_class.empty()) entry["processor"][o.tokenizer_class] = o.tokenizer_class;
    if (o.error.empty()) {
      const std::string checkpoint = (options.output / o.model_type / o.arch).string();
      entry["pytorch"][o.arch] = {{"model", o.arch}, {"checkpoint", checkpoint}};
      Json processors = Json::array();
      if (!o.preprocessor_class.empty()) processors.push_back(o.preprocessor_class);
      Json tokenizers = Json::array();
      if (!o.tokenizer_class.empty()) tokenizers.push_back(o.tokenizer_class);
      summary[o.arch] = {{"tokenizer_classes", tokenizers},
                         {"processor_classes", processors},
                         {"model_classes", Json::array({o.arch})}};
      simple += o.arch + ": OK\n";
      for (const auto& [name, sha] : o.files)
        manifest += sha + "  " + o.model_type + "/" + o.arch + "/" + name + "\n";
      for (const auto& [path, sha] : o.variant_files)
        manifest += sha + "  " + o.model_type + "/" + path + "\n";
    } else {
      Json error = Json::array(
          {"Failed to create the model for " + o.arch + ": " + o.error, "tinyforge " TINYFORGE_VERSION});
      entry["pytorch"][o.arch] = {{"model", nullptr}, {"checkpoint", nullptr}, {"error", error}};
      failed[config_class]["pytorch"][o.arch] = {{"error", error}};
      simple += o.arch + ": " + o.error + "\n";
      simple_failed += o.arch + ": " + o.error + "\n";
    }
  }
  for (const auto& e : result.model_type_errors) {
    failed["model_types"]["error"].push_back(e);
    simple_failed += e + "\n";
  }
  const PyDumpOptions indent4{4, true};
  write_file_atomic(reports / "tiny_model_creation_report.json", py_json_dumps(creation, indent4));
  write_file_atomic(reports / "failed_report.json", py_json_dumps(failed, indent4));
  write_file_atomic(reports / "tiny_model_summary.json", py_json_dumps(summary, indent4));
  write_file_atomic(reports / "simple_report.txt", simple);
  write_file_atomic(reports / "simple_failed_report.txt", simple_failed);
  write_file_atomic(reports / "manifest.sha256", manifest);
}

}  // namespace tinyforge
