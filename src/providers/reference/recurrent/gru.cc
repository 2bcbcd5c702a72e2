// GRU (opsets 7-14+). Gate order in W, R and B is z, r, h.
//   z = f(X W_z^T + H R_z^T + Wb_z + Rb_z)
//   r = f(X W_r^T + H R_r^T + Wb_r + Rb_r)
//   h = g(X W_h^T + (r * H) R_h^T + Rb_h + Wb_h)          linear_before_reset = 0
//   h = g(X W_h^T + r * (H R_h^T + Rb_h) + Wb_h)          linear_before_reset = 1 (PyTorch)
//   H = (1 - z) * h + z * H
// `clip` bounds every gate's pre-activation. Steps past a batch entry's sequence_lens leave its
// state alone and write zeros to Y; a length of 0 gives zero final states (as in ONNX Runtime).

#include "providers/reference/recurrent/recurrent_kernels.h"
#include "providers/reference/recurrent/rnn_common.h"

namespace berth {
namespace {

using namespace recurrent;  // NOLINT: this file is the recurrent family's own

constexpr int kGates = 3;

class GruKernel final : public OpKernel {
 public:
  GruKernel(RecurrentAttrs attrs, bool linear_before_reset)
      : attrs_(std::move(attrs)), linear_before_reset_(linear_before_reset) {}

  Status Compute(KernelContext& ctx) const override {
    return ComputeRecurrent(ctx, attrs_, kGates, false, [&](const auto& dims, const auto& in, auto* out) {
      Run(dims, in, out);
    });
  }

 private:
  template <typename C>
  void Run(const RecurrentDims& dims, const RecurrentInputs<C>& in,
           RecurrentOutputs<C>* out) const {
    const int64_t S = dims.seq_length, B = dims.batch, I = dims.input_size, H = dims.hidden;
    const int64_t D = dims.num_directions, GH = kGates * H;
    out->y.assign(static_cast<size_t>(S * D * B * H), C(0));
    out->y_h = in.h0;
    std::vector<C> xw(static_cast<size_t>(S * B * GH));
    std::vector<C> gates(static_cast<size_t>(B * GH));  // recurrent part, then gate values
    std::vector<C> reset_h(linear_before_reset_ ? 0 : static_cast<size_t>(B * H));
    for (int d = 0; d < D; ++d) {
      const C* w = in.w.data() + d * GH * I;
      const C* r = in.r.data() + d * GH * H;
      const C* wb = in.b.data() + d * 2 * GH;
      const C* rb = wb + GH;
      const Activation& act_f = attrs_.activation(d, 0);
      const Activation& act_g = attrs_.activation(d, 1);
      C* h = out->y_h.data() + d * B * H;
      // Input projection of every step at once. Rb_h stays out when it must be scaled by r.
      MatMulTransposed(S * B, GH, I, in.x.data(), I, w, I, xw.data(), GH, false);
      const int64_t folded = linear_before_reset_ ? 2 * H : GH;
      for (int64_t row = 0; row < S * B; ++row) {
        C* q = xw.data() + row * GH;
        for (int64_t j = 0; j < GH; ++j) q[j] += wb[j] + (j < folded ? rb[j] : C(0));
      }
      const bool reverse = IsReverse(attrs_, d);
      for (int64_t step = 0; step < S; ++step) {
        const int64_t t = reverse ? S - 1 - step : step;
        // z and r (and with linear_before_reset also H R_h^T) for every batch entry.
        MatMulTransposed(B, linear_before_reset_ ? GH : 2 * H, H, h, H, r, H, gates.data(), GH,
                         false);
        for (int64_t b = 0; b < B; ++b) {
          if (t >= in.lens[b]) continue;
          C* g = gates.data() + b * GH;
          const C* xg = xw.data() + (t * B + b) * GH;
          for (int64_t j = 0; j < 2 * H; ++j) g[j] += xg[j];
          ClipGates(attrs_, g, 2 * H);
          act_f.Apply(g, 2 * H);
          if (!linear_before_reset_) {
            const C* gr = g + H;
            const C* hb = h + b * H;
            C* rh = reset_h.data() + b * H;
            for (int64_t j = 0; j < H; ++j) rh[j] = gr[j] * hb[j];
          }
        }
        if (!linear_before_reset_) {
          // (r * H) R_h^T into the h slots. Entries past their length hold stale r*H; unused.
          MatMulTransposed(B, H, H, reset_h.data(), H, r + 2 * H * H, H, gates.data() + 2 * H, GH,
                           false);
        }
        for (int64_t b = 0; b < B; ++b) {
          if (t >= in.lens[b]) continue;
          C* g = gates.data() + b * GH;
          const C* xg = xw.data() + (t * B + b) * GH;
          C* gz = g;
          C* gr = g + H;
          C* gh = g + 2 * H;
          if (linear_before_reset_) {
            const C* rbh = rb + 2 * H;
            for (int64_t j = 0; j < H; ++j) gh[j] = xg[2 * H + j] + gr[j] * (gh[j] + rbh[j]);
          } else {
            for (int64_t j = 0; j < H; ++j) gh[j] += xg[2 * H + j];
          }
          ClipGates(attrs_, gh, H);
          act_g.Apply(gh, H);
          C* hb = h + b * H;
          C* y = out->y.data() + ((t * D + d) * B + b) * H;
          for (int64_t j = 0; j < H; ++j) {
            hb[j] = (C(1) - gz[j]) * gh[j] + gz[j] * hb[j];
            y[j] = hb[j];
          }
        }
      }
    }
  }

  RecurrentAttrs attrs_;
  bool linear_before_reset_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateGru(const KernelInfo& info) {
  ASSIGN_OR_RETURN(RecurrentAttrs attrs, ReadRecurrentAttrs(info, {"Sigmoid", "Tanh"}));
  return MakeKernel<GruKernel>(std::move(attrs), info.GetInt("linear_before_reset", 0) != 0);
}

}  // namespace berth
