#include "tinyforge/hub/deliver.h"

#include <cstdio>
#include <iostream>

#include "tinyforge/catalog/catalog.h"
#include "tinyforge/hub/cache.h"
#include "tinyforge/hub/objects.h"
#include "tinyforge/hub/upload.h"
#include "tinyforge/util/json.h"

namespace tinyforge::hub {

namespace {
// Uploads every forged repository; failures go to reports/failed_uploads.json, commit shas into
// tiny_model_summary.json (as create_dummy_models.py records them).
size_t upload_all(const CreateOptions& options, const CreateResult& result) {
  const UploadTarget target = resolve_upload_target(options.token);
  if (target.token.empty())
    throw UserError("--upload needs a token: pass --token, set HF_TOKEN or log in (HF token file)");
  const fs::path summary_path = options.output / "reports" / "tiny_model_summary.json";
  Json summary = parse_json(read_file(summary_path), summary_path.string());
  Json failed = Json::object();
  size_t uploaded = 0;
  for (const auto& o : result.outcomes) {
    if (!o.error.empty()) continue;
    const std::string repo_id = options.organization + "/tiny-random-" + o.arch;
    try {
      UploadOutcome u =
          upload_repository(target, repo_id, read_repository_folder(options.output / o.model_type / o.arch));
      summary[o.arch]["sha"] = u.commit;
      ++uploaded;
    } catch (const std::exception& e) {
      std::cerr << "error: upload: " << repo_id << ": " << e.what() << "\n";
      failed[o.arch] = {{"error", e.what()}};
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
  size_t upload_failed = options.upload ? upload_all(options, result) : 0;
  if (!options.hf_cache) return upload_failed;
  if (options.organization.empty())
    throw UserError("--hf_cache needs --organization ORG: repositories are named ORG/tiny-random-{Arch}");
  if (!valid_repo_id(options.organization + "/x"))
    throw UserError("invalid --organization '" + options.organization +
                    "': use letters, digits, '.', '_', '-'");
  const fs::path cache = options.hf_cache->empty() ? default_hub_cache() : *options.hf_cache;
  size_t failed = 0, written = 0;
  for (const auto& o : result.outcomes) {
    if (!o.error.empty()) continue;
    const std::string repo_id = options.organization + "/tiny-random-" + o.arch;
    try {
      write_to_hf_cache(cache, repo_id, read_repository_folder(options.output / o.model_type / o.arch));
      ++written;
    } catch (const std::exception& e) {
      std::cerr << "error: HF cache: " << repo_id << ": " << e.what() << "\n";
      ++failed;
    }
  }
  std::printf("wrote %zu repositories into the HF cache %s\n", written, cache.c_str());
  return failed + upload_failed;
}

}  // namespace tinyforge::hub
