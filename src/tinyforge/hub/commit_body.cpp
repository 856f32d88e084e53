#include "tinyforge/hub/commit_body.h"

#include <sstream>
#include <stdexcept>

#include "tinyforge/hub/objects.h"
#include "tinyforge/util/base64.h"
#include "tinyforge/util/fs.h"
#include "tinyforge/util/json.h"

namespace tinyforge::hub {

CommitBody parse_commit_body(const std::string& body) {
  CommitBody out;
  std::istringstream lines(body);
  std::string line;
  int number = 0;
  bool saw_header = false;
  while (std::getline(lines, line)) {
    ++number;
    if (line.empty()) continue;
    const std::string where = "line " + std::to_string(number);
    const Json item = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (item.is_discarded()) throw std::invalid_argument(where + " of the commit is not JSON");
    if (!item.is_object() || !item.contains("key") || !item["key"].is_string() || !item.contains("value") ||
        !item["value"].is_object())
      throw std::invalid_argument(where + " needs \"key\" and an object \"value\"");
    const std::string key = item["key"];
    const Json& v = item["value"];
    auto str = [&](const char* name) {
      return v.contains(name) && v[name].is_string() ? v[name].get<std::string>() : std::string();
    };
    if (key == "header") {
      saw_header = true;
      out.summary = str("summary");
      out.description = str("description");
      out.parent = str("parentCommit");
      continue;
    }
    const std::string path = str("path");
    if (!valid_repo_path(path)) throw std::invalid_argument(where + ": invalid path '" + path + "'");
    if (key == "file") {
      if (str("encoding") != "base64") throw std::invalid_argument("inline files must be base64");
      std::optional<std::string> decoded = base64_decode(str("content"));
      if (!decoded) throw std::invalid_argument(where + ": bad base64");
      std::string sha = sha256_hex(*decoded);
      out.changes.push_back({Change::kAdd, path, sha});
      out.inline_blobs.emplace_back(std::move(sha), std::move(*decoded));
    } else if (key == "lfsFile") {
      const std::string oid = str("oid");
      if (!valid_hex_digest(oid, 64)) throw std::invalid_argument(where + ": " + kOidRule);
      out.changes.push_back({Change::kAdd, path, oid});
      out.lfs_files.emplace_back(path, oid);
    } else if (key == "deletedFile") {
      out.changes.push_back({Change::kDelete, path, ""});
    } else if (key == "deletedFolder") {
      out.changes.push_back({Change::kDeleteFolder, path, ""});
    } else {
      throw std::invalid_argument(where + ": unknown key '" + key + "'");
    }
  }
  if (!saw_header || out.summary.empty())
    throw std::invalid_argument("the commit needs a header with a non-empty summary");
  return out;
}

}  // namespace tinyforge::hub
