#include "providers/reference/tensor/tensor_util.h"

#include <algorithm>
#include <cstring>
#include <set>

namespace berth::tensor_ops {

void CopyElements(const Tensor& src, int64_t src_offset, Tensor& dst, int64_t dst_offset,
                  int64_t count) {
  if (count <= 0) return;
  if (src.dtype() == DataType::kString) {
    const std::string* s = src.data<std::string>() + src_offset;
    std::string* d = dst.data<std::string>() + dst_offset;
    for (int64_t i = 0; i < count; ++i) d[i] = s[i];
    return;
  }
  size_t elem = DataTypeSize(src.dtype());
  std::memcpy(static_cast<char*>(dst.raw_data()) + static_cast<size_t>(dst_offset) * elem,
              static_cast<const char*>(src.raw_data()) + static_cast<size_t>(src_offset) * elem,
              static_cast<size_t>(count) * elem);
}

void FillZero(Tensor& dst, int64_t offset, int64_t count) {
  if (count <= 0) return;
  if (dst.dtype() == DataType::kString) {
    std::string* d = dst.data<std::string>() + offset;
    for (int64_t i = 0; i < count; ++i) d[i].clear();
    return;
  }
  size_t elem = DataTypeSize(dst.dtype());
  std::memset(static_cast<char*>(dst.raw_data()) + static_cast<size_t>(offset) * elem, 0,
              static_cast<size_t>(count) * elem);
}

namespace {

template <typename E>
void StridedCopyTyped(const E* src, int64_t base, const std::vector<int64_t>& strides,
                      const Shape& shape, E* dst) {
  const int rank = static_cast<int>(shape.size());
  if (rank == 0) {
    dst[0] = src[base];
    return;
  }
  const int64_t inner = shape[static_cast<size_t>(rank - 1)];
  const int64_t inner_stride = strides[static_cast<size_t>(rank - 1)];
  int64_t outer = 1;
  for (int k = 0; k < rank - 1; ++k) outer *= shape[static_cast<size_t>(k)];
  std::vector<int64_t> index(static_cast<size_t>(rank), 0);
  int64_t offset = base;
  for (int64_t o = 0; o < outer; ++o) {
    const E* s = src + offset;
    if constexpr (std::is_trivially_copyable_v<E>) {
      if (inner_stride == 1) {
        std::memcpy(dst, s, static_cast<size_t>(inner) * sizeof(E));
      } else {
        for (int64_t j = 0; j < inner; ++j) dst[j] = s[j * inner_stride];
      }
    } else {
      for (int64_t j = 0; j < inner; ++j) dst[j] = s[j * inner_stride];
    }
    dst += inner;
    // Advance the odometer over the outer dimensions.
    for (int k = rank - 2; k >= 0; --k) {
      size_t uk = static_cast<size_t>(k);
      offset += strides[uk];
      if (++index[uk] < shape[uk]) break;
      offset -= strides[uk] * shape[uk];
      index[uk] = 0;
    }
  }
}

}  // namespace

void StridedCopy(const Tensor& src, int64_t base, const std::vector<int64_t>& strides,
                 const Shape& shape, Tensor& dst) {
  if (NumElements(shape) == 0) return;
  // Drop size-1 dimensions and merge dimensions that are contiguous with each other, so that the
  // inner loop is as long as possible.
  Shape dims;
  std::vector<int64_t> st;
  for (size_t k = 0; k < shape.size(); ++k) {
    if (shape[k] == 1) continue;
    if (!dims.empty() && st.back() == strides[k] * shape[k]) {
      dims.back() *= shape[k];
      st.back() = strides[k];
      continue;
    }
    dims.push_back(shape[k]);
    st.push_back(strides[k]);
  }
  Status s = VisitElementBits(
      src.dtype(),
      [&](auto tag) -> Status {
        using E = typename decltype(tag)::type;
        StridedCopyTyped<E>(src.data<E>(), base, st, dims, dst.data<E>());
        return Status::Ok();
      },
      "StridedCopy");
  (void)s;  // every defined dtype has an element size; undefined tensors have no elements to copy
}

StatusOr<std::vector<int64_t>> ReadInt64s(const Tensor& t, const std::string& where,
                                          const std::string& what) {
  std::vector<int64_t> out(static_cast<size_t>(t.numel()));
  if (t.dtype() == DataType::kInt64) {
    for (int64_t i = 0; i < t.numel(); ++i) out[static_cast<size_t>(i)] = t.data<int64_t>()[i];
  } else if (t.dtype() == DataType::kInt32) {
    for (int64_t i = 0; i < t.numel(); ++i) out[static_cast<size_t>(i)] = t.data<int32_t>()[i];
  } else {
    return InvalidArgument(where + ": " + what + " must be int32 or int64, got " + t.Describe());
  }
  return out;
}

StatusOr<std::optional<std::vector<int64_t>>> ReadAxesAttributeOrInput(
    const KernelContext& ctx, bool has_attr_axes, const std::vector<int64_t>& attr_axes) {
  const Tensor* axes_input = ctx.input(1);
  if (!axes_input) {
    if (!has_attr_axes) return std::optional<std::vector<int64_t>>();
    return std::optional<std::vector<int64_t>>(attr_axes);
  }
  if (axes_input->rank() > 1) {
    return InvalidArgument(ctx.NodeLabel() + ": input 'axes' must be 1-D, got " +
                           axes_input->Describe());
  }
  ASSIGN_OR_RETURN(std::vector<int64_t> axes,
                   ReadInt64s(*axes_input, ctx.NodeLabel(), "input 'axes'"));
  return std::optional<std::vector<int64_t>>(std::move(axes));
}

StatusOr<double> ReadScalarAsDouble(const Tensor& t, const std::string& where,
                                    const std::string& what) {
  if (t.numel() != 1) {
    return InvalidArgument(where + ": " + what + " must be a scalar or have one element, got " +
                           t.Describe());
  }
  double v = 0;
  Status s = VisitOf<NumericOrBoolTypes>(
      t.dtype(),
      [&](auto tag) -> Status {
        using T = typename decltype(tag)::type;
        v = static_cast<double>(static_cast<ComputeT<T>>(t.data<T>()[0]));
        return Status::Ok();
      },
      where + " (" + what + ")");
  RETURN_IF_ERROR(s);
  return v;
}

StatusOr<int64_t> ReadScalarInt64(const Tensor& t, const std::string& where,
                                  const std::string& what) {
  if (t.numel() != 1) {
    return InvalidArgument(where + ": " + what + " must be a scalar or have one element, got " +
                           t.Describe());
  }
  ASSIGN_OR_RETURN(std::vector<int64_t> v, ReadInt64s(t, where, what));
  return v[0];
}

StatusOr<std::vector<int>> NormalizeAxes(const std::vector<int64_t>& axes, int rank,
                                         const std::string& where) {
  std::vector<int> out;
  std::set<int> seen;
  for (int64_t a : axes) {
    if (a < -rank || a >= rank) {
      return InvalidArgument(where + ": axis " + std::to_string(a) + " is out of range for rank " +
                             std::to_string(rank));
    }
    int n = static_cast<int>(a < 0 ? a + rank : a);
    if (!seen.insert(n).second) {
      return InvalidArgument(where + ": axis " + std::to_string(a) + " is repeated");
    }
    out.push_back(n);
  }
  return out;
}

Status CheckShape(const Shape& shape, DataType dtype, const std::string& where) {
  int64_t n = std::max<int64_t>(1, static_cast<int64_t>(DataTypeSize(dtype)));
  bool empty = false;
  for (int64_t d : shape) {
    if (d < 0)
      return InvalidArgument(where + ": output shape " + ShapeToString(shape) +
                             " has a negative dimension");
    if (d == 0) empty = true;
  }
  if (empty) return Status::Ok();
  for (int64_t d : shape) {
    if (__builtin_mul_overflow(n, d, &n)) {
      return InvalidArgument(where + ": output shape " + ShapeToString(shape) + " is too large");
    }
  }
  return Status::Ok();
}

int64_t ShapeProduct(const Shape& shape, int begin, int end) {
  int64_t n = 1;
  for (int k = begin; k < end; ++k) n *= shape[static_cast<size_t>(k)];
  return n;
}

StatusOr<ScatterReduction> ParseScatterReduction(const std::string& name,
                                                 const std::string& where) {
  if (name == "none") return ScatterReduction::kNone;
  if (name == "add") return ScatterReduction::kAdd;
  if (name == "mul") return ScatterReduction::kMul;
  if (name == "max") return ScatterReduction::kMax;
  if (name == "min") return ScatterReduction::kMin;
  return InvalidArgument(where + ": unknown reduction '" + name +
                         "' (expected none, add, mul, max or min)");
}

namespace {

template <typename T, typename Op>
void ScatterReduce(T* out, const std::vector<int64_t>& offsets, const T* updates, int64_t slice,
                   Op op) {
  using C = ComputeT<T>;
  for (size_t i = 0; i < offsets.size(); ++i) {
    T* dst = out + offsets[i];
    const T* src = updates + static_cast<int64_t>(i) * slice;
    for (int64_t j = 0; j < slice; ++j)
      dst[j] = static_cast<T>(op(static_cast<C>(dst[j]), static_cast<C>(src[j])));
  }
}

}  // namespace

Status ScatterInto(Tensor& out, const std::vector<int64_t>& offsets, const Tensor& updates,
                   int64_t slice, ScatterReduction reduction, const std::string& where) {
  if (reduction == ScatterReduction::kNone) {
    for (size_t i = 0; i < offsets.size(); ++i) {
      CopyElements(updates, static_cast<int64_t>(i) * slice, out, offsets[i], slice);
    }
    return Status::Ok();
  }
  return VisitOf<NumericOrBoolTypes>(
      out.dtype(),
      [&](auto tag) -> Status {
        using T = typename decltype(tag)::type;
        using C = ComputeT<T>;
        T* o = out.data<T>();
        const T* u = updates.data<T>();
        switch (reduction) {
          case ScatterReduction::kAdd:
            ScatterReduce(o, offsets, u, slice, [](C a, C b) { return static_cast<C>(a + b); });
            break;
          case ScatterReduction::kMul:
            ScatterReduce(o, offsets, u, slice, [](C a, C b) { return static_cast<C>(a * b); });
            break;
          case ScatterReduction::kMax:
            ScatterReduce(o, offsets, u, slice, [](C a, C b) { return a < b ? b : a; });
            break;
          case ScatterReduction::kMin:
            ScatterReduce(o, offsets, u, slice, [](C a, C b) { return b < a ? b : a; });
            break;
          case ScatterReduction::kNone:
            break;
        }
        return Status::Ok();
      },
      where + " (reduction)");
}

}  // namespace berth::tensor_ops
