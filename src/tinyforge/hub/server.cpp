#include "tinyforge/hub/server.h"

#include <fcntl.h>
#include <httplib.h>
#include <netdb.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <iostream>
#include <limits>
#include <mutex>
#include <set>
#include <thread>

#include "tinyforge/catalog/catalog.h"
#include "tinyforge/checkpoint/variants.h"
#include "tinyforge/forge/repository.h"
#include "tinyforge/hub/cache.h"
#include "tinyforge/hub/card.h"
#include "tinyforge/hub/commit_body.h"
#include "tinyforge/hub/connections.h"
#include "tinyforge/hub/names.h"
#include "tinyforge/hub/store.h"
#include "tinyforge/hub/xet.h"
#include "tinyforge/util/json.h"

namespace tinyforge::hub {

namespace {

// Files up to this size are answered from memory; larger ones stream from disk.
constexpr uint64_t kInMemoryBytes = 64 * 1024;

std::string percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// "/a/b%2Fc/d?x" → {"a", "b/c", "d"}: each segment decoded on its own, so an encoded revision stays one.
std::vector<std::string> split_target(const std::string& target) {
  std::string path = target.substr(0, target.find('?'));
  std::vector<std::string> segments;
  size_t start = 1;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    segments.push_back(
        percent_decode(path.substr(start, slash == std::string::npos ? std::string::npos : slash - start)));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return segments;
}

void send_error(httplib::Response& res, int status, const std::string& code, const std::string& message) {
  res.status = status;
  if (!code.empty()) res.set_header("X-Error-Code", code);
  res.set_header("X-Error-Message", message);
  res.set_content(py_json_dumps(Json{{"error", message}}, {-1, true}), "application/json");
}

void send_json(httplib::Response& res, const Json& j, int status = 200) {
  res.status = status;
  res.set_content(py_json_dumps(j, {-1, true}), "application/json");
}

class HubServer {
 public:
  explicit HubServer(const ServeOptions& options) : options_(options), store_(options.root) {}

  // Before any of a POST/PUT body is read: whether this request may send one. A request that could never
  // be authorised is answered unread (telemetry is dropped unread), so it costs the server no memory.
  bool admit_body(const httplib::Request& req, httplib::Response& res) const {
    const auto seg = split_target(req.target);
    if (seg.size() == 2 && seg[0] == "v1" && seg[1] == "telemetry") {
      res.status = 204;
      return false;
    }
    if (seg.size() >= 4 && seg[0] == "xet-cas") return check_xet_token(req, res, seg[1] + "/" + seg[2]);
    if (seg.size() == 4 && seg[0] == "lfs-upload")
      return check_upload_signature(req, res, seg[1] + "/" + seg[2], seg[3]);
    return require_write(req, res);
  }

  void handle(const httplib::Request& req, httplib::Response& res) {
    try {
      dispatch(req, res);
    } catch (const std::exception& e) {
      // The details (file names under --root) go to the server's log only.
      std::cerr << "error: " << req.method << " " << req.path << ": " << e.what() << std::endl;
      send_error(res, 500, "", "internal error; the server's log has the details");
    }
    // httplib applies a request's ranges to any body; an error's body is sent whole.
    if (res.status >= 300) const_cast<httplib::Ranges&>(req.ranges).clear();
  }

 private:
  std::string base_url(const httplib::Request& req) const { return "http://" + req.get_header_value("Host"); }

  // 0: no token sent, 1: right token, -1: wrong token.
  int auth(const httplib::Request& req) const {
    std::string header = req.get_header_value("Authorization");
    if (header.empty()) return 0;
    const std::string prefix = "Bearer ";
    if (header.rfind(prefix, 0) != 0) return -1;
    if (options_.token.empty()) return -1;
    return header.substr(prefix.size()) == options_.token ? 1 : -1;
  }

  bool require_write(const httplib::Request& req, httplib::Response& res) const {
    if (options_.token.empty()) {
      send_error(res, 403, "",
                 "this server is read-only: start `tinyforge serve` with --token to allow uploads");
      return false;
    }
    if (auth(req) != 1) {
      send_error(res, 401, "", "Invalid credentials in Authorization header");
      return false;
    }
    return true;
  }

  // With --on_demand, ORG/tiny-random-{Arch} for a catalog architecture, ORG/tiny-random-{model_type} for a
  // model type, each also with a --variants fixture suffix -{kind}[-{kind}...] (hub/names.h), is forged on
  // first request.
  bool ensure_repo(const std::string& repo_id) {
    if (store_.exists(repo_id)) return true;
    if (!options_.on_demand || !valid_repo_id(repo_id)) return false;
    const std::optional<ForgedName> name = parse_forged_name(repo_id.substr(repo_id.find('/') + 1));
    if (!name) return false;
    std::lock_guard lock(forge_mutex_);  // one forge at a time, so one per repository
    if (store_.exists(repo_id)) return true;
    const RepositoryRequest request{name->entry, name->arch, {}, options_.seed};
    RepositoryFiles files;
    if (name->spec.empty()) {
      files = render_repository(request).files;
    } else {
      // Fixtures are derived from a repository on disk, as `create --variants` does.
      const fs::path scratch = staging_directory_for(options_.root / ".on_demand");
      try {
        forge_repository(request, scratch);
        const fs::path base = scratch / name->entry->model_type / name->arch;
        forge_variant(base, name->entry->model_type, name->spec);
        files = read_repository_folder(base.parent_path() / (name->arch + "-" + name->spec));
      } catch (...) {
        fs::remove_all(scratch);
        throw;
      }
      fs::remove_all(scratch);
    }
    std::string id = store_.import_files(repo_id, files, kForgeCommitMessage);
    std::cerr << "on_demand: forged " << repo_id << " at " << id << std::endl;
    return true;
  }

  Json repo_info(const httplib::Request& req, const std::string& repo_id, const Commit& c) const {
    const bool blobs = req.has_param("blobs") && req.get_param_value("blobs") != "false";
    Json siblings = Json::array();
    for (const auto& f : c.files) {
      Json s = {{"rfilename", f.path}};
      if (blobs) {
        s["size"] = f.size;
        s["blobId"] = f.blob_id;
        if (f.lfs)
          s["lfs"] = {
              {"sha256", f.sha256}, {"size", f.size}, {"pointerSize", lfs_pointer(f.sha256, f.size).size()}};
      }
      siblings.push_back(s);
    }
    return {{"_id", c.id.substr(0, 24)},
            {"id", repo_id},
            {"modelId", repo_id},
            {"sha", c.id},
            {"private", false},
            {"gated", false},
            {"disabled", false},
            {"downloads", 0},
            {"likes", 0},
            {"tags", Json::array()},
            {"siblings", siblings},
            {"createdAt", "2026-01-01T00:00:00.000Z"},
            {"lastModified", "2026-01-01T00:00:00.000Z"}};
  }

  // pipeline_tag, library_name, tags, cardData and config from the revision's README.md and config.json.
  Json stored_metadata(const std::string& repo_id, const Commit& c) const {
    std::optional<std::string> files[2];
    const char* names[2] = {"README.md", "config.json"};
    for (int i = 0; i < 2; ++i)
      if (const FileEntry* f = c.find(names[i]); f && f->size <= kMaxMetadataFileBytes)
        files[i] = read_file(store_.blob_path(repo_id, f->sha256));
    return repository_metadata(files[0] ? &*files[0] : nullptr, files[1] ? &*files[1] : nullptr);
  }

  void dispatch(const httplib::Request& req, httplib::Response& res) {
    if (req.target.find('\0') != std::string::npos || req.target.empty() || req.target[0] != '/')
      return send_error(res, 400, "", "bad request target");
    auto seg = split_target(req.target);
    for (const auto& s : seg)
      if (s.find('\0') != std::string::npos) return send_error(res, 400, "", "NUL byte in the path");
    // The Xet CAS API and hf_xet's telemetry carry the Xet token, not the Hub token.
    if (seg.size() >= 4 && seg[0] == "xet-cas")
      return xet_cas(req, res, seg[1] + "/" + seg[2], {seg.begin() + 3, seg.end()});
    if (seg.size() == 2 && seg[0] == "v1" && seg[1] == "telemetry" && req.method == "POST") {
      res.status = 204;  // accepted and dropped: nothing leaves the machine
      return;
    }
    if (auth(req) == -1) return send_error(res, 401, "", "Invalid credentials in Authorization header");
    const std::string& m = req.method;
    const bool read = m == "GET" || m == "HEAD";

    if (seg.size() == 2 && seg[0] == "api" && seg[1] == "whoami-v2" && read) {
      if (auth(req) != 1) return send_error(res, 401, "", "Invalid credentials in Authorization header");
      return send_json(
          res,
          {{"type", "user"},
           {"name", "tinyforge"},
           {"fullname", "tinyforge"},
           {"orgs", Json::array()},
           {"auth",
            {{"type", "access_token"}, {"accessToken", {{"displayName", "tinyforge"}, {"role", "write"}}}}}});
    }
    if (seg.size() == 2 && seg[0] == "api" && seg[1] == "validate-yaml" && m == "POST")
      return send_json(res, {{"errors", Json::array()}, {"warnings", Json::array()}});
    if (seg.size() == 3 && seg[0] == "api" && seg[1] == "repos" && seg[2] == "create" && m == "POST")
      return create_repo(req, res);
    if (seg.size() >= 4 && seg[0] == "api" && seg[1] == "models") {
      const std::string repo_id = seg[2] + "/" + seg[3];
      if (!valid_repo_id(repo_id)) return send_error(res, 400, "", "invalid repository id '" + repo_id + "'");
      std::string rev = "main";
      if (seg.size() >= 6) rev = join(seg, 5);
      if (read && (seg.size() == 4 || (seg.size() >= 6 && seg[4] == "revision")))
        return model_info(req, res, repo_id, rev);
      if (read && seg.size() >= 6 && seg[4] == "tree") return tree(req, res, repo_id, seg);
      if (m == "POST" && seg.size() >= 6 && seg[4] == "preupload") return preupload(req, res, repo_id, rev);
      if (m == "POST" && seg.size() >= 6 && seg[4] == "commit") return commit(req, res, repo_id, rev);
      if (read && seg.size() >= 5 && seg[4] == "xet-write-token") return xet_write_token(req, res, repo_id);
      if (m == "POST" && seg.size() == 5 && seg[4] == "discussions")
        return open_pull_request(req, res, repo_id);
      if (read && seg.size() == 6 && seg[4] == "discussions")
        return pull_request_details(res, repo_id, seg[5]);
    }
    if (seg.size() == 6 && seg[2] == "info" && seg[3] == "lfs" && seg[4] == "objects" && seg[5] == "batch" &&
        m == "POST") {
      std::string name = seg[1];
      if (name.size() > 4 && name.compare(name.size() - 4, 4, ".git") == 0) name.resize(name.size() - 4);
      return lfs_batch(req, res, seg[0] + "/" + name);
    }
    if (seg.size() == 4 && seg[0] == "lfs-upload" && m == "PUT")
      return lfs_put(req, res, seg[1] + "/" + seg[2], seg[3]);
    if (seg.size() >= 5 && seg[2] == "resolve" && read) {
      const std::string repo_id = seg[0] + "/" + seg[1];
      // An unencoded refs/pr/N revision spans three segments.
      size_t path_start = 4;
      std::string rev = seg[3];
      if (seg[3] == "refs" && seg.size() >= 7 && seg[4] == "pr") {
        rev = "refs/pr/" + seg[5];
        path_start = 6;
      }
      return resolve_file(req, res, repo_id, rev, join(seg, path_start));
    }
    send_error(res, 404, "",
               "not found: " + m + " " + req.path + " (not part of the Hub API tinyforge serves)");
  }

  static std::string join(const std::vector<std::string>& seg, size_t from) {
    std::string out;
    for (size_t i = from; i < seg.size(); ++i) out += (i > from ? "/" : "") + seg[i];
    return out;
  }

  void model_info(const httplib::Request& req, httplib::Response& res, const std::string& repo_id,
                  const std::string& rev) {
    if (!ensure_repo(repo_id)) return send_error(res, 404, "RepoNotFound", "Repository not found");
    auto id = store_.resolve(repo_id, rev);
    if (!id) return send_error(res, 404, "RevisionNotFound", "Invalid rev id: " + rev);
    std::shared_ptr<const Commit> c = store_.read_commit(repo_id, *id);
    Json info = repo_info(req, repo_id, *c);
    info.update(stored_metadata(repo_id, *c));
    send_json(res, info);
  }

  // GET /api/models/{repo}/tree/{rev}[/{folder}][?recursive=true]: files and folders, one page.
  void tree(const httplib::Request& req, httplib::Response& res, const std::string& repo_id,
            const std::vector<std::string>& seg) {
    if (!ensure_repo(repo_id)) return send_error(res, 404, "RepoNotFound", "Repository not found");
    std::string rev = seg[5];
    size_t folder_start = 6;
    if (rev == "refs" && seg.size() >= 8 && seg[6] == "pr") {
      rev = "refs/pr/" + seg[7];
      folder_start = 8;
    }
    std::string folder = join(seg, folder_start);
    if (!folder.empty() && !valid_repo_path(folder))
      return send_error(res, 400, "", "invalid folder '" + folder + "'");
    auto id = store_.resolve(repo_id, rev);
    if (!id) return send_error(res, 404, "RevisionNotFound", "Invalid rev id: " + rev);
    const bool recursive = req.has_param("recursive") && req.get_param_value("recursive") != "false";
    const std::string prefix = folder.empty() ? "" : folder + "/";
    Json entries = Json::array();
    std::set<std::string> dirs;
    for (const auto& f : store_.read_commit(repo_id, *id)->files) {
      if (f.path.rfind(prefix, 0) != 0) continue;
      std::string rest = f.path.substr(prefix.size());
      // Every folder between `folder` and the file (only the first level unless recursive).
      for (size_t slash = rest.find('/'); slash != std::string::npos; slash = rest.find('/', slash + 1)) {
        dirs.insert(prefix + rest.substr(0, slash));
        if (!recursive) break;
      }
      if (!recursive && rest.find('/') != std::string::npos) continue;
      Json e = {{"type", "file"}, {"oid", f.blob_id}, {"size", f.size}, {"path", f.path}};
      if (f.lfs)
        e["lfs"] = {
            {"oid", f.sha256}, {"size", f.size}, {"pointerSize", lfs_pointer(f.sha256, f.size).size()}};
      entries.push_back(e);
    }
    for (const auto& d : dirs)
      entries.push_back({{"type", "directory"}, {"oid", git_blob_sha1(d)}, {"size", 0}, {"path", d}});
    send_json(res, entries);
  }

  void resolve_file(const httplib::Request& req, httplib::Response& res, const std::string& repo_id,
                    const std::string& rev, const std::string& path) {
    if (!valid_repo_id(repo_id) || !ensure_repo(repo_id))
      return send_error(res, 404, "RepoNotFound", "Repository not found");
    if (!valid_repo_path(path)) return send_error(res, 400, "", "invalid file path '" + path + "'");
    auto id = store_.resolve(repo_id, rev);
    if (!id) return send_error(res, 404, "RevisionNotFound", "Invalid rev id: " + rev);
    std::shared_ptr<const Commit> c = store_.read_commit(repo_id, *id);
    res.set_header("X-Repo-Commit", *id);
    const FileEntry* f = c->find(path);
    if (!f) return send_error(res, 404, "EntryNotFound", "Entry not found");
    res.set_header("ETag", "\"" + f->etag() + "\"");
    if (f->lfs) {
      res.set_header("X-Linked-Etag", "\"" + f->sha256 + "\"");
      res.set_header("X-Linked-Size", std::to_string(f->size));
    }
    res.set_header("Accept-Ranges", "bytes");
    // RFC 9110 §14.1.2: on an empty file, from beyond the end or as a suffix of 0 bytes a range cannot be
    // satisfied; a last position beyond the end means the end. httplib sizes the response from req.ranges
    // as parsed, so each range goes back into the request as absolute first-last positions (req is a
    // non-const object inside httplib).
    const auto size = static_cast<ssize_t>(f->size);
    for (auto& [first, last] : const_cast<httplib::Ranges&>(req.ranges)) {
      const bool suffix = first < 0 && last >= 0;
      if (size == 0 || (suffix && last == 0) || first >= size) {
        res.set_header("Content-Range", "bytes */" + std::to_string(size));
        return send_error(res, 416, "",
                          "the range cannot be satisfied: the file has " + std::to_string(size) + " bytes");
      }
      if (suffix) first = size - std::min(last, size);
      if (first < 0) first = 0;  // "bytes=-": all of it
      last = suffix || last < 0 ? size - 1 : std::min(last, size - 1);
    }
    const fs::path blob = store_.blob_path(repo_id, f->sha256);
    if (f->size <= kInMemoryBytes) return res.set_content(read_file(blob), "application/octet-stream");
    // Larger files stream from disk: httplib asks for the (ranged) bytes; under serve the event thread
    // sends them from the file.
    std::shared_ptr<const OpenFile> file = OpenFile::open(blob);
    if (!file) return send_error(res, 500, "", "cannot open the stored content of '" + path + "'");
    res.set_content_provider(f->size, "application/octet-stream",
                             [file](size_t offset, size_t length, httplib::DataSink& sink) {
                               return write_file_part(file, offset, length, sink);
                             });
  }

  // The request body as JSON; a body that is not JSON gets 400 and a discarded value back.
  static Json json_body(const httplib::Request& req, httplib::Response& res) {
    Json body = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) send_error(res, 400, "", "request body is not JSON");
    return body;
  }

  void create_repo(const httplib::Request& req, httplib::Response& res) {
    if (!require_write(req, res)) return;
    Json body = json_body(req, res);
    if (body.is_discarded()) return;
    if (!body.is_object() || !body.contains("name") || !body["name"].is_string())
      return send_error(res, 400, "", "missing \"name\"");
    if (body.contains("type") && body["type"] != "model")
      return send_error(res, 400, "", "only model repositories are served");
    std::string ns = body.contains("organization") && body["organization"].is_string()
                         ? body["organization"].get<std::string>()
                         : "tinyforge";
    const std::string repo_id = ns + "/" + body["name"].get<std::string>();
    if (!valid_repo_id(repo_id)) return send_error(res, 400, "", "invalid repository id '" + repo_id + "'");
    Json out = {{"url", base_url(req) + "/" + repo_id}, {"name", repo_id}, {"id", repo_id}};
    if (!store_.create(repo_id)) {
      out["error"] = "You already created this model repo";
      return send_json(res, out, 409);
    }
    send_json(res, out);
  }

  void preupload(const httplib::Request& req, httplib::Response& res, const std::string& repo_id,
                 const std::string& rev) {
    if (!require_write(req, res)) return;
    if (!store_.exists(repo_id)) return send_error(res, 404, "RepoNotFound", "Repository not found");
    Json body = json_body(req, res);
    if (body.is_discarded()) return;
    if (!body.is_object() || !body.contains("files") || !body["files"].is_array())
      return send_error(res, 400, "", "missing \"files\"");
    auto id = store_.resolve(repo_id, rev);
    std::shared_ptr<const Commit> head;
    if (id) head = store_.read_commit(repo_id, *id);
    // Upload modes. Files the Hub would store in LFS go "regular" (inline in the commit) up to
    // --max_inline_bytes each while the commit body stays within --max_body_bytes: one request instead of
    // LFS or Xet transfers (huggingface_hub with hf_xet sends every "lfs" file through Xet). The store still
    // keeps them as LFS files: the upload mode is transport only.
    uint64_t inline_budget = options_.max_body_bytes / 4 * 3;
    inline_budget = inline_budget > (1u << 20) ? inline_budget - (1u << 20) : 0;  // headers, JSON framing
    Json files = Json::array();
    for (const auto& f : body["files"]) {
      if (!f.is_object() || !f.contains("path") || !f["path"].is_string())
        return send_error(res, 400, "", "each file needs a \"path\"");
      const std::string path = f["path"];
      if (!valid_repo_path(path)) return send_error(res, 400, "", "invalid file path '" + path + "'");
      uint64_t size = f.contains("size") && f["size"].is_number_unsigned() ? f["size"].get<uint64_t>() : 0;
      const uint64_t inline_size = (size + 2) / 3 * 4;
      const bool regular =
          !is_lfs_file(path, size) || (size <= options_.max_inline_bytes && inline_size <= inline_budget);
      if (regular) inline_budget -= std::min(inline_budget, inline_size);
      Json out = {{"path", path}, {"uploadMode", regular ? "regular" : "lfs"}, {"shouldIgnore", false}};
      // The remote oid lets clients skip unchanged files: sha256 for LFS uploads, git blob sha1 otherwise.
      if (const FileEntry* e = head ? head->find(path) : nullptr) {
        if (!regular)
          out["oid"] = e->sha256;
        else if (!e->lfs)
          out["oid"] = e->blob_id;
        else if (e->size == size)
          out["oid"] = git_blob_sha1(read_file(store_.blob_path(repo_id, e->sha256)));
      }
      files.push_back(out);
    }
    send_json(res, {{"files", files}, {"commitOid", id ? *id : ""}});
  }

  // --- Xet storage (hub/xet.h): uploads only; downloads are plain resolve requests (no X-Xet-Hash). ---

  // A CAS token names its repository and is signed with the server token, like the LFS upload hrefs.
  std::string xet_token_for(const std::string& repo_id) const {
    return sha256_hex("tinyforge-xet-write\n" + options_.token + "\n" + repo_id);
  }

  bool check_xet_token(const httplib::Request& req, httplib::Response& res,
                       const std::string& repo_id) const {
    if (!options_.token.empty() && valid_repo_id(repo_id) &&
        req.get_header_value("Authorization") == "Bearer " + xet_token_for(repo_id))
      return true;
    send_error(res, 401, "", "missing or wrong Xet token; ask /api/models/{repo}/xet-write-token");
    return false;
  }

  // GET /api/models/{repo}/xet-write-token/{rev}: where the CAS API is (/xet-cas/{repo}) and its token.
  void xet_write_token(const httplib::Request& req, httplib::Response& res, const std::string& repo_id) {
    if (!require_write(req, res)) return;
    if (!store_.exists(repo_id)) return send_error(res, 404, "RepoNotFound", "Repository not found");
    const auto exp = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch() + std::chrono::hours(1))
                         .count();
    send_json(res, {{"accessToken", xet_token_for(repo_id)},
                    {"exp", exp},
                    {"casUrl", base_url(req) + "/xet-cas/" + repo_id}});
  }

  // The CAS API under /xet-cas/{repo}/: xorb and shard uploads. Global deduplication, upload grants and
  // streamed (v2) shard uploads answer 404, on which hf_xet uploads directly and uses v1 shards.
  void xet_cas(const httplib::Request& req, httplib::Response& res, const std::string& repo_id,
               const std::vector<std::string>& api) {
    if (!check_xet_token(req, res, repo_id)) return;
    const std::string& m = req.method;
    if (m == "POST" && api.size() == 4 && api[0] == "v1" && api[1] == "xorbs") {
      if (!valid_hex_digest(api[3], 64)) return send_error(res, 400, "", "malformed xorb hash");
      std::string hash;
      try {
        hash = xet::Xorb(req.body).hash();  // refuse what could never be reconstructed
      } catch (const std::invalid_argument& e) {
        return send_error(res, 400, "", std::string("malformed xorb: ") + e.what());
      }
      // Content-addressed and shared by all repositories: stored only under its own hash.
      if (hash != api[3])
        return send_error(res, 400, "",
                          "the xorb's hash is " + hash + ", not " + api[3] + " as the URL names");
      return send_json(res, {{"was_inserted", store_.put_xorb(api[3], req.body)}});
    }
    if (m == "POST" && api.size() == 2 && api[0] == "v1" && api[1] == "shards")
      return xet_shard(req, res, repo_id);
    send_error(res, 404, "", "not served by tinyforge: " + m + " " + req.path);
  }

  // POST /v1/shards: every file the shard lists is rebuilt from its xorbs, checked against its sha256 and
  // stored as a blob, so the commit that follows can name it as an lfsFile.
  void xet_shard(const httplib::Request& req, httplib::Response& res, const std::string& repo_id) {
    if (!store_.exists(repo_id)) return send_error(res, 404, "RepoNotFound", "Repository not found");
    std::map<std::string, std::unique_ptr<xet::Xorb>> xorbs;  // each read once per shard
    try {
      const std::vector<xet::FileReconstruction> files = xet::parse_shard(req.body);
      // The files are rebuilt in memory and stored: what a shard may make the server build is bounded by
      // --max_body_bytes, as an LFS upload is (terms are checked against their xorbs as they are rebuilt).
      uint64_t total = 0;
      for (const auto& file : files)
        for (const auto& term : file.terms) total += term.size;  // u32 sizes, entries bounded by the body
      if (total > options_.max_body_bytes)
        return send_error(res, 413, "",
                          "the shard's files rebuild to " + std::to_string(total) +
                              " bytes, above --max_body_bytes (" + std::to_string(options_.max_body_bytes) +
                              "); upload fewer or smaller files per commit, or start serve with a larger "
                              "--max_body_bytes");
      for (const auto& file : files) {
        std::string bytes = xet::reconstruct(file, [&](const std::string& hash) -> const xet::Xorb& {
          auto& xorb = xorbs[hash];
          if (!xorb) {
            const fs::path p = store_.xorb_path(hash);
            if (!fs::exists(p)) throw std::invalid_argument("xorb " + hash + " was never uploaded");
            xorb = std::make_unique<xet::Xorb>(read_file(p));
          }
          return *xorb;
        });
        const std::string sha = sha256_hex(bytes);
        if (!file.sha256.empty() && file.sha256 != sha)
          return send_error(res, 400, "", "file " + file.file_hash + " does not rebuild to its sha256");
        store_.put_blob(repo_id, sha, bytes);
      }
    } catch (const std::invalid_argument& e) {
      return send_error(res, 400, "", std::string("shard rejected: ") + e.what());
    }
    send_json(res, {{"result", 1}});
  }

  // POST /api/models/{repo}/discussions with pullRequest=true opens refs/pr/N at main's head (what
  // huggingface_hub's create_pull_request and upload_folder(create_pr=True) use).
  void open_pull_request(const httplib::Request& req, httplib::Response& res, const std::string& repo_id) {
    if (!require_write(req, res)) return;
    if (!store_.exists(repo_id)) return send_error(res, 404, "RepoNotFound", "Repository not found");
    Json body = json_body(req, res);
    if (body.is_discarded()) return;
    // A "pullRequest" of another type is a client error, not a 500 (the fuzzer sent "d").
    const bool pull_request = body.is_object() && body.contains("pullRequest") &&
                              body["pullRequest"].is_boolean() && body["pullRequest"].get<bool>();
    if (!pull_request)
      return send_error(res, 400, "",
                        "only pull requests are served (\"pullRequest\": true), not discussions");
    const std::string title = body.contains("title") && body["title"].is_string() ? body["title"] : "";
    const std::string description =
        body.contains("description") && body["description"].is_string() ? body["description"] : "";
    if (title.empty()) return send_error(res, 400, "", "a pull request needs a non-empty \"title\"");
    const int n = store_.open_pull_request(repo_id, "main", title, description);
    send_json(res, {{"num", n},
                    {"pullRequest", true},
                    {"url", base_url(req) + "/" + repo_id + "/discussions/" + std::to_string(n)}});
  }

  void pull_request_details(httplib::Response& res, const std::string& repo_id, const std::string& number) {
    const bool numeric =
        !number.empty() && number.size() <= 9 && number.find_first_not_of("0123456789") == std::string::npos;
    auto pr = numeric ? store_.pull_request(repo_id, std::stoi(number)) : std::nullopt;
    if (!pr) return send_error(res, 404, "", "no pull request " + number + " in " + repo_id);
    send_json(res, {{"num", pr->number},
                    {"title", pr->title},
                    {"status", "open"},
                    {"isPullRequest", true},
                    {"createdAt", "2026-01-01T00:00:00.000Z"},
                    {"author", {{"name", "tinyforge"}}},
                    {"repo", {{"name", repo_id}, {"type", "model"}}},
                    {"changes", {{"base", "refs/heads/" + pr->base}}},
                    {"filesWithConflicts", Json::array()},
                    {"events", Json::array()},
                    {"diff", ""}});
  }

  void lfs_batch(const httplib::Request& req, httplib::Response& res, const std::string& repo_id) {
    if (!require_write(req, res)) return;
    if (!valid_repo_id(repo_id) || !store_.exists(repo_id))
      return send_error(res, 404, "RepoNotFound", "Repository not found");
    Json body = json_body(req, res);
    if (body.is_discarded()) return;
    if (!body.is_object() || !body.contains("objects") || !body["objects"].is_array())
      return send_error(res, 400, "", "missing \"objects\"");
    Json objects = Json::array();
    for (const auto& o : body["objects"]) {
      if (!o.is_object() || !o.contains("oid") || !o["oid"].is_string() || !o.contains("size"))
        return send_error(res, 400, "", "each object needs \"oid\" and \"size\"");
      const std::string oid = o["oid"];
      if (!valid_hex_digest(oid, 64)) return send_error(res, 400, "", kOidRule);
      Json out = {{"oid", oid}, {"size", o["size"]}, {"authenticated", true}};
      if (!store_.has_blob(repo_id, oid))
        out["actions"] = {{"upload",
                           {{"href", base_url(req) + "/lfs-upload/" + repo_id + "/" + oid +
                                         "?sig=" + upload_signature(repo_id, oid)},
                            {"header", Json::object()}}}};
      objects.push_back(out);
    }
    res.set_header("Content-Type", "application/vnd.git-lfs+json");
    res.status = 200;
    res.set_content(py_json_dumps(Json{{"transfer", "basic"}, {"objects", objects}}, {-1, true}),
                    "application/vnd.git-lfs+json");
  }

  std::string upload_signature(const std::string& repo_id, const std::string& oid) const {
    return sha256_hex("tinyforge-lfs-upload\n" + options_.token + "\n" + repo_id + "\n" + oid);
  }

  // Like a presigned URL: the client sends no token to the upload href, the signature stands in for it.
  bool check_upload_signature(const httplib::Request& req, httplib::Response& res, const std::string& repo_id,
                              const std::string& oid) const {
    if (!options_.token.empty() && req.get_param_value("sig") == upload_signature(repo_id, oid)) return true;
    send_error(res, 403, "",
               "missing or wrong upload signature; ask the LFS batch endpoint for an upload URL");
    return false;
  }

  void lfs_put(const httplib::Request& req, httplib::Response& res, const std::string& repo_id,
               const std::string& oid) {
    if (!check_upload_signature(req, res, repo_id, oid)) return;
    if (!valid_repo_id(repo_id) || !store_.exists(repo_id))
      return send_error(res, 404, "RepoNotFound", "Repository not found");
    if (!valid_hex_digest(oid, 64)) return send_error(res, 400, "", kOidRule);
    if (!store_.put_blob(repo_id, oid, req.body))
      return send_error(res, 400, "", "uploaded bytes do not match sha256 " + oid);
    send_json(res, Json::object());
  }

  void commit(const httplib::Request& req, httplib::Response& res, const std::string& repo_id,
              const std::string& rev) {
    if (!require_write(req, res)) return;
    if (!store_.exists(repo_id)) return send_error(res, 404, "RepoNotFound", "Repository not found");
    const bool create_pr = req.has_param("create_pr") && req.get_param_value("create_pr") != "0" &&
                           req.get_param_value("create_pr") != "false";
    CommitBody body;
    try {
      body = parse_commit_body(req.body);
    } catch (const std::invalid_argument& e) {
      return send_error(res, 400, "", e.what());
    }
    for (const auto& [path, oid] : body.lfs_files)
      if (!store_.has_blob(repo_id, oid))
        return send_error(res, 422, "", "LFS object " + oid + " for '" + path + "' was never uploaded");
    for (const auto& [sha, bytes] : body.inline_blobs) store_.put_blob(repo_id, sha, bytes);
    try {
      const std::string message =
          body.description.empty() ? body.summary : body.summary + "\n\n" + body.description;
      CommitResult r = store_.commit(repo_id, rev, message, body.changes, create_pr, body.parent);
      Json out = {{"commitUrl", base_url(req) + "/" + repo_id + "/commit/" + r.id},
                  {"commitOid", r.id},
                  {"success", true}};
      if (create_pr)
        out["pullRequestUrl"] = base_url(req) + "/" + repo_id + "/discussions/" + std::to_string(r.pr_number);
      send_json(res, out);
    } catch (const CommitConflict& e) {
      send_error(res, 412, "", e.what());  // the Hub's status for a stale parentCommit
    } catch (const std::invalid_argument& e) {
      send_error(res, 400, "", e.what());
    }
  }

  ServeOptions options_;
  RepoStore store_;
  std::mutex forge_mutex_;
};

// One serve per --root: the store's locks live in one process, and with the root locked every temp file
// found at start belongs to a dead run. The lock goes with the process, kill -9 included.
void lock_root(const fs::path& root) {
  const fs::path lock = root / ".serve.lock";
  const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    throw UserError("cannot open '" + lock.string() + "': " + std::strerror(errno) +
                    "; give a writable --root");
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0)
    throw UserError("another tinyforge serve uses --root '" + root.string() +
                    "'; stop it or give another --root");
  // fd stays open, and the lock held, until the process ends.
}

// The temp files and staging folders that writes of a killed or failed run left anywhere in the store.
void remove_dead_temp_files(const fs::path& root) {
  std::vector<fs::path> dirs{root};
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->is_directory(ec) && !it->is_symlink(ec)) dirs.push_back(it->path());
  for (const auto& dir : dirs) remove_stale_staging(dir);
}

// httplib's request handling, without its connection loop (hub/connections reads the requests).
struct RequestServer : httplib::Server {
  // httplib streams a content provider's answer only while its own listening socket is valid (else it takes
  // the server for shutting down and sends headers without the body); it has none here, so a stand-in that
  // is never a descriptor (stop() is never called).
  RequestServer() { svr_sock_ = std::numeric_limits<int>::max(); }
  using httplib::Server::process_request;  // protected: httplib's own fuzzer reaches it the same way
};

// Only GET/HEAD (no body) and POST/PUT (bodies read below) are served. A body is refused before any of it is
// read when the request cannot be authorised or says it is too large; the connection then closes, so the
// unread body is never taken for the next request. True when `res` is that answer.
bool answered_from_head(HubServer& hub, size_t limit, const httplib::Request& req, httplib::Response& res) {
  const std::string& m = req.method;
  if (m == "GET" || m == "HEAD") return false;
  if (m != "POST" && m != "PUT") {
    send_error(res, 405, "", "method " + m + " is not served by tinyforge");
  } else if (hub.admit_body(req, res)) {
    const std::string length = req.get_header_value("Content-Length");
    if (length.empty() || std::strtoull(length.c_str(), nullptr, 10) <= limit) return false;
    send_error(res, 413, "", body_too_large_message(limit));
  }
  res.set_header("Connection", "close");
  return true;
}

// Every request of `server` goes to `hub`, bodies bounded by `limit` bytes whatever their encoding.
void install_handlers(httplib::Server& server, HubServer& hub, size_t limit) {
  server.set_payload_max_length(limit);
  using Handled = httplib::Server::HandlerResponse;
  server.set_pre_routing_handler([&hub, limit](const httplib::Request& req, httplib::Response& res) {
    return answered_from_head(hub, limit, req, res) ? Handled::Handled : Handled::Unhandled;
  });
  // Bodies of any encoding (Content-Length, chunked, or until the connection closes) end at
  // --max_body_bytes: a larger one gets 413. A body must also keep coming (behind_minimum_rate), else 408.
  // Either way the connection closes. Under `serve` the connection layer applies both rules while it reads
  // the body; here they bound what OfflineServer reads.
  auto with_body = [&hub, limit](const httplib::Request& req, httplib::Response& res,
                                 const httplib::ContentReader& read) {
    httplib::Request full = req;
    bool over = false, slow = false;
    const auto start = std::chrono::steady_clock::now();
    const bool complete = read([&](const char* data, size_t length) {
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      over = length > limit - full.body.size();
      slow = behind_minimum_rate(seconds, full.body.size() + length);
      if (!over && !slow) full.body.append(data, length);
      return !over && !slow;
    });
    if (!complete) {
      res.set_header("Connection", "close");
      if (over) return send_error(res, 413, "", body_too_large_message(limit));
      if (slow) return send_error(res, 408, "", body_too_slow_message());
      return send_error(res, 400, "", "the request body is malformed or incomplete");
    }
    hub.handle(full, res);
  };
  server.Get(".*", [&hub](const httplib::Request& req, httplib::Response& res) { hub.handle(req, res); });
  server.Post(".*", with_body);
  server.Put(".*", with_body);
  // RFC 9110 §14.2: a Range header in a unit other than bytes is ignored. httplib answers 416 to any Range
  // header it cannot parse before routing; a GET/HEAD with another unit is answered as if it had none.
  server.set_error_handler(
      httplib::Server::HandlerWithResponse([&hub](const httplib::Request& req, httplib::Response& res) {
        const bool other_unit = res.status == 416 && req.ranges.empty() && req.has_header("Range") &&
                                req.get_header_value("Range").rfind("bytes=", 0) != 0;
        if (!other_unit || (req.method != "GET" && req.method != "HEAD")) return Handled::Unhandled;
        res.status = 200;
        hub.handle(req, res);
        return Handled::Handled;
      }));
}

// A listening socket on host:port (port 0: a free one); -1 when none can be bound. `port` gets the bound one.
int listen_on(const std::string& host, int& port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return -1;
  int fd = -1;
  for (addrinfo* a = found; a && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, SOMAXCONN) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  if (fd >= 0 && ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len) == 0)
    port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                             : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return fd;
}

// "a=1&b=%2F" → params, as httplib parses a target's query.
void parse_query(const std::string& target, httplib::Params& params) {
  const size_t q = target.find('?');
  if (q == std::string::npos) return;
  const std::string query = target.substr(q + 1);
  for (size_t start = 0; start <= query.size();) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    const std::string pair = query.substr(start, end - start);
    const size_t eq = pair.find('=');
    if (!pair.empty())
      params.emplace(percent_decode(pair.substr(0, eq)),
                     eq == std::string::npos ? "" : percent_decode(pair.substr(eq + 1)));
    start = end + 1;
  }
}

}  // namespace

int run_server(const ServeOptions& options) {
  std::error_code ec;
  fs::create_directories(options.root, ec);
  if (ec || !fs::is_directory(options.root))
    throw UserError("cannot use --root '" + options.root.string() + "': " + ec.message() +
                    "; give a writable folder");
  lock_root(options.root);
  remove_dead_temp_files(options.root);
  HubServer hub(options);
  RequestServer server;
  server.set_keep_alive_max_count(kKeepAliveRequests);  // what the Keep-Alive header announces
  server.set_keep_alive_timeout(kIdleSeconds);
  install_handlers(server, hub, options.max_body_bytes);

  // --port 0 binds a free port; the startup line names the bound one (what tinyforge.serve() in Python
  // reads).
  int port = options.port;
  const int listen_fd = listen_on(options.host, port);
  if (listen_fd < 0)
    throw UserError("cannot listen on " + options.host + ":" + std::to_string(options.port) +
                    " (in use or not allowed); choose another --port");
  ConnectionHandling handling;
  handling.threads = std::max(1, options.threads);
  handling.max_body_bytes = options.max_body_bytes;
  handling.wants_body = [&hub, &options](const httplib::Request& head) {
    httplib::Request req = head;
    parse_query(req.target, req.params);
    httplib::Response ignored;
    return !answered_from_head(hub, options.max_body_bytes, req, ignored);
  };
  handling.process = [&server](httplib::Stream& strm, bool close_connection, bool& connection_closed) {
    return server.process_request(strm, close_connection, connection_closed, nullptr);
  };
  handling.error = [](httplib::Response& res, int status, const std::string& message) {
    send_error(res, status, "", message);
  };

  // SIGINT/SIGTERM stop the server cleanly from a waiting thread (not from a signal handler).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // SIGPIPE too: a client gone mid-answer is a failed write (send has MSG_NOSIGNAL, the files' sendfile not).
  ::signal(SIGPIPE, SIG_IGN);
  ConnectionLoop loop(listen_fd, std::move(handling));
  std::thread stopper([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    loop.stop();
  });
  stopper.detach();

  std::cerr << "tinyforge serve: http://" << options.host << ":" << port << " root " << options.root.string()
            << (options.token.empty() ? " (read-only)" : "") << (options.on_demand ? " (on_demand)" : "")
            << std::endl;
  loop.run();
  ::close(listen_fd);
  return 0;
}

struct OfflineServer::Impl {
  // One connection's bytes, read as a socket would deliver them; what the server writes is kept.
  struct Connection : InMemoryRequestStream {
    using InMemoryRequestStream::InMemoryRequestStream;
    std::string out;
    ssize_t write(const char* ptr, size_t size) override {
      out.append(ptr, size);
      return static_cast<ssize_t>(size);
    }
    void get_remote_ip_and_port(std::string& ip, int& port) const override {
      ip = "127.0.0.1";
      port = 1;
    }
    void get_local_ip_and_port(std::string& ip, int& port) const override {
      ip = "127.0.0.1";
      port = 2;
    }
    socket_t socket() const override { return INVALID_SOCKET; }
  };
  explicit Impl(const ServeOptions& options) : hub(options) {
    install_handlers(server, hub, options.max_body_bytes);
  }
  HubServer hub;
  RequestServer server;
};

OfflineServer::OfflineServer(const ServeOptions& options) : impl_(std::make_unique<Impl>(options)) {}
OfflineServer::~OfflineServer() = default;

std::string OfflineServer::answer(std::string_view request) {
  Impl::Connection connection(request);
  // As httplib's connection loop: requests until one fails or closes, at most kKeepAliveRequests.
  bool closed = false;
  for (size_t n = 0; n < kKeepAliveRequests && !closed && !connection.exhausted(); ++n)
    if (!impl_->server.process_request(connection, /*close_connection=*/false, closed, nullptr)) break;
  return connection.out;
}

}  // namespace tinyforge::hub
