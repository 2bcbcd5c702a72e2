// LSTM (opsets 7-14+). Gate order in W, R and B is i, o, f, c; peepholes P are i, o, f.
//   i = f(X W_i^T + H R_i^T + P_i * C_prev + Wb_i + Rb_i)
//   f = f(X W_f^T + H R_f^T + P_f * C_prev + Wb_f + Rb_f)   (1 - i with input_forget)
//   c = g(X W_c^T + H R_c^T + Wb_c + Rb_c)
//   C = f * C_prev + i * c
//   o = f(X W_o^T + H R_o^T + P_o * C + Wb_o + Rb_o)
//   H = o * h(C)
// `clip` bounds every gate's pre-activation. Steps past a batch entry's sequence_lens leave its
// state alone and write zeros to Y, so Y_h/Y_c hold the state after its last real step (zeros for
// a length of 0, as in ONNX Runtime).

#include <algorithm>

#include "providers/reference/recurrent/recurrent_kernels.h"
#include "providers/reference/recurrent/rnn_common.h"

namespace berth {
namespace {

using namespace recurrent;  // NOLINT: this file is the recurrent family's own

constexpr int kGates = 4;

class LstmKernel final : public OpKernel {
 public:
  LstmKernel(RecurrentAttrs attrs, bool input_forget)
      : attrs_(std::move(attrs)), input_forget_(input_forget) {}

  Status Compute(KernelContext& ctx) const override {
    return ComputeRecurrent(ctx, attrs_, kGates, true, [&](const auto& dims, const auto& in, auto* out) {
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
    out->y_c = in.c0;
    std::vector<C> xw(static_cast<size_t>(S * B * GH));
    std::vector<C> gates(static_cast<size_t>(B * GH));
    for (int d = 0; d < D; ++d) {
      const C* w = in.w.data() + d * GH * I;
      const C* r = in.r.data() + d * GH * H;
      const C* wb = in.b.data() + d * 2 * GH;
      const C* rb = wb + GH;
      const C* p = in.has_peepholes ? in.p.data() + d * 3 * H : nullptr;
      const Activation& act_f = attrs_.activation(d, 0);
      const Activation& act_g = attrs_.activation(d, 1);
      const Activation& act_h = attrs_.activation(d, 2);
      C* h = out->y_h.data() + d * B * H;
      C* c = out->y_c.data() + d * B * H;
      // Input projection of every step at once, with both biases folded in.
      MatMulTransposed(S * B, GH, I, in.x.data(), I, w, I, xw.data(), GH, false);
      for (int64_t row = 0; row < S * B; ++row) {
        C* q = xw.data() + row * GH;
        for (int64_t j = 0; j < GH; ++j) q[j] += wb[j] + rb[j];
      }
      const bool reverse = IsReverse(attrs_, d);
      for (int64_t step = 0; step < S; ++step) {
        const int64_t t = reverse ? S - 1 - step : step;
        MatMulTransposed(B, GH, H, h, H, r, H, gates.data(), GH, false);
        for (int64_t b = 0; b < B; ++b) {
          if (t >= in.lens[b]) continue;
          C* g = gates.data() + b * GH;
          const C* xg = xw.data() + (t * B + b) * GH;
          for (int64_t j = 0; j < GH; ++j) g[j] += xg[j];
          C* gi = g;
          C* go = g + H;
          C* gf = g + 2 * H;
          C* gc = g + 3 * H;
          C* cb = c + b * H;
          C* hb = h + b * H;
          if (p) {
            for (int64_t j = 0; j < H; ++j) {
              gi[j] += p[j] * cb[j];
              gf[j] += p[2 * H + j] * cb[j];
            }
          }
          ClipGates(attrs_, gi, H);
          act_f.Apply(gi, H);
          if (input_forget_) {
            for (int64_t j = 0; j < H; ++j) gf[j] = C(1) - gi[j];
          } else {
            ClipGates(attrs_, gf, H);
            act_f.Apply(gf, H);
          }
          ClipGates(attrs_, gc, H);
          act_g.Apply(gc, H);
          for (int64_t j = 0; j < H; ++j) cb[j] = gf[j] * cb[j] + gi[j] * gc[j];
          if (p) {
            for (int64_t j = 0; j < H; ++j) go[j] += p[H + j] * cb[j];
          }
          ClipGates(attrs_, go, H);
          act_f.Apply(go, H);
          // h(C) into the cell gate's slot, which is no longer needed.
          std::copy(cb, cb + H, gc);
          act_h.Apply(gc, H);
          C* y = out->y.data() + ((t * D + d) * B + b) * H;
          for (int64_t j = 0; j < H; ++j) {
            hb[j] = go[j] * gc[j];
            y[j] = hb[j];
          }
        }
      }
    }
  }

  RecurrentAttrs attrs_;
  bool input_forget_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateLstm(const KernelInfo& info) {
  ASSIGN_OR_RETURN(RecurrentAttrs attrs, ReadRecurrentAttrs(info, {"Sigmoid", "Tanh", "Tanh"}));
  return MakeKernel<LstmKernel>(std::move(attrs), info.GetInt("input_forget", 0) != 0);
}

}  // namespace berth
