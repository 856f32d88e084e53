// util/cache: a content-addressed cache of derived bytes (trained tokenizers) in the user's cache folder, so
// work whose result depends only on its inputs and on this build of the code is done once per machine.
// Keys include source_hash(), so another build never reads what this one wrote. Each entry carries the
// SHA-256 of its body: a corrupt or truncated entry is a miss and is rewritten. Entries are written by
// temporary + rename, so concurrent runs share the folder safely (they write the same bytes). The cache never
// fails a run: a folder that cannot be read or written only means the work is done again.
#pragma once
#include <optional>
#include <string>

#include "tinyforge/util/fs.h"

namespace tinyforge {

// SHA-256 of the library's sources and embedded data, computed at build time (cmake/source_hash.cmake).
const char* source_hash();

// $TINYFORGE_CACHE, else $XDG_CACHE_HOME/tinyforge, else ~/.cache/tinyforge; empty when TINYFORGE_CACHE=off
// or no home is known.
fs::path user_cache_dir();

class ContentCache {
 public:
  // Entries under user_cache_dir()/`kind`/.
  explicit ContentCache(const std::string& kind);
  // The body stored for `key` (any text naming the inputs; hashed with source_hash()), if intact.
  std::optional<std::string> get(const std::string& key) const;
  void put(const std::string& key, const std::string& body) const;

 private:
  fs::path entry_path(const std::string& key) const;
  fs::path dir_;
};

}  // namespace tinyforge
