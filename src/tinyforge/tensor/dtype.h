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

uint16_t float_to_bf16(float f);  // round to nearest even
uint16_t float_to_f16(float f);   // round to nearest even, IEEE half
float bf16_to_float(uint16_t h);
float f16_to_float(uint16_t h);

}  // namespace tinyforge
