#pragma once
// What RNN, GRU and LSTM share: attribute parsing (direction, hidden_size, clip, layout,
// activations with their alpha/beta), input validation, conversion of the inputs to the compute
// type in time-major layout, and writing the outputs back in the requested layout.
//
// Inputs (ONNX order): 0 X, 1 W, 2 R, 3 B, 4 sequence_lens, 5 initial_h, 6 initial_c (LSTM), 7 P
// (LSTM). Outputs: 0 Y, 1 Y_h, 2 Y_c (LSTM).
// Internally everything is time-major: X [seq, batch, input], Y [seq, dirs, batch, hidden],
// states [dirs, batch, hidden]; layout=1 (opset 14) is converted on the way in and out.
// Thread-safety: all functions are pure; the structs are read-only after the factory built them.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "engine/kernel.h"

namespace berth::recurrent {

enum class Direction { kForward, kReverse, kBidirectional };

// One activation function of the ONNX RNN family with its alpha/beta.
struct Activation {
  enum class Kind {
    kRelu,
    kTanh,
    kSigmoid,
    kAffine,
    kLeakyRelu,
    kThresholdedRelu,
    kScaledTanh,
    kHardSigmoid,
    kElu,
    kSoftsign,
    kSoftplus,
  };
  Kind kind = Kind::kTanh;
  float alpha = 0;
  float beta = 0;

  // x[i] = f(x[i]) for i in [0, n).
  template <typename C>
  void Apply(C* x, int64_t n) const;
};

struct RecurrentAttrs {
  Direction direction = Direction::kForward;
  int num_directions = 1;
  int64_t hidden_size = -1;  // -1: not given, taken from R's shape
  bool has_clip = false;
  float clip = 0;
  int64_t layout = 0;                   // 0: [seq, batch, ...]; 1: [batch, seq, ...]
  int per_direction = 0;                // activation functions per direction (RNN 1, GRU 2, LSTM 3)
  std::vector<Activation> activations;  // [direction * per_direction + j]

  const Activation& activation(int direction_index, int j) const {
    return activations[static_cast<size_t>(direction_index * per_direction + j)];
  }
};

// Reads and checks the shared attributes. `default_activations` are the per-direction defaults
// (e.g. {"Sigmoid", "Tanh", "Tanh"} for LSTM); their count fixes per_direction.
StatusOr<RecurrentAttrs> ReadRecurrentAttrs(const KernelInfo& info,
                                            const std::vector<std::string>& default_activations);

struct RecurrentDims {
  int64_t seq_length = 0;
  int64_t batch = 0;
  int64_t input_size = 0;
  int64_t hidden = 0;
  int64_t num_directions = 1;
};

// Checks the inputs' presence, types and shapes against the attributes. `num_gates` is 1 (RNN),
// 3 (GRU) or 4 (LSTM); `is_lstm` enables initial_c and P.
StatusOr<RecurrentDims> CheckRecurrentInputs(const KernelContext& ctx, const RecurrentAttrs& attrs,
                                             int num_gates, bool is_lstm);

// The inputs converted to the compute type C (float for float16/bfloat16/float32, double for
// double), time-major. Missing optional inputs become zeros (lens: seq_length).
template <typename C>
struct RecurrentInputs {
  std::vector<C> x;   // [seq, batch, input]
  std::vector<C> w;   // [dirs, gates*hidden, input]
  std::vector<C> r;   // [dirs, gates*hidden, hidden]
  std::vector<C> b;   // [dirs, 2*gates*hidden]
  std::vector<C> h0;  // [dirs, batch, hidden]
  std::vector<C> c0;  // [dirs, batch, hidden] (LSTM)
  std::vector<C> p;   // [dirs, 3*hidden] (LSTM)
  bool has_peepholes = false;
  std::vector<int64_t> lens;  // [batch]
};

// Converts the checked inputs. Returns an error for out-of-range sequence_lens values.
template <typename C>
Status LoadRecurrentInputs(const KernelContext& ctx, const RecurrentAttrs& attrs,
                           const RecurrentDims& dims, int num_gates, bool is_lstm,
                           RecurrentInputs<C>* in);

// What a cell computed: y [seq, dirs, batch, hidden] (zero past each sequence's length),
// final states [dirs, batch, hidden].
template <typename C>
struct RecurrentOutputs {
  std::vector<C> y;
  std::vector<C> y_h;
  std::vector<C> y_c;  // LSTM only
};

// Zeroes the final states of batch entries whose sequence length is 0, as ONNX Runtime does
// (the spec leaves it open; ORT is what exporters such as PyTorch's validate against).
template <typename C>
void ZeroStatesOfEmptySequences(const RecurrentDims& dims, const std::vector<int64_t>& lens,
                                RecurrentOutputs<C>* out) {
  for (int64_t b = 0; b < dims.batch; ++b) {
    if (lens[static_cast<size_t>(b)] != 0) continue;
    for (int64_t d = 0; d < dims.num_directions; ++d) {
      const size_t at = static_cast<size_t>((d * dims.batch + b) * dims.hidden);
      std::fill(out->y_h.begin() + at, out->y_h.begin() + at + dims.hidden, C(0));
      if (!out->y_c.empty()) {
        std::fill(out->y_c.begin() + at, out->y_c.begin() + at + dims.hidden, C(0));
      }
    }
  }
}

// Allocates the wanted outputs with X's element type and writes them in the attrs' layout.
template <typename C>
Status WriteRecurrentOutputs(KernelContext& ctx, const RecurrentAttrs& attrs,
                             const RecurrentDims& dims, const RecurrentOutputs<C>& out);

// c[m, n] (+)= sum_k a[m, k] * b[n, k]: a times the transpose of row-major b (weights are stored
// [out_features, in_features]). Leading dimensions are in elements.
template <typename C>
void MatMulTransposed(int64_t M, int64_t N, int64_t K, const C* a, int64_t lda, const C* b,
                      int64_t ldb, C* c, int64_t ldc, bool accumulate);

// x[i] = clamp(x[i], -clip, clip) when the attribute is set.
template <typename C>
inline void ClipGates(const RecurrentAttrs& attrs, C* x, int64_t n) {
  if (!attrs.has_clip) return;
  const C hi = static_cast<C>(attrs.clip);
  for (int64_t i = 0; i < n; ++i) x[i] = x[i] < -hi ? -hi : (x[i] > hi ? hi : x[i]);
}

// Whether direction index d (0 or 1) walks the sequence backwards.
inline bool IsReverse(const RecurrentAttrs& attrs, int d) {
  return attrs.direction == Direction::kReverse || d == 1;
}

// Calls f(static_cast<C*>(nullptr)) with the compute type C for X's element type: float for
// float16/bfloat16/float32, double for double. The null pointer only carries the type.
template <typename F>
Status VisitRecurrentType(DataType dtype, const std::string& where, F&& f) {
  switch (dtype) {
    case DataType::kFloat32:
    case DataType::kFloat16:
    case DataType::kBFloat16:
      return f(static_cast<float*>(nullptr));
    case DataType::kFloat64:
      return f(static_cast<double*>(nullptr));
    default:
      return InvalidArgument(where + ": input X must be float16, bfloat16, float or double, got " +
                             std::string(DataTypeName(dtype)));
  }
}

// The Compute shared by RNN, GRU and LSTM: checks the inputs, loads them as the compute type C,
// calls run(dims, in, &out) (a generic callable; `out` starts empty), zeroes the final states of
// empty sequences and writes the wanted outputs.
template <typename Run>
Status ComputeRecurrent(KernelContext& ctx, const RecurrentAttrs& attrs, int num_gates,
                        bool is_lstm, Run&& run) {
  ASSIGN_OR_RETURN(RecurrentDims dims, CheckRecurrentInputs(ctx, attrs, num_gates, is_lstm));
  return VisitRecurrentType(ctx.input(0)->dtype(), ctx.NodeLabel(), [&](auto tag) -> Status {
    using C = std::remove_pointer_t<decltype(tag)>;
    RecurrentInputs<C> in;
    RETURN_IF_ERROR(LoadRecurrentInputs(ctx, attrs, dims, num_gates, is_lstm, &in));
    RecurrentOutputs<C> out;
    run(dims, in, &out);
    ZeroStatesOfEmptySequences(dims, in.lens, &out);
    return WriteRecurrentOutputs(ctx, attrs, dims, out);
  });
}

template <typename C>
void Activation::Apply(C* x, int64_t n) const {
  const C a = static_cast<C>(alpha), b = static_cast<C>(beta);
  switch (kind) {
    case Kind::kRelu:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] > C(0) ? x[i] : C(0);
      break;
    case Kind::kTanh:
      for (int64_t i = 0; i < n; ++i) x[i] = std::tanh(x[i]);
      break;
    case Kind::kSigmoid:
      for (int64_t i = 0; i < n; ++i) {
        // Written so that neither branch overflows exp().
        const C v = x[i];
        if (v >= C(0)) {
          x[i] = C(1) / (C(1) + std::exp(-v));
        } else {
          const C e = std::exp(v);
          x[i] = e / (C(1) + e);
        }
      }
      break;
    case Kind::kAffine:
      for (int64_t i = 0; i < n; ++i) x[i] = a * x[i] + b;
      break;
    case Kind::kLeakyRelu:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] >= C(0) ? x[i] : a * x[i];
      break;
    case Kind::kThresholdedRelu:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] > a ? x[i] : C(0);
      break;
    case Kind::kScaledTanh:
      for (int64_t i = 0; i < n; ++i) x[i] = a * std::tanh(b * x[i]);
      break;
    case Kind::kHardSigmoid:
      for (int64_t i = 0; i < n; ++i) {
        const C v = a * x[i] + b;
        x[i] = v < C(0) ? C(0) : (v > C(1) ? C(1) : v);
      }
      break;
    case Kind::kElu:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] >= C(0) ? x[i] : a * (std::exp(x[i]) - C(1));
      break;
    case Kind::kSoftsign:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] / (C(1) + std::fabs(x[i]));
      break;
    case Kind::kSoftplus:
      for (int64_t i = 0; i < n; ++i) {
        // log(1 + e^x) without overflow for large x.
        const C v = x[i];
        x[i] = v > C(0) ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v));
      }
      break;
  }
}

}  // namespace berth::recurrent
