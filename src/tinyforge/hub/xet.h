// hub/xet: the server side of Xet storage uploads (the CAS protocol huggingface_hub uses whenever hf_xet is
// installed): xorbs (chunk containers, LZ4 frame / byte-grouped LZ4 compressed) and the file reconstructions
// a shard lists, turned back into file bytes. Downloads are not served through Xet.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tinyforge/util/bounds.h"

namespace tinyforge::hub::xet {

// What one xorb may hold (xet-core's MAX_XORB_BYTES and MAX_XORB_CHUNKS): the decompressed bytes a xorb
// can make the server produce are bounded by these, whatever its compression.
inline constexpr bounds::Limit kXorbBytes{"the decompressed bytes of one xorb", int64_t{64} << 20};
inline constexpr bounds::Limit kXorbChunks{"the chunks of one xorb", 8192};

// A 32-byte Xet hash as the CAS API spells it: each 8-byte group read as a little-endian u64, in hex.
std::string hash_hex(std::string_view bytes32);

// BLAKE3 in keyed-hash mode with a 32-byte output: the hash Xet builds every id from. Raw bytes in and out.
std::string blake3_keyed(std::string_view key32, std::string_view data);
// The Xet Merkle hash of (hash, size) nodes (raw 32-byte hashes): nodes are grouped, 2 to 9 at a time, at a
// node whose last u64 is divisible by 4 (xet-core's aggregated_node_hash), each group hashed as the lines
// "{hash_hex} : {size}\n" with the internal-node key, until one is left. All zeros for no nodes.
std::string merkle_hash(const std::vector<std::pair<std::string, uint64_t>>& nodes);

// One LZ4 frame (the format xorb chunks use), decoded; at most `max_size` bytes. std::invalid_argument on
// anything malformed.
std::string lz4_frame_decode(std::string_view frame, size_t max_size);

// The chunks of a serialized xorb (chunk headers + data, optionally followed by the metadata footer).
class Xorb {
 public:
  // std::invalid_argument when the chunk sequence does not parse or is above kXorbBytes / kXorbChunks.
  explicit Xorb(std::string bytes);
  size_t chunks() const { return chunks_.size(); }
  size_t chunk_size(size_t index) const { return chunks_.at(index).size; }  // decompressed, as declared
  std::string chunk(size_t index) const;                                    // decompressed
  // Its Xet hash (hash_hex form): the Merkle hash of its chunks' keyed BLAKE3 hashes and sizes, the name a
  // client must upload it under.
  std::string hash() const;

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
// missing); a term whose chunks do not exist or do not add up to its size is std::invalid_argument, found
// before a chunk past the term's size is decompressed.
std::string reconstruct(const FileReconstruction& file,
                        const std::function<const Xorb&(const std::string&)>& load_xorb);

}  // namespace tinyforge::hub::xet
