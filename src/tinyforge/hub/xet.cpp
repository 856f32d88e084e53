#include "tinyforge/hub/xet.h"

#include <algorithm>
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

}  // namespace

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

bool valid_hash_hex(const std::string& hex) {
  return hex.size() == 64 && hex.find_first_not_of("0123456789abcdef") == std::string::npos;
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
  auto parse_until = [&](size_t end) {
    chunks_.clear();
    size_t pos = 0;
    while (pos < end) {
      if (end - pos < 8 || bytes_[pos] != 0) return false;
      const size_t stored = read_le(bytes_, pos + 1, 3);
      const uint8_t scheme = static_cast<uint8_t>(bytes_[pos + 4]);
      const size_t size = read_le(bytes_, pos + 5, 3);
      if (scheme > 2 || stored > end - pos - 8 || (scheme == 0 && stored != size)) return false;
      chunks_.push_back({pos + 8, stored, scheme, size});
      pos += 8 + stored;
    }
    return true;
  };
  if (parse_until(bytes_.size())) return;
  if (bytes_.size() >= 4) {
    const uint64_t info = read_le(bytes_, bytes_.size() - 4, 4);
    if (info + 4 <= bytes_.size() && parse_until(bytes_.size() - 4 - info)) return;
  }
  malformed("the xorb's chunk sequence does not parse");
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
    const size_t before = out.size();
    for (uint32_t i = t.first; i < t.end; ++i) out += xorb.chunk(i);
    if (out.size() - before != t.size) malformed("a term of xorb " + t.xorb + " does not add up to its size");
  }
  return out;
}

}  // namespace tinyforge::hub::xet
