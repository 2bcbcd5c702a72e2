// STFT (opset 17+): short-time Fourier transform of a batch of real ([B, L, 1] or [B, L]) or
// complex
// ([B, L, 2]) signals. Frames of frame_length samples start every frame_step samples; each frame is
// multiplied by `window` (if given) and transformed. Output: [B, frames, bins, 2] with
// frames = (L - frame_length) / frame_step + 1 and bins = frame_length/2 + 1 if onesided (default)
// else frame_length. frame_length defaults to the window's length.

#include <complex>

#include "engine/dispatch.h"
#include "providers/reference/misc/dft_plan.h"
#include "providers/reference/misc/misc_kernels.h"
#include "providers/reference/misc/misc_util.h"

namespace berth {
namespace {

class StftKernel : public OpKernel {
 public:
  explicit StftKernel(bool onesided) : onesided_(onesided) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* signal, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* step_t, ctx.RequireInput(1));
    const Tensor* window = ctx.input(2);
    const Tensor* length_t = ctx.input(3);
    const Shape& ss = signal->shape();
    const bool rank2 = ss.size() == 2;
    if (!rank2 && (ss.size() != 3 || (ss[2] != 1 && ss[2] != 2))) {
      return InvalidArgument(where + ": signal must have shape [batch, length, 1 or 2], got " +
                             ShapeToString(ss));
    }
    const int64_t batch = ss[0];
    const int64_t length = ss[1];
    const int64_t comps = rank2 ? 1 : ss[2];
    ASSIGN_OR_RETURN(int64_t step, misc::ReadScalarInt(*step_t, where, "frame_step"));
    if (step < 1)
      return InvalidArgument(where + ": frame_step must be >= 1, got " + std::to_string(step));

    int64_t frame_length = -1;
    if (length_t) {
      ASSIGN_OR_RETURN(frame_length, misc::ReadScalarInt(*length_t, where, "frame_length"));
      if (frame_length < 1) {
        return InvalidArgument(where + ": frame_length must be >= 1, got " +
                               std::to_string(frame_length));
      }
    }
    if (window) {
      if (window->rank() != 1) {
        return InvalidArgument(where + ": window must be 1-D, got " +
                               ShapeToString(window->shape()));
      }
      if (window->dtype() != signal->dtype()) {
        return InvalidArgument(
            where + ": window type " + std::string(DataTypeName(window->dtype())) +
            " differs from signal type " + std::string(DataTypeName(signal->dtype())));
      }
      if (frame_length >= 0 && window->dim(0) != frame_length) {
        return InvalidArgument(where + ": window length " + std::to_string(window->dim(0)) +
                               " differs from frame_length " + std::to_string(frame_length));
      }
      frame_length = window->dim(0);
      if (frame_length < 1) return InvalidArgument(where + ": window is empty");
    }
    if (frame_length < 0) {
      return InvalidArgument(where + ": either 'window' or 'frame_length' must be given");
    }
    if (frame_length > length) {
      return InvalidArgument(where + ": frame length " + std::to_string(frame_length) +
                             " is longer than the signal (" + std::to_string(length) + " samples)");
    }
    const int64_t frames = (length - frame_length) / step + 1;
    const int64_t bins = onesided_ ? frame_length / 2 + 1 : frame_length;
    Tensor* y = ctx.AllocateOutput(0, signal->dtype(), {batch, frames, bins, 2});
    if (y->numel() == 0) return Status::Ok();

    return VisitOf<FloatTypes>(
        signal->dtype(),
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          const T* in = signal->data<T>();
          const T* win = window ? window->data<T>() : nullptr;
          T* out = y->data<T>();
          DftPlan plan(frame_length, /*inverse=*/false);
          std::vector<std::complex<double>> buf(static_cast<size_t>(frame_length)),
              res(static_cast<size_t>(bins));
          std::vector<std::complex<double>> scratch;
          for (int64_t b = 0; b < batch; ++b) {
            for (int64_t f = 0; f < frames; ++f) {
              for (int64_t t = 0; t < frame_length; ++t) {
                const T* e = in + (b * length + f * step + t) * comps;
                const double w = win ? static_cast<double>(static_cast<ComputeT<T>>(win[t])) : 1.0;
                const double re = static_cast<ComputeT<T>>(e[0]);
                const double im =
                    comps == 2 ? static_cast<double>(static_cast<ComputeT<T>>(e[1])) : 0.0;
                buf[static_cast<size_t>(t)] = {re * w, im * w};
              }
              plan.Run(buf.data(), bins, res.data(), scratch);
              T* o = out + (b * frames + f) * bins * 2;
              for (int64_t k = 0; k < bins; ++k) {
                o[2 * k] =
                    static_cast<T>(static_cast<ComputeT<T>>(res[static_cast<size_t>(k)].real()));
                o[2 * k + 1] =
                    static_cast<T>(static_cast<ComputeT<T>>(res[static_cast<size_t>(k)].imag()));
              }
            }
          }
          return Status::Ok();
        },
        where);
  }

 private:
  bool onesided_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateStft(const KernelInfo& info) {
  const int64_t onesided = info.GetInt("onesided", 1);
  if (onesided != 0 && onesided != 1) {
    return InvalidArgument(info.NodeLabel() + ": 'onesided' must be 0 or 1");
  }
  return MakeKernel<StftKernel>(onesided == 1);
}

}  // namespace berth
