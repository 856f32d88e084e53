#include "tinyforge/hub/deliver.h"

#include <cstdio>
#include <iostream>

#include "tinyforge/catalog/catalog.h"
#include "tinyforge/catalog/hub_metadata.h"
#include "tinyforge/hub/cache.h"
#include "tinyforge/hub/names.h"
#include "tinyforge/hub/objects.h"
#include "tinyforge/hub/upload.h"
#include "tinyforge/util/json.h"

namespace tinyforge::hub {

namespace {

// One repository to hand on: a forged architecture, or one of its --variants fixtures, under the
// architecture's name or (alias) its model type's.
struct Delivery {
  const ArchitectureOutcome* outcome;
  std::string kind;  // empty for the architecture itself
  std::string repo_id;
  fs::path folder;
  bool alias = false;  // ORG/tiny-random-{model_type}[-{kind}]
};

// ORG/tiny-random-{Arch} and, per --variants kind, ORG/tiny-random-{Arch}-{kind}; the same under
// ORG/tiny-random-{model_type} for the architecture a model type's name stands for (catalog/hub_metadata.h).
std::vector<Delivery> deliveries(const CreateOptions& options, const CreateResult& result) {
  std::vector<Delivery> out;
  for (const auto& o : result.outcomes) {
    if (!o.error.empty()) continue;
    std::vector<std::pair<std::string, bool>> names = {{o.arch, false}};
    if (model_type_architecture(Catalog::instance().get(o.model_type)) == o.arch)
      names.emplace_back(o.model_type, true);
    for (const auto& [base, alias] : names) {
      const std::string name = options.organization + "/" + kForgedNamePrefix + base;
      out.push_back({&o, "", name, options.output / o.model_type / o.arch, alias});
      for (const auto& kind : options.variants)
        out.push_back(
            {&o, kind, name + "-" + kind, options.output / o.model_type / (o.arch + "-" + kind), alias});
    }
  }
  return out;
}

// Uploads every delivery; failures go to reports/failed_uploads.json, commit shas into
// tiny_model_summary.json (`sha` as create_dummy_models.py records it; `variant_shas` per fixture kind).
size_t upload_all(const CreateOptions& options, const std::vector<Delivery>& list) {
  UploadTarget target = resolve_upload_target(options.token);
  target.repository_timeout = std::chrono::seconds(options.upload_timeout);
  if (target.token.empty())
    throw UserError("--upload needs a token: pass --token, set HF_TOKEN or log in (HF token file)");
  const fs::path summary_path = options.output / "reports" / "tiny_model_summary.json";
  Json summary = parse_json(read_file(summary_path), summary_path.string());
  Json failed = Json::object();
  size_t uploaded = 0;
  for (const auto& d : list) {
    const std::string& arch = d.outcome->arch;
    try {
      UploadOutcome u = upload_repository(target, d.repo_id, read_repository_folder(d.folder));
      // The summary is keyed by architecture (as transformers reads it); a model type's repositories are
      // listed under `model_type_shas` of the architecture they hold.
      Json& entry = d.alias ? summary[arch]["model_type_shas"][d.outcome->model_type] : summary[arch];
      if (d.kind.empty())
        entry["sha"] = u.commit;
      else
        entry["variant_shas"][d.kind] = u.commit;
      ++uploaded;
    } catch (const std::exception& e) {
      std::cerr << "error: upload: " << d.repo_id << ": " << e.what() << "\n";
      failed[d.repo_id.substr(d.repo_id.find('/') + 1 + std::string(kForgedNamePrefix).size())] = {
          {"error", e.what()}};  // {Arch}[-{kind}] or {model_type}[-{kind}]
    }
  }
  const PyDumpOptions indent4{4, true};
  write_file_atomic(summary_path, py_json_dumps(summary, indent4));
  write_file_atomic(options.output / "reports" / "failed_uploads.json", py_json_dumps(failed, indent4));
  std::printf("uploaded %zu repositories to %s\n", uploaded, target.endpoint.c_str());
  return failed.size();
}

}  // namespace

size_t deliver(const CreateOptions& options, const CreateResult& result) {
  if (!options.hf_cache && !options.upload) return 0;
  if (!valid_repo_id(options.organization + "/x"))
    throw UserError("invalid --organization '" + options.organization +
                    "': use letters, digits, '.', '_', '-'");
  const std::vector<Delivery> list = deliveries(options, result);
  size_t upload_failed = options.upload ? upload_all(options, list) : 0;
  if (!options.hf_cache) return upload_failed;
  const fs::path cache = options.hf_cache->empty() ? default_hub_cache() : *options.hf_cache;
  size_t failed = 0, written = 0;
  for (const auto& d : list) {
    try {
      write_to_hf_cache(cache, d.repo_id, read_repository_folder(d.folder));
      ++written;
    } catch (const std::exception& e) {
      std::cerr << "error: HF cache: " << d.repo_id << ": " << e.what() << "\n";
      ++failed;
    }
  }
  std::printf("wrote %zu repositories into the HF cache %s\n", written, cache.c_str());
  return failed + upload_failed;
}

}  // namespace tinyforge::hub
