#include "tinyforge/formats/safetensors.h"

#include <algorithm>
#include <cstring>

#include "tinyforge/util/json.h"

namespace tinyforge {

namespace {
constexpr uint64_t kMaxHeaderSize = 100'000'000;  // the crate's MAX_HEADER_SIZE

// serde_json's compact string escaping (it escapes only '"', '\\' and control characters).
void append_json_string(std::string& out, const std::string& s) {
  out += py_json_dumps(Json(s), PyDumpOptions{-1, false});
}
}  // namespace

std::string safetensors_serialize(std::vector<SafetensorsEntry> tensors,
                                  const std::map<std::string, std::string>& metadata) {
  std::sort(tensors.begin(), tensors.end(), [](const SafetensorsEntry& l, const SafetensorsEntry& r) {
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
  for (const auto& t : tensors) {
    if (t.data.size() != static_cast<size_t>(numel(t.shape)) * dtype_size(t.dtype))
      throw SafetensorsError("tensor '" + t.name + "': data size does not match shape and dtype");
    if (!first) header += ',';
    first = false;
    append_json_string(header, t.name);
    header += ":{\"dtype\":\"" + std::string(dtype_name(t.dtype)) + "\",\"shape\":[";
    for (size_t i = 0; i < t.shape.size(); ++i) {
      if (i) header += ',';
      header += std::to_string(t.shape[i]);
    }
    header +=
        "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + t.data.size()) + "]}";
    offset += t.data.size();
  }
  header += '}';
  header.append((8 - header.size() % 8) % 8, ' ');
  std::string out;
  out.reserve(8 + header.size() + offset);
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out += static_cast<char>((n >> (8 * i)) & 0xFF);
  out += header;
  for (const auto& t : tensors) out.append(reinterpret_cast<const char*>(t.data.data()), t.data.size());
  return out;
}

SafetensorsView safetensors_parse(const std::string& bytes) {
  if (bytes.size() < 8) throw SafetensorsError("header too small: the file is shorter than 8 bytes");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  if (n > kMaxHeaderSize) throw SafetensorsError("header too large: " + std::to_string(n) + " bytes");
  if (n > bytes.size() - 8)
    throw SafetensorsError("invalid header length: header runs past the end of the file");
  std::string header = bytes.substr(8, n);
  if (header.empty() || header[0] != '{')
    throw SafetensorsError("invalid header start: the header must begin with '{'");
  Json j;
  try {
    j = Json::parse(header);  // also rejects invalid UTF-8
  } catch (const Json::exception& e) {
    throw SafetensorsError(std::string("invalid header: ") + e.what());
  }
  if (!j.is_object()) throw SafetensorsError("invalid header: not a JSON object");
  SafetensorsView view;
  struct Pending {
    std::string name;
    DType dtype;
    Shape shape;
    uint64_t begin, end;
  };
  std::vector<Pending> pending;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it.value().is_object()) throw SafetensorsError("invalid header: __metadata__ must be an object");
      for (auto m = it.value().begin(); m != it.value().end(); ++m) {
        if (!m.value().is_string())
          throw SafetensorsError("invalid header: __metadata__ values must be strings");
        view.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const Json& info = it.value();
    if (!info.is_object() || !info.contains("dtype") || !info.contains("shape") ||
        !info.contains("data_offsets"))
      throw SafetensorsError("invalid header: tensor '" + it.key() + "' needs dtype, shape and data_offsets");
    auto dtype = info["dtype"].is_string() ? dtype_from_name(info["dtype"].get<std::string>()) : std::nullopt;
    if (!dtype) throw SafetensorsError("invalid header: tensor '" + it.key() + "' has an unknown dtype");
    Pending p{it.key(), *dtype, {}, 0, 0};
    for (const auto& d : info["shape"]) {
      if (!d.is_number_unsigned())
        throw SafetensorsError("invalid header: tensor '" + it.key() + "' has a bad shape");
      p.shape.push_back(d.get<int64_t>());
    }
    const Json& off = info["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      throw SafetensorsError("invalid header: tensor '" + it.key() + "' has bad data_offsets");
    p.begin = off[0].get<uint64_t>();
    p.end = off[1].get<uint64_t>();
    pending.push_back(std::move(p));
  }
  std::sort(pending.begin(), pending.end(), [](const Pending& a, const Pending& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  const uint64_t data_len = bytes.size() - 8 - n;
  uint64_t expected = 0;
  for (const auto& p : pending) {
    if (p.begin != expected || p.end < p.begin)
      throw SafetensorsError("invalid offset: tensor '" + p.name +
                             "' does not start where the previous one ends");
    unsigned __int128 elems = 1;
    for (auto d : p.shape) {
      elems *= static_cast<uint64_t>(d);
      if (elems > (static_cast<unsigned __int128>(1) << 64))
        throw SafetensorsError("validation overflow: tensor '" + p.name + "' shape is too large");
    }
    if (elems * dtype_size(p.dtype) != p.end - p.begin)
      throw SafetensorsError("tensor invalid info: tensor '" + p.name +
                             "' byte size does not match shape x dtype");
    expected = p.end;
  }
  if (expected != data_len)
    throw SafetensorsError("metadata incomplete buffer: data block is " + std::to_string(data_len) +
                           " bytes but the header describes " + std::to_string(expected));
  for (const auto& p : pending) {
    SafetensorsEntry e{p.name, p.dtype, p.shape, {}};
    const char* start = bytes.data() + 8 + n + p.begin;
    e.data.assign(reinterpret_cast<const uint8_t*>(start),
                  reinterpret_cast<const uint8_t*>(start) + (p.end - p.begin));
    view.tensors.push_back(std::move(e));
  }
  return view;
}

}  // namespace tinyforge
