#pragma once
// Helpers shared by the tensor-family kernels (shape, layout, indexing, casting, creation).
//
// Data movement in this family is dtype-agnostic: elements are moved as raw bits of DataTypeSize
// bytes, except strings, which are copied as std::string. VisitElementBits picks the C++ type that
// does that. Everything here is stateless and safe to call from several threads.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "berth/status.h"
#include "berth/tensor.h"
#include "engine/dispatch.h"
#include "engine/kernel.h"

namespace berth::tensor_ops {

// A 16-byte element (complex128) moved as bits.
struct Bits128 {
  uint64_t lo;
  uint64_t hi;
};

// Calls f(TypeTag<E>{}) where E moves one element of `dtype`: std::string for strings, otherwise an
// unsigned integer (or Bits128) of the element's size.
template <typename F>
Status VisitElementBits(DataType dtype, F&& f, const std::string& where) {
  if (dtype == DataType::kString) return f(TypeTag<std::string>{});
  switch (DataTypeSize(dtype)) {
    case 1:
      return f(TypeTag<uint8_t>{});
    case 2:
      return f(TypeTag<uint16_t>{});
    case 4:
      return f(TypeTag<uint32_t>{});
    case 8:
      return f(TypeTag<uint64_t>{});
    case 16:
      return f(TypeTag<Bits128>{});
    default:
      return UnsupportedType(dtype, where);
  }
}

// Copies `count` elements src[src_offset...] -> dst[dst_offset...]; both tensors have the same
// dtype.
void CopyElements(const Tensor& src, int64_t src_offset, Tensor& dst, int64_t dst_offset,
                  int64_t count);

// Sets `count` elements of dst from `offset` on to zero (false, empty string). Kernels do not rely
// on AllocateOutput returning zeroed memory.
void FillZero(Tensor& dst, int64_t offset, int64_t count);

// Fills the contiguous dst with a strided view of src: dst element (i_0, ..., i_n-1) of `shape` is
// src element `base + sum_k i_k * strides[k]`. Strides are in elements and may be 0 (broadcast) or
// negative (reversal). dst must have src's dtype and NumElements(shape) elements; the caller checks
// that every addressed src element is in range.
void StridedCopy(const Tensor& src, int64_t base, const std::vector<int64_t>& strides,
                 const Shape& shape, Tensor& dst);

// Reads an int32/int64 tensor as int64 values. `what` names the input in errors ("input 'axes'").
StatusOr<std::vector<int64_t>> ReadInt64s(const Tensor& t, const std::string& where,
                                          const std::string& what);

// Squeeze/Unsqueeze axes: the attribute before opset 13, an optional 1-D int32/int64 input 1 from
// 13 (both forms are accepted; the input wins). Null when neither is given.
StatusOr<std::optional<std::vector<int64_t>>> ReadAxesAttributeOrInput(
    const KernelContext& ctx, bool has_attr_axes, const std::vector<int64_t>& attr_axes);

// Reads the single element of a scalar or one-element tensor of any numeric/bool type as double.
StatusOr<double> ReadScalarAsDouble(const Tensor& t, const std::string& where,
                                    const std::string& what);

// Reads the single element of a scalar or one-element integer tensor as int64.
StatusOr<int64_t> ReadScalarInt64(const Tensor& t, const std::string& where,
                                  const std::string& what);

// Normalises a list of axes against `rank` (negatives count from the end); rejects duplicates.
StatusOr<std::vector<int>> NormalizeAxes(const std::vector<int64_t>& axes, int rank,
                                         const std::string& where);

// Checks that a shape computed from input values has non-negative dimensions and an element count
// (and byte size for `dtype`) that fits in int64, so that allocating and walking it is safe.
Status CheckShape(const Shape& shape, DataType dtype, const std::string& where);

// Product of shape[begin, end).
int64_t ShapeProduct(const Shape& shape, int begin, int end);

// Converts `src` element-wise to `to` (Cast semantics: numeric<->numeric, bool, string formatting
// and parsing, float16/bfloat16). Returns a new tensor of src's shape.
StatusOr<Tensor> CastTensor(const Tensor& src, DataType to, const std::string& where);

// The `reduction` attribute of ScatterElements/ScatterND: how an update combines with the current
// value.
enum class ScatterReduction { kNone, kAdd, kMul, kMax, kMin };
StatusOr<ScatterReduction> ParseScatterReduction(const std::string& name, const std::string& where);

// Writes updates[i] into out[offsets[i]] in order, combining with `reduction`. `out` and `updates`
// share a dtype; reductions need a numeric or bool type (strings only allow kNone).
Status ScatterInto(Tensor& out, const std::vector<int64_t>& offsets, const Tensor& updates,
                   int64_t slice, ScatterReduction reduction, const std::string& where);

}  // namespace berth::tensor_ops
