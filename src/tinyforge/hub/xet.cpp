#include "tinyforge/hub/xet.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <stdexcept>

namespace tinyforge::hub::xet {

namespace {

uint64_t read_le(std::string_view s, size_t offset, size_t bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < bytes; ++i)
    v |= static_cast<uint64_t>(static_cast<unsigned char>(s[offset + i])) << (8 * i);
  return v;
}

[[noreturn]] void malformed(const std::string& what) { throw std::invalid_argument(what); }

// One LZ4 block appended to `out`; matches may reach back into earlier blocks of the same frame.
void lz4_block_decode(std::string_view in, std::string& out, size_t max_size) {
  size_t ip = 0;
  auto length = [&](size_t base) {
    size_t n = base;
    if (base == 15) {
      unsigned char b = 255;
      while (b == 255) {
        if (ip >= in.size()) malformed("LZ4 block: truncated length");
        b = static_cast<unsigned char>(in[ip++]);
        n += b;
      }
    }
    return n;
  };
  while (ip < in.size()) {
    const unsigned char token = static_cast<unsigned char>(in[ip++]);
    const size_t literals = length(token >> 4);
    if (literals > in.size() - ip || out.size() + literals > max_size)
      malformed("LZ4 block: literals overrun");
    out.append(in.substr(ip, literals));
    ip += literals;
    if (ip == in.size()) return;  // the last sequence has literals only
    if (in.size() - ip < 2) malformed("LZ4 block: truncated offset");
    const size_t offset = read_le(in, ip, 2);
    ip += 2;
    const size_t match = length(token & 15) + 4;
    if (offset == 0 || offset > out.size()) malformed("LZ4 block: match offset outside the output");
    if (out.size() + match > max_size) malformed("LZ4 block: output larger than announced");
    const size_t from = out.size() - offset;
    for (size_t i = 0; i < match; ++i) out.push_back(out[from + i]);  // may overlap what it writes
  }
}

// Byte grouping: the compressor stored byte k of every 4-byte group together (group k first); undo it.
std::string ungroup4(const std::string& grouped) {
  const size_t n = grouped.size();
  std::string out(n, '\0');
  size_t start = 0;
  for (size_t k = 0; k < 4; ++k) {
    const size_t count = n / 4 + (k < n % 4 ? 1 : 0);
    for (size_t j = 0; j < count; ++j) out[4 * j + k] = grouped[start + j];
    start += count;
  }
  return out;
}

// --- BLAKE3 (the portable reference algorithm: 1024-byte chunks of 64-byte blocks, a binary tree of
// parents), keyed-hash mode, 32-byte output. ---
constexpr uint32_t kIv[8] = {0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A,
                             0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19};
constexpr uint32_t kChunkStart = 1, kChunkEnd = 2, kParent = 4, kRoot = 8, kKeyedHash = 16;
constexpr size_t kBlockLen = 64, kChunkLen = 1024;
using Words = std::array<uint32_t, 8>;

uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

void mix(uint32_t* v, int a, int b, int c, int d, uint32_t x, uint32_t y) {
  v[a] += v[b] + x;
  v[d] = rotr(v[d] ^ v[a], 16);
  v[c] += v[d];
  v[b] = rotr(v[b] ^ v[c], 12);
  v[a] += v[b] + y;
  v[d] = rotr(v[d] ^ v[a], 8);
  v[c] += v[d];
  v[b] = rotr(v[b] ^ v[c], 7);
}

// The compression function's first 8 output words (all a 32-byte output needs).
Words compress(const Words& cv, const unsigned char block[kBlockLen], uint64_t counter, uint32_t length,
               uint32_t flags) {
  static constexpr int kPermutation[16] = {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8};
  uint32_t m[16], v[16];
  for (size_t i = 0; i < 16; ++i)
    m[i] = static_cast<uint32_t>(read_le({reinterpret_cast<const char*>(block), kBlockLen}, 4 * i, 4));
  for (size_t i = 0; i < 8; ++i) v[i] = cv[i];
  for (size_t i = 0; i < 4; ++i) v[8 + i] = kIv[i];
  v[12] = static_cast<uint32_t>(counter);
  v[13] = static_cast<uint32_t>(counter >> 32);
  v[14] = length;
  v[15] = flags;
  for (int round = 0; round < 7; ++round) {
    mix(v, 0, 4, 8, 12, m[0], m[1]);
    mix(v, 1, 5, 9, 13, m[2], m[3]);
    mix(v, 2, 6, 10, 14, m[4], m[5]);
    mix(v, 3, 7, 11, 15, m[6], m[7]);
    mix(v, 0, 5, 10, 15, m[8], m[9]);
    mix(v, 1, 6, 11, 12, m[10], m[11]);
    mix(v, 2, 7, 8, 13, m[12], m[13]);
    mix(v, 3, 4, 9, 14, m[14], m[15]);
    uint32_t permuted[16];
    for (int i = 0; i < 16; ++i) permuted[i] = m[kPermutation[i]];
    std::copy(permuted, permuted + 16, m);
  }
  Words out;
  for (size_t i = 0; i < 8; ++i) out[i] = v[i] ^ v[i + 8];
  return out;
}

// A node not compressed yet: the root is compressed with kRoot, any other node for its chaining value.
struct Node {
  Words cv;
  unsigned char block[kBlockLen] = {};
  uint64_t counter = 0;
  uint32_t length = 0, flags = 0;
  Words output(uint32_t extra = 0) const { return compress(cv, block, counter, length, flags | extra); }
};

// The last block of chunk `index` of `data`, its earlier blocks already compressed into the node's cv.
Node chunk_node(const Words& key, std::string_view chunk, uint64_t index) {
  Node node{key};
  node.counter = index;
  size_t pos = 0;
  uint32_t start = kChunkStart;
  while (chunk.size() - pos > kBlockLen) {
    std::copy_n(chunk.data() + pos, kBlockLen, node.block);
    node.cv = compress(node.cv, node.block, index, kBlockLen, kKeyedHash | start);
    start = 0;
    pos += kBlockLen;
  }
  std::fill(std::begin(node.block), std::end(node.block), 0);
  std::copy(chunk.begin() + static_cast<std::ptrdiff_t>(pos), chunk.end(), node.block);
  node.length = static_cast<uint32_t>(chunk.size() - pos);
  node.flags = kKeyedHash | start | kChunkEnd;
  return node;
}

Node parent_node(const Words& key, const Words& left, const Words& right) {
  Node node{key};
  for (size_t i = 0; i < 8; ++i)
    for (size_t b = 0; b < 4; ++b) {
      node.block[4 * i + b] = static_cast<unsigned char>(left[i] >> (8 * b));
      node.block[32 + 4 * i + b] = static_cast<unsigned char>(right[i] >> (8 * b));
    }
  node.length = kBlockLen;
  node.flags = kKeyedHash | kParent;
  return node;
}

}  // namespace

std::string blake3_keyed(std::string_view key32, std::string_view data) {
  if (key32.size() != 32) throw std::invalid_argument("a BLAKE3 key has 32 bytes");
  Words key;
  for (size_t i = 0; i < 8; ++i) key[i] = static_cast<uint32_t>(read_le(key32, 4 * i, 4));
  // Chunks in order; a stack of complete subtrees' chaining values merges as the chunk count's low bits
  // say. The last chunk (possibly empty) stays a node, merged with the stack from the right.
  std::vector<Words> stack;
  uint64_t index = 0;
  size_t pos = 0;
  for (; data.size() - pos > kChunkLen; pos += kChunkLen) {
    Words cv = chunk_node(key, data.substr(pos, kChunkLen), index).output();
    for (uint64_t total = ++index; (total & 1) == 0; total >>= 1) {
      cv = parent_node(key, stack.back(), cv).output();
      stack.pop_back();
    }
    stack.push_back(cv);
  }
  Node node = chunk_node(key, data.substr(pos), index);
  while (!stack.empty()) {
    node = parent_node(key, stack.back(), node.output());
    stack.pop_back();
  }
  const Words root = node.output(kRoot);
  std::string out(32, '\0');
  for (size_t i = 0; i < 32; ++i) out[i] = static_cast<char>(root[i / 4] >> (8 * (i % 4)));
  return out;
}

namespace {
// xet-core's DATA_KEY (chunk hashes) and INTERNAL_NODE_KEY (Merkle nodes).
constexpr unsigned char kDataKey[32] = {102, 151, 245, 119, 91,  149, 80,  222, 49,  53,  203,
                                        172, 165, 151, 24,  28,  157, 228, 33,  16,  155, 235,
                                        43,  88,  180, 208, 176, 75,  147, 173, 242, 41};
constexpr unsigned char kInternalNodeKey[32] = {1,   126, 197, 199, 165, 71,  41,  150, 253, 148, 102,
                                                102, 180, 138, 2,   230, 93,  221, 83,  111, 55,  199,
                                                109, 210, 248, 99,  82,  230, 74,  83,  113, 63};
std::string_view key_view(const unsigned char (&key)[32]) { return {reinterpret_cast<const char*>(key), 32}; }
}  // namespace

std::string merkle_hash(const std::vector<std::pair<std::string, uint64_t>>& nodes) {
  if (nodes.empty()) return std::string(32, '\0');
  std::vector<std::pair<std::string, uint64_t>> level = nodes;
  while (level.size() > 1) {
    std::vector<std::pair<std::string, uint64_t>> next;
    for (size_t start = 0; start < level.size();) {
      // A group ends after the first node from its third on whose last u64 is divisible by 4, at the
      // latest after 9 nodes; two or fewer left form one group.
      size_t end = std::min(level.size(), start + 9);
      if (level.size() - start <= 2) end = level.size();
      for (size_t i = start + 2; i < end; ++i)
        if (read_le(level[i].first, 24, 8) % 4 == 0) {
          end = i + 1;
          break;
        }
      std::string lines;
      uint64_t size = 0;
      for (size_t i = start; i < end; ++i) {
        lines += hash_hex(level[i].first) + " : " + std::to_string(level[i].second) + "\n";
        size += level[i].second;
      }
      next.emplace_back(blake3_keyed(key_view(kInternalNodeKey), lines), size);
      start = end;
    }
    level = std::move(next);
  }
  return level.front().first;
}

std::string hash_hex(std::string_view bytes32) {
  std::string hex;
  char buf[17];
  for (size_t group = 0; group < 4; ++group) {
    std::snprintf(buf, sizeof buf, "%016llx",
                  static_cast<unsigned long long>(read_le(bytes32, group * 8, 8)));
    hex += buf;
  }
  return hex;
}

std::string lz4_frame_decode(std::string_view in, size_t max_size) {
  if (in.size() < 7 || read_le(in, 0, 4) != 0x184D2204) malformed("not an LZ4 frame");
  const unsigned char flags = static_cast<unsigned char>(in[4]);
  if ((flags >> 6) != 1) malformed("LZ4 frame: unsupported version");
  size_t pos =
      6 + ((flags & 0x08) ? 8 : 0) + ((flags & 0x01) ? 4 : 0) + 1;  // + content size, dict id, checksum
  const bool block_checksums = flags & 0x10;
  std::string out;
  while (true) {
    if (pos + 4 > in.size()) malformed("LZ4 frame: truncated");
    const uint64_t word = read_le(in, pos, 4);
    pos += 4;
    if (word == 0) return out;  // end mark (a content checksum may follow; not needed)
    const size_t size = word & 0x7fffffff;
    if (size > in.size() - pos) malformed("LZ4 frame: block overruns the frame");
    if (word & 0x80000000) {
      if (out.size() + size > max_size) malformed("LZ4 frame: output larger than announced");
      out.append(in.substr(pos, size));
    } else {
      lz4_block_decode(in.substr(pos, size), out, max_size);
    }
    pos += size + (block_checksums ? 4 : 0);
  }
}

Xorb::Xorb(std::string bytes) : bytes_(std::move(bytes)) {
  // Chunks run to the end, or to the footer whose length is the final u32 (uploads may leave it out).
  bool too_many = false;
  auto parse_until = [&](size_t end) {
    chunks_.clear();
    size_t pos = 0;
    while (pos < end) {
      if (end - pos < 8 || bytes_[pos] != 0) return false;
      const size_t stored = read_le(bytes_, pos + 1, 3);
      const uint8_t scheme = static_cast<uint8_t>(bytes_[pos + 4]);
      const size_t size = read_le(bytes_, pos + 5, 3);
      if (scheme > 2 || stored > end - pos - 8 || (scheme == 0 && stored != size)) return false;
      if (chunks_.size() == static_cast<size_t>(kXorbChunks.max)) {
        too_many = true;
        return false;
      }
      chunks_.push_back({pos + 8, stored, scheme, size});
      pos += 8 + stored;
    }
    return true;
  };
  bool parsed = parse_until(bytes_.size());
  if (!parsed && bytes_.size() >= 4) {
    const uint64_t info = read_le(bytes_, bytes_.size() - 4, 4);
    parsed = info + 4 <= bytes_.size() && parse_until(bytes_.size() - 4 - info);
  }
  if (!parsed && too_many)
    malformed(bounds::limit_message("its chunk count", "more than " + std::to_string(kXorbChunks.max),
                                    kXorbChunks, "split the upload into more xorbs"));
  if (!parsed) malformed("the xorb's chunk sequence does not parse");
  int64_t total = 0;  // at most kXorbChunks chunks of at most 2^24 bytes: no overflow
  for (const Chunk& c : chunks_) total += static_cast<int64_t>(c.size);
  if (!bounds::within(total, kXorbBytes))
    malformed(bounds::limit_message("its decompressed size", std::to_string(total), kXorbBytes,
                                    "split the upload into more xorbs"));
}

std::string Xorb::hash() const {
  std::vector<std::pair<std::string, uint64_t>> leaves;
  for (size_t i = 0; i < chunks_.size(); ++i) {
    const std::string data = chunk(i);
    leaves.emplace_back(blake3_keyed(key_view(kDataKey), data), data.size());
  }
  return hash_hex(merkle_hash(leaves));
}

std::string Xorb::chunk(size_t index) const {
  const Chunk& c = chunks_.at(index);
  std::string_view stored(bytes_.data() + c.offset, c.stored);
  std::string data = c.scheme == 0 ? std::string(stored) : lz4_frame_decode(stored, c.size);
  if (data.size() != c.size) malformed("a xorb chunk decompresses to the wrong size");
  return c.scheme == 2 ? ungroup4(data) : data;
}

std::vector<FileReconstruction> parse_shard(std::string_view shard) {
  constexpr size_t kEntry = 48;
  constexpr uint32_t kWithVerification = 0x80000000u, kWithMetadata = 0x40000000u;
  if (shard.size() < kEntry || read_le(shard, 32, 8) != 2) malformed("not a version-2 shard");
  std::vector<FileReconstruction> files;
  size_t pos = kEntry;
  auto need = [&](size_t entries) {
    if (entries > (shard.size() - pos) / kEntry) malformed("the shard's file info section is truncated");
  };
  while (true) {
    need(1);
    std::string_view hash = shard.substr(pos, 32);
    if (hash.find_first_not_of('\xff') == std::string_view::npos) return files;  // bookend
    const uint32_t flags = static_cast<uint32_t>(read_le(shard, pos + 32, 4));
    const uint32_t terms = static_cast<uint32_t>(read_le(shard, pos + 36, 4));
    pos += kEntry;
    FileReconstruction file;
    file.file_hash = hash_hex(hash);
    need(terms);
    for (uint32_t i = 0; i < terms; ++i, pos += kEntry) {
      Term t;
      t.xorb = hash_hex(shard.substr(pos, 32));
      t.size = read_le(shard, pos + 36, 4);
      t.first = static_cast<uint32_t>(read_le(shard, pos + 40, 4));
      t.end = static_cast<uint32_t>(read_le(shard, pos + 44, 4));
      if (t.end <= t.first) malformed("a shard term has an empty chunk range");
      file.terms.push_back(t);
    }
    if (flags & kWithVerification) {
      need(terms);
      pos += static_cast<size_t>(terms) * kEntry;  // range hashes: the sha256 below is checked instead
    }
    if (flags & kWithMetadata) {
      need(1);
      file.sha256 = hash_hex(shard.substr(pos, 32));
      pos += kEntry;
    }
    files.push_back(std::move(file));
  }
}

std::string reconstruct(const FileReconstruction& file,
                        const std::function<const Xorb&(const std::string&)>& load_xorb) {
  std::string out;
  for (const Term& t : file.terms) {
    const Xorb& xorb = load_xorb(t.xorb);
    if (t.end > xorb.chunks()) malformed("a term names chunks xorb " + t.xorb + " does not have");
    uint64_t declared = 0;
    for (uint32_t i = t.first; i < t.end; ++i) declared += xorb.chunk_size(i);
    if (declared != t.size) malformed("a term of xorb " + t.xorb + " does not add up to its size");
    for (uint32_t i = t.first; i < t.end; ++i) out += xorb.chunk(i);
  }
  return out;
}

}  // namespace tinyforge::hub::xet
