// GridSample (opset 16; 4-D): samples X [N, C, H, W] at the normalised locations of grid
// [N, H_out, W_out, 2] (x then y, in [-1, 1]), giving Y [N, C, H_out, W_out]. Modes bilinear,
// nearest (round half to even) and bicubic (A = -0.75); padding zeros, border or reflection;
// align_corners maps -1/1 to the centres (1) or the outer edges (0) of the corner pixels.
// Follows PyTorch's grid_sampler_2d, which the ONNX reference reproduces: bilinear and nearest pad
// the sampling coordinate, bicubic pads each of its 16 taps.

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/dispatch.h"
#include "providers/reference/nn/nn_kernels.h"
#include "providers/reference/nn/nn_util.h"

namespace berth::nn {
namespace {

enum class SampleMode { kBilinear, kNearest, kBicubic };
enum class PaddingMode { kZeros, kBorder, kReflection };

double Unnormalize(double g, int64_t size, bool align_corners) {
  return align_corners ? (g + 1) / 2 * static_cast<double>(size - 1)
                       : ((g + 1) * static_cast<double>(size) - 1) / 2;
}

double Reflect(double x, double twice_low, double twice_high) {
  if (twice_low == twice_high) return 0;
  const double lo = twice_low / 2;
  const double span = (twice_high - twice_low) / 2;
  x = std::fabs(x - lo);
  const double extra = std::fmod(x, span);
  const int64_t flips = static_cast<int64_t>(std::floor(x / span));
  return flips % 2 == 0 ? extra + lo : span - extra + lo;
}

double PadCoordinate(double x, int64_t size, PaddingMode pad, bool align_corners) {
  const double hi = static_cast<double>(size - 1);
  if (pad == PaddingMode::kBorder) return std::min(hi, std::max(x, 0.0));
  if (pad == PaddingMode::kReflection) {
    x = align_corners ? Reflect(x, 0, 2 * hi) : Reflect(x, -1, 2 * static_cast<double>(size) - 1);
    return std::min(hi, std::max(x, 0.0));
  }
  return x;
}

void CubicCoefficients(double t, double c[4]) {
  const double a = -0.75;
  auto near = [a](double x) { return ((a + 2) * x - (a + 3)) * x * x + 1; };
  auto far = [a](double x) { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a; };
  c[0] = far(t + 1);
  c[1] = near(t);
  c[2] = near(1 - t);
  c[3] = far(2 - t);
}

class GridSampleKernel : public OpKernel {
 public:
  GridSampleKernel(SampleMode mode, PaddingMode pad, bool align_corners)
      : mode_(mode), pad_(pad), align_(align_corners) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* grid, ctx.RequireInput(1));
    if (x->rank() != 4) {
      return InvalidArgument(where + ": input 0 ('X') must be 4-D [N, C, H, W], got " +
                             ShapeToString(x->shape()));
    }
    if (grid->rank() != 4 || grid->dim(0) != x->dim(0) || grid->dim(3) != 2) {
      return InvalidArgument(where + ": input 1 ('grid') must have shape [" +
                             std::to_string(x->dim(0)) + ", H_out, W_out, 2], got " +
                             ShapeToString(grid->shape()));
    }
    if (!IsFloatingPoint(grid->dtype())) {
      return InvalidArgument(where + ": grid must be a floating-point tensor, got " +
                             grid->Describe());
    }
    const int64_t N = x->dim(0), C = x->dim(1), H = x->dim(2), W = x->dim(3);
    const int64_t Ho = grid->dim(1), Wo = grid->dim(2);
    Tensor* y = ctx.AllocateOutput(0, x->dtype(), {N, C, Ho, Wo});
    if (y->numel() == 0) return Status::Ok();
    const std::vector<double> g = ToDoubles(*grid);
    return VisitType(
        x->dtype(), kFloatTypes,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          if constexpr (kIsFloat<T>) {
            const T* xd = x->data<T>();
            T* yd = y->data<T>();
            for (int64_t n = 0; n < N; ++n) {
              for (int64_t i = 0; i < Ho; ++i) {
                for (int64_t j = 0; j < Wo; ++j) {
                  const double* gp = &g[static_cast<size_t>(((n * Ho + i) * Wo + j) * 2)];
                  for (int64_t c = 0; c < C; ++c) {
                    const T* plane = xd + (n * C + c) * H * W;
                    yd[((n * C + c) * Ho + i) * Wo + j] =
                        static_cast<T>(static_cast<ComputeT<T>>(Sample(plane, H, W, gp[0], gp[1])));
                  }
                }
              }
            }
          }
          return Status::Ok();
        },
        where);
  }

 private:
  template <typename T>
  static double At(const T* plane, int64_t H, int64_t W, int64_t yy, int64_t xx) {
    if (yy < 0 || yy >= H || xx < 0 || xx >= W) return 0.0;
    return static_cast<double>(static_cast<ComputeT<T>>(plane[yy * W + xx]));
  }

  template <typename T>
  double Sample(const T* plane, int64_t H, int64_t W, double gx, double gy) const {
    if (!std::isfinite(gx) || !std::isfinite(gy)) return 0.0;
    // Far-away coordinates read only padding; bounding them keeps the integer conversions defined.
    gx = std::clamp(gx, -1e6, 1e6);
    gy = std::clamp(gy, -1e6, 1e6);
    double ix = Unnormalize(gx, W, align_);
    double iy = Unnormalize(gy, H, align_);
    if (mode_ == SampleMode::kBicubic) {
      const double fx = std::floor(ix), fy = std::floor(iy);
      double cx[4], cy[4];
      CubicCoefficients(ix - fx, cx);
      CubicCoefficients(iy - fy, cy);
      double sum = 0;
      for (int a = 0; a < 4; ++a) {
        double row = 0;
        for (int b = 0; b < 4; ++b) {
          double px = fx - 1 + b, py = fy - 1 + a;
          if (pad_ != PaddingMode::kZeros) {
            px = PadCoordinate(px, W, pad_, align_);
            py = PadCoordinate(py, H, pad_, align_);
          }
          row += cx[b] * At(plane, H, W, static_cast<int64_t>(py), static_cast<int64_t>(px));
        }
        sum += cy[a] * row;
      }
      return sum;
    }
    ix = PadCoordinate(ix, W, pad_, align_);
    iy = PadCoordinate(iy, H, pad_, align_);
    if (mode_ == SampleMode::kNearest) {
      return At(plane, H, W, static_cast<int64_t>(std::nearbyint(iy)),
                static_cast<int64_t>(std::nearbyint(ix)));
    }
    const double x0 = std::floor(ix), y0 = std::floor(iy);
    const double tx = ix - x0, ty = iy - y0;
    const int64_t xi = static_cast<int64_t>(x0), yi = static_cast<int64_t>(y0);
    return (1 - ty) * ((1 - tx) * At(plane, H, W, yi, xi) + tx * At(plane, H, W, yi, xi + 1)) +
           ty * ((1 - tx) * At(plane, H, W, yi + 1, xi) + tx * At(plane, H, W, yi + 1, xi + 1));
  }

  SampleMode mode_;
  PaddingMode pad_;
  bool align_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateGridSample(const KernelInfo& info) {
  const std::string where = info.NodeLabel();
  const std::string mode = info.GetString("mode", "bilinear");
  SampleMode m;
  if (mode == "bilinear" || mode == "linear")
    m = SampleMode::kBilinear;
  else if (mode == "nearest")
    m = SampleMode::kNearest;
  else if (mode == "bicubic" || mode == "cubic")
    m = SampleMode::kBicubic;
  else
    return InvalidArgument(where + ": unknown mode '" + mode + "'");
  const std::string padding = info.GetString("padding_mode", "zeros");
  PaddingMode p;
  if (padding == "zeros")
    p = PaddingMode::kZeros;
  else if (padding == "border")
    p = PaddingMode::kBorder;
  else if (padding == "reflection")
    p = PaddingMode::kReflection;
  else
    return InvalidArgument(where + ": unknown padding_mode '" + padding + "'");
  return MakeKernel<GridSampleKernel>(m, p, info.GetInt("align_corners", 0) != 0);
}

}  // namespace berth::nn
