// Tests of RNN, GRU and LSTM: a few hand-computed cases, then the kernels against a deliberately
// naive scalar implementation of the ONNX equations (one loop per formula, double precision) over
// directions, layouts, sequence lengths, initial states, peepholes, clip and linear_before_reset.

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/testing/op_tester.h"

namespace berth {
namespace {

using testing::ExpectTensorNear;
using testing::FloatAttr;
using testing::FloatsAttr;
using testing::IntAttr;
using testing::OpTest;
using testing::RunOp;
using testing::StringAttr;
using testing::StringsAttr;

TEST(RnnTest, HandComputedTanh) {
  OpTest t;
  t.op_type = "RNN";
  t.num_outputs = 2;
  t.attributes["hidden_size"] = IntAttr(1);
  t.inputs = {Tensor::FromVector<float>({2, 1, 1}, {0.5f, -1.f}),  // X [seq, batch, input]
              Tensor::FromVector<float>({1, 1, 1}, {1.f}),         // W
              Tensor::FromVector<float>({1, 1, 1}, {0.f})};        // R
  auto out = RunOp(t);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorNear((*out)[0].tensor(),
                   Tensor::FromVector<float>({2, 1, 1, 1}, {std::tanh(0.5f), std::tanh(-1.f)}));
  ExpectTensorNear((*out)[1].tensor(), Tensor::FromVector<float>({1, 1, 1}, {std::tanh(-1.f)}));
}

TEST(LstmTest, HandComputedZeroWeights) {
  // All gates are sigmoid(0) = 0.5 and the candidate tanh(0) = 0, so C halves each step.
  OpTest t;
  t.op_type = "LSTM";
  t.num_outputs = 3;
  t.attributes["hidden_size"] = IntAttr(1);
  t.inputs = {Tensor::FromVector<float>({2, 1, 1}, {3.f, -2.f}),
              Tensor(DataType::kFloat32, {1, 4, 1}),
              Tensor(DataType::kFloat32, {1, 4, 1}),
              Value(),
              Value(),
              Tensor::FromVector<float>({1, 1, 1}, {0.f}),
              Tensor::FromVector<float>({1, 1, 1}, {1.f})};
  auto out = RunOp(t);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const float h1 = 0.5f * std::tanh(0.5f), h2 = 0.5f * std::tanh(0.25f);
  ExpectTensorNear((*out)[0].tensor(), Tensor::FromVector<float>({2, 1, 1, 1}, {h1, h2}));
  ExpectTensorNear((*out)[1].tensor(), Tensor::FromVector<float>({1, 1, 1}, {h2}));
  ExpectTensorNear((*out)[2].tensor(), Tensor::FromVector<float>({1, 1, 1}, {0.25f}));
}

TEST(GruTest, HandComputedZeroWeights) {
  // z = r = 0.5 and the candidate is tanh(0) = 0, so H halves each step.
  OpTest t;
  t.op_type = "GRU";
  t.num_outputs = 2;
  t.attributes["hidden_size"] = IntAttr(1);
  t.inputs = {Tensor::FromVector<float>({2, 1, 1}, {3.f, -2.f}),
              Tensor(DataType::kFloat32, {1, 3, 1}),
              Tensor(DataType::kFloat32, {1, 3, 1}),
              Value(),
              Value(),
              Tensor::FromVector<float>({1, 1, 1}, {1.f})};
  auto out = RunOp(t);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorNear((*out)[0].tensor(), Tensor::FromVector<float>({2, 1, 1, 1}, {0.5f, 0.25f}));
  ExpectTensorNear((*out)[1].tensor(), Tensor::FromVector<float>({1, 1, 1}, {0.25f}));
}

// ---- naive reference ------------------------------------------------------------------------

struct Config {
  std::string op;  // RNN, GRU, LSTM
  std::string direction = "forward";
  int64_t S = 3, B = 2, I = 3, H = 2;
  bool bias = true;
  bool initial = true;
  bool peepholes = false;
  bool input_forget = false;
  bool linear_before_reset = false;
  float clip = 0;                        // 0: none
  std::vector<int32_t> lens;             // empty: none
  std::vector<std::string> activations;  // per direction list; empty: defaults
  std::vector<float> alphas, betas;
};

int Gates(const std::string& op) { return op == "LSTM" ? 4 : op == "GRU" ? 3 : 1; }

std::vector<double> RandomValues(size_t n, uint32_t seed) {
  std::vector<double> v(n);
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 1664525u + 1013904223u;
    v[i] = static_cast<double>(seed >> 8) / static_cast<double>(1u << 24) * 2.0 - 1.0;
  }
  return v;
}

struct Data {
  std::vector<double> x, w, r, b, h0, c0, p;
};

double Act(const std::string& name, double x, double alpha, double beta) {
  if (name == "Sigmoid") return 1.0 / (1.0 + std::exp(-x));
  if (name == "Tanh") return std::tanh(x);
  if (name == "Relu") return x > 0 ? x : 0;
  if (name == "LeakyRelu") return x >= 0 ? x : alpha * x;
  if (name == "HardSigmoid") return std::min(1.0, std::max(0.0, alpha * x + beta));
  if (name == "ScaledTanh") return alpha * std::tanh(beta * x);
  if (name == "Affine") return alpha * x + beta;
  ADD_FAILURE() << "unknown activation " << name;
  return 0;
}

// Y [S, D, B, H], Y_h and Y_c [D, B, H], all in layout 0.
struct Result {
  std::vector<double> y, yh, yc;
};

Result Reference(const Config& c, const Data& d) {
  const int64_t S = c.S, B = c.B, I = c.I, H = c.H, G = Gates(c.op);
  const int64_t D = c.direction == "bidirectional" ? 2 : 1;
  std::vector<std::string> acts = c.activations;
  if (acts.empty()) {
    acts = c.op == "LSTM"  ? std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"}
           : c.op == "GRU" ? std::vector<std::string>{"Sigmoid", "Tanh"}
                           : std::vector<std::string>{"Tanh"};
    if (D == 2) {
      const std::vector<std::string> forward = acts;
      acts.insert(acts.end(), forward.begin(), forward.end());
    }
  }
  // alpha/beta per activation slot (only the test's LeakyRelu/HardSigmoid/ScaledTanh/Affine use
  // them).
  std::vector<double> alpha(acts.size(), 0), beta(acts.size(), 0);
  size_t ai = 0, bi = 0;
  for (size_t k = 0; k < acts.size(); ++k) {
    const bool ua = acts[k] == "LeakyRelu" || acts[k] == "HardSigmoid" || acts[k] == "ScaledTanh" ||
                    acts[k] == "Affine";
    const bool ub = acts[k] == "HardSigmoid" || acts[k] == "ScaledTanh" || acts[k] == "Affine";
    if (ua) alpha[k] = ai < c.alphas.size() ? c.alphas[ai++] : 0.01;
    if (ub) beta[k] = bi < c.betas.size() ? c.betas[bi++] : 0.5;
  }
  const size_t per = acts.size() / static_cast<size_t>(D);
  auto clip = [&](double v) {
    return c.clip > 0 ? std::min<double>(c.clip, std::max<double>(-c.clip, v)) : v;
  };

  Result res;
  res.y.assign(static_cast<size_t>(S * D * B * H), 0);
  res.yh.assign(static_cast<size_t>(D * B * H), 0);
  res.yc.assign(static_cast<size_t>(D * B * H), 0);
  for (int64_t dir = 0; dir < D; ++dir) {
    const bool rev = c.direction == "reverse" || dir == 1;
    auto f = [&](size_t k, double v) {
      size_t s = dir * per + k;
      return Act(acts[s], v, alpha[s], beta[s]);
    };
    auto W = [&](int64_t g, int64_t j, int64_t k) { return d.w[((dir * G + g) * H + j) * I + k]; };
    auto R = [&](int64_t g, int64_t j, int64_t k) { return d.r[((dir * G + g) * H + j) * H + k]; };
    auto Wb = [&](int64_t g, int64_t j) { return c.bias ? d.b[dir * 2 * G * H + g * H + j] : 0.0; };
    auto Rb = [&](int64_t g, int64_t j) {
      return c.bias ? d.b[dir * 2 * G * H + (G + g) * H + j] : 0.0;
    };
    for (int64_t b = 0; b < B; ++b) {
      std::vector<double> h(H, 0), cell(H, 0);
      if (c.initial) {
        for (int64_t j = 0; j < H; ++j) {
          h[j] = d.h0[(dir * B + b) * H + j];
          if (c.op == "LSTM") cell[j] = d.c0[(dir * B + b) * H + j];
        }
      }
      const int64_t len = c.lens.empty() ? S : c.lens[b];
      for (int64_t step = 0; step < len; ++step) {
        const int64_t t = rev ? len - 1 - step : step;
        const double* x = &d.x[(t * B + b) * I];
        auto xw = [&](int64_t g, int64_t j) {
          double s = 0;
          for (int64_t k = 0; k < I; ++k) s += x[k] * W(g, j, k);
          return s;
        };
        auto hr = [&](int64_t g, int64_t j, const std::vector<double>& hv) {
          double s = 0;
          for (int64_t k = 0; k < H; ++k) s += hv[k] * R(g, j, k);
          return s;
        };
        std::vector<double> hn(H), cn(H);
        if (c.op == "RNN") {
          for (int64_t j = 0; j < H; ++j)
            hn[j] = f(0, clip(xw(0, j) + hr(0, j, h) + Wb(0, j) + Rb(0, j)));
        } else if (c.op == "GRU") {
          std::vector<double> z(H), r(H), rh(H);
          for (int64_t j = 0; j < H; ++j) {
            z[j] = f(0, clip(xw(0, j) + hr(0, j, h) + Wb(0, j) + Rb(0, j)));
            r[j] = f(0, clip(xw(1, j) + hr(1, j, h) + Wb(1, j) + Rb(1, j)));
            rh[j] = r[j] * h[j];
          }
          for (int64_t j = 0; j < H; ++j) {
            double pre = c.linear_before_reset
                             ? xw(2, j) + r[j] * (hr(2, j, h) + Rb(2, j)) + Wb(2, j)
                             : xw(2, j) + hr(2, j, rh) + Rb(2, j) + Wb(2, j);
            double hh = f(1, clip(pre));
            hn[j] = (1 - z[j]) * hh + z[j] * h[j];
          }
        } else {
          auto P = [&](int64_t g, int64_t j) {
            return c.peepholes ? d.p[dir * 3 * H + g * H + j] : 0.0;
          };
          for (int64_t j = 0; j < H; ++j) {
            double i = f(0, clip(xw(0, j) + hr(0, j, h) + P(0, j) * cell[j] + Wb(0, j) + Rb(0, j)));
            double fg =
                c.input_forget
                    ? 1 - i
                    : f(0, clip(xw(2, j) + hr(2, j, h) + P(2, j) * cell[j] + Wb(2, j) + Rb(2, j)));
            double cc = f(1, clip(xw(3, j) + hr(3, j, h) + Wb(3, j) + Rb(3, j)));
            cn[j] = fg * cell[j] + i * cc;
            double o = f(0, clip(xw(1, j) + hr(1, j, h) + P(1, j) * cn[j] + Wb(1, j) + Rb(1, j)));
            hn[j] = o * f(2, cn[j]);
          }
        }
        h = hn;
        if (c.op == "LSTM") cell = cn;
        for (int64_t j = 0; j < H; ++j) res.y[((t * D + dir) * B + b) * H + j] = h[j];
      }
      for (int64_t j = 0; j < H; ++j) {
        // A sequence of length 0 ends with zero states (ONNX Runtime's convention).
        res.yh[(dir * B + b) * H + j] = len == 0 ? 0 : h[j];
        res.yc[(dir * B + b) * H + j] = len == 0 ? 0 : cell[j];
      }
    }
  }
  return res;
}

Tensor ToTensor(const std::vector<double>& v, Shape shape, DataType dtype) {
  Tensor t(dtype, std::move(shape));
  for (size_t i = 0; i < v.size(); ++i) {
    if (dtype == DataType::kFloat64) {
      t.data<double>()[i] = v[i];
    } else {
      t.data<float>()[i] = static_cast<float>(v[i]);
    }
  }
  return t;
}

// Swaps the first two axes of a row-major [a, b, rest] array.
std::vector<double> SwapFirstTwo(const std::vector<double>& v, int64_t a, int64_t b, int64_t rest) {
  std::vector<double> out(v.size());
  for (int64_t i = 0; i < a; ++i) {
    for (int64_t j = 0; j < b; ++j) {
      for (int64_t k = 0; k < rest; ++k) out[(j * a + i) * rest + k] = v[(i * b + j) * rest + k];
    }
  }
  return out;
}

void CheckAgainstReference(const Config& c, int64_t layout, DataType dtype = DataType::kFloat32) {
  SCOPED_TRACE(c.op + " " + c.direction + " layout " + std::to_string(layout));
  const int64_t S = c.S, B = c.B, I = c.I, H = c.H, G = Gates(c.op);
  const int64_t D = c.direction == "bidirectional" ? 2 : 1;
  Data d;
  d.x = RandomValues(S * B * I, 1);
  d.w = RandomValues(D * G * H * I, 2);
  d.r = RandomValues(D * G * H * H, 3);
  d.b = RandomValues(D * 2 * G * H, 4);
  d.h0 = RandomValues(D * B * H, 5);
  d.c0 = RandomValues(D * B * H, 6);
  d.p = RandomValues(D * 3 * H, 7);
  // Scale x up so that clip (when set) actually bites.
  for (double& v : d.x) v *= 3;
  const Result want = Reference(c, d);

  OpTest t;

  t.op_type = c.op;
  t.opset = 14;
  t.num_outputs = c.op == "LSTM" ? 3 : 2;
  t.attributes["hidden_size"] = IntAttr(H);
  t.attributes["direction"] = StringAttr(c.direction);
  if (layout) t.attributes["layout"] = IntAttr(layout);
  if (c.clip > 0) t.attributes["clip"] = FloatAttr(c.clip);
  if (c.input_forget) t.attributes["input_forget"] = IntAttr(1);
  if (c.linear_before_reset) t.attributes["linear_before_reset"] = IntAttr(1);
  if (!c.activations.empty()) t.attributes["activations"] = StringsAttr(c.activations);
  if (!c.alphas.empty()) t.attributes["activation_alpha"] = FloatsAttr(c.alphas);
  if (!c.betas.empty()) t.attributes["activation_beta"] = FloatsAttr(c.betas);
  const Shape state_shape = layout ? Shape{B, D, H} : Shape{D, B, H};
  auto state = [&](const std::vector<double>& v) {
    return ToTensor(layout ? SwapFirstTwo(v, D, B, H) : v, state_shape, dtype);
  };
  t.inputs = {layout ? ToTensor(SwapFirstTwo(d.x, S, B, I), {B, S, I}, dtype)
                     : ToTensor(d.x, {S, B, I}, dtype),
              ToTensor(d.w, {D, G * H, I}, dtype),
              ToTensor(d.r, {D, G * H, H}, dtype),
              c.bias ? Value(ToTensor(d.b, {D, 2 * G * H}, dtype)) : Value(),
              c.lens.empty() ? Value() : Value(Tensor::FromVector<int32_t>({B}, c.lens)),
              c.initial ? Value(state(d.h0)) : Value()};
  if (c.op == "LSTM") {
    t.inputs.push_back(c.initial ? Value(state(d.c0)) : Value());
    t.inputs.push_back(c.peepholes ? Value(ToTensor(d.p, {D, 3 * H}, dtype)) : Value());
  }
  auto out = RunOp(t);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  // Y [S, D, B, H] -> layout 1 [B, S, D, H]
  std::vector<double> y = want.y;
  if (layout) {
    for (int64_t ti = 0; ti < S; ++ti)
      for (int64_t di = 0; di < D; ++di)
        for (int64_t bi = 0; bi < B; ++bi)
          for (int64_t j = 0; j < H; ++j)
            y[((bi * S + ti) * D + di) * H + j] = want.y[((ti * D + di) * B + bi) * H + j];
  }
  const double tol = dtype == DataType::kFloat64 ? 1e-10 : 1e-5;
  ExpectTensorNear((*out)[0].tensor(),
                   ToTensor(y, layout ? Shape{B, S, D, H} : Shape{S, D, B, H}, dtype), tol, tol);
  ExpectTensorNear((*out)[1].tensor(), state(want.yh), tol, tol);
  if (c.op == "LSTM") ExpectTensorNear((*out)[2].tensor(), state(want.yc), tol, tol);
}

TEST(RecurrentReferenceTest, Rnn) {
  for (const char* dir : {"forward", "reverse", "bidirectional"}) {
    Config c;
    c.op = "RNN";
    c.direction = dir;
    CheckAgainstReference(c, 0);
    CheckAgainstReference(c, 1);
  }
  Config c;
  c.op = "RNN";
  c.activations = {"Relu"};
  c.bias = false;
  c.initial = false;
  CheckAgainstReference(c, 0);
}

TEST(RecurrentReferenceTest, Gru) {
  for (bool lbr : {false, true}) {
    for (const char* dir : {"forward", "reverse", "bidirectional"}) {
      Config c;
      c.op = "GRU";
      c.direction = dir;
      c.linear_before_reset = lbr;
      CheckAgainstReference(c, 0);
      CheckAgainstReference(c, 1);
      c.lens = {2, 0};
      c.clip = 0.7f;
      CheckAgainstReference(c, 0);
    }
  }
}

TEST(RecurrentReferenceTest, Lstm) {
  for (const char* dir : {"forward", "reverse", "bidirectional"}) {
    Config c;
    c.op = "LSTM";
    c.direction = dir;
    CheckAgainstReference(c, 0);
    CheckAgainstReference(c, 1);
    c.peepholes = true;
    c.lens = {1, 3};
    CheckAgainstReference(c, 0);
    CheckAgainstReference(c, 1, DataType::kFloat64);
    c.input_forget = true;
    c.clip = 0.5f;
    c.bias = false;
    c.initial = false;
    CheckAgainstReference(c, 0);
  }
}

TEST(RecurrentReferenceTest, LstmActivationsWithAlphaBeta) {
  Config c;
  c.op = "LSTM";
  c.direction = "bidirectional";
  c.activations = {"HardSigmoid", "LeakyRelu", "Tanh", "Sigmoid", "ScaledTanh", "Affine"};
  // Consumed in order: HardSigmoid takes alpha 0.3 / beta 0.4, LeakyRelu alpha 0.2, ScaledTanh
  // alpha 1.5 / beta 0.7, Affine alpha 0.9 / beta 0.1.
  c.alphas = {0.3f, 0.2f, 1.5f, 0.9f};
  c.betas = {0.4f, 0.7f, 0.1f};
  CheckAgainstReference(c, 0);
}

TEST(RecurrentErrorsTest, BadShapesAndAttributes) {
  OpTest t;
  t.op_type = "LSTM";
  t.attributes["hidden_size"] = IntAttr(2);
  Tensor x(DataType::kFloat32, {3, 1, 2});
  t.inputs = {x, Tensor(DataType::kFloat32, {1, 8, 2}), Tensor(DataType::kFloat32, {1, 8, 3})};
  EXPECT_FALSE(RunOp(t).ok());  // R's last dim is not hidden_size
  t.inputs = {x, Tensor(DataType::kFloat32, {1, 8, 2}), Tensor(DataType::kFloat32, {1, 8, 2}),
              Value(), Tensor::FromVector<int32_t>({1}, {4})};
  EXPECT_FALSE(RunOp(t).ok());  // sequence length past seq_length
  t.inputs = {Tensor(DataType::kFloat32, {3, 2}), Tensor(DataType::kFloat32, {1, 8, 2}),
              Tensor(DataType::kFloat32, {1, 8, 2})};
  EXPECT_FALSE(RunOp(t).ok());  // X of rank 2
  t.inputs = {x, Tensor(DataType::kFloat32, {1, 8, 2}), Tensor(DataType::kFloat32, {1, 8, 2})};
  t.attributes["direction"] = StringAttr("sideways");
  EXPECT_FALSE(RunOp(t).ok());
  t.attributes["direction"] = StringAttr("bidirectional");
  EXPECT_FALSE(RunOp(t).ok());  // W has one direction
  t.attributes.erase("direction");
  t.attributes["activations"] = StringsAttr({"Sigmoid", "Bogus", "Tanh"});
  EXPECT_FALSE(RunOp(t).ok());
}

TEST(RecurrentEmptyTest, ZeroLengthSequence) {
  OpTest t;
  t.op_type = "GRU";
  t.num_outputs = 2;
  t.attributes["hidden_size"] = IntAttr(2);
  t.inputs = {Tensor(DataType::kFloat32, {0, 1, 2}),
              Tensor(DataType::kFloat32, {1, 6, 2}),
              Tensor(DataType::kFloat32, {1, 6, 2}),
              Value(),
              Value(),
              Tensor::FromVector<float>({1, 1, 2}, {0.5f, -1.f})};
  auto out = RunOp(t);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].tensor().shape(), Shape({0, 1, 1, 2}));
  ExpectTensorNear((*out)[1].tensor(), Tensor::FromVector<float>({1, 1, 2}, {0.f, 0.f}));
}

}  // namespace
}  // namespace berth
