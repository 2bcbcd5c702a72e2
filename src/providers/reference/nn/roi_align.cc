// RoiAlign (opsets 10, 16): for each region of interest [x1, y1, x2, y2] (scaled by spatial_scale)
// on image batch_indices[r] of X [N, C, H, W], pools an output_height x output_width grid of bins,
// each the average (or max) of sampling_ratio^2 bilinear samples (adaptive ceil(bin size) when
// sampling_ratio is 0). coordinate_transformation_mode half_pixel (default from opset 16) shifts
// the ROI by -0.5 pixel; output_half_pixel (opset 10 behaviour) does not and makes each ROI at
// least 1x1. Max mode takes, per sample, the largest weighted corner (as ONNX Runtime and the ONNX
// reference do).

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/dispatch.h"
#include "providers/reference/nn/nn_kernels.h"
#include "providers/reference/nn/nn_util.h"

namespace berth::nn {
namespace {

struct Sample {
  int64_t pos[4] = {0, 0, 0, 0};
  double w[4] = {0, 0, 0, 0};
};

class RoiAlignKernel : public OpKernel {
 public:
  RoiAlignKernel(bool max_mode, int64_t out_h, int64_t out_w, int64_t sampling_ratio,
                 float spatial_scale, bool half_pixel)
      : max_mode_(max_mode),
        out_h_(out_h),
        out_w_(out_w),
        sampling_ratio_(sampling_ratio),
        spatial_scale_(spatial_scale),
        half_pixel_(half_pixel) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* rois, ctx.RequireInput(1));
    ASSIGN_OR_RETURN(const Tensor* batch_t, ctx.RequireInput(2));
    if (x->rank() != 4) {
      return InvalidArgument(where + ": input 0 ('X') must be 4-D [N, C, H, W], got " +
                             ShapeToString(x->shape()));
    }
    if (rois->rank() != 2 || rois->dim(1) != 4 || !IsFloatingPoint(rois->dtype())) {
      return InvalidArgument(where +
                             ": input 1 ('rois') must be a float tensor [num_rois, 4], got " +
                             rois->Describe());
    }
    const int64_t num_rois = rois->dim(0);
    if (batch_t->rank() != 1 || batch_t->dim(0) != num_rois) {
      return InvalidArgument(where + ": input 2 ('batch_indices') must have shape [" +
                             std::to_string(num_rois) + "], got " +
                             ShapeToString(batch_t->shape()));
    }
    ASSIGN_OR_RETURN(std::vector<int64_t> batch, ToInt64s(*batch_t, where + ": batch_indices"));
    const int64_t N = x->dim(0), C = x->dim(1), H = x->dim(2), W = x->dim(3);
    for (int64_t b : batch) {
      if (b < 0 || b >= N) {
        return InvalidArgument(where + ": batch index " + std::to_string(b) + " is outside [0, " +
                               std::to_string(N) + ")");
      }
    }
    const std::vector<double> roi = ToDoubles(*rois);
    for (int64_t r = 0; r < num_rois; ++r) {
      const double* b = &roi[static_cast<size_t>(r * 4)];
      for (int k = 0; k < 4; ++k) {
        if (!std::isfinite(b[k] * spatial_scale_) || std::fabs(b[k] * spatial_scale_) > 1e9) {
          return InvalidArgument(where + ": roi " + std::to_string(r) +
                                 " has a non-finite or huge coordinate");
        }
      }
    }
    Tensor* y = ctx.AllocateOutput(0, x->dtype(), {num_rois, C, out_h_, out_w_});
    if (y->numel() == 0 || H == 0 || W == 0) return Status::Ok();  // empty images pool to zeros
    return VisitType(
        x->dtype(), kFloatTypes,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          if constexpr (kIsFloat<T>) {
            const T* xd = x->data<T>();
            T* yd = y->data<T>();
            std::vector<Sample> samples;
            for (int64_t r = 0; r < num_rois; ++r) {
              int64_t grid_h, grid_w;
              RETURN_IF_ERROR(
                  Plan(&roi[static_cast<size_t>(r * 4)], H, W, &samples, &grid_h, &grid_w, where));
              const int64_t per_bin = grid_h * grid_w;
              const double count = static_cast<double>(std::max<int64_t>(per_bin, 1));
              for (int64_t c = 0; c < C; ++c) {
                const T* plane = xd + (batch[static_cast<size_t>(r)] * C + c) * H * W;
                T* out = yd + (r * C + c) * out_h_ * out_w_;
                for (int64_t bin = 0; bin < out_h_ * out_w_; ++bin) {
                  double acc = 0;
                  bool first = true;
                  for (int64_t s = 0; s < per_bin; ++s) {
                    const Sample& sm = samples[static_cast<size_t>(bin * per_bin + s)];
                    if (max_mode_) {
                      double m = 0;
                      for (int k = 0; k < 4; ++k) {
                        const double v = sm.w[k] * static_cast<double>(
                                                       static_cast<ComputeT<T>>(plane[sm.pos[k]]));
                        m = k == 0 ? v : std::max(m, v);
                      }
                      acc = first ? m : std::max(acc, m);
                      first = false;
                    } else {
                      for (int k = 0; k < 4; ++k) {
                        acc += sm.w[k] *
                               static_cast<double>(static_cast<ComputeT<T>>(plane[sm.pos[k]]));
                      }
                    }
                  }
                  out[bin] =
                      static_cast<T>(static_cast<ComputeT<T>>(max_mode_ ? acc : acc / count));
                }
              }
            }
          }
          return Status::Ok();
        },
        where);
  }

 private:
  // Bilinear sample positions and weights for every bin of one ROI, bin-major.
  Status Plan(const double* box, int64_t H, int64_t W, std::vector<Sample>* samples,
              int64_t* grid_h, int64_t* grid_w, const std::string& where) const {
    const double offset = half_pixel_ ? 0.5 : 0.0;
    const double start_w = box[0] * spatial_scale_ - offset;
    const double start_h = box[1] * spatial_scale_ - offset;
    const double end_w = box[2] * spatial_scale_ - offset;
    const double end_h = box[3] * spatial_scale_ - offset;
    double roi_w = end_w - start_w, roi_h = end_h - start_h;
    if (!half_pixel_) {
      roi_w = std::max(roi_w, 1.0);
      roi_h = std::max(roi_h, 1.0);
    }
    const double bin_h = roi_h / static_cast<double>(out_h_);
    const double bin_w = roi_w / static_cast<double>(out_w_);
    *grid_h = sampling_ratio_ > 0
                  ? sampling_ratio_
                  : static_cast<int64_t>(std::ceil(roi_h / static_cast<double>(out_h_)));
    *grid_w = sampling_ratio_ > 0
                  ? sampling_ratio_
                  : static_cast<int64_t>(std::ceil(roi_w / static_cast<double>(out_w_)));
    *grid_h = std::max<int64_t>(*grid_h, 0);
    *grid_w = std::max<int64_t>(*grid_w, 0);
    if (static_cast<double>(*grid_h) * static_cast<double>(*grid_w) *
            static_cast<double>(out_h_ * out_w_) >
        1e8) {
      return InvalidArgument(where +
                             ": a region needs more than 1e8 bilinear samples; set sampling_ratio");
    }
    samples->clear();
    samples->reserve(static_cast<size_t>(out_h_ * out_w_ * *grid_h * *grid_w));
    for (int64_t ph = 0; ph < out_h_; ++ph) {
      for (int64_t pw = 0; pw < out_w_; ++pw) {
        for (int64_t iy = 0; iy < *grid_h; ++iy) {
          for (int64_t ix = 0; ix < *grid_w; ++ix) {
            double yy = start_h + static_cast<double>(ph) * bin_h +
                        (static_cast<double>(iy) + 0.5) * bin_h / static_cast<double>(*grid_h);
            double xx = start_w + static_cast<double>(pw) * bin_w +
                        (static_cast<double>(ix) + 0.5) * bin_w / static_cast<double>(*grid_w);
            Sample s;
            if (yy < -1.0 || yy > static_cast<double>(H) || xx < -1.0 ||
                xx > static_cast<double>(W) || H == 0 || W == 0) {
              samples->push_back(s);
              continue;
            }
            yy = std::max(yy, 0.0);
            xx = std::max(xx, 0.0);
            int64_t y_lo = static_cast<int64_t>(yy), x_lo = static_cast<int64_t>(xx), y_hi, x_hi;
            if (y_lo >= H - 1) {
              y_hi = y_lo = H - 1;
              yy = static_cast<double>(y_lo);
            } else {
              y_hi = y_lo + 1;
            }
            if (x_lo >= W - 1) {
              x_hi = x_lo = W - 1;
              xx = static_cast<double>(x_lo);
            } else {
              x_hi = x_lo + 1;
            }
            const double ly = yy - static_cast<double>(y_lo), lx = xx - static_cast<double>(x_lo);
            const double hy = 1 - ly, hx = 1 - lx;
            s.pos[0] = y_lo * W + x_lo;
            s.pos[1] = y_lo * W + x_hi;
            s.pos[2] = y_hi * W + x_lo;
            s.pos[3] = y_hi * W + x_hi;
            s.w[0] = hy * hx;
            s.w[1] = hy * lx;
            s.w[2] = ly * hx;
            s.w[3] = ly * lx;
            samples->push_back(s);
          }
        }
      }
    }
    return Status::Ok();
  }

  bool max_mode_;
  int64_t out_h_, out_w_, sampling_ratio_;
  float spatial_scale_;
  bool half_pixel_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateRoiAlign(const KernelInfo& info) {
  const std::string where = info.NodeLabel();
  const std::string mode = info.GetString("mode", "avg");
  if (mode != "avg" && mode != "max")
    return InvalidArgument(where + ": unknown mode '" + mode + "'");
  const std::string coord = info.GetString("coordinate_transformation_mode",
                                           info.opset() >= 16 ? "half_pixel" : "output_half_pixel");
  if (coord != "half_pixel" && coord != "output_half_pixel") {
    return InvalidArgument(where + ": unknown coordinate_transformation_mode '" + coord + "'");
  }
  const int64_t out_h = info.GetInt("output_height", 1);
  const int64_t out_w = info.GetInt("output_width", 1);
  const int64_t sampling_ratio = info.GetInt("sampling_ratio", 0);
  if (out_h <= 0 || out_w <= 0 || sampling_ratio < 0) {
    return InvalidArgument(
        where + ": output_height/output_width must be positive and sampling_ratio non-negative");
  }
  return MakeKernel<RoiAlignKernel>(mode == "max", out_h, out_w, sampling_ratio,
                                    info.GetFloat("spatial_scale", 1.0f), coord == "half_pixel");
}

}  // namespace berth::nn
