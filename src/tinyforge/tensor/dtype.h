// tensor/dtype: the element types a checkpoint can hold, their safetensors names and sizes, and the
// float rounding we do ourselves (so the bytes never depend on the platform's conversions).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tinyforge {

// Declared in safetensors' own order (BOOL < U8 < ... < F64): the writer sorts by it.
enum class DType { BOOL, U8, I8, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64 };

std::string_view dtype_name(DType d);  // "F32"
std::optional<DType> dtype_from_name(std::string_view name);
size_t dtype_size(DType d);                  // bytes per element
std::string_view dtype_torch_name(DType d);  // "float32", as config.json's "dtype"
int dtype_sort_rank(DType d);                // safetensors orders tensors by this, descending, then by name

// Bit for bit what torch's CPU `.to()` gives on x86-64 (its AVX2 / AVX-512 kernels): round to nearest even;
// NaN becomes 0xFFFF in bfloat16 and stays a quiet NaN with its top payload bits in float16.
uint16_t float_to_bf16(float f);
uint16_t float_to_f16(float f);
float bf16_to_float(uint16_t h);
float f16_to_float(uint16_t h);  // exact; a NaN comes back quiet

// F32, F16 or BF16: the dtypes convert_floats reads and writes.
bool is_convertible_float(DType d);

// Converts `n` little-endian values from `from` to `to` (both convertible floats, else std::invalid_argument)
// as the functions above do; float16 -> bfloat16 turns NaN into 0x7FC0, as torch's scalar path for that pair
// does. Branch-free loops the compiler vectorises. Returns the index of the first finite value that becomes
// infinite in `to` (it is written as inf), or `n` when there is none.
size_t convert_floats(const void* in, DType from, void* out, DType to, size_t n);

}  // namespace tinyforge
