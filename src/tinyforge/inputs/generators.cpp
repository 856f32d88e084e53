#include "tinyforge/inputs/generators.h"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "tinyforge/catalog/catalog.h"
#include "tinyforge/tensor/rng.h"

namespace tinyforge::inputs {

const std::vector<std::pair<std::string, int64_t>>& default_dummy_shapes() {
  static const std::vector<std::pair<std::string, int64_t>> shapes = {{"batch_size", 2},
                                                                      {"sequence_length", 16},
                                                                      {"num_choices", 4},
                                                                      {"width", 64},
                                                                      {"height", 64},
                                                                      {"num_channels", 3},
                                                                      {"point_batch_size", 3},
                                                                      {"nb_points_per_image", 2},
                                                                      {"visual_seq_length", 16},
                                                                      {"feature_size", 80},
                                                                      {"nb_max_frames", 3000},
                                                                      {"audio_sequence_length", 16000}};
  return shapes;
}

namespace {

int64_t shape_value(const Shapes& shapes, const std::string& key) {
  auto it = shapes.find(key);
  if (it != shapes.end()) return it->second;
  for (const auto& [k, v] : default_dummy_shapes())
    if (k == key) return v;
  throw std::logic_error("unknown dummy shape " + key);
}

uint64_t stream_key(const std::string& name, uint64_t seed) { return hash_name("inputs\0" + name, seed); }

// Rounds `v` to `dtype` and writes it; a value that rounds up to `hi` becomes the largest one below it, so
// upper bounds stay exclusive in fp16/bf16 too.
void store_float_below(DType dtype, double v, double hi, uint8_t* out) {
  switch (dtype) {
    case DType::F32: {
      float f = static_cast<float>(v);
      if (f >= hi) f = std::nextafter(static_cast<float>(hi), -std::numeric_limits<float>::infinity());
      std::memcpy(out, &f, 4);
      return;
    }
    case DType::F16:
    case DType::BF16: {
      const bool half = dtype == DType::F16;
      uint16_t h = half ? float_to_f16(static_cast<float>(v)) : float_to_bf16(static_cast<float>(v));
      float back = half ? f16_to_float(h) : bf16_to_float(h);
      if (back >= hi) {
        uint16_t top = half ? float_to_f16(static_cast<float>(hi)) : float_to_bf16(static_cast<float>(hi));
        float top_f = half ? f16_to_float(top) : bf16_to_float(top);
        // One representable value below hi (bounds are positive; their bit patterns are monotonic).
        h = top_f >= hi ? static_cast<uint16_t>(top - 1) : top;
      }
      std::memcpy(out, &h, 2);
      return;
    }
    default:
      store_value(dtype, v, out);
  }
}

// Fresh memory costs more than generating into it (a page fault per 4 kB page: Whisper's 2x80x30000 floats
// took twice as long as their generation), so a large buffer asks for transparent huge pages and then has its
// pages made present in one call (MADV_POPULATE_WRITE, Linux 5.14+) rather than one fault per page on first
// touch. Advice only: without it (other kernels, THP off) the bytes are the same.
void reserve_large(std::vector<uint8_t>& data, size_t bytes) {
  data.reserve(bytes);
  constexpr uintptr_t kPage = 4096;
  if (bytes < 16 * kPage) return;
  const auto begin = reinterpret_cast<uintptr_t>(data.data());
#ifdef MADV_HUGEPAGE
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  const uintptr_t huge_first = (begin + kHuge - 1) & ~(kHuge - 1), huge_last = (begin + bytes) & ~(kHuge - 1);
  if (huge_last > huge_first)
    ::madvise(reinterpret_cast<void*>(huge_first), huge_last - huge_first, MADV_HUGEPAGE);
#endif
#ifdef MADV_POPULATE_WRITE
  const uintptr_t first = (begin + kPage - 1) & ~(kPage - 1), last = (begin + bytes) & ~(kPage - 1);
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_POPULATE_WRITE);
#endif
}

// Uniform floats, kFloatBlock values per block. Block b is keyed by output b of the SplitMix64 stream keyed
// by (seed, name); value j of a block is a 32-bit mix of j and that block key (two multiply-xorshift rounds,
// Wellons' lowbias32 constants, a bijection for a given key) whose top 24 bits give k / 2^24 in [0, 1)
// (torch's float resolution), scaled as lo + span * u. 32-bit integer lanes and element-wise IEEE float
// operations (no FMA contraction: the library is built with -ffp-contract=off) vectorise on plain SSE2, and
// give the same bytes on every vector width, so the AVX2 clone the loader picks on machines that have it
// writes what the SSE2 one does. For optimum's ranges ([0, 1), [-1, 1): power-of-two spans) every step is
// exact. A value rounding up to hi becomes `below`, the largest float below it.
constexpr int64_t kFloatBlock = 4096;

__attribute__((target_clones("avx2", "default"))) void uniform_block(uint64_t block_key, float lo, float span,
                                                                     float hi, float below, int64_t count,
                                                                     float* __restrict out) {
  const auto k0 = static_cast<uint32_t>(block_key), k1 = static_cast<uint32_t>(block_key >> 32);
  for (int32_t j = 0; j < static_cast<int32_t>(count); ++j) {
    uint32_t x = static_cast<uint32_t>(j) + k0;
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= (x >> 15) ^ k1;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    const float v = lo + span * (static_cast<float>(static_cast<int32_t>(x >> 8)) * 0x1p-24f);
    out[j] = v < hi ? v : below;
  }
}

void check_int_range(const std::string& name, int64_t max_value, DType dtype) {
  int64_t limit = dtype == DType::I8 ? 128 : dtype == DType::I32 ? (int64_t{1} << 31) : 0;
  if (limit && max_value > limit)
    throw UserError("input '" + name + "' needs values up to " + std::to_string(max_value - 1) +
                    ", which do not fit " + std::string(dtype_name(dtype)) + "; use a wider --int_dtype");
}

}  // namespace

DummyTensor random_int_tensor(const std::string& name, Shape shape, int64_t max_value, int64_t min_value,
                              DType dtype, uint64_t seed) {
  if (max_value <= min_value)
    throw UserError("input '" + name + "' would draw from the empty range [" + std::to_string(min_value) +
                    ", " + std::to_string(max_value) + "); check the config");
  check_int_range(name, max_value, dtype);
  DummyTensor t{name, std::move(shape), dtype, {}, {}};
  const int64_t n = numel(t.shape);
  const size_t width = dtype_size(dtype);
  t.data.resize(static_cast<size_t>(n) * width);
  CounterRng rng(stream_key(name, seed));
  const auto span = static_cast<uint64_t>(max_value - min_value);
  for (int64_t i = 0; i < n; ++i)
    store_value(dtype, static_cast<double>(min_value + static_cast<int64_t>(rng.bits(i) % span)),
                t.data.data() + i * width);
  return t;
}

DummyTensor random_float_tensor(const std::string& name, Shape shape, double min_value, double max_value,
                                DType dtype, uint64_t seed) {
  DummyTensor t{name, std::move(shape), dtype, {}, {}};
  const int64_t n = numel(t.shape);
  const size_t width = dtype_size(dtype);
  reserve_large(t.data, static_cast<size_t>(n) * width);
  t.data.resize(static_cast<size_t>(n) * width);
  const uint64_t key = stream_key(name, seed);
  const float lo = static_cast<float>(min_value), span = static_cast<float>(max_value - min_value);
  const float hi = static_cast<float>(max_value);
  const float below = std::nextafter(hi, -std::numeric_limits<float>::infinity());
  uint8_t* out = t.data.data();
  float block[kFloatBlock];  // fp16/bf16: floats before their rounding
  for (int64_t first = 0; first < n; first += kFloatBlock) {
    const int64_t count = std::min(kFloatBlock, n - first);
    const uint64_t block_key = splitmix64(key + static_cast<uint64_t>(first / kFloatBlock) * kSplitMixGamma);
    if (dtype == DType::F32) {
      uniform_block(block_key, lo, span, hi, below, count, reinterpret_cast<float*>(out) + first);
    } else {
      uniform_block(block_key, lo, span, hi, below, count, block);
      for (int64_t k = 0; k < count; ++k)
        store_float_below(dtype, block[k], max_value, out + (first + k) * width);
    }
  }
  return t;
}

DummyTensor random_mask_tensor(const std::string& name, Shape shape, DType dtype, uint64_t seed,
                               const std::string& shape_key) {
  const int64_t length = shape.back();
  if (length < 2)
    throw UserError("--" + shape_key + " " + std::to_string(length) + " is too short for '" + name +
                    "': a right-padded mask needs at least one real and one padded position (use 2 or more)");
  CounterRng rng(stream_key(name, seed));
  const int64_t zeros = 1 + static_cast<int64_t>(rng.bits(~uint64_t{0}) % static_cast<uint64_t>(length - 1));
  DummyTensor t{name, std::move(shape), dtype, {}, {}};
  const int64_t n = numel(t.shape);
  const size_t width = dtype_size(dtype);
  t.data.resize(static_cast<size_t>(n) * width);
  for (int64_t i = 0; i < n; ++i)
    store_value(dtype, (i % length) < length - zeros ? 1.0 : 0.0, t.data.data() + i * width);
  return t;
}

void pad_with_ones(DummyTensor& tensor, size_t dim, int64_t desired_length) {
  const int64_t current = tensor.shape[dim];
  if (desired_length <= current) return;
  // optimum pads with an int64 constant and torch.cat promotes, so a padded integer mask is int64 whatever
  // --int_dtype says.
  if (tensor.dtype == DType::I32 || tensor.dtype == DType::I8) {
    const size_t w = dtype_size(tensor.dtype);
    std::vector<uint8_t> wide(tensor.data.size() / w * 8);
    for (size_t i = 0; i < tensor.data.size() / w; ++i) {
      int64_t v = static_cast<int8_t>(tensor.data[i]);
      if (w == 4) {
        int32_t v32 = 0;
        std::memcpy(&v32, &tensor.data[i * w], 4);
        v = v32;
      }
      std::memcpy(&wide[i * 8], &v, 8);
    }
    tensor.data = std::move(wide);
    tensor.dtype = DType::I64;
  }
  int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < dim; ++d) outer *= tensor.shape[d];
  for (size_t d = dim + 1; d < tensor.shape.size(); ++d) inner *= tensor.shape[d];
  const size_t width = dtype_size(tensor.dtype);
  std::vector<uint8_t> one(width);
  store_value(tensor.dtype, 1.0, one.data());
  std::vector<uint8_t> out;
  out.reserve(static_cast<size_t>(outer * desired_length * inner) * width);
  const size_t row = static_cast<size_t>(current * inner) * width;
  for (int64_t o = 0; o < outer; ++o) {
    out.insert(out.end(), tensor.data.begin() + o * row, tensor.data.begin() + (o + 1) * row);
    for (int64_t k = 0; k < (desired_length - current) * inner; ++k)
      out.insert(out.end(), one.begin(), one.end());
  }
  tensor.data = std::move(out);
  tensor.shape[dim] = desired_length;
}

namespace {

// One tensor as a generator's result, moved in: `return {tensor}` would copy it out of the initializer list
// (for Whisper's input_features a second buffer as large, and its page faults, on every call).
std::vector<DummyTensor> single(DummyTensor t) {
  std::vector<DummyTensor> out;
  out.push_back(std::move(t));
  return out;
}

}  // namespace

bool Generator::supports(const std::string& input_name) const {
  for (const auto& s : supported_)
    if (input_name.rfind(s, 0) == 0) return true;
  return false;
}

namespace {

class TextGenerator : public Generator {
 public:
  TextGenerator(const NormalizedConfig& nc, std::string task, const Shapes& shapes, bool bart_eos)
      : task_(std::move(task)), bart_eos_(bart_eos) {
    supported_ = {"input_ids",      "attention_mask", "encoder_attention_mask", "global_attention_mask",
                  "token_type_ids", "position_ids"};
    vocab_size_ = nc.get_int("vocab_size");
    batch_size = shape_value(shapes, "batch_size");
    sequence_length = shape_value(shapes, "sequence_length");
    num_choices_ = shape_value(shapes, "num_choices");
    if (bart_eos_ && task_ == "text-classification") eos_ = nc.get_int("eos_token_id");
  }

  std::vector<DummyTensor> generate(const std::string& name, const GenerateOptions& o) const override {
    Shape shape = task_ == "multiple-choice" ? Shape{batch_size, num_choices_, sequence_length}
                                             : Shape{batch_size, sequence_length};
    if (name == "attention_mask" || name == "encoder_attention_mask")
      return single(random_mask_tensor(name, shape, o.int_dtype, o.seed, "sequence_length"));
    // Exact names choose the range: everything else (token_type_ids, decoder_input_ids, ...) is {0, 1}.
    int64_t max_value = name == "position_ids" ? sequence_length : name == "input_ids" ? vocab_size_ : 2;
    DummyTensor t = random_int_tensor(name, shape, max_value, 0, o.int_dtype, o.seed);
    if (bart_eos_ && task_ == "text-classification" && name.find("input_ids") != std::string::npos)
      force_eos(t, o);
    return single(std::move(t));
  }

 private:
  // BartDummyTextInputGenerator: every row holds an EOS token (sequence classification pools on it).
  void force_eos(DummyTensor& t, const GenerateOptions& o) const {
    if (sequence_length < 2)
      throw UserError(
          "--sequence_length must be at least 2 for text-classification (an EOS token is placed)");
    const size_t width = dtype_size(t.dtype);
    std::vector<uint8_t> eos(width);
    store_value(t.dtype, static_cast<double>(eos_), eos.data());
    CounterRng rng(stream_key(t.name + "#eos", o.seed));
    for (int64_t row = 0; row < batch_size; ++row) {
      uint8_t* base = t.data.data() + row * sequence_length * width;
      bool found = false;
      for (int64_t j = 0; j < sequence_length && !found; ++j)
        found = std::memcmp(base + j * width, eos.data(), width) == 0;
      if (found) continue;
      int64_t idx = 1 + static_cast<int64_t>(rng.bits(row) % static_cast<uint64_t>(sequence_length - 1));
      std::memcpy(base + idx * width, eos.data(), width);
    }
  }

 protected:
  std::string task_;
  bool bart_eos_ = false;
  int64_t vocab_size_ = 0, num_choices_ = 0, eos_ = 0;
};

class DecoderTextGenerator : public TextGenerator {
 public:
  DecoderTextGenerator(const NormalizedConfig& nc, std::string task, const Shapes& shapes, bool seq2seq)
      : TextGenerator(nc, std::move(task), shapes, false) {
    supported_ = {"decoder_input_ids", "decoder_attention_mask"};
    if (seq2seq) {
      supported_.push_back("encoder_outputs");
      supported_.push_back("encoder_hidden_states");
      hidden_size_ = nc.get_int("hidden_size");
    }
  }
  std::vector<DummyTensor> generate(const std::string& name, const GenerateOptions& o) const override {
    if (hidden_size_ && (name == "encoder_outputs" || name == "encoder_hidden_states"))
      return single(random_float_tensor(name, {batch_size, sequence_length, hidden_size_}, 0, 1,
                                        o.float_dtype, o.seed));
    return TextGenerator::generate(name, o);
  }

 private:
  int64_t hidden_size_ = 0;
};

// The layouts of optimum's past-key-values generators (transformers >= 4.54: separate key/value tensors).
enum class PastKind { Default, Mistral, Gemma, Falcon, Bloom, GPTBigCode, DeepSeekV3, Seq2Seq, T5 };

class PastGenerator : public Generator {
 public:
  PastGenerator(PastKind kind, const NormalizedConfig& nc, const Shapes& shapes) : kind_(kind) {
    supported_ = {"past_key_values"};
    batch_size = shape_value(shapes, "batch_size");
    sequence_length = shape_value(shapes, "sequence_length");
    if (kind == PastKind::Seq2Seq || kind == PastKind::T5) {
      supported_.push_back("cache_position");
      layers_ = nc.get_int("decoder_num_layers");
      encoder_heads_ = nc.get_int("encoder_num_attention_heads");
      heads_ = nc.get_int("decoder_num_attention_heads");
      if (kind == PastKind::T5) {
        head_dim_ = encoder_head_dim_ = nc.get_int("key_value_dim");
      } else {
        const int64_t hidden = nc.get_int("hidden_size");
        head_dim_ = hidden / heads_;
        encoder_head_dim_ = hidden / encoder_heads_;
      }
      return;
    }
    layers_ = nc.get_int("num_layers");
    const int64_t attention_heads = nc.get_int("num_attention_heads");
    const int64_t hidden = nc.get_int("hidden_size");
    heads_ = attention_heads;
    head_dim_ = hidden / attention_heads;
    if (kind == PastKind::Mistral) {
      heads_ = nc.get_int("num_key_value_heads");
      if (nc.has("head_dim")) head_dim_ = nc.get_int("head_dim");
    } else if (kind == PastKind::Gemma) {
      heads_ = nc.get_int("num_key_value_heads");
      head_dim_ = nc.get_int("head_dim");
    } else if (kind == PastKind::Falcon) {
      const bool multi_query = nc.find("multi_query").value_or(Json(false)).get<bool>();
      const bool new_arch = nc.find("new_decoder_architecture").value_or(Json(false)).get<bool>();
      heads_ = new_arch || !multi_query ? nc.get_int("num_kv_heads") : 1;
    } else if (kind == PastKind::GPTBigCode) {
      if (nc.find("multi_query").value_or(Json(false)).get<bool>()) heads_ = 1;
    } else if (kind == PastKind::DeepSeekV3) {
      head_dim_ = nc.get_int("qk_rope_head_dim") + nc.get_int("qk_nope_head_dim");
      value_head_dim_ = nc.get_int("v_head_dim");
    }
  }

  std::vector<DummyTensor> generate(const std::string& name, const GenerateOptions& o) const override {
    std::vector<DummyTensor> out;
    if (name == "cache_position") {
      out.push_back(random_int_tensor(name, {1}, sequence_length, 0, o.int_dtype, o.seed));
      return out;
    }
    const bool seq2seq = kind_ == PastKind::Seq2Seq || kind_ == PastKind::T5;
    const Shape self_shape{batch_size, heads_, sequence_length, head_dim_};
    // The encoder length the seq2seq ONNX configs pass is their text generator's: the same --sequence_length.
    const Shape cross_shape{batch_size, encoder_heads_, sequence_length, encoder_head_dim_};
    for (int64_t i = 0; i < layers_; ++i) {
      const std::string prefix = "past_key_values." + std::to_string(i) + ".";
      if (!seq2seq) {
        for (const char* part : {"key", "value"}) {
          Shape shape = self_shape;
          if (value_head_dim_ && part[0] == 'v') shape[3] = value_head_dim_;  // DeepSeek MLA: own value width
          out.push_back(random_float_tensor(prefix + part, shape, 0, 1, o.float_dtype, o.seed));
        }
        continue;
      }
      for (const char* part : {"decoder.key", "decoder.value"})
        out.push_back(random_float_tensor(prefix + part, self_shape, 0, 1, o.float_dtype, o.seed));
      for (const char* part : {"encoder.key", "encoder.value"})
        out.push_back(random_float_tensor(prefix + part, cross_shape, 0, 1, o.float_dtype, o.seed));
    }
    return out;
  }

 private:
  PastKind kind_;
  int64_t layers_ = 0, heads_ = 0, head_dim_ = 0, encoder_heads_ = 0, encoder_head_dim_ = 0,
          value_head_dim_ = 0;
};

class VisionGenerator : public Generator {
 public:
  VisionGenerator(const NormalizedConfig& nc, const Shapes& shapes) {
    supported_ = {"pixel_values",          "pixel_mask",           "sample", "latent_sample", "visual_embeds",
                  "visual_token_type_ids", "visual_attention_mask"};
    batch_size = shape_value(shapes, "batch_size");
    channels_ = nc.has("num_channels") ? nc.get_int("num_channels") : shape_value(shapes, "num_channels");
    // The config's image_size (or input_size) wins over --height/--width, as in optimum.
    if (auto size = nc.find("image_size")) {
      set_size(*size);
    } else if (auto input_size = nc.find("input_size")) {
      channels_ = (*input_size)[0].get<int64_t>();
      height_ = (*input_size)[1].get<int64_t>();
      width_ = input_size->size() > 2 ? (*input_size)[2].get<int64_t>() : height_;
    } else {
      height_ = shape_value(shapes, "height");
      width_ = shape_value(shapes, "width");
    }
    visual_seq_length_ = shape_value(shapes, "visual_seq_length");
    visual_embedding_dim_ = nc.has("visual_embedding_dim") ? nc.get_int("visual_embedding_dim") : 512;
  }

  std::vector<DummyTensor> generate(const std::string& name, const GenerateOptions& o) const override {
    if (name == "pixel_mask")
      return single(random_int_tensor(name, {batch_size, height_, width_}, 1, 0, o.int_dtype, o.seed));
    if (name == "visual_attention_mask")
      return single(random_mask_tensor(name, {batch_size, visual_seq_length_}, o.int_dtype, o.seed,
                                       "visual_seq_length"));
    if (name == "visual_token_type_ids")
      return single(random_int_tensor(name, {batch_size, visual_seq_length_}, 1, 0, o.int_dtype, o.seed));
    if (name == "visual_embeds")
      return single(random_float_tensor(name, {batch_size, visual_seq_length_, visual_embedding_dim_}, 0, 1,
                                        o.float_dtype, o.seed));
    return single(
        random_float_tensor(name, {batch_size, channels_, height_, width_}, 0, 1, o.float_dtype, o.seed));
  }

 private:
  void set_size(const Json& size) {
    if (size.is_array()) {
      height_ = size[0].get<int64_t>();
      width_ = size.size() > 1 ? size[1].get<int64_t>() : height_;
    } else {
      height_ = width_ = size.get<int64_t>();
    }
  }
  int64_t channels_ = 3, height_ = 0, width_ = 0, visual_seq_length_ = 0, visual_embedding_dim_ = 512;
};

class AudioGenerator : public Generator {
 public:
  AudioGenerator(const NormalizedConfig& nc, const Shapes& shapes) {
    supported_ = {"input_features", "input_values"};
    batch_size = shape_value(shapes, "batch_size");
    feature_size_ = nc.has("feature_size") ? nc.get_int("feature_size") : shape_value(shapes, "feature_size");
    nb_max_frames_ = shape_value(shapes, "nb_max_frames");
    sequence_length = shape_value(shapes, "audio_sequence_length");
  }
  std::vector<DummyTensor> generate(const std::string& name, const GenerateOptions& o) const override {
    if (name == "input_values")  // raw waveform
      return single(random_float_tensor(name, {batch_size, sequence_length}, -1, 1, o.float_dtype, o.seed));
    return single(
        random_float_tensor(name, {batch_size, feature_size_, nb_max_frames_}, -1, 1, o.float_dtype, o.seed));
  }

 private:
  int64_t feature_size_ = 0, nb_max_frames_ = 0;
};

class BboxGenerator : public Generator {
 public:
  explicit BboxGenerator(const Shapes& shapes) {
    supported_ = {"bbox"};
    batch_size = shape_value(shapes, "batch_size");
    sequence_length = shape_value(shapes, "sequence_length");
  }
  std::vector<DummyTensor> generate(const std::string& name, const GenerateOptions& o) const override {
    // optimum's max_value is 1 here, so boxes are all zeros.
    return single(random_int_tensor(name, {batch_size, sequence_length, 4}, 1, 0, o.int_dtype, o.seed));
  }
};

}  // namespace

namespace {

using Factory = std::unique_ptr<Generator> (*)(const NormalizedConfig&, const std::string&, const Shapes&);

template <PastKind kind>
std::unique_ptr<Generator> make_past(const NormalizedConfig& nc, const std::string&, const Shapes& shapes) {
  return std::make_unique<PastGenerator>(kind, nc, shapes);
}

// optimum's generator classes by name. DummyDecoderTextInputGenerator and
// DummySeq2SeqDecoderTextInputGenerator differ in the encoder outputs only the latter makes.
const std::map<std::string, Factory>& factories() {
  static const std::map<std::string, Factory> all = {
      {"DummyTextInputGenerator",
       [](const NormalizedConfig& nc, const std::string& task,
          const Shapes& shapes) -> std::unique_ptr<Generator> {
         return std::make_unique<TextGenerator>(nc, task, shapes, false);
       }},
      {"BartDummyTextInputGenerator",
       [](const NormalizedConfig& nc, const std::string& task, const Shapes& shapes)
           -> std::unique_ptr<Generator> { return std::make_unique<TextGenerator>(nc, task, shapes, true); }},
      {"DummyDecoderTextInputGenerator",
       [](const NormalizedConfig& nc, const std::string& task,
          const Shapes& shapes) -> std::unique_ptr<Generator> {
         return std::make_unique<DecoderTextGenerator>(nc, task, shapes, false);
       }},
      {"DummySeq2SeqDecoderTextInputGenerator",
       [](const NormalizedConfig& nc, const std::string& task,
          const Shapes& shapes) -> std::unique_ptr<Generator> {
         return std::make_unique<DecoderTextGenerator>(nc, task, shapes, true);
       }},
      {"DummyPastKeyValuesGenerator", make_past<PastKind::Default>},
      {"MistralDummyPastKeyValuesGenerator", make_past<PastKind::Mistral>},
      {"GemmaDummyPastKeyValuesGenerator", make_past<PastKind::Gemma>},
      {"FalconDummyPastKeyValuesGenerator", make_past<PastKind::Falcon>},
      {"BloomDummyPastKeyValuesGenerator", make_past<PastKind::Bloom>},
      {"GPTBigCodeDummyPastKeyValuesGenerator", make_past<PastKind::GPTBigCode>},
      {"DeepSeekV3DummyPastKeyValuesGenerator", make_past<PastKind::DeepSeekV3>},
      {"DummySeq2SeqPastKeyValuesGenerator", make_past<PastKind::Seq2Seq>},
      {"T5DummySeq2SeqPastKeyValuesGenerator", make_past<PastKind::T5>},
      {"DummyVisionInputGenerator",
       [](const NormalizedConfig& nc, const std::string&, const Shapes& shapes)
           -> std::unique_ptr<Generator> { return std::make_unique<VisionGenerator>(nc, shapes); }},
      {"DummyAudioInputGenerator",
       [](const NormalizedConfig& nc, const std::string&, const Shapes& shapes)
           -> std::unique_ptr<Generator> { return std::make_unique<AudioGenerator>(nc, shapes); }},
      {"DummyBboxInputGenerator",
       [](const NormalizedConfig&, const std::string&, const Shapes& shapes) -> std::unique_ptr<Generator> {
         return std::make_unique<BboxGenerator>(shapes);
       }},
  };
  return all;
}

}  // namespace

std::unique_ptr<Generator> make_generator(const std::string& optimum_class, const NormalizedConfig& nc,
                                          const std::string& task, const Shapes& shapes) {
  auto it = factories().find(optimum_class);
  return it == factories().end() ? nullptr : it->second(nc, task, shapes);
}

bool generator_implemented(const std::string& optimum_class) { return factories().count(optimum_class) > 0; }

}  // namespace tinyforge::inputs
