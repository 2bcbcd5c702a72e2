#include "providers/reference/control_flow/axis_copy.h"

#include <cstring>
#include <string>

namespace berth {

void CopyAxisRange(const Tensor& in, int axis, int64_t src_begin, int64_t count, Tensor& out, int64_t dst_begin) {
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= in.dim(d);
  for (int d = axis + 1; d < in.rank(); ++d) inner *= in.dim(d);
  const int64_t in_axis = in.dim(axis), out_axis = out.dim(axis);
  const size_t elem = DataTypeSize(in.dtype());
  for (int64_t o = 0; o < outer; ++o) {
    int64_t src = (o * in_axis + src_begin) * inner;
    int64_t dst = (o * out_axis + dst_begin) * inner;
    int64_t n = count * inner;
    if (in.dtype() == DataType::kString) {
      for (int64_t k = 0; k < n; ++k) out.data<std::string>()[dst + k] = in.data<std::string>()[src + k];
    } else if (n > 0) {
      std::memcpy(static_cast<char*>(out.raw_data()) + dst * elem,
                  static_cast<const char*>(in.raw_data()) + src * elem, static_cast<size_t>(n) * elem);
    }
  }
}

Tensor SliceAxis(const Tensor& in, int axis, int64_t begin, int64_t count) {
  Shape shape = in.shape();
  shape[static_cast<size_t>(axis)] = count;
  Tensor out(in.dtype(), shape);
  CopyAxisRange(in, axis, begin, count, out, 0);
  return out;
}

Tensor ConcatAxis(const std::vector<Tensor>& parts, int axis) {
  Shape shape = parts.front().shape();
  int64_t total = 0;
  for (const Tensor& p : parts) total += p.dim(axis);
  shape[static_cast<size_t>(axis)] = total;
  Tensor out(parts.front().dtype(), shape);
  int64_t at = 0;
  for (const Tensor& p : parts) {
    CopyAxisRange(p, axis, 0, p.dim(axis), out, at);
    at += p.dim(axis);
  }
  return out;
}

Tensor StackAxis(const std::vector<Tensor>& parts, int axis) {
  std::vector<Tensor> expanded;
  expanded.reserve(parts.size());
  for (const Tensor& p : parts) {
    Shape s = p.shape();
    s.insert(s.begin() + axis, 1);
    expanded.push_back(p.Reshaped(s));
  }
  return ConcatAxis(expanded, axis);
}

}  // namespace berth
