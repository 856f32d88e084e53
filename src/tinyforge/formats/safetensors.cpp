#include "tinyforge/formats/safetensors.h"

#include <algorithm>
#include <cstring>
#include <fstream>

#include "tinyforge/util/json.h"

namespace tinyforge {

namespace {
constexpr uint64_t kMaxHeaderSize = 100'000'000;  // the crate's MAX_HEADER_SIZE

// serde_json's compact string escaping (it escapes only '"', '\\' and control characters).
void append_json_string(std::string& out, const std::string& s) {
  out += py_json_dumps(Json(s), PyDumpOptions{-1, false});
}

uint64_t read_le64(std::string_view bytes) {
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  return n;
}
}  // namespace

std::string safetensors_header_bytes(std::vector<SafetensorsTensorInfo>& tensors,
                                     const std::map<std::string, std::string>& metadata) {
  std::sort(tensors.begin(), tensors.end(),
            [](const SafetensorsTensorInfo& l, const SafetensorsTensorInfo& r) {
              if (l.dtype != r.dtype) return dtype_sort_rank(l.dtype) > dtype_sort_rank(r.dtype);
              return l.name < r.name;
            });
  std::string header = "{";
  bool first = true;
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    bool first_meta = true;
    for (const auto& [k, v] : metadata) {
      if (!first_meta) header += ',';
      first_meta = false;
      append_json_string(header, k);
      header += ':';
      append_json_string(header, v);
    }
    header += '}';
    first = false;
  }
  uint64_t offset = 0;
  for (auto& t : tensors) {
    t.size = static_cast<uint64_t>(numel(t.shape)) * dtype_size(t.dtype);
    if (!first) header += ',';
    first = false;
    append_json_string(header, t.name);
    header += ":{\"dtype\":\"" + std::string(dtype_name(t.dtype)) + "\",\"shape\":[";
    for (size_t i = 0; i < t.shape.size(); ++i) {
      if (i) header += ',';
      header += std::to_string(t.shape[i]);
    }
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + t.size) + "]}";
    offset += t.size;
  }
  header += '}';
  header.append((8 - header.size() % 8) % 8, ' ');
  std::string out;
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out += static_cast<char>((n >> (8 * i)) & 0xFF);
  out += header;
  uint64_t running = out.size();
  for (auto& t : tensors) {
    t.file_offset = running;
    running += t.size;
  }
  return out;
}

std::string safetensors_serialize(std::vector<SafetensorsTensorInfo> tensors,
                                  const std::map<std::string, std::string>& metadata,
                                  const std::function<void(const SafetensorsTensorInfo&, uint8_t*)>& fill) {
  std::string out = safetensors_header_bytes(tensors, metadata);
  out.resize(tensors.empty() ? out.size() : tensors.back().file_offset + tensors.back().size);
  for (const auto& t : tensors) fill(t, reinterpret_cast<uint8_t*>(out.data() + t.file_offset));
  return out;
}

std::string safetensors_serialize(std::vector<SafetensorsEntry> tensors,
                                  const std::map<std::string, std::string>& metadata) {
  std::vector<SafetensorsTensorInfo> infos;
  std::map<std::string, const SafetensorsEntry*> by_name;
  for (const auto& t : tensors) {
    if (t.data.size() != static_cast<size_t>(numel(t.shape)) * dtype_size(t.dtype))
      throw SafetensorsError("tensor '" + t.name + "': data size does not match shape and dtype");
    infos.push_back({t.name, t.dtype, t.shape, 0, 0});
    by_name[t.name] = &t;
  }
  return safetensors_serialize(std::move(infos), metadata,
                               [&](const SafetensorsTensorInfo& info, uint8_t* out) {
                                 const auto& data = by_name.at(info.name)->data;
                                 std::memcpy(out, data.data(), data.size());
                               });
}

SafetensorsHeader safetensors_parse_header(std::string_view bytes, uint64_t file_size) {
  if (file_size < 8 || bytes.size() < 8)
    throw SafetensorsError("header too small: the file is shorter than 8 bytes");
  const uint64_t n = read_le64(bytes);
  if (n > kMaxHeaderSize) throw SafetensorsError("header too large: " + std::to_string(n) + " bytes");
  if (n > file_size - 8)
    throw SafetensorsError("invalid header length: header runs past the end of the file");
  if (bytes.size() < 8 + n) throw SafetensorsError("header truncated: fewer bytes than the header length");
  std::string_view header = bytes.substr(8, n);
  if (header.empty() || header[0] != '{')
    throw SafetensorsError("invalid header start: the header must begin with '{'");
  Json j;
  try {
    j = Json::parse(header);  // also rejects invalid UTF-8
  } catch (const Json::exception& e) {
    throw SafetensorsError(std::string("invalid header: ") + e.what());
  }
  if (!j.is_object()) throw SafetensorsError("invalid header: not a JSON object");
  SafetensorsHeader out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it.value().is_object()) throw SafetensorsError("invalid header: __metadata__ must be an object");
      for (auto m = it.value().begin(); m != it.value().end(); ++m) {
        if (!m.value().is_string())
          throw SafetensorsError("invalid header: __metadata__ values must be strings");
        out.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const Json& info = it.value();
    if (!info.is_object() || !info.contains("dtype") || !info.contains("shape") ||
        !info.contains("data_offsets"))
      throw SafetensorsError("invalid header: tensor '" + it.key() + "' needs dtype, shape and data_offsets");
    auto dtype = info["dtype"].is_string() ? dtype_from_name(info["dtype"].get<std::string>()) : std::nullopt;
    if (!dtype) throw SafetensorsError("invalid header: tensor '" + it.key() + "' has an unknown dtype");
    SafetensorsTensorInfo t{it.key(), *dtype, {}, 0, 0};
    if (!info["shape"].is_array())
      throw SafetensorsError("invalid header: tensor '" + it.key() + "' has a bad shape");
    for (const auto& d : info["shape"]) {
      if (!d.is_number_unsigned())
        throw SafetensorsError("invalid header: tensor '" + it.key() + "' has a bad shape");
      t.shape.push_back(d.get<int64_t>());
    }
    const Json& off = info["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      throw SafetensorsError("invalid header: tensor '" + it.key() + "' has bad data_offsets");
    const uint64_t begin = off[0].get<uint64_t>(), end = off[1].get<uint64_t>();
    if (end < begin) throw SafetensorsError("invalid offset: tensor '" + t.name + "' ends before it begins");
    t.file_offset = begin;
    t.size = end - begin;
    out.tensors.push_back(std::move(t));
  }
  std::sort(out.tensors.begin(), out.tensors.end(),
            [](const SafetensorsTensorInfo& a, const SafetensorsTensorInfo& b) {
              return a.file_offset != b.file_offset ? a.file_offset < b.file_offset : a.size < b.size;
            });
  const uint64_t data_len = file_size - 8 - n;
  uint64_t expected = 0;
  for (auto& t : out.tensors) {
    if (t.file_offset != expected)
      throw SafetensorsError("invalid offset: tensor '" + t.name +
                             "' does not start where the previous one ends");
    unsigned __int128 elems = 1;
    for (auto d : t.shape) {
      elems *= static_cast<uint64_t>(d);
      if (elems > (static_cast<unsigned __int128>(1) << 64))
        throw SafetensorsError("validation overflow: tensor '" + t.name + "' shape is too large");
    }
    if (elems * dtype_size(t.dtype) != t.size)
      throw SafetensorsError("tensor invalid info: tensor '" + t.name +
                             "' byte size does not match shape x dtype");
    expected += t.size;
    t.file_offset += 8 + n;
  }
  if (expected != data_len)
    throw SafetensorsError("metadata incomplete buffer: data block is " + std::to_string(data_len) +
                           " bytes but the header describes " + std::to_string(expected));
  return out;
}

SafetensorsView safetensors_parse(const std::string& bytes) {
  SafetensorsHeader header = safetensors_parse_header(bytes, bytes.size());
  SafetensorsView view;
  view.metadata = std::move(header.metadata);
  for (auto& t : header.tensors) {
    const auto* start = reinterpret_cast<const uint8_t*>(bytes.data() + t.file_offset);
    view.tensors.push_back({std::move(t.name), t.dtype, std::move(t.shape), {start, start + t.size}});
  }
  return view;
}

SafetensorsHeader safetensors_read_header(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw SafetensorsError("cannot open " + path);
  const uint64_t file_size = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  std::string prefix(std::min<uint64_t>(file_size, 8), '\0');
  in.read(prefix.data(), static_cast<std::streamsize>(prefix.size()));
  if (file_size >= 8) {
    const uint64_t n = read_le64(prefix);
    if (n <= kMaxHeaderSize && n <= file_size - 8) {
      prefix.resize(8 + n);
      in.read(prefix.data() + 8, static_cast<std::streamsize>(n));
    }
  }
  try {
    return safetensors_parse_header(prefix, file_size);
  } catch (const SafetensorsError& e) {
    throw SafetensorsError(path + ": " + e.what());
  }
}

}  // namespace tinyforge
