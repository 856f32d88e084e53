#include "tinyforge/hub/upload.h"

#include <curl/curl.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "tinyforge/hub/objects.h"
#include "tinyforge/util/base64.h"
#include "tinyforge/util/fs.h"
#include "tinyforge/util/json.h"

namespace tinyforge::hub {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

size_t collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

struct Response {
  long status = 0;
  std::string body;
};

// One request, retried with exponential backoff on 429, 5xx and connection errors.
Response http(const std::string& method, const std::string& url, const std::string& body,
              const std::string& type, const std::string& token) {
  static const bool init = (curl_global_init(CURL_GLOBAL_DEFAULT), true);
  (void)init;
  std::string last_error;
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (attempt) std::this_thread::sleep_for(std::chrono::milliseconds(200 << attempt));
    CURL* curl = curl_easy_init();
    Response r;
    struct curl_slist* headers = nullptr;
    if (!type.empty()) headers = curl_slist_append(headers, ("Content-Type: " + type).c_str());
    if (!token.empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + token).c_str());
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (method != "GET") {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 120L);
    CURLcode rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK) {
      last_error = curl_easy_strerror(rc);
      continue;
    }
    if (r.status == 429 || r.status >= 500) {
      last_error = "HTTP " + std::to_string(r.status);
      continue;
    }
    return r;
  }
  throw std::runtime_error(method + " " + url + " failed after retries: " + last_error);
}

void check(const Response& r, const std::string& what) {
  if (r.status < 200 || r.status >= 300)
    throw std::runtime_error(what + " failed: HTTP " + std::to_string(r.status) + ": " +
                             r.body.substr(0, 300));
}

}  // namespace

UploadTarget resolve_upload_target(const std::string& token_flag) {
  UploadTarget t;
  t.endpoint = env("HF_ENDPOINT").empty() ? "https://huggingface.co" : env("HF_ENDPOINT");
  while (!t.endpoint.empty() && t.endpoint.back() == '/') t.endpoint.pop_back();
  t.token = token_flag;
  if (t.token.empty()) t.token = env("HF_TOKEN");
  if (t.token.empty()) {
    fs::path file = !env("HF_TOKEN_PATH").empty() ? fs::path(env("HF_TOKEN_PATH"))
                    : !env("HF_HOME").empty()     ? fs::path(env("HF_HOME")) / "token"
                                              : fs::path(env("HOME")) / ".cache" / "huggingface" / "token";
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
  const auto slash = repo_id.find('/');
  Json create = {
      {"name", repo_id.substr(slash + 1)}, {"organization", repo_id.substr(0, slash)}, {"private", false}};
  Response created = http("POST", ep + "/api/repos/create", create.dump(), "application/json", target.token);
  const bool exists = created.status == 409;  // as create_dummy_models.py does: then open a PR
  if (!exists) check(created, "creating " + repo_id);

  Json objects = Json::array();
  std::string ndjson;
  Json header = {{"key", "header"},
                 {"value", {{"summary", "Upload tiny random model (tinyforge)"}, {"description", ""}}}};
  ndjson += header.dump() + "\n";
  std::map<std::string, const std::string*> lfs_bytes;
  for (const auto& [path, bytes] : files) {
    FileEntry e = describe_file(path, bytes);
    if (e.lfs) {
      objects.push_back({{"oid", e.sha256}, {"size", e.size}});
      lfs_bytes[e.sha256] = &bytes;
      ndjson += Json{{"key", "lfsFile"},
                     {"value", {{"path", path}, {"algo", "sha256"}, {"oid", e.sha256}, {"size", e.size}}}}
                    .dump() +
                "\n";
    } else {
      ndjson += Json{{"key", "file"},
                     {"value", {{"content", base64_encode(bytes)}, {"path", path}, {"encoding", "base64"}}}}
                    .dump() +
                "\n";
    }
  }
  if (!objects.empty()) {
    Json batch = {
        {"operation", "upload"}, {"transfers", {"basic"}}, {"objects", objects}, {"hash_algo", "sha256"}};
    Response r = http("POST", ep + "/" + repo_id + ".git/info/lfs/objects/batch", batch.dump(),
                      "application/vnd.git-lfs+json", target.token);
    check(r, "LFS batch for " + repo_id);
    const Json response = parse_json(r.body, "LFS batch response");  // kept alive for the loop
    for (const auto& o : response["objects"]) {
      if (o.contains("error"))
        throw std::runtime_error("LFS object " + o["oid"].get<std::string>() + ": " + o["error"].dump());
      if (!o.contains("actions") || !o["actions"].contains("upload")) continue;  // already stored
      Response put = http("PUT", o["actions"]["upload"]["href"], *lfs_bytes.at(o["oid"]),
                          "application/octet-stream", "");
      check(put, "uploading LFS object");
    }
  }
  Response c = http("POST", ep + "/api/models/" + repo_id + "/commit/main" + (exists ? "?create_pr=1" : ""),
                    ndjson, "application/x-ndjson", target.token);
  check(c, "commit to " + repo_id);
  Json j = parse_json(c.body, "commit response");
  UploadOutcome out;
  out.commit = j.value("commitOid", "");
  if (j.contains("pullRequestUrl") && j["pullRequestUrl"].is_string()) out.pr_url = j["pullRequestUrl"];
  return out;
}

}  // namespace tinyforge::hub
