#include "providers/reference/recurrent/rnn_common.h"

#include <algorithm>
#include <cctype>

#include "providers/reference/nn/gemm_f32.h"

namespace berth::recurrent {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct ActivationSpec {
  const char* name;  // lower case
  Activation::Kind kind;
  int num_alpha;  // 0 or 1: whether it takes alpha
  int num_beta;   // 0 or 1: whether it takes beta
  float default_alpha;
  float default_beta;
};

// Defaults are those of the corresponding ONNX operators.
constexpr ActivationSpec kActivationSpecs[] = {
    {"relu", Activation::Kind::kRelu, 0, 0, 0.f, 0.f},
    {"tanh", Activation::Kind::kTanh, 0, 0, 0.f, 0.f},
    {"sigmoid", Activation::Kind::kSigmoid, 0, 0, 0.f, 0.f},
    {"affine", Activation::Kind::kAffine, 1, 1, 1.f, 0.f},
    {"leakyrelu", Activation::Kind::kLeakyRelu, 1, 0, 0.01f, 0.f},
    {"thresholdedrelu", Activation::Kind::kThresholdedRelu, 1, 0, 1.f, 0.f},
    {"scaledtanh", Activation::Kind::kScaledTanh, 1, 1, 1.f, 1.f},
    {"hardsigmoid", Activation::Kind::kHardSigmoid, 1, 1, 0.2f, 0.5f},
    {"elu", Activation::Kind::kElu, 1, 0, 1.f, 0.f},
    {"softsign", Activation::Kind::kSoftsign, 0, 0, 0.f, 0.f},
    {"softplus", Activation::Kind::kSoftplus, 0, 0, 0.f, 0.f},
};

// Converts `n` elements of a float16/bfloat16/float/double tensor starting at element `offset`.
template <typename C>
void ConvertTo(const Tensor& t, int64_t offset, int64_t n, C* dst) {
  switch (t.dtype()) {
    case DataType::kFloat32: {
      const float* s = t.data<float>() + offset;
      for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<C>(s[i]);
      break;
    }
    case DataType::kFloat64: {
      const double* s = t.data<double>() + offset;
      for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<C>(s[i]);
      break;
    }
    case DataType::kFloat16: {
      const Float16* s = t.data<Float16>() + offset;
      for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<C>(static_cast<float>(s[i]));
      break;
    }
    case DataType::kBFloat16: {
      const BFloat16* s = t.data<BFloat16>() + offset;
      for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<C>(static_cast<float>(s[i]));
      break;
    }
    default:
      break;  // excluded by CheckRecurrentInputs
  }
}

template <typename C>
void ConvertFrom(const C* src, int64_t n, Tensor* t, int64_t offset) {
  switch (t->dtype()) {
    case DataType::kFloat32:
      for (int64_t i = 0; i < n; ++i) t->data<float>()[offset + i] = static_cast<float>(src[i]);
      break;
    case DataType::kFloat64:
      for (int64_t i = 0; i < n; ++i) t->data<double>()[offset + i] = static_cast<double>(src[i]);
      break;
    case DataType::kFloat16:
      for (int64_t i = 0; i < n; ++i) {
        t->data<Float16>()[offset + i] = Float16(static_cast<float>(src[i]));
      }
      break;
    case DataType::kBFloat16:
      for (int64_t i = 0; i < n; ++i) {
        t->data<BFloat16>()[offset + i] = BFloat16(static_cast<float>(src[i]));
      }
      break;
    default:
      break;
  }
}

Status CheckShape(const KernelContext& ctx, const Tensor& t, const char* name,
                  const Shape& expected) {
  if (t.shape() != expected) {
    return InvalidArgument(ctx.NodeLabel() + ": input '" + name + "' must have shape " +
                           ShapeToString(expected) + ", got " + t.Describe());
  }
  return Status::Ok();
}

// A state tensor [dirs, batch, hidden] (layout 0) or [batch, dirs, hidden] (layout 1), converted
// to time-major [dirs, batch, hidden].
template <typename C>
void LoadState(const Tensor* t, const RecurrentAttrs& attrs, const RecurrentDims& dims,
               std::vector<C>* out) {
  const int64_t D = dims.num_directions, B = dims.batch, H = dims.hidden;
  out->assign(static_cast<size_t>(D * B * H), C(0));
  if (!t) return;
  if (attrs.layout == 0) {
    ConvertTo(*t, 0, D * B * H, out->data());
    return;
  }
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t d = 0; d < D; ++d)
      ConvertTo(*t, (b * D + d) * H, H, out->data() + (d * B + b) * H);
  }
}

}  // namespace

StatusOr<RecurrentAttrs> ReadRecurrentAttrs(const KernelInfo& info,
                                            const std::vector<std::string>& default_activations) {
  RecurrentAttrs attrs;
  const std::string direction = info.GetString("direction", "forward");
  if (direction == "forward") {
    attrs.direction = Direction::kForward;
  } else if (direction == "reverse") {
    attrs.direction = Direction::kReverse;
  } else if (direction == "bidirectional") {
    attrs.direction = Direction::kBidirectional;
    attrs.num_directions = 2;
  } else {
    return InvalidArgument(info.NodeLabel() +
                           ": attribute 'direction' must be forward, reverse or "
                           "bidirectional, got '" +
                           direction + "'");
  }
  if (info.HasAttribute("hidden_size")) {
    attrs.hidden_size = info.GetInt("hidden_size", -1);
    if (attrs.hidden_size <= 0) {
      return InvalidArgument(info.NodeLabel() + ": attribute 'hidden_size' must be positive, got " +
                             std::to_string(attrs.hidden_size));
    }
  }
  if (info.HasAttribute("clip")) {
    attrs.has_clip = true;
    attrs.clip = info.GetFloat("clip", 0.f);
    if (!(attrs.clip > 0.f)) {
      return InvalidArgument(info.NodeLabel() + ": attribute 'clip' must be positive, got " +
                             std::to_string(attrs.clip));
    }
  }
  attrs.layout = info.opset() >= 14 ? info.GetInt("layout", 0) : 0;
  if (attrs.layout != 0 && attrs.layout != 1) {
    return InvalidArgument(info.NodeLabel() + ": attribute 'layout' must be 0 or 1, got " +
                           std::to_string(attrs.layout));
  }

  attrs.per_direction = static_cast<int>(default_activations.size());
  const size_t wanted = static_cast<size_t>(attrs.per_direction * attrs.num_directions);
  std::vector<std::string> names = info.GetStrings("activations");
  if (names.empty()) {
    for (int d = 0; d < attrs.num_directions; ++d) {
      names.insert(names.end(), default_activations.begin(), default_activations.end());
    }
  } else if (names.size() == default_activations.size() && attrs.num_directions == 2) {
    // Only the forward functions given: the reverse direction uses the same ones.
    std::vector<std::string> twice = names;
    twice.insert(twice.end(), names.begin(), names.end());
    names = std::move(twice);
  }
  if (names.size() != wanted) {
    return InvalidArgument(info.NodeLabel() + ": attribute 'activations' must list " +
                           std::to_string(wanted) + " functions (" +
                           std::to_string(attrs.per_direction) + " per direction), got " +
                           std::to_string(names.size()));
  }
  // alpha/beta are consumed in order by the functions that take them; missing ones default.
  const std::vector<float> alphas = info.GetFloats("activation_alpha");
  const std::vector<float> betas = info.GetFloats("activation_beta");
  size_t next_alpha = 0, next_beta = 0;
  for (const std::string& name : names) {
    const std::string lower = Lower(name);
    const ActivationSpec* spec = nullptr;
    for (const ActivationSpec& s : kActivationSpecs) {
      if (lower == s.name) spec = &s;
    }
    if (!spec) {
      return InvalidArgument(info.NodeLabel() + ": unsupported activation function '" + name + "'");
    }
    Activation a;
    a.kind = spec->kind;
    a.alpha = spec->default_alpha;
    a.beta = spec->default_beta;
    if (spec->num_alpha && next_alpha < alphas.size()) a.alpha = alphas[next_alpha++];
    if (spec->num_beta && next_beta < betas.size()) a.beta = betas[next_beta++];
    attrs.activations.push_back(a);
  }
  return attrs;
}

StatusOr<RecurrentDims> CheckRecurrentInputs(const KernelContext& ctx, const RecurrentAttrs& attrs,
                                             int num_gates, bool is_lstm) {
  ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
  ASSIGN_OR_RETURN(const Tensor* w, ctx.RequireInput(1));
  ASSIGN_OR_RETURN(const Tensor* r, ctx.RequireInput(2));
  const DataType dtype = x->dtype();
  if (dtype != DataType::kFloat32 && dtype != DataType::kFloat64 && dtype != DataType::kFloat16 &&
      dtype != DataType::kBFloat16) {
    return InvalidArgument(ctx.NodeLabel() +
                           ": input 'X' must be float16, bfloat16, float or "
                           "double, got " +
                           x->Describe());
  }
  if (x->rank() != 3) {
    return InvalidArgument(ctx.NodeLabel() + ": input 'X' must have rank 3, got " + x->Describe());
  }
  if (w->rank() != 3 || r->rank() != 3) {
    return InvalidArgument(ctx.NodeLabel() + ": inputs 'W' and 'R' must have rank 3, got " +
                           w->Describe() + " and " + r->Describe());
  }
  RecurrentDims dims;
  dims.num_directions = attrs.num_directions;
  dims.seq_length = attrs.layout == 0 ? x->dim(0) : x->dim(1);
  dims.batch = attrs.layout == 0 ? x->dim(1) : x->dim(0);
  dims.input_size = x->dim(2);
  dims.hidden = attrs.hidden_size >= 0 ? attrs.hidden_size : r->dim(2);
  const int64_t D = dims.num_directions, B = dims.batch, H = dims.hidden, G = num_gates;
  RETURN_IF_ERROR(CheckShape(ctx, *w, "W", {D, G * H, dims.input_size}));
  RETURN_IF_ERROR(CheckShape(ctx, *r, "R", {D, G * H, H}));
  const Shape state_shape = attrs.layout == 0 ? Shape{D, B, H} : Shape{B, D, H};
  struct Optional {
    int index;
    const char* name;
    Shape shape;
  };
  std::vector<Optional> optionals = {
      {3, "B", {D, 2 * G * H}}, {4, "sequence_lens", {B}}, {5, "initial_h", state_shape}};
  if (is_lstm) {
    optionals.push_back({6, "initial_c", state_shape});
    optionals.push_back({7, "P", {D, 3 * H}});
  }
  for (const Optional& o : optionals) {
    const Tensor* t = ctx.input(o.index);
    if (!t) continue;
    RETURN_IF_ERROR(CheckShape(ctx, *t, o.name, o.shape));
    if (o.index == 4) {
      if (t->dtype() != DataType::kInt32 && t->dtype() != DataType::kInt64) {
        return InvalidArgument(ctx.NodeLabel() + ": input 'sequence_lens' must be int32, got " +
                               t->Describe());
      }
    } else if (t->dtype() != dtype) {
      return InvalidArgument(ctx.NodeLabel() + ": input '" + o.name + "' must have X's type " +
                             std::string(DataTypeName(dtype)) + ", got " + t->Describe());
    }
  }
  if (w->dtype() != dtype || r->dtype() != dtype) {
    return InvalidArgument(ctx.NodeLabel() + ": inputs 'W' and 'R' must have X's type " +
                           std::string(DataTypeName(dtype)) + ", got " + w->Describe() + " and " +
                           r->Describe());
  }
  return dims;
}

template <typename C>
Status LoadRecurrentInputs(const KernelContext& ctx, const RecurrentAttrs& attrs,
                           const RecurrentDims& dims, int num_gates, bool is_lstm,
                           RecurrentInputs<C>* in) {
  const int64_t S = dims.seq_length, B = dims.batch, I = dims.input_size, H = dims.hidden;
  const int64_t D = dims.num_directions, G = num_gates;
  const Tensor* x = ctx.input(0);
  in->x.resize(static_cast<size_t>(S * B * I));
  if (attrs.layout == 0) {
    ConvertTo(*x, 0, S * B * I, in->x.data());
  } else {
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t t = 0; t < S; ++t)
        ConvertTo(*x, (b * S + t) * I, I, in->x.data() + (t * B + b) * I);
    }
  }
  in->w.resize(static_cast<size_t>(D * G * H * I));
  ConvertTo(*ctx.input(1), 0, D * G * H * I, in->w.data());
  in->r.resize(static_cast<size_t>(D * G * H * H));
  ConvertTo(*ctx.input(2), 0, D * G * H * H, in->r.data());
  in->b.assign(static_cast<size_t>(D * 2 * G * H), C(0));
  if (const Tensor* b = ctx.input(3)) ConvertTo(*b, 0, D * 2 * G * H, in->b.data());

  in->lens.assign(static_cast<size_t>(B), S);
  if (const Tensor* lens = ctx.input(4)) {
    for (int64_t b = 0; b < B; ++b) {
      const int64_t len =
          lens->dtype() == DataType::kInt32 ? lens->data<int32_t>()[b] : lens->data<int64_t>()[b];
      if (len < 0 || len > S) {
        return InvalidArgument(ctx.NodeLabel() + ": sequence_lens[" + std::to_string(b) + "] = " +
                               std::to_string(len) + " is outside [0, " + std::to_string(S) + "]");
      }
      in->lens[b] = len;
    }
  }
  LoadState(ctx.input(5), attrs, dims, &in->h0);
  if (is_lstm) {
    LoadState(ctx.input(6), attrs, dims, &in->c0);
    in->has_peepholes = ctx.input(7) != nullptr;
    if (in->has_peepholes) {
      in->p.resize(static_cast<size_t>(D * 3 * H));
      ConvertTo(*ctx.input(7), 0, D * 3 * H, in->p.data());
    }
  }
  return Status::Ok();
}

template <typename C>
Status WriteRecurrentOutputs(KernelContext& ctx, const RecurrentAttrs& attrs,
                             const RecurrentDims& dims, const RecurrentOutputs<C>& out) {
  const DataType dtype = ctx.input(0)->dtype();
  const int64_t S = dims.seq_length, B = dims.batch, H = dims.hidden, D = dims.num_directions;
  if (ctx.output_wanted(0)) {
    if (attrs.layout == 0) {
      Tensor* y = ctx.AllocateOutput(0, dtype, {S, D, B, H});
      ConvertFrom(out.y.data(), S * D * B * H, y, 0);
    } else {
      Tensor* y = ctx.AllocateOutput(0, dtype, {B, S, D, H});
      for (int64_t t = 0; t < S; ++t) {
        for (int64_t d = 0; d < D; ++d) {
          for (int64_t b = 0; b < B; ++b) {
            ConvertFrom(out.y.data() + ((t * D + d) * B + b) * H, H, y, ((b * S + t) * D + d) * H);
          }
        }
      }
    }
  }
  for (int i = 1; i <= 2; ++i) {
    const std::vector<C>& state = i == 1 ? out.y_h : out.y_c;
    if (i == 2 && state.empty()) break;
    if (!ctx.output_wanted(i)) continue;
    if (attrs.layout == 0) {
      Tensor* t = ctx.AllocateOutput(i, dtype, {D, B, H});
      ConvertFrom(state.data(), D * B * H, t, 0);
    } else {
      Tensor* t = ctx.AllocateOutput(i, dtype, {B, D, H});
      for (int64_t d = 0; d < D; ++d) {
        for (int64_t b = 0; b < B; ++b) {
          ConvertFrom(state.data() + (d * B + b) * H, H, t, (b * D + d) * H);
        }
      }
    }
  }
  return Status::Ok();
}

template <typename C>
void MatMulTransposed(int64_t M, int64_t N, int64_t K, const C* a, int64_t lda, const C* b,
                      int64_t ldb, C* c, int64_t ldc, bool accumulate) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate) {
      for (int64_t m = 0; m < M; ++m) std::fill(c + m * ldc, c + m * ldc + N, C(0));
    }
    return;
  }
  nn::Gemm<C>(false, true, M, N, K, C(1), a, lda, b, ldb, accumulate ? C(1) : C(0), c, ldc);
}

#define BERTH_INSTANTIATE_RECURRENT(C)                                                          \
  template Status LoadRecurrentInputs<C>(const KernelContext&, const RecurrentAttrs&,           \
                                         const RecurrentDims&, int, bool, RecurrentInputs<C>*); \
  template Status WriteRecurrentOutputs<C>(KernelContext&, const RecurrentAttrs&,               \
                                           const RecurrentDims&, const RecurrentOutputs<C>&);   \
  template void MatMulTransposed<C>(int64_t, int64_t, int64_t, const C*, int64_t, const C*,     \
                                    int64_t, C*, int64_t, bool);
BERTH_INSTANTIATE_RECURRENT(float)
BERTH_INSTANTIATE_RECURRENT(double)
#undef BERTH_INSTANTIATE_RECURRENT

}  // namespace berth::recurrent
