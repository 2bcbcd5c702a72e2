#pragma once
// Copying slabs of a tensor along one axis (used by Scan, SplitToSequence, ConcatFromSequence).
// A tensor of shape [outer, axis, inner] (with outer/inner the products of the other dims) is copied
// in blocks of `inner` elements; strings are copied as std::string.

#include <vector>

#include "berth/tensor.h"

namespace berth {

// out[o, dst_begin + k, i] = in[o, src_begin + k, i] for k in [0, count).
void CopyAxisRange(const Tensor& in, int axis, int64_t src_begin, int64_t count, Tensor& out, int64_t dst_begin);

// Slice of `in` along `axis` with `count` entries starting at `begin` (rank kept).
Tensor SliceAxis(const Tensor& in, int axis, int64_t begin, int64_t count);

// Concatenates tensors along `axis` (shapes must agree elsewhere; checked by the caller).
Tensor ConcatAxis(const std::vector<Tensor>& parts, int axis);

// Stacks equally shaped tensors along a new axis.
Tensor StackAxis(const std::vector<Tensor>& parts, int axis);

}  // namespace berth
