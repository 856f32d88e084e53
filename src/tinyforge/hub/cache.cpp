#include "tinyforge/hub/cache.h"

#include <cstdio>

#include "tinyforge/catalog/catalog.h"
#include "tinyforge/hub/objects.h"

namespace tinyforge::hub {

fs::path hf_home() {
  return !env_value("HF_HOME").empty() ? fs::path(env_value("HF_HOME")) : user_cache_home() / "huggingface";
}

fs::path default_hub_cache() {
  return !env_value("HF_HUB_CACHE").empty() ? fs::path(env_value("HF_HUB_CACHE")) : hf_home() / "hub";
}

std::string write_to_hf_cache(const fs::path& cache, const std::string& repo_id,
                              const std::map<std::string, std::string>& files) {
  if (!valid_repo_id(repo_id))
    throw UserError("invalid repository id '" + repo_id +
                    "': use ORG/NAME with letters, digits, '.', '_', '-'");
  std::vector<FileEntry> entries;
  for (const auto& [path, bytes] : files) {
    if (!valid_repo_path(path)) throw UserError("invalid file path '" + path + "' in " + repo_id);
    entries.push_back(describe_file(path, bytes));
  }
  const std::string commit = commit_id("", kForgeCommitMessage, entries);
  std::string folder_name = "models--" + repo_id;
  folder_name.replace(folder_name.find('/'), 1, "--");
  const fs::path repo = cache / folder_name;
  std::error_code ec;
  // A repository folder appears whole (blobs/, snapshots/, refs/): scan_cache_dir reports one without
  // snapshots/ as corrupted, so a killed run must not leave it half made. It is made under .locks (the one
  // folder of the cache huggingface_hub's scan skips, its own lock files) and renamed into place; when
  // another run was first, the rename fails and its folder is used.
  if (!fs::is_directory(repo / "snapshots", ec)) {
    const fs::path locks = cache / ".locks";
    remove_stale_staging(locks);
    const fs::path staging = staging_directory_for(locks / folder_name);
    for (const char* folder : {"blobs", "snapshots", "refs"}) fs::create_directories(staging / folder, ec);
    if (ec || ::rename(staging.c_str(), repo.c_str()) != 0) fs::remove_all(staging, ec);
  }
  fs::create_directories(repo / "blobs", ec);
  fs::create_directories(repo / "snapshots", ec);
  fs::create_directories(repo / "refs", ec);
  if (ec || !fs::is_directory(repo / "blobs"))
    throw UserError("cannot write the HF cache at '" + cache.string() + "': " + ec.message() +
                    "; pass a writable folder to --hf_cache or set HF_HUB_CACHE");

  // Temporaries of killed runs: a leftover refs/main.tinyforge-tmp-* would be a ref to a missing commit, for
  // which huggingface_hub's scan_cache_dir drops the whole repository.
  for (const char* folder : {"blobs", "snapshots", "refs"}) remove_stale_staging(repo / folder);
  for (const auto& e : entries) {
    const fs::path blob = repo / "blobs" / e.etag();
    if (!fs::exists(blob)) write_file_atomic(blob, files.at(e.path));
  }
  const fs::path snapshot = repo / "snapshots" / commit;
  if (!fs::exists(snapshot)) {
    const fs::path staging = staging_directory_for(snapshot);
    fs::create_directories(staging);
    for (const auto& e : entries) {
      fs::path link = staging / e.path;
      fs::create_directories(link.parent_path());
      // Relative link: one "../" per folder between the file and the repo folder.
      std::string up = "../../";
      for (char c : e.path)
        if (c == '/') up += "../";
      fs::create_symlink(up + "blobs/" + e.etag(), link);
    }
    publish_directory(staging, snapshot);
  }
  write_file_atomic(repo / "refs" / "main", commit);
  return commit;
}

std::map<std::string, std::string> read_repository_folder(const fs::path& folder) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(folder))
    if (e.is_regular_file()) files[fs::relative(e.path(), folder).generic_string()] = read_file(e.path());
  return files;
}

}  // namespace tinyforge::hub
