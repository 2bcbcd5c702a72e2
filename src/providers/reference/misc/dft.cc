// DFT (opset 17+): discrete Fourier transform along one axis of a real ([..., 1]) or complex
// ([..., 2]) signal; the output is always complex ([..., 2]).
// - opset 17-19: `axis` attribute (default 1), counted over the whole input shape.
// - opset 20+: `axis` is optional input 2 (default -2); negative values count from the back.
// dft_length (input 1) zero-pads or truncates the signal along the axis. `onesided` keeps the first
// floor(n/2)+1 bins; `inverse` computes the inverse transform (scaled by 1/n). Before opset 20 both
// together give the first bins of the full inverse transform; opset 20's one-sided inverse (IRFFT)
// is not implemented.

#include <complex>

#include "engine/dispatch.h"
#include "providers/reference/misc/dft_plan.h"
#include "providers/reference/misc/misc_kernels.h"
#include "providers/reference/misc/misc_util.h"

namespace berth {
namespace {

class DftKernel : public OpKernel {
 public:
  DftKernel(int opset, int64_t axis, bool inverse, bool onesided)
      : opset_(opset), axis_(axis), inverse_(inverse), onesided_(onesided) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    const int r = x->rank();
    if (r < 2 || (x->shape().back() != 1 && x->shape().back() != 2)) {
      return InvalidArgument(where + ": input must have shape [batch, signal..., 1 or 2], got " +
                             ShapeToString(x->shape()));
    }
    int64_t axis = axis_;
    if (opset_ >= 20) {
      axis = -2;
      if (const Tensor* a = ctx.input(2)) {
        ASSIGN_OR_RETURN(axis, misc::ReadScalarInt(*a, where, "axis"));
      }
    }
    const int64_t given_axis = axis;
    if (axis < 0) axis += r;
    if (axis < 0 || axis > r - 2) {
      return InvalidArgument(where + ": axis " + std::to_string(given_axis) +
                             " is out of range for input shape " + ShapeToString(x->shape()) +
                             " (the last dimension holds real/imaginary parts)");
    }
    const Shape& xs = x->shape();
    const int64_t len_in = xs[static_cast<size_t>(axis)];
    int64_t n = len_in;
    if (const Tensor* l = ctx.input(1)) {
      ASSIGN_OR_RETURN(n, misc::ReadScalarInt(*l, where, "dft_length"));
      if (n < 1)
        return InvalidArgument(where + ": dft_length must be >= 1, got " + std::to_string(n));
    }
    const int64_t out_len = onesided_ ? n / 2 + 1 : n;
    Shape out_shape = xs;
    out_shape[static_cast<size_t>(axis)] = out_len;
    out_shape.back() = 2;
    Tensor* y = ctx.AllocateOutput(0, x->dtype(), out_shape);
    if (y->numel() == 0) return Status::Ok();
    if (n == 0) return InvalidArgument(where + ": the transform axis is empty");

    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= xs[static_cast<size_t>(d)];
    for (int d = static_cast<int>(axis) + 1; d < r - 1; ++d) inner *= xs[static_cast<size_t>(d)];
    const int64_t comps = xs.back();
    const int64_t take = std::min(len_in, n);

    return VisitOf<FloatTypes>(
        x->dtype(),
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          const T* in = x->data<T>();
          T* out = y->data<T>();
          DftPlan plan(n, inverse_);
          std::vector<std::complex<double>> buf(static_cast<size_t>(n)),
              res(static_cast<size_t>(out_len)), scratch;
          for (int64_t o = 0; o < outer; ++o) {
            for (int64_t i = 0; i < inner; ++i) {
              for (int64_t t = 0; t < n; ++t) {
                if (t < take) {
                  const T* e = in + ((o * len_in + t) * inner + i) * comps;
                  const double re = static_cast<ComputeT<T>>(e[0]);
                  const double im =
                      comps == 2 ? static_cast<double>(static_cast<ComputeT<T>>(e[1])) : 0.0;
                  buf[static_cast<size_t>(t)] = {re, im};
                } else {
                  buf[static_cast<size_t>(t)] = 0;
                }
              }
              plan.Run(buf.data(), out_len, res.data(), scratch);
              for (int64_t k = 0; k < out_len; ++k) {
                T* e = out + ((o * out_len + k) * inner + i) * 2;
                e[0] = static_cast<T>(static_cast<ComputeT<T>>(res[static_cast<size_t>(k)].real()));
                e[1] = static_cast<T>(static_cast<ComputeT<T>>(res[static_cast<size_t>(k)].imag()));
              }
            }
          }
          return Status::Ok();
        },
        where);
  }

 private:
  int opset_;
  int64_t axis_;
  bool inverse_;
  bool onesided_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateDft(const KernelInfo& info) {
  const int64_t inverse = info.GetInt("inverse", 0);
  const int64_t onesided = info.GetInt("onesided", 0);
  if ((inverse != 0 && inverse != 1) || (onesided != 0 && onesided != 1)) {
    return InvalidArgument(info.NodeLabel() + ": 'inverse' and 'onesided' must be 0 or 1");
  }
  if (info.opset() >= 20 && inverse == 1 && onesided == 1) {
    // Opset 20 gives this combination a new meaning (inverse real FFT of a one-sided spectrum).
    return Unimplemented(info.NodeLabel() + ": onesided inverse DFT (IRFFT) is not supported");
  }
  return MakeKernel<DftKernel>(info.opset(), info.GetInt("axis", 1), inverse == 1, onesided == 1);
}

}  // namespace berth
