// hub/xet: the server side of Xet storage uploads (the CAS protocol huggingface_hub uses whenever hf_xet is
// installed): xorbs (chunk containers, LZ4 frame / byte-grouped LZ4 compressed) and the file reconstructions
// a shard lists, turned back into file bytes. Downloads are not served through Xet.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyforge::hub::xet {

// A 32-byte Xet hash as the CAS API spells it: each 8-byte group read as a little-endian u64, in hex.
std::string hash_hex(std::string_view bytes32);
bool valid_hash_hex(const std::string& hex);  // 64 lowercase hex digits

// One LZ4 frame (the format xorb chunks use), decoded; at most `max_size` bytes. std::invalid_argument on
// anything malformed.
std::string lz4_frame_decode(std::string_view frame, size_t max_size);

// The chunks of a serialized xorb (chunk headers + data, optionally followed by the metadata footer).
class Xorb {
 public:
  explicit Xorb(std::string bytes);  // std::invalid_argument when the chunk sequence does not parse
  size_t chunks() const { return chunks_.size(); }
  std::string chunk(size_t index) const;  // decompressed

 private:
  struct Chunk {
    size_t offset, stored;
    uint8_t scheme;
    size_t size;
  };
  std::string bytes_;
  std::vector<Chunk> chunks_;
};

struct Term {
  std::string xorb;             // hash_hex of the xorb
  uint32_t first = 0, end = 0;  // chunk range [first, end)
  uint64_t size = 0;            // bytes the range decompresses to
};
struct FileReconstruction {
  std::string file_hash;
  std::vector<Term> terms;
  std::string sha256;  // from the metadata extension, empty when absent
};

// The file info section of an uploaded shard. std::invalid_argument when it does not parse.
std::vector<FileReconstruction> parse_shard(std::string_view shard);

// The file's bytes: every term's chunks in order. `load_xorb(hash_hex)` returns a stored xorb (throws if
// missing); a term whose chunks do not exist or do not add up to its size is std::invalid_argument.
std::string reconstruct(const FileReconstruction& file,
                        const std::function<const Xorb&(const std::string&)>& load_xorb);

}  // namespace tinyforge::hub::xet
