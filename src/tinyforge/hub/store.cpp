#include "tinyforge/hub/store.h"

#include <algorithm>
#include <stdexcept>

#include "tinyforge/util/json.h"

namespace tinyforge::hub {

const FileEntry* Commit::find(const std::string& path) const {
  for (const auto& f : files)
    if (f.path == path) return &f;
  return nullptr;
}

RepoStore::RepoStore(fs::path root) : root_(std::move(root)) { fs::create_directories(root_ / "models"); }

fs::path RepoStore::repo_dir(const std::string& repo_id) const {
  if (!valid_repo_id(repo_id)) throw std::invalid_argument("invalid repository id");
  return root_ / "models" / repo_id;
}

std::mutex& RepoStore::repo_mutex(const std::string& repo_id) {
  std::lock_guard lock(mutexes_guard_);
  auto& m = mutexes_[repo_id];
  if (!m) m = std::make_unique<std::mutex>();
  return *m;
}

bool RepoStore::exists(const std::string& repo_id) const {
  return valid_repo_id(repo_id) && fs::exists(repo_dir(repo_id) / "refs" / "heads" / "main");
}

namespace {
Json commit_to_json(const Commit& c) {
  Json files = Json::array();
  for (const auto& f : c.files)
    files.push_back(
        {{"path", f.path}, {"size", f.size}, {"lfs", f.lfs}, {"sha256", f.sha256}, {"blob_id", f.blob_id}});
  return {{"id", c.id}, {"parent", c.parent}, {"message", c.message}, {"files", files}};
}

}  // namespace

std::optional<std::string> RepoStore::resolve(const std::string& repo_id, const std::string& revision) const {
  if (!exists(repo_id)) return std::nullopt;
  const fs::path dir = repo_dir(repo_id);
  // refs/pr/N (1-9 digits), a 40-hex commit id, or a branch name of [A-Za-z0-9._-]{1,64} without "..".
  const std::string pr_prefix = "refs/pr/";
  const std::string pr_number =
      revision.compare(0, pr_prefix.size(), pr_prefix) == 0 ? revision.substr(pr_prefix.size()) : "";
  const bool is_pr =
      !pr_number.empty() && pr_number.size() <= 9 &&
      std::all_of(pr_number.begin(), pr_number.end(), [](char c) { return c >= '0' && c <= '9'; });
  const bool is_branch =
      !revision.empty() && revision.size() <= 64 && std::all_of(revision.begin(), revision.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
      });
  fs::path ref;
  if (is_pr) {
    ref = dir / "refs" / "pr" / pr_number;
  } else if (valid_hex_digest(revision, 40)) {
    if (fs::exists(dir / "commits" / (revision + ".json"))) return revision;
    return std::nullopt;
  } else if (is_branch && revision.find("..") == std::string::npos) {
    ref = dir / "refs" / "heads" / revision;
  } else {
    return std::nullopt;
  }
  if (!fs::exists(ref)) return std::nullopt;
  return read_file(ref);
}

std::string RepoStore::find_commit(const std::string& repo_id, const std::string& abbreviated) const {
  std::string id = abbreviated;
  std::transform(id.begin(), id.end(), id.begin(), [](unsigned char c) { return std::tolower(c); });
  if (id.size() < 5 || id.size() > 40 || !valid_hex_digest(id, id.size()))
    throw std::invalid_argument("parentCommit '" + abbreviated +
                                "' is not a commit id: give 5 to 40 hex digits of one (best: all 40)");
  std::vector<std::string> matches;
  for (const auto& e : fs::directory_iterator(repo_dir(repo_id) / "commits")) {
    const std::string name = e.path().filename().string();
    if (name.size() == 45 && name.ends_with(".json") && name.rfind(id, 0) == 0)
      matches.push_back(name.substr(0, 40));
  }
  if (matches.size() != 1)
    throw std::invalid_argument("parentCommit " + abbreviated +
                                (matches.empty() ? " is no commit of " : " names more than one commit of ") +
                                repo_id + "; give its full 40-hex id");
  return matches.front();
}

std::shared_ptr<const Commit> RepoStore::read_commit(const std::string& repo_id, const std::string& id) {
  const std::string key = repo_id + "@" + id;
  {
    std::lock_guard lock(cache_guard_);
    if (auto it = commit_cache_.find(key); it != commit_cache_.end()) return it->second;
  }
  Json j = parse_json(read_file(repo_dir(repo_id) / "commits" / (id + ".json")), "commit " + id);
  auto c = std::make_shared<Commit>();
  c->id = j["id"];
  c->parent = j["parent"];
  c->message = j["message"];
  for (const auto& f : j["files"])
    c->files.push_back(
        {f["path"], f["size"].get<uint64_t>(), f["lfs"].get<bool>(), f["sha256"], f["blob_id"]});
  std::lock_guard lock(cache_guard_);
  if (commit_cache_.size() >= 4096) commit_cache_.clear();  // a bound, not an LRU: manifests are cheap
  commit_cache_.emplace(key, c);
  return c;
}

fs::path RepoStore::blob_path(const std::string& repo_id, const std::string& sha256) const {
  if (!valid_hex_digest(sha256, 64))
    throw std::invalid_argument("an object id must be 64 lowercase hex digits (a sha256)");
  return repo_dir(repo_id) / "blobs" / sha256;
}

bool RepoStore::has_blob(const std::string& repo_id, const std::string& sha256) const {
  return valid_hex_digest(sha256, 64) && fs::exists(blob_path(repo_id, sha256));
}

bool RepoStore::put_blob(const std::string& repo_id, const std::string& sha256, const std::string& bytes) {
  if (!valid_hex_digest(sha256, 64) || sha256_hex(bytes) != sha256) return false;
  fs::path p = blob_path(repo_id, sha256);
  if (!fs::exists(p)) {
    fs::create_directories(p.parent_path());
    write_file_atomic(p, bytes);
  }
  return true;
}

fs::path RepoStore::xorb_path(const std::string& hash_hex) const {
  if (!valid_hex_digest(hash_hex, 64)) throw std::invalid_argument("invalid xorb hash");
  return root_ / "xet" / "xorbs" / hash_hex;
}

bool RepoStore::put_xorb(const std::string& hash_hex, const std::string& bytes) {
  const fs::path p = xorb_path(hash_hex);
  if (fs::exists(p)) return false;
  fs::create_directories(p.parent_path());
  write_file_atomic(p, bytes);
  return true;
}

bool RepoStore::create(const std::string& repo_id) {
  std::lock_guard lock(repo_mutex(repo_id));
  if (exists(repo_id)) return false;
  const fs::path dir = repo_dir(repo_id);
  fs::create_directories(dir / "commits");
  fs::create_directories(dir / "blobs");
  fs::create_directories(dir / "refs" / "heads");
  fs::create_directories(dir / "refs" / "pr");
  // The Hub's first commit holds a .gitattributes; an empty initial commit is enough for clients.
  Commit c;
  c.message = "initial commit";
  c.id = commit_id("", c.message, c.files);
  write_file_atomic(dir / "commits" / (c.id + ".json"), py_json_dumps(commit_to_json(c), {-1, true}));
  write_file_atomic(dir / "refs" / "heads" / "main", c.id);
  return true;
}

namespace {
bool is_pr_ref(const std::string& revision) { return revision.rfind("refs/pr/", 0) == 0; }
}  // namespace

int RepoStore::write_pull_request(const std::string& repo_id, const std::string& commit,
                                  const PullRequest& pr) {
  const fs::path dir = repo_dir(repo_id);
  fs::create_directories(dir / "refs" / "pr");
  fs::create_directories(dir / "prs");
  int n = 1;
  while (fs::exists(dir / "refs" / "pr" / std::to_string(n))) ++n;
  const Json record = {
      {"number", n}, {"title", pr.title}, {"description", pr.description}, {"base", pr.base}};
  write_file_atomic(dir / "prs" / (std::to_string(n) + ".json"), py_json_dumps(record, {-1, true}));
  write_file_atomic(dir / "refs" / "pr" / std::to_string(n), commit);
  return n;
}

int RepoStore::open_pull_request(const std::string& repo_id, const std::string& base,
                                 const std::string& title, const std::string& description) {
  std::lock_guard lock(repo_mutex(repo_id));
  auto head = is_pr_ref(base) ? std::nullopt : resolve(repo_id, base);
  if (!head) throw std::invalid_argument("branch '" + base + "' not found");
  return write_pull_request(repo_id, *head, {0, title, description, base});
}

std::optional<PullRequest> RepoStore::pull_request(const std::string& repo_id, int number) const {
  const fs::path record = repo_dir(repo_id) / "prs" / (std::to_string(number) + ".json");
  if (!exists(repo_id) || !fs::exists(record)) return std::nullopt;
  Json j = parse_json(read_file(record), record.string());
  return PullRequest{number, j["title"], j["description"], j["base"]};
}

CommitResult RepoStore::commit(const std::string& repo_id, const std::string& revision,
                               const std::string& message, const std::vector<Change>& changes, bool create_pr,
                               const std::string& parent_commit) {
  std::lock_guard lock(repo_mutex(repo_id));
  auto head = resolve(repo_id, revision);
  if (!head) throw std::invalid_argument("revision '" + revision + "' not found");
  std::string base_id = *head;
  if (!parent_commit.empty()) {
    const std::string parent = find_commit(repo_id, parent_commit);
    if (create_pr) {
      base_id = parent;  // as on the Hub: the pull request starts from parent_commit, wherever the branch is
    } else if (parent != *head) {
      throw CommitConflict("A commit has happened since. Please refresh and try again. (parentCommit " +
                           parent_commit + " is not the head of " + revision + ", " + *head + ")");
    }
  }
  std::shared_ptr<const Commit> base = read_commit(repo_id, base_id);
  std::map<std::string, FileEntry> files;
  for (const auto& f : base->files) files[f.path] = f;
  for (const auto& ch : changes) {
    if (!valid_repo_path(ch.path)) throw std::invalid_argument("invalid path '" + ch.path + "'");
    if (ch.kind == Change::kAdd) {
      if (!has_blob(repo_id, ch.sha256))
        throw std::invalid_argument("no uploaded content for '" + ch.path + "' (" + ch.sha256 + ")");
      FileEntry entry = describe_file(ch.path, read_file(blob_path(repo_id, ch.sha256)));
      // Content-addressed: what is stored under an id must hash to it before a commit names it.
      if (entry.sha256 != ch.sha256)
        throw std::invalid_argument("the stored content " + ch.sha256 + " for '" + ch.path +
                                    "' does not match its sha256; upload it again");
      files[ch.path] = std::move(entry);
    } else if (ch.kind == Change::kDelete) {
      if (!files.erase(ch.path)) throw std::invalid_argument("cannot delete '" + ch.path + "': no such file");
    } else {
      const std::string prefix = ch.path.back() == '/' ? ch.path : ch.path + "/";
      size_t n = std::erase_if(files, [&](const auto& kv) { return kv.first.rfind(prefix, 0) == 0; });
      if (n == 0) throw std::invalid_argument("cannot delete folder '" + ch.path + "': no such folder");
    }
  }
  // A path cannot be a file and a folder at once (git cannot hold both either).
  for (const auto& [path, entry] : files) {
    auto inside = files.lower_bound(path + "/");
    if (inside != files.end() && inside->first.rfind(path + "/", 0) == 0)
      throw std::invalid_argument("'" + path + "' is a file and '" + inside->first +
                                  "' needs it to be a folder: a commit cannot hold both; delete one of them");
  }
  Commit c;
  c.parent = base_id;
  c.message = message;
  for (auto& [p, f] : files) c.files.push_back(f);
  c.id = commit_id(c.parent, c.message, c.files);
  const fs::path dir = repo_dir(repo_id);
  write_file_atomic(dir / "commits" / (c.id + ".json"), py_json_dumps(commit_to_json(c), {-1, true}));
  CommitResult result{c.id, "", 0};
  if (create_pr) {
    const std::string title = message.substr(0, message.find('\n'));
    result.pr_number = write_pull_request(repo_id, c.id, {0, title, "", revision});
    result.pr_ref = "refs/pr/" + std::to_string(result.pr_number);
  } else if (is_pr_ref(revision)) {
    write_file_atomic(dir / revision, c.id);
  } else {
    write_file_atomic(dir / "refs" / "heads" / revision, c.id);
  }
  return result;
}

std::string RepoStore::import_files(const std::string& repo_id,
                                    const std::map<std::string, std::string>& files,
                                    const std::string& message) {
  std::lock_guard lock(repo_mutex(repo_id));
  if (exists(repo_id)) return *resolve(repo_id, "main");
  const fs::path dir = repo_dir(repo_id);
  fs::create_directories(dir / "commits");
  fs::create_directories(dir / "refs" / "heads");
  Commit c;
  c.message = message;
  for (const auto& [path, bytes] : files) {
    c.files.push_back(describe_file(path, bytes));
    fs::path blob = blob_path(repo_id, c.files.back().sha256);
    fs::create_directories(blob.parent_path());
    if (!fs::exists(blob)) write_file_atomic(blob, bytes);
  }
  c.id = commit_id("", c.message, c.files);
  write_file_atomic(dir / "commits" / (c.id + ".json"), py_json_dumps(commit_to_json(c), {-1, true}));
  write_file_atomic(dir / "refs" / "heads" / "main", c.id);
  return c.id;
}

}  // namespace tinyforge::hub
