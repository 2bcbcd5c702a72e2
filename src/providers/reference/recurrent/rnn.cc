// RNN (opsets 7-14+), the simple Elman cell:
//   H = f(X W^T + H R^T + Wb + Rb)
// `clip` bounds the pre-activation. Steps past a batch entry's sequence_lens leave its state alone
// and write zeros to Y; a length of 0 gives zero final states (as in ONNX Runtime).

#include "providers/reference/recurrent/recurrent_kernels.h"
#include "providers/reference/recurrent/rnn_common.h"

namespace berth {
namespace {

using namespace recurrent;  // NOLINT: this file is the recurrent family's own

class RnnKernel final : public OpKernel {
 public:
  explicit RnnKernel(RecurrentAttrs attrs) : attrs_(std::move(attrs)) {}

  Status Compute(KernelContext& ctx) const override {
    return ComputeRecurrent(ctx, attrs_, 1, false, [&](const auto& dims, const auto& in, auto* out) {
      Run(dims, in, out);
    });
  }

 private:
  template <typename C>
  void Run(const RecurrentDims& dims, const RecurrentInputs<C>& in,
           RecurrentOutputs<C>* out) const {
    const int64_t S = dims.seq_length, B = dims.batch, I = dims.input_size, H = dims.hidden;
    const int64_t D = dims.num_directions;
    out->y.assign(static_cast<size_t>(S * D * B * H), C(0));
    out->y_h = in.h0;
    std::vector<C> xw(static_cast<size_t>(S * B * H));
    std::vector<C> gates(static_cast<size_t>(B * H));
    for (int d = 0; d < D; ++d) {
      const C* w = in.w.data() + d * H * I;
      const C* r = in.r.data() + d * H * H;
      const C* wb = in.b.data() + d * 2 * H;
      const C* rb = wb + H;
      const Activation& act = attrs_.activation(d, 0);
      C* h = out->y_h.data() + d * B * H;
      MatMulTransposed(S * B, H, I, in.x.data(), I, w, I, xw.data(), H, false);
      for (int64_t row = 0; row < S * B; ++row) {
        C* q = xw.data() + row * H;
        for (int64_t j = 0; j < H; ++j) q[j] += wb[j] + rb[j];
      }
      const bool reverse = IsReverse(attrs_, d);
      for (int64_t step = 0; step < S; ++step) {
        const int64_t t = reverse ? S - 1 - step : step;
        MatMulTransposed(B, H, H, h, H, r, H, gates.data(), H, false);
        for (int64_t b = 0; b < B; ++b) {
          if (t >= in.lens[b]) continue;
          C* g = gates.data() + b * H;
          const C* xg = xw.data() + (t * B + b) * H;
          for (int64_t j = 0; j < H; ++j) g[j] += xg[j];
          ClipGates(attrs_, g, H);
          act.Apply(g, H);
          C* hb = h + b * H;
          C* y = out->y.data() + ((t * D + d) * B + b) * H;
          for (int64_t j = 0; j < H; ++j) {
            hb[j] = g[j];
            y[j] = g[j];
          }
        }
      }
    }
  }

  RecurrentAttrs attrs_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateRnn(const KernelInfo& info) {
  ASSIGN_OR_RETURN(RecurrentAttrs attrs, ReadRecurrentAttrs(info, {"Tanh"}));
  return MakeKernel<RnnKernel>(std::move(attrs));
}

}  // namespace berth
