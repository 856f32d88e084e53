#include "tinyforge/hub/upload.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tinyforge/hub/cache.h"
#include "tinyforge/hub/objects.h"
#include "tinyforge/util/base64.h"
#include "tinyforge/util/fs.h"
#include "tinyforge/util/json.h"
#include "tinyforge/util/shared_library.h"

namespace tinyforge::hub {

namespace {

size_t collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// URLs in messages lose their query: an LFS upload href may carry a signature.
std::string without_query(const std::string& url) { return url.substr(0, url.find('?')); }

// libcurl is opened when the first request is made, not linked: with its ~25 dependent libraries (TLS,
// Kerberos, LDAP, ...) it added milliseconds of dynamic loading to the start of every command, and only
// uploads use it.
struct Curl {
  decltype(&curl_global_init) global_init;
  decltype(&curl_easy_init) easy_init;
  decltype(&curl_easy_setopt) easy_setopt;
  decltype(&curl_easy_perform) easy_perform;
  decltype(&curl_easy_getinfo) easy_getinfo;
  decltype(&curl_easy_cleanup) easy_cleanup;
  decltype(&curl_easy_strerror) easy_strerror;
  decltype(&curl_slist_append) slist_append;
  decltype(&curl_slist_free_all) slist_free_all;
};

const Curl& curl_api() {
  static const Curl api = [] {
    const SharedLibrary lib("libcurl.so.4", "uploading", "libcurl4");
    Curl c;
    lib.load(c.global_init, "curl_global_init");
    lib.load(c.easy_init, "curl_easy_init");
    lib.load(c.easy_setopt, "curl_easy_setopt");
    lib.load(c.easy_perform, "curl_easy_perform");
    lib.load(c.easy_getinfo, "curl_easy_getinfo");
    lib.load(c.easy_cleanup, "curl_easy_cleanup");
    lib.load(c.easy_strerror, "curl_easy_strerror");
    lib.load(c.slist_append, "curl_slist_append");
    lib.load(c.slist_free_all, "curl_slist_free_all");
    c.global_init(CURL_GLOBAL_DEFAULT);
    return c;
  }();
  return api;
}

struct Response {
  long status = 0;
  std::string body;
};

using Clock = std::chrono::steady_clock;

// One request, retried with exponential backoff on 429, 5xx and connection errors, all before `deadline`
// (the repository's --upload_timeout).
Response http(const std::string& method, const std::string& url, const std::string& body,
              const std::string& type, const std::string& token, Clock::time_point deadline) {
  // Addresses come from the server (LFS upload and verify hrefs): only http(s) is followed, and the message
  // names the scheme, not the address (a file:// href would print a local path).
  const std::string scheme = url.substr(0, url.find(':'));
  if (scheme != "http" && scheme != "https")
    throw std::runtime_error(
        "the server handed an address with scheme '" + scheme.substr(0, 16) +
        "'; only http:// and https:// addresses are followed (check HF_ENDPOINT and the server)");
  const Curl& api = curl_api();
  std::string last_error;
  auto left = [deadline] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  };
  for (int attempt = 0; attempt < 5 && left() > 0; ++attempt) {
    if (attempt)
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(200 << attempt, left())));
    if (left() <= 0) break;
    CURL* curl = api.easy_init();
    Response r;
    struct curl_slist* headers = nullptr;
    if (!type.empty()) headers = api.slist_append(headers, ("Content-Type: " + type).c_str());
    if (!token.empty()) headers = api.slist_append(headers, ("Authorization: Bearer " + token).c_str());
    api.easy_setopt(curl, CURLOPT_URL, url.c_str());
    api.easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (method != "GET") {
      api.easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
      api.easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
    api.easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    api.easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    api.easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
    api.easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    api.easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    api.easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(std::min<int64_t>(120000, left())));
    // A server that accepts and then says nothing is dropped after 30 s, not after the full time-out.
    api.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    api.easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    api.easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 30L);
    CURLcode rc = api.easy_perform(curl);
    api.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
    api.slist_free_all(headers);
    api.easy_cleanup(curl);
    if (rc != CURLE_OK) {
      last_error = api.easy_strerror(rc);
      if (rc == CURLE_OPERATION_TIMEDOUT)
        break;  // a silent server is not retried: at most one stall per request
      continue;
    }
    if (r.status == 429 || r.status >= 500) {
      last_error = "HTTP " + std::to_string(r.status);
      continue;
    }
    return r;
  }
  if (left() <= 0)
    throw std::runtime_error(method + " " + without_query(url) +
                             ": the repository's upload ran past --upload_timeout" +
                             (last_error.empty() ? "" : " (" + last_error + ")") +
                             "; check the server, or raise --upload_timeout");
  throw std::runtime_error(method + " " + without_query(url) + " failed: " + last_error);
}

void check(const Response& r, const std::string& what) {
  if (r.status < 200 || r.status >= 300)
    throw std::runtime_error(what + " failed: HTTP " + std::to_string(r.status) + ": " +
                             r.body.substr(0, 300));
}

// What preupload says about one file.
struct UploadPlan {
  std::string path;
  const std::string* bytes = nullptr;
  std::string sha256;
  bool lfs = false;
  bool skip = false;  // ignored by the repo's .gitignore, or unchanged
};

// Asks the Hub, 256 files at a time as huggingface_hub does, how to send each file (inline or LFS), which
// to ignore, and which are unchanged (the remote oid equals ours).
std::vector<UploadPlan> plan_upload(const std::string& url, const std::map<std::string, std::string>& files,
                                    const std::string& token, Clock::time_point deadline) {
  std::vector<UploadPlan> plans;
  for (const auto& [path, bytes] : files) plans.push_back({path, &bytes, sha256_hex(bytes)});
  for (size_t start = 0; start < plans.size(); start += 256) {
    Json request = {{"files", Json::array()}};
    const size_t end = std::min(plans.size(), start + 256);
    for (size_t i = start; i < end; ++i)
      request["files"].push_back({{"path", plans[i].path},
                                  {"size", plans[i].bytes->size()},
                                  {"sample", base64_encode(plans[i].bytes->substr(0, 512))}});
    Response r = http("POST", url, request.dump(), "application/json", token, deadline);
    check(r, "preupload");
    const Json answer = parse_json(r.body, "preupload response");
    std::map<std::string, const Json*> by_path;
    if (answer.contains("files") && answer["files"].is_array())
      for (const auto& f : answer["files"])
        if (f.contains("path") && f["path"].is_string()) by_path[f["path"]] = &f;
    for (size_t i = start; i < end; ++i) {
      UploadPlan& plan = plans[i];
      auto it = by_path.find(plan.path);
      if (it == by_path.end() || !it->second->contains("uploadMode"))
        throw std::runtime_error("preupload response has no upload mode for '" + plan.path + "'");
      const Json& f = *it->second;
      // Empty files cannot go to LFS storage; huggingface_hub sends them inline as well.
      plan.lfs = f["uploadMode"] == "lfs" && !plan.bytes->empty();
      const std::string local_oid = plan.lfs ? plan.sha256 : git_blob_sha1(*plan.bytes);
      plan.skip = f.value("shouldIgnore", false) ||
                  (f.contains("oid") && f["oid"].is_string() && f["oid"] == local_oid);
    }
  }
  return plans;
}

// LFS batch (basic transfer), a PUT per object the server does not have yet, and the verify step if asked.
void upload_lfs_objects(const std::string& endpoint, const std::string& repo_id,
                        const std::vector<UploadPlan>& plans, const std::string& token,
                        Clock::time_point deadline) {
  Json objects = Json::array();
  std::map<std::string, const std::string*> bytes_by_oid;
  for (const auto& p : plans)
    if (p.lfs && !p.skip && bytes_by_oid.emplace(p.sha256, p.bytes).second)
      objects.push_back({{"oid", p.sha256}, {"size", p.bytes->size()}});
  if (objects.empty()) return;
  Json batch = {
      {"operation", "upload"}, {"transfers", {"basic"}}, {"objects", objects}, {"hash_algo", "sha256"}};
  Response r = http("POST", endpoint + "/" + repo_id + ".git/info/lfs/objects/batch", batch.dump(),
                    "application/vnd.git-lfs+json", token, deadline);
  check(r, "LFS batch for " + repo_id);
  const Json response = parse_json(r.body, "LFS batch response");
  if (!response.contains("objects") || !response["objects"].is_array())
    throw std::runtime_error("LFS batch response for " + repo_id + " has no \"objects\"");
  for (const auto& o : response["objects"]) {
    const std::string oid = o.value("oid", "");
    if (o.contains("error")) throw std::runtime_error("LFS object " + oid + ": " + o["error"].dump());
    if (!bytes_by_oid.count(oid)) throw std::runtime_error("LFS batch response names unknown object " + oid);
    if (!o.contains("actions") || !o["actions"].contains("upload")) continue;  // already stored
    const Json& actions = o["actions"];
    const std::string href = actions["upload"].value("href", "");
    // Like a presigned URL: the upload href needs no token (and must not get it: it may be another host).
    check(http("PUT", href, *bytes_by_oid.at(oid), "application/octet-stream", "", deadline),
          "uploading LFS object " + oid + " to " + without_query(href));
    if (actions.contains("verify")) {
      const std::string verify = actions["verify"].value("href", "");
      Json body = {{"oid", oid}, {"size", bytes_by_oid.at(oid)->size()}};
      check(http("POST", verify, body.dump(), "application/json", token, deadline),
            "verifying LFS object " + oid);
    }
  }
}

}  // namespace

UploadTarget resolve_upload_target(const std::string& token_flag) {
  UploadTarget t;
  t.endpoint = env_value("HF_ENDPOINT").empty() ? "https://huggingface.co" : env_value("HF_ENDPOINT");
  while (!t.endpoint.empty() && t.endpoint.back() == '/') t.endpoint.pop_back();
  t.token = token_flag;
  if (t.token.empty()) t.token = env_value("HF_TOKEN");
  if (t.token.empty()) {
    const fs::path file =
        !env_value("HF_TOKEN_PATH").empty() ? fs::path(env_value("HF_TOKEN_PATH")) : hf_home() / "token";
    std::error_code ec;
    if (fs::exists(file, ec)) {
      t.token = read_file(file);
      while (!t.token.empty() && (t.token.back() == '\n' || t.token.back() == ' ')) t.token.pop_back();
    }
  }
  return t;
}

UploadOutcome upload_repository(const UploadTarget& target, const std::string& repo_id,
                                const std::map<std::string, std::string>& files) {
  const std::string ep = target.endpoint;
  const Clock::time_point deadline = Clock::now() + target.repository_timeout;
  const auto slash = repo_id.find('/');
  Json create = {
      {"name", repo_id.substr(slash + 1)}, {"organization", repo_id.substr(0, slash)}, {"private", false}};
  Response created =
      http("POST", ep + "/api/repos/create", create.dump(), "application/json", target.token, deadline);
  const bool exists = created.status == 409;  // as create_dummy_models.py does: then open a PR
  if (!exists) check(created, "creating " + repo_id);

  // The head the commit builds on: sent as parentCommit, so a concurrent change fails the commit (412)
  // instead of being overwritten; a PR is opened from it.
  Response info =
      http("GET", ep + "/api/models/" + repo_id + "/revision/main", "", "", target.token, deadline);
  check(info, "reading the head of " + repo_id);
  const std::string head = parse_json(info.body, "repository info").value("sha", "");
  if (head.empty()) throw std::runtime_error("the repository info of " + repo_id + " has no \"sha\"");

  const std::string query = exists ? "?create_pr=1" : "";
  const std::vector<UploadPlan> plans =
      plan_upload(ep + "/api/models/" + repo_id + "/preupload/main" + query, files, target.token, deadline);
  UploadOutcome out;
  if (std::all_of(plans.begin(), plans.end(), [](const UploadPlan& p) { return p.skip; })) {
    out.commit = head;  // nothing changed: no empty commit, no PR (as huggingface_hub)
    return out;
  }
  upload_lfs_objects(ep, repo_id, plans, target.token, deadline);

  Json header = {
      {"key", "header"},
      {"value",
       {{"summary", "Upload tiny random model (tinyforge)"}, {"description", ""}, {"parentCommit", head}}}};
  std::string ndjson = header.dump() + "\n";
  for (const auto& p : plans) {
    if (p.skip) continue;
    Json line =
        p.lfs ? Json{{"key", "lfsFile"},
                     {"value",
                      {{"path", p.path}, {"algo", "sha256"}, {"oid", p.sha256}, {"size", p.bytes->size()}}}}
              : Json{{"key", "file"},
                     {"value",
                      {{"content", base64_encode(*p.bytes)}, {"path", p.path}, {"encoding", "base64"}}}};
    ndjson += line.dump() + "\n";
  }
  Response c = http("POST", ep + "/api/models/" + repo_id + "/commit/main" + query, ndjson,
                    "application/x-ndjson", target.token, deadline);
  if (c.status == 412)
    throw std::runtime_error("commit to " + repo_id + " rejected: main moved from " + head +
                             " while uploading (HTTP 412: " + c.body.substr(0, 300) +
                             "); nothing was changed, run the upload again");
  check(c, "commit to " + repo_id);
  Json j = parse_json(c.body, "commit response");
  out.commit = j.value("commitOid", "");
  if (j.contains("pullRequestUrl") && j["pullRequestUrl"].is_string()) out.pr_url = j["pullRequestUrl"];
  return out;
}

}  // namespace tinyforge::hub
