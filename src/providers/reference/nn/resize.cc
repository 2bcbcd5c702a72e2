// Resize (opsets 10, 11, 13, 18) and the deprecated Upsample (opsets 7, 9).
//
// Every output coordinate is mapped back to an input coordinate per axis (the
// coordinate_transformation_mode), then sampled: nearest (nearest_mode rounding), linear (2 taps)
// or cubic (4 taps, cubic_coeff_a, exclude_outside). N-linear and N-cubic interpolation are
// separable, so they run as one 1-D pass per resized axis; nearest is a direct gather.
// tf_crop_and_resize maps coordinates through `roi` and writes extrapolation_value where the
// source falls outside the input.
//
// Where the spec and the reference differ, we follow the reference that generated the conformance
// data: align_corners and tf_crop_and_resize use scale * input_length as the resized length (it is
// fractional when `scales` is given). Resize-10 and Upsample use asymmetric coordinates, and their
// nearest mode truncates when upsampling and rounds up when downsampling (as ONNX Runtime does).

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <vector>

#include "engine/dispatch.h"
#include "providers/reference/nn/nn_kernels.h"
#include "providers/reference/nn/nn_util.h"

namespace berth::nn {
namespace {

enum class Mode { kNearest, kLinear, kCubic };
enum class Coord {
  kHalfPixel,
  kHalfPixelSymmetric,
  kPytorchHalfPixel,
  kAlignCorners,
  kAsymmetric,
  kTfHalfPixelForNn,
  kTfCropAndResize
};
enum class NearestMode { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil, kLegacy };
enum class AspectPolicy { kStretch, kNotLarger, kNotSmaller };

struct ResizeConfig {
  Mode mode = Mode::kNearest;
  Coord coord = Coord::kHalfPixel;
  NearestMode nearest = NearestMode::kRoundPreferFloor;
  double cubic_a = -0.75;
  bool exclude_outside = false;
  double extrapolation = 0.0;
  AspectPolicy aspect = AspectPolicy::kStretch;
  std::vector<int64_t> axes;  // opset 18; empty = all
  // Input positions: -1 when the operator has no such input.
  int roi_input = -1, scales_input = -1, sizes_input = -1;
  std::vector<float> scales_attr;  // Upsample-7
};

// Per output position of one axis: taps (input indices) and weights; `outside` marks positions that
// take the extrapolation value.
struct AxisPlan {
  int64_t in = 0, out = 0;
  int taps = 1;
  std::vector<int64_t> index;  // out * taps
  std::vector<double> weight;  // out * taps
  std::vector<char> outside;   // out
  bool identity = false;
};

double OriginalCoordinate(const ResizeConfig& c, double x, double scale, int64_t in,
                          double roi_start, double roi_end) {
  const double out_len = scale * static_cast<double>(in);
  switch (c.coord) {
    case Coord::kHalfPixel:
      return (x + 0.5) / scale - 0.5;
    case Coord::kHalfPixelSymmetric: {
      const double adjustment = std::floor(out_len) / out_len;
      const double center = static_cast<double>(in) / 2;
      const double offset = center * (1 - adjustment);
      return offset + (x + 0.5) / scale - 0.5;
    }
    case Coord::kPytorchHalfPixel:
      return out_len > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
    case Coord::kAlignCorners:
      return out_len == 1 ? 0.0 : x * static_cast<double>(in - 1) / (out_len - 1);
    case Coord::kAsymmetric:
      return x / scale;
    case Coord::kTfHalfPixelForNn:
      return (x + 0.5) / scale;
    case Coord::kTfCropAndResize:
      if (out_len > 1) {
        return roi_start * static_cast<double>(in - 1) +
               x * (roi_end - roi_start) * static_cast<double>(in - 1) / (out_len - 1);
      }
      return 0.5 * (roi_start + roi_end) * static_cast<double>(in - 1);
  }
  return x;
}

void CubicWeights(double t, double a, double w[4]) {
  const double t1 = t + 1, t2 = 1 - t, t3 = 2 - t;
  w[0] = ((a * t1 - 5 * a) * t1 + 8 * a) * t1 - 4 * a;
  w[1] = ((a + 2) * t - (a + 3)) * t * t + 1;
  w[2] = ((a + 2) * t2 - (a + 3)) * t2 * t2 + 1;
  w[3] = ((a * t3 - 5 * a) * t3 + 8 * a) * t3 - 4 * a;
}

AxisPlan PlanAxis(const ResizeConfig& c, int64_t in, int64_t out, double scale, double roi_start,
                  double roi_end) {
  AxisPlan p;
  p.in = in;
  p.out = out;
  p.taps = c.mode == Mode::kNearest ? 1 : (c.mode == Mode::kLinear ? 2 : 4);
  p.index.assign(static_cast<size_t>(out * p.taps), 0);
  p.weight.assign(static_cast<size_t>(out * p.taps), 0.0);
  p.outside.assign(static_cast<size_t>(out), 0);
  p.identity = in == out;
  for (int64_t j = 0; j < out; ++j) {
    const double x = OriginalCoordinate(c, static_cast<double>(j), scale, in, roi_start, roi_end);
    int64_t* idx = &p.index[static_cast<size_t>(j * p.taps)];
    double* w = &p.weight[static_cast<size_t>(j * p.taps)];
    if (!std::isfinite(x) || std::fabs(x) > 1e15 ||
        (c.coord == Coord::kTfCropAndResize && (x < 0 || x > static_cast<double>(in - 1)))) {
      p.outside[static_cast<size_t>(j)] = 1;
      p.identity = false;
      continue;
    }
    const auto clamp = [in](int64_t i) { return std::clamp<int64_t>(i, 0, in - 1); };
    if (c.mode == Mode::kNearest) {
      const double fl = std::floor(x);
      const double frac = x - fl;
      int64_t i = static_cast<int64_t>(fl);
      switch (c.nearest) {
        case NearestMode::kRoundPreferFloor:
          i = frac > 0.5 ? i + 1 : i;
          break;
        case NearestMode::kRoundPreferCeil:
          i = frac >= 0.5 ? i + 1 : i;
          break;
        case NearestMode::kFloor:
          break;
        case NearestMode::kCeil:
          i = frac > 0 ? i + 1 : i;
          break;
        case NearestMode::kLegacy:
          i = scale < 1 ? static_cast<int64_t>(std::ceil(x)) : static_cast<int64_t>(x);
          break;
      }
      idx[0] = clamp(i);
      w[0] = 1;
    } else if (c.mode == Mode::kLinear) {
      const double xc = std::clamp(x, 0.0, static_cast<double>(in - 1));
      const int64_t i0 = static_cast<int64_t>(std::floor(xc));
      const double t = xc - static_cast<double>(i0);
      idx[0] = clamp(i0);
      idx[1] = clamp(i0 + 1);
      w[0] = 1 - t;
      w[1] = t;
    } else {
      const int64_t i0 = static_cast<int64_t>(std::floor(x));
      const double t = x - static_cast<double>(i0);
      CubicWeights(t, c.cubic_a, w);
      double sum = 0;
      for (int k = 0; k < 4; ++k) {
        const int64_t i = i0 - 1 + k;
        if (c.exclude_outside && (i < 0 || i >= in)) w[k] = 0;
        sum += w[k];
        idx[k] = clamp(i);
      }
      if (c.exclude_outside && sum != 0) {
        for (int k = 0; k < 4; ++k) w[k] /= sum;
      }
    }
    // The axis is the identity when every output reads exactly its own input position.
    if (p.identity) {
      double own = 0;
      for (int k = 0; k < p.taps; ++k) own += idx[k] == j ? w[k] : 0.0;
      if (std::fabs(own - 1) > 1e-12) p.identity = false;
      for (int k = 0; k < p.taps; ++k) {
        if (idx[k] != j && w[k] != 0) p.identity = false;
      }
    }
  }
  return p;
}

// One separable pass along an axis of a [outer, in, inner] buffer into [outer, out, inner].
template <typename C>
void InterpolateAxis(const std::vector<C>& src, std::vector<C>* dst, int64_t outer, int64_t inner,
                     const AxisPlan& p, C extrapolation) {
  dst->assign(static_cast<size_t>(outer * p.out * inner), C(0));
  std::vector<C> w(p.weight.begin(), p.weight.end());
  if (inner == 1) {  // the last axis: gather taps per output element
    for (int64_t o = 0; o < outer; ++o) {
      const C* s = src.data() + o * p.in;
      C* d = dst->data() + o * p.out;
      for (int64_t j = 0; j < p.out; ++j) {
        if (p.outside[static_cast<size_t>(j)]) {
          d[j] = extrapolation;
          continue;
        }
        const int64_t* idx = &p.index[static_cast<size_t>(j * p.taps)];
        const C* wj = &w[static_cast<size_t>(j * p.taps)];
        C acc = 0;
        for (int k = 0; k < p.taps; ++k) acc += wj[k] * s[idx[k]];
        d[j] = acc;
      }
    }
    return;
  }
  for (int64_t o = 0; o < outer; ++o) {
    const C* s = src.data() + o * p.in * inner;
    C* d = dst->data() + o * p.out * inner;
    for (int64_t j = 0; j < p.out; ++j) {
      C* dj = d + j * inner;
      if (p.outside[static_cast<size_t>(j)]) {
        std::fill(dj, dj + inner, extrapolation);
        continue;
      }
      for (int k = 0; k < p.taps; ++k) {
        const C wk = w[static_cast<size_t>(j * p.taps + k)];
        if (wk == C(0)) continue;
        const C* sk = s + p.index[static_cast<size_t>(j * p.taps + k)] * inner;
        for (int64_t i = 0; i < inner; ++i) dj[i] += wk * sk[i];
      }
    }
  }
}

template <typename T>
T FromCompute(double v) {
  if constexpr (std::is_integral_v<T>) {
    if (std::isnan(v)) return T(0);
    v = std::nearbyint(v);
    v = std::clamp(v, static_cast<double>(std::numeric_limits<T>::lowest()),
                   static_cast<double>(std::numeric_limits<T>::max()));
    return static_cast<T>(v);
  } else {
    return static_cast<T>(static_cast<ComputeT<T>>(v));
  }
}

class ResizeKernel : public OpKernel {
 public:
  explicit ResizeKernel(ResizeConfig config) : c_(std::move(config)) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    const int rank = x->rank();
    const size_t r = static_cast<size_t>(rank);

    std::vector<int64_t> axes;
    if (c_.axes.empty()) {
      for (int i = 0; i < rank; ++i) axes.push_back(i);
    } else {
      std::vector<bool> seen(r, false);
      for (int64_t a : c_.axes) {
        if (a < -rank || a >= rank || seen[static_cast<size_t>(a < 0 ? a + rank : a)]) {
          return InvalidArgument(where + ": axes contains an invalid or repeated axis " +
                                 std::to_string(a));
        }
        axes.push_back(a < 0 ? a + rank : a);
        seen[static_cast<size_t>(axes.back())] = true;
      }
    }
    const size_t na = axes.size();

    // roi: [starts..., ends...] over the resized axes (all axes before opset 18).
    std::vector<double> roi_start(r, 0.0), roi_end(r, 1.0);
    const Tensor* roi = c_.roi_input >= 0 ? ctx.input(c_.roi_input) : nullptr;
    if (roi && roi->numel() > 0 && c_.coord == Coord::kTfCropAndResize) {
      if (!IsFloatingPoint(roi->dtype()) || roi->numel() != static_cast<int64_t>(2 * na)) {
        return InvalidArgument(where + ": roi must be a floating-point tensor of " +
                               std::to_string(2 * na) + " elements, got " + roi->Describe());
      }
      std::vector<double> v = ToDoubles(*roi);
      for (size_t i = 0; i < na; ++i) {
        roi_start[static_cast<size_t>(axes[i])] = v[i];
        roi_end[static_cast<size_t>(axes[i])] = v[i + na];
      }
    }

    std::vector<double> scales(r, 1.0);
    Shape out_shape = x->shape();
    const Tensor* scales_t = c_.scales_input >= 0 ? ctx.input(c_.scales_input) : nullptr;
    const Tensor* sizes_t = c_.sizes_input >= 0 ? ctx.input(c_.sizes_input) : nullptr;
    const bool has_scales = (scales_t && scales_t->numel() > 0) || !c_.scales_attr.empty();
    const bool has_sizes = sizes_t && sizes_t->numel() > 0;
    if (has_scales && has_sizes) {
      return InvalidArgument(where + ": only one of 'scales' and 'sizes' may be given");
    }
    if (has_sizes) {
      ASSIGN_OR_RETURN(std::vector<int64_t> sizes, ToInt64s(*sizes_t, where + ": input 'sizes'"));
      if (sizes.size() != na) {
        return InvalidArgument(where + ": sizes has " + std::to_string(sizes.size()) +
                               " values, expected " + std::to_string(na));
      }
      for (int64_t s : sizes) {
        if (s < 0)
          return InvalidArgument(where + ": sizes must be non-negative, got " + std::to_string(s));
      }
      if (c_.aspect == AspectPolicy::kStretch) {
        for (size_t i = 0; i < na; ++i) {
          const size_t a = static_cast<size_t>(axes[i]);
          out_shape[a] = sizes[i];
          scales[a] = x->dim(axes[i]) > 0
                          ? static_cast<double>(sizes[i]) / static_cast<double>(x->dim(axes[i]))
                          : 1.0;
        }
      } else {
        double common =
            c_.aspect == AspectPolicy::kNotLarger ? std::numeric_limits<double>::infinity() : 0.0;
        for (size_t i = 0; i < na; ++i) {
          const double s = x->dim(axes[i]) > 0 ? static_cast<double>(sizes[i]) /
                                                     static_cast<double>(x->dim(axes[i]))
                                               : 1.0;
          common =
              c_.aspect == AspectPolicy::kNotLarger ? std::min(common, s) : std::max(common, s);
        }
        for (size_t i = 0; i < na; ++i) {
          const size_t a = static_cast<size_t>(axes[i]);
          scales[a] = common;
          const double size = std::nearbyint(common * static_cast<double>(x->dim(axes[i])));
          if (!(size < 1e15))
            return InvalidArgument(where + ": sizes give an output that is too large");
          out_shape[a] = static_cast<int64_t>(size);
        }
      }
    } else if (has_scales) {
      std::vector<double> s;
      if (!c_.scales_attr.empty()) {
        s.assign(c_.scales_attr.begin(), c_.scales_attr.end());
      } else {
        if (!IsFloatingPoint(scales_t->dtype())) {
          return InvalidArgument(where + ": scales must be a float tensor, got " +
                                 scales_t->Describe());
        }
        s = ToDoubles(*scales_t);
      }
      if (s.size() != na) {
        return InvalidArgument(where + ": scales has " + std::to_string(s.size()) +
                               " values, expected " + std::to_string(na));
      }
      for (size_t i = 0; i < na; ++i) {
        if (!(s[i] > 0))
          return InvalidArgument(where + ": scales must be positive, got " + std::to_string(s[i]));
        const size_t a = static_cast<size_t>(axes[i]);
        scales[a] = s[i];
        const double size = std::floor(static_cast<double>(x->dim(axes[i])) * s[i]);
        if (!(size < 1e15))
          return InvalidArgument(where + ": scale " + std::to_string(s[i]) + " is too large");
        out_shape[a] = static_cast<int64_t>(size);
      }
    } else {
      return InvalidArgument(where + ": one of 'scales' and 'sizes' must be given");
    }

    for (size_t a = 0; a < r; ++a) {
      if (out_shape[a] < 0 || out_shape[a] > (int64_t{1} << 40)) {
        return InvalidArgument(where + ": the output size along axis " + std::to_string(a) +
                               " is out of range");
      }
    }
    Tensor* y = ctx.AllocateOutput(0, x->dtype(), out_shape);
    if (y->numel() == 0) return Status::Ok();
    if (x->numel() == 0) {
      return InvalidArgument(where + ": cannot resize the empty input " +
                             ShapeToString(x->shape()) + " to " + ShapeToString(out_shape));
    }
    std::vector<AxisPlan> plans(r);
    for (size_t a = 0; a < r; ++a) {
      plans[a] = PlanAxis(c_, x->dim(static_cast<int>(a)), out_shape[a], scales[a], roi_start[a],
                          roi_end[a]);
    }
    if (c_.mode == Mode::kNearest) return Gather(*x, plans, y, where);
    return VisitType(
        x->dtype(), kAllNumeric,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          if constexpr (kIsNumeric<T>) {
            using C =
                std::conditional_t<std::is_same_v<T, double> || std::is_same_v<T, int64_t> ||
                                       std::is_same_v<T, uint64_t> || std::is_same_v<T, int32_t> ||
                                       std::is_same_v<T, uint32_t>,
                                   double, float>;
            const T* xd = x->data<T>();
            std::vector<C> cur(static_cast<size_t>(x->numel())), next;
            for (size_t i = 0; i < cur.size(); ++i)
              cur[i] = static_cast<C>(static_cast<ComputeT<T>>(xd[i]));
            Shape shape = x->shape();
            for (size_t a = 0; a < r; ++a) {
              if (plans[a].identity) continue;
              const int64_t outer = SizeFromTo(shape, 0, static_cast<int>(a));
              const int64_t inner = SizeFromTo(shape, static_cast<int>(a) + 1, rank);
              InterpolateAxis<C>(cur, &next, outer, inner, plans[a],
                                 static_cast<C>(c_.extrapolation));
              cur.swap(next);
              shape[a] = plans[a].out;
            }
            T* yd = y->data<T>();
            for (size_t i = 0; i < cur.size(); ++i)
              yd[i] = FromCompute<T>(static_cast<double>(cur[i]));
          }
          return Status::Ok();
        },
        where);
  }

 private:
  // Nearest: every output element copies one input element (or the extrapolation value).
  Status Gather(const Tensor& x, const std::vector<AxisPlan>& plans, Tensor* y,
                const std::string& where) const {
    const int rank = x.rank();
    const std::vector<int64_t> in_strides = [&] {
      std::vector<int64_t> s(static_cast<size_t>(rank), 1);
      for (int d = rank - 2; d >= 0; --d) s[d] = s[d + 1] * x.dim(d + 1);
      return s;
    }();
    return VisitType(
        x.dtype(), kAllNumeric | kBoolType,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          if constexpr (kIsNumeric<T> || std::is_same_v<T, bool>) {
            const T* xd = x.data<T>();
            T* yd = y->data<T>();
            T extrapolation{};
            if constexpr (kIsNumeric<T>) extrapolation = FromCompute<T>(c_.extrapolation);
            const int64_t total = y->numel();
            std::vector<int64_t> idx(static_cast<size_t>(rank), 0);
            for (int64_t o = 0; o < total; ++o) {
              int64_t off = 0;
              bool outside = false;
              for (int d = 0; d < rank; ++d) {
                const AxisPlan& p = plans[d];
                outside = outside || p.outside[static_cast<size_t>(idx[d])];
                off += p.index[static_cast<size_t>(idx[d])] * in_strides[d];
              }
              yd[o] = outside ? extrapolation : xd[off];
              for (int d = rank - 1; d >= 0; --d) {
                if (++idx[d] < y->dim(d)) break;
                idx[d] = 0;
              }
            }
          }
          return Status::Ok();
        },
        where);
  }

  ResizeConfig c_;
};

// Maps an attribute's string value to its enum; an error lists the accepted values.
template <typename E>
StatusOr<E> ParseEnum(const KernelInfo& info, const char* attr, const char* default_value,
                      std::initializer_list<std::pair<const char*, E>> table) {
  const std::string value = info.GetString(attr, default_value);
  std::string accepted;
  for (const auto& [name, e] : table) {
    if (value == name) return e;
    accepted += (accepted.empty() ? "" : ", ") + std::string(name);
  }
  return InvalidArgument(info.NodeLabel() + ": unknown " + attr + " '" + value + "' (expected " +
                         accepted + ")");
}

StatusOr<Mode> ParseMode(const KernelInfo& info) {
  return ParseEnum<Mode>(info, "mode", "nearest",
                         {{"nearest", Mode::kNearest},
                          {"linear", Mode::kLinear},
                          {"bilinear", Mode::kLinear},
                          {"trilinear", Mode::kLinear},
                          {"cubic", Mode::kCubic},
                          {"bicubic", Mode::kCubic}});
}

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateResize(const KernelInfo& info) {
  const std::string where = info.NodeLabel();
  ResizeConfig c;
  ASSIGN_OR_RETURN(c.mode, ParseMode(info));
  if (info.opset() < 11) {
    c.coord = Coord::kAsymmetric;
    c.nearest = NearestMode::kLegacy;
    c.scales_input = 1;
    if (c.mode == Mode::kCubic) {
      return InvalidArgument(where + ": cubic mode needs opset 11 or later");
    }
    return MakeKernel<ResizeKernel>(std::move(c));
  }
  c.roi_input = 1;
  c.scales_input = 2;
  c.sizes_input = 3;
  ASSIGN_OR_RETURN(c.coord, ParseEnum<Coord>(info, "coordinate_transformation_mode", "half_pixel",
                                             {{"half_pixel", Coord::kHalfPixel},
                                              {"half_pixel_symmetric", Coord::kHalfPixelSymmetric},
                                              {"pytorch_half_pixel", Coord::kPytorchHalfPixel},
                                              {"align_corners", Coord::kAlignCorners},
                                              {"asymmetric", Coord::kAsymmetric},
                                              {"tf_half_pixel_for_nn", Coord::kTfHalfPixelForNn},
                                              {"tf_crop_and_resize", Coord::kTfCropAndResize}}));
  ASSIGN_OR_RETURN(c.nearest,
                   ParseEnum<NearestMode>(info, "nearest_mode", "round_prefer_floor",
                                          {{"round_prefer_floor", NearestMode::kRoundPreferFloor},
                                           {"round_prefer_ceil", NearestMode::kRoundPreferCeil},
                                           {"floor", NearestMode::kFloor},
                                           {"ceil", NearestMode::kCeil}}));
  ASSIGN_OR_RETURN(c.aspect, ParseEnum<AspectPolicy>(info, "keep_aspect_ratio_policy", "stretch",
                                                     {{"stretch", AspectPolicy::kStretch},
                                                      {"not_larger", AspectPolicy::kNotLarger},
                                                      {"not_smaller", AspectPolicy::kNotSmaller}}));
  c.cubic_a = info.GetFloat("cubic_coeff_a", -0.75f);
  c.exclude_outside = info.GetInt("exclude_outside", 0) != 0;
  c.extrapolation = info.GetFloat("extrapolation_value", 0.0f);
  c.axes = info.GetInts("axes");
  if (info.GetInt("antialias", 0) != 0) {
    return Unimplemented(where + ": antialias=1 is not supported by the reference Resize");
  }
  return MakeKernel<ResizeKernel>(std::move(c));
}

StatusOr<std::unique_ptr<OpKernel>> CreateUpsample(const KernelInfo& info) {
  const std::string where = info.NodeLabel();
  ResizeConfig c;
  ASSIGN_OR_RETURN(c.mode, ParseMode(info));
  if (c.mode == Mode::kCubic)
    return InvalidArgument(where + ": Upsample supports nearest and linear only");
  c.coord = Coord::kAsymmetric;
  c.nearest = NearestMode::kLegacy;
  if (info.opset() < 9) {
    c.scales_attr = info.GetFloats("scales");
    if (c.scales_attr.empty())
      return InvalidArgument(where + ": required attribute 'scales' is missing");
  } else {
    c.scales_input = 1;
  }
  return MakeKernel<ResizeKernel>(std::move(c));
}

}  // namespace berth::nn
