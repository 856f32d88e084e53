// hub/store: the server's repositories on disk. Per repository: blobs/{sha256}, commits/{id}.json (the full
// file list of that revision), refs/heads/{branch}, refs/pr/N and prs/N.json (a pull request's title and
// base); {root}/xet/xorbs holds Xet uploads. A commit writes blobs, then its manifest, then moves the ref
// (each an atomic rename), so a crash at any point leaves the previous revision intact.
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "tinyforge/hub/objects.h"
#include "tinyforge/util/fs.h"

namespace tinyforge::hub {

struct Commit {
  std::string id, parent, message;
  std::vector<FileEntry> files;  // sorted by path
  const FileEntry* find(const std::string& path) const;
};

struct Change {
  enum Kind { kAdd, kDelete, kDeleteFolder } kind = kAdd;
  std::string path;
  std::string sha256;  // kAdd: the blob, already stored
};

struct PullRequest {
  int number = 0;
  std::string title, description, base;  // base: the branch it targets
};

struct CommitResult {
  std::string id;
  std::string pr_ref;  // "refs/pr/N" when create_pr
  int pr_number = 0;
};

class CommitConflict : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class RepoStore {
 public:
  explicit RepoStore(fs::path root);
  const fs::path& root() const { return root_; }

  bool exists(const std::string& repo_id) const;
  // Creates an empty repository (an initial commit with no files). False if it already exists.
  bool create(const std::string& repo_id);
  // Branch name, "refs/pr/N" or a commit id → commit id.
  std::optional<std::string> resolve(const std::string& repo_id, const std::string& revision) const;
  // The one commit whose id starts with `abbreviated` (5-40 hex digits, either case, as huggingface_hub
  // accepts for parent_commit); std::invalid_argument when it is malformed, unknown or ambiguous.
  std::string find_commit(const std::string& repo_id, const std::string& abbreviated) const;
  // Commits are immutable, so they are parsed once and cached.
  std::shared_ptr<const Commit> read_commit(const std::string& repo_id, const std::string& id);

  // std::invalid_argument unless sha256 is 64 lowercase hex digits: an id never becomes another path.
  fs::path blob_path(const std::string& repo_id, const std::string& sha256) const;
  bool has_blob(const std::string& repo_id, const std::string& sha256) const;
  // Stores bytes whose sha256 the caller claims; false (nothing stored) when it does not match.
  bool put_blob(const std::string& repo_id, const std::string& sha256, const std::string& bytes);

  // Applies `changes` on top of `revision` (a branch or refs/pr/N). Throws CommitConflict when parent_commit
  // is given and is not the revision's head (exactly, once resolved by find_commit), std::invalid_argument
  // for changes that name missing blobs or files and for a result holding both "a" and "a/...".
  // With create_pr the changes go to a new refs/pr/N opened from parent_commit (else the revision's head).
  CommitResult commit(const std::string& repo_id, const std::string& revision, const std::string& message,
                      const std::vector<Change>& changes, bool create_pr,
                      const std::string& parent_commit = "");

  // Opens the next pull request at the head of `base` (a branch); returns its number.
  int open_pull_request(const std::string& repo_id, const std::string& base, const std::string& title,
                        const std::string& description);
  std::optional<PullRequest> pull_request(const std::string& repo_id, int number) const;

  // Writes a whole forged repository as the first commit of `repo_id` (no-op if it exists).
  std::string import_files(const std::string& repo_id, const std::map<std::string, std::string>& files,
                           const std::string& message);

  std::mutex& repo_mutex(const std::string& repo_id);

  // Xet xorbs (hub/xet.h) are content-addressed and shared by all repositories, as on the Hub's CAS (a
  // shard may name a xorb uploaded for another repository): {root}/xet/xorbs/{hash}. put_xorb is false
  // when it was there already.
  fs::path xorb_path(const std::string& hash_hex) const;
  bool put_xorb(const std::string& hash_hex, const std::string& bytes);

 private:
  fs::path repo_dir(const std::string& repo_id) const;
  // Under the repository's mutex: the lowest free PR number, its ref at `commit` and its record.
  int write_pull_request(const std::string& repo_id, const std::string& commit, const PullRequest& pr);
  fs::path root_;
  std::mutex mutexes_guard_;
  std::map<std::string, std::unique_ptr<std::mutex>> mutexes_;
  std::mutex cache_guard_;
  std::map<std::string, std::shared_ptr<const Commit>> commit_cache_;  // "{repo}@{id}"
};

}  // namespace tinyforge::hub
