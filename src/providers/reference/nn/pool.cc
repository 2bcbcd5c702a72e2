// Windowed pooling over N-d spatial dimensions: MaxPool (with optional Indices output,
// storage_order, dilations, ceil_mode), AveragePool (count_include_pad, ceil_mode) and LpPool.
// Input X [N, C, D1, ...]; each (n, c) plane is pooled independently.
//
// The values are computed tap-major with ForEachPatchRun (for each kernel tap, a contiguous run of
// outputs is updated from a strided run of inputs), which keeps the inner loops free of per-window
// bookkeeping. MaxPool's Indices output needs the argmax per window and uses a window-major walk.

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "engine/dispatch.h"
#include "providers/reference/nn/conv_geometry.h"
#include "providers/reference/nn/nn_kernels.h"
#include "providers/reference/nn/nn_util.h"

namespace berth::nn {
namespace {

enum class PoolKind { kMax, kAverage, kLp };

// Walks the output positions of one plane in row-major order. For each it hands `visit` the output
// flat index and, per spatial axis, the window start (in input coordinates, may be negative) and
// the range [klo, khi) of kernel taps that fall inside the input.
class WindowWalker {
 public:
  explicit WindowWalker(const WindowGeometry& g)
      : g_(g),
        r_(g.rank()),
        out_idx_(r_, 0),
        start_(r_),
        klo_(r_),
        khi_(r_),
        kidx_(r_),
        in_strides_(r_, 1) {
    for (int d = r_ - 2; d >= 0; --d) in_strides_[d] = in_strides_[d + 1] * g.input[d + 1];
  }

  // Calls f(input flat offset within the plane) for every tap of the current window inside the
  // input. The taps along the last axis are contiguous runs (step = dilation); the leading axes are
  // walked with an odometer.
  template <typename F>
  void ForEachTap(F&& f) {
    for (int d = 0; d < r_; ++d) {
      if (klo_[d] >= khi_[d]) return;
      kidx_[d] = klo_[d];
    }
    const int last = r_ - 1;
    const int64_t step = g_.dilations[last];
    const int64_t first = start_[last] + klo_[last] * step;
    const int64_t count = khi_[last] - klo_[last];
    while (true) {
      int64_t offset = first;
      for (int d = 0; d < last; ++d)
        offset += (start_[d] + kidx_[d] * g_.dilations[d]) * in_strides_[d];
      for (int64_t k = 0; k < count; ++k, offset += step) f(offset);
      int d = last - 1;
      for (; d >= 0; --d) {
        if (++kidx_[d] < khi_[d]) break;
        kidx_[d] = klo_[d];
      }
      if (d < 0) return;
    }
  }

  template <typename Visit>
  void ForEachOutput(Visit&& visit) {
    const int64_t total = g_.output_size();
    std::fill(out_idx_.begin(), out_idx_.end(), 0);
    for (int64_t o = 0; o < total; ++o) {
      for (int d = 0; d < r_; ++d) {
        start_[d] = out_idx_[d] * g_.strides[d] - g_.pad_head[d];
        // taps k with 0 <= start + k * dil < input
        const int64_t dil = g_.dilations[d];
        int64_t lo, hi;
        if (dil == 1) {  // the common case, without divisions
          lo = std::max<int64_t>(0, -start_[d]);
          hi = std::max<int64_t>(0, g_.input[d] - start_[d]);
        } else {
          lo = start_[d] >= 0 ? 0 : (-start_[d] + dil - 1) / dil;
          hi = g_.input[d] - start_[d] <= 0 ? 0 : (g_.input[d] - start_[d] + dil - 1) / dil;
        }
        klo_[d] = std::min(lo, g_.kernel[d]);
        khi_[d] = std::min(hi, g_.kernel[d]);
      }
      visit(o);
      for (int d = r_ - 1; d >= 0; --d) {
        if (++out_idx_[d] < g_.output[d]) break;
        out_idx_[d] = 0;
      }
    }
  }

  // Converts a row-major flat offset within the plane into column-major order (storage_order=1).
  int64_t ColumnMajor(int64_t offset) const {
    int64_t result = 0, scale = 1;
    for (int d = 0; d < r_; ++d) {
      const int64_t pos = (offset / in_strides_[d]) % g_.input[d];
      result += pos * scale;
      scale *= g_.input[d];
    }
    return result;
  }

 private:
  const WindowGeometry& g_;
  int r_;
  std::vector<int64_t> out_idx_, start_, klo_, khi_, kidx_, in_strides_;
};

class PoolKernel : public OpKernel {
 public:
  PoolKernel(PoolKind kind, WindowAttributes attrs, bool count_include_pad, int64_t storage_order,
             float p)
      : kind_(kind),
        attrs_(std::move(attrs)),
        count_include_pad_(count_include_pad),
        storage_order_(storage_order),
        p_(p) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    if (x->rank() < 3) {
      return InvalidArgument(where + ": input 0 ('X') must have shape [N, C, D1, ...], got " +
                             ShapeToString(x->shape()));
    }
    const int rank = x->rank() - 2;
    if (attrs_.kernel_shape.size() != static_cast<size_t>(rank)) {
      return InvalidArgument(where + ": kernel_shape must have " + std::to_string(rank) +
                             " values for input " + ShapeToString(x->shape()));
    }
    std::vector<int64_t> input(x->shape().begin() + 2, x->shape().end());
    ASSIGN_OR_RETURN(WindowGeometry g,
                     ResolveForwardGeometry(attrs_, input, attrs_.kernel_shape, where));
    Shape out_shape = {x->dim(0), x->dim(1)};
    out_shape.insert(out_shape.end(), g.output.begin(), g.output.end());
    Tensor* y = ctx.AllocateOutput(0, x->dtype(), out_shape);
    Tensor* indices = nullptr;
    if (kind_ == PoolKind::kMax && ctx.output_wanted(1)) {
      indices = ctx.AllocateOutput(1, DataType::kInt64, out_shape);
    }
    if (y->numel() == 0) return Status::Ok();
    const TypeSet types = kind_ == PoolKind::kMax
                              ? (kFloatTypes | TypeBit(DataType::kInt8) | TypeBit(DataType::kUint8))
                              : kFloatTypes;
    return VisitType(
        x->dtype(), types,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          if constexpr (kIsNumeric<T>) {
            Run<T>(*x, g, y, indices);
          }
          return Status::Ok();
        },
        where);
  }

 private:
  template <typename T>
  void Run(const Tensor& x, const WindowGeometry& g, Tensor* y, Tensor* indices) const {
    if (indices) {
      RunMaxWithIndices<T>(x, g, y, indices);
      return;
    }
    using C = ComputeT<T>;
    using Acc = std::conditional_t<std::is_same_v<C, double>, double, float>;
    const int64_t planes = x.dim(0) * x.dim(1);
    const int64_t in_size = g.input_size();
    const int64_t out_size = g.output_size();
    const PatchGeometry pg{g.input, g.output, g.kernel, g.strides, g.dilations, g.pad_head};
    const std::vector<Acc> divisor =
        kind_ == PoolKind::kAverage ? Divisors<Acc>(g) : std::vector<Acc>();
    const Acc p = static_cast<Acc>(p_);
    std::vector<Acc> acc(static_cast<size_t>(out_size));
    const T* xd = x.data<T>();
    T* yd = y->data<T>();
    for (int64_t plane = 0; plane < planes; ++plane) {
      const T* xp = xd + plane * in_size;
      T* yp = yd + plane * out_size;
      if (kind_ == PoolKind::kMax) {
        std::fill(acc.begin(), acc.end(), -std::numeric_limits<Acc>::infinity());
        ForEachPatchRun(pg, [&](int64_t, int64_t dst, int64_t src, int64_t count, int64_t step) {
          Acc* a = acc.data() + dst;
          const T* s = xp + src;
          for (int64_t i = 0; i < count; ++i) {
            const Acc v = static_cast<Acc>(static_cast<C>(s[i * step]));
            a[i] = v > a[i] ? v : a[i];
          }
        });
        for (int64_t o = 0; o < out_size; ++o) yp[o] = static_cast<T>(static_cast<C>(acc[o]));
      } else if (kind_ == PoolKind::kAverage) {
        std::fill(acc.begin(), acc.end(), Acc(0));
        ForEachPatchRun(pg, [&](int64_t, int64_t dst, int64_t src, int64_t count, int64_t step) {
          Acc* a = acc.data() + dst;
          const T* s = xp + src;
          for (int64_t i = 0; i < count; ++i) a[i] += static_cast<Acc>(static_cast<C>(s[i * step]));
        });
        for (int64_t o = 0; o < out_size; ++o) {
          yp[o] = static_cast<T>(static_cast<C>(divisor[o] > 0 ? acc[o] / divisor[o] : Acc(0)));
        }
      } else {
        std::fill(acc.begin(), acc.end(), Acc(0));
        ForEachPatchRun(pg, [&](int64_t, int64_t dst, int64_t src, int64_t count, int64_t step) {
          Acc* a = acc.data() + dst;
          const T* s = xp + src;
          for (int64_t i = 0; i < count; ++i) {
            const Acc v = std::fabs(static_cast<Acc>(static_cast<C>(s[i * step])));
            a[i] += p == Acc(2) ? v * v : (p == Acc(1) ? v : std::pow(v, p));
          }
        });
        for (int64_t o = 0; o < out_size; ++o) {
          const Acc v = p == Acc(2) ? std::sqrt(acc[o])
                                    : (p == Acc(1) ? acc[o] : std::pow(acc[o], Acc(1) / p));
          yp[o] = static_cast<T>(static_cast<C>(v));
        }
      }
    }
  }

  // AveragePool divisor per output position: the taps inside the input, or (count_include_pad)
  // inside the padded input. Separable: the product of per-axis counts.
  template <typename Acc>
  std::vector<Acc> Divisors(const WindowGeometry& g) const {
    const int r = g.rank();
    std::vector<std::vector<int64_t>> per_axis(static_cast<size_t>(r));
    for (int d = 0; d < r; ++d) {
      const int64_t lo = count_include_pad_ ? -g.pad_head[d] : 0;
      const int64_t hi = count_include_pad_ ? g.input[d] + g.pad_tail[d] : g.input[d];
      for (int64_t o = 0; o < g.output[d]; ++o) {
        int64_t n = 0;
        for (int64_t k = 0; k < g.kernel[d]; ++k) {
          const int64_t pos = o * g.strides[d] - g.pad_head[d] + k * g.dilations[d];
          n += pos >= lo && pos < hi;
        }
        per_axis[d].push_back(n);
      }
    }
    std::vector<Acc> out(static_cast<size_t>(g.output_size()));
    std::vector<int64_t> idx(static_cast<size_t>(r), 0);
    for (size_t o = 0; o < out.size(); ++o) {
      int64_t n = 1;
      for (int d = 0; d < r; ++d) n *= per_axis[d][static_cast<size_t>(idx[d])];
      out[o] = static_cast<Acc>(n);
      for (int d = r - 1; d >= 0; --d) {
        if (++idx[d] < g.output[d]) break;
        idx[d] = 0;
      }
    }
    return out;
  }

  template <typename T>
  void RunMaxWithIndices(const Tensor& x, const WindowGeometry& g, Tensor* y,
                         Tensor* indices) const {
    using C = ComputeT<T>;
    const int64_t planes = x.dim(0) * x.dim(1);
    const int64_t in_size = g.input_size();
    const int64_t out_size = g.output_size();
    const T* xd = x.data<T>();
    T* yd = y->data<T>();
    int64_t* id = indices->data<int64_t>();
    WindowWalker walker(g);
    for (int64_t plane = 0; plane < planes; ++plane) {
      const T* xp = xd + plane * in_size;
      T* yp = yd + plane * out_size;
      walker.ForEachOutput([&](int64_t o) {
        C best = std::numeric_limits<C>::lowest();
        if constexpr (std::numeric_limits<C>::has_infinity)
          best = -std::numeric_limits<C>::infinity();
        int64_t best_at = -1;
        walker.ForEachTap([&](int64_t off) {
          const C v = static_cast<C>(xp[off]);
          if (best_at < 0 || v > best) {
            best = v;
            best_at = off;
          }
        });
        yp[o] = static_cast<T>(best);
        const int64_t at = best_at < 0 ? 0 : best_at;
        id[plane * out_size + o] =
            plane * in_size + (storage_order_ == 1 ? walker.ColumnMajor(at) : at);
      });
    }
  }

  PoolKind kind_;
  WindowAttributes attrs_;
  bool count_include_pad_;
  int64_t storage_order_;
  float p_;
};

StatusOr<std::unique_ptr<OpKernel>> CreatePool(const KernelInfo& info, PoolKind kind) {
  ASSIGN_OR_RETURN(WindowAttributes attrs, WindowAttributes::Read(info));
  if (attrs.kernel_shape.empty()) {
    return InvalidArgument(info.NodeLabel() + ": required attribute 'kernel_shape' is missing");
  }
  // AveragePool gained dilations in opset 19 and LpPool in 18; older models never set them, so the
  // attribute is honoured whenever present.
  const bool count_include_pad = info.GetInt("count_include_pad", 0) != 0;
  const int64_t storage_order = info.GetInt("storage_order", 0);
  if (storage_order != 0 && storage_order != 1) {
    return InvalidArgument(info.NodeLabel() + ": storage_order must be 0 or 1, got " +
                           std::to_string(storage_order));
  }
  float p = 2.0f;
  if (kind == PoolKind::kLp) {
    // LpPool-1 had a float p; later versions an int.
    const Attribute* a = info.GetAttribute("p");
    if (a && a->type == Attribute::Type::kFloat) p = a->f;
    if (a && a->type == Attribute::Type::kInt) p = static_cast<float>(a->i);
    if (!(p > 0)) return InvalidArgument(info.NodeLabel() + ": p must be positive");
  }
  return MakeKernel<PoolKernel>(kind, std::move(attrs), count_include_pad, storage_order, p);
}

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateMaxPool(const KernelInfo& info) {
  return CreatePool(info, PoolKind::kMax);
}
StatusOr<std::unique_ptr<OpKernel>> CreateAveragePool(const KernelInfo& info) {
  return CreatePool(info, PoolKind::kAverage);
}
StatusOr<std::unique_ptr<OpKernel>> CreateLpPool(const KernelInfo& info) {
  return CreatePool(info, PoolKind::kLp);
}

}  // namespace berth::nn
