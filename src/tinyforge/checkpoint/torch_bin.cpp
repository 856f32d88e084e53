#include "tinyforge/checkpoint/torch_bin.h"

#include <array>
#include <fstream>

namespace tinyforge {

namespace {

constexpr uint64_t kAlignment = 64;  // torch aligns every record's data to 64 bytes

uint32_t crc32(const std::string& bytes) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : bytes) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

void put16(std::string& out, uint32_t v) {
  out += static_cast<char>(v & 0xFF);
  out += static_cast<char>((v >> 8) & 0xFF);
}
void put32(std::string& out, uint32_t v) {
  put16(out, v & 0xFFFF);
  put16(out, v >> 16);
}

// The pickle of an OrderedDict of tensors, as torch.save writes it (storages as persistent ids).
class StateDictPickler {
 public:
  StateDictPickler() {
    out_ += "\x80\x02";  // PROTO 2
    global("collections", "OrderedDict");
    out_ += ")R(";  // EMPTY_TUPLE, REDUCE, MARK
  }
  void tensor(const std::string& name, const SafetensorsTensorInfo& info, size_t storage_key) {
    unicode(name);
    global("torch._utils", "_rebuild_tensor_v2");
    out_ += "((";  // MARK args, MARK persistent id
    unicode("storage");
    global("torch", storage_class(info.dtype));
    unicode(std::to_string(storage_key));
    unicode("cpu");
    integer(numel(info.shape));
    out_ += "tQ";  // TUPLE, BINPERSID
    integer(0);    // storage offset
    int_tuple(info.shape);
    Shape stride(info.shape.size(), 1);
    for (size_t i = info.shape.size(); i-- > 1;) stride[i - 1] = stride[i] * info.shape[i];
    int_tuple(stride);
    out_ += "\x89";  // requires_grad False
    global("collections", "OrderedDict");
    out_ += ")R";  // backward hooks: OrderedDict()
    out_ += "tR";  // TUPLE, REDUCE
  }
  std::string finish() { return out_ + "u."; }  // SETITEMS, STOP

 private:
  static std::string storage_class(DType d) {
    switch (d) {
      case DType::F32:
        return "FloatStorage";
      case DType::F16:
        return "HalfStorage";
      case DType::BF16:
        return "BFloat16Storage";
      case DType::F64:
        return "DoubleStorage";
      case DType::I64:
        return "LongStorage";
      case DType::I32:
        return "IntStorage";
      case DType::I16:
        return "ShortStorage";
      case DType::I8:
        return "CharStorage";
      case DType::U8:
        return "ByteStorage";
      case DType::BOOL:
        return "BoolStorage";
      default:
        throw CheckpointError("dtype " + std::string(dtype_name(d)) + " has no torch storage class");
    }
  }
  void global(const std::string& module, const std::string& name) {
    out_ += "c" + module + "\n" + name + "\n";
  }
  void unicode(const std::string& s) {
    out_ += 'X';
    put32(out_, static_cast<uint32_t>(s.size()));
    out_ += s;
  }
  void integer(int64_t v) {
    if (v >= 0 && v < 256) {
      out_ += 'K';
      out_ += static_cast<char>(v);
    } else if (v >= 0 && v < 65536) {
      out_ += 'M';
      put16(out_, static_cast<uint32_t>(v));
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      out_ += 'J';
      put32(out_, static_cast<uint32_t>(static_cast<int32_t>(v)));
    } else {  // LONG1: little-endian two's complement, 8 bytes
      out_ += "\x8a\x08";
      for (int i = 0; i < 8; ++i) out_ += static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xFF);
    }
  }
  void int_tuple(const Shape& values) {
    if (values.empty()) {
      out_ += ')';
      return;
    }
    out_ += '(';
    for (auto v : values) integer(v);
    out_ += 't';
  }
  std::string out_;
};

class ZipWriter {
 public:
  explicit ZipWriter(const fs::path& path) : out_(path, std::ios::binary | std::ios::trunc) {
    if (!out_) throw CheckpointError("cannot write " + path.string());
  }
  void record(const std::string& name, const std::string& data) {
    if (offset_ + data.size() > 0xFFFFFFFFull)
      throw CheckpointError(
          "pytorch_model.bin over 4 GB needs zip64, which tinyforge does not write; use safetensors");
    // Local header, then an extra field ("FB" padding, as torch writes) so the data starts 64-aligned.
    const uint64_t unpadded = offset_ + 30 + name.size() + 4;
    const uint64_t pad = (kAlignment - unpadded % kAlignment) % kAlignment;
    const uint32_t crc = crc32(data);
    std::string h;
    put32(h, 0x04034b50);
    put16(h, 0);       // version needed
    put16(h, 0x0800);  // UTF-8 names
    put16(h, 0);       // stored
    put16(h, 0);       // time
    put16(h, 0x21);    // date 1980-01-01
    put32(h, crc);
    put32(h, static_cast<uint32_t>(data.size()));
    put32(h, static_cast<uint32_t>(data.size()));
    put16(h, static_cast<uint32_t>(name.size()));
    put16(h, static_cast<uint32_t>(4 + pad));
    h += name;
    h += "FB";
    put16(h, static_cast<uint32_t>(pad));
    h.append(pad, 'Z');
    central_.push_back({name, crc, static_cast<uint32_t>(data.size()), static_cast<uint32_t>(offset_)});
    write(h);
    write(data);
  }
  void finish() {
    const uint64_t start = offset_;
    std::string c;
    for (const auto& e : central_) {
      put32(c, 0x02014b50);
      put16(c, 0);  // version made by
      put16(c, 0);  // version needed
      put16(c, 0x0800);
      put16(c, 0);
      put16(c, 0);
      put16(c, 0x21);
      put32(c, e.crc);
      put32(c, e.size);
      put32(c, e.size);
      put16(c, static_cast<uint32_t>(e.name.size()));
      put16(c, 0);  // extra
      put16(c, 0);  // comment
      put16(c, 0);  // disk
      put16(c, 0);  // internal attributes
      put32(c, 0);  // external attributes
      put32(c, e.offset);
      c += e.name;
    }
    put32(c, 0x06054b50);
    put16(c, 0);
    put16(c, 0);
    put16(c, static_cast<uint32_t>(central_.size()));
    put16(c, static_cast<uint32_t>(central_.size()));
    put32(c, static_cast<uint32_t>(c.size()));
    put32(c, static_cast<uint32_t>(start));
    put16(c, 0);
    write(c);
    out_.flush();
    if (!out_) throw CheckpointError("could not finish writing the .bin file (disk full?)");
  }

 private:
  struct Entry {
    std::string name;
    uint32_t crc, size, offset;
  };
  void write(const std::string& bytes) {
    out_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    offset_ += bytes.size();
  }
  std::ofstream out_;
  uint64_t offset_ = 0;
  std::vector<Entry> central_;
};

}  // namespace

void write_torch_bin(const fs::path& path, const std::vector<TensorSource>& tensors) {
  const std::string prefix = path.stem().string() + "/";
  StateDictPickler pickle;
  for (size_t i = 0; i < tensors.size(); ++i) pickle.tensor(tensors[i].info.name, tensors[i].info, i);
  ZipWriter zip(path);
  zip.record(prefix + "data.pkl", pickle.finish());
  zip.record(prefix + ".format_version", "1");
  zip.record(prefix + ".storage_alignment", "64");
  zip.record(prefix + "byteorder", "little");
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (tensors[i].view) {
      zip.record(prefix + "data/" + std::to_string(i), std::string(tensors[i].view()));
    } else {
      std::vector<uint8_t> bytes = tensors[i].bytes();
      zip.record(prefix + "data/" + std::to_string(i), std::string(bytes.begin(), bytes.end()));
    }
  }
  zip.record(prefix + "version", "3\n");
  zip.finish();
}

}  // namespace tinyforge
