// ConvInteger (opset 10+): int32 convolution of (x - x_zero_point) with (w - w_zero_point) for
// 8-bit x and w. Padding reads x_zero_point (i.e. zero after the subtraction). x_zero_point is per
// tensor; w_zero_point per tensor or per output channel ([M]).

#include <vector>

#include "providers/reference/nn/conv.h"
#include "providers/reference/nn/nn_kernels.h"

namespace berth::nn {
namespace {

bool Is8Bit(DataType t) { return t == DataType::kUint8 || t == DataType::kInt8; }

int32_t Element8(const Tensor& t, int64_t i) {
  return t.dtype() == DataType::kInt8 ? t.data<int8_t>()[i] : t.data<uint8_t>()[i];
}

class ConvIntegerKernel : public OpKernel {
 public:
  ConvIntegerKernel(WindowAttributes attrs, int64_t group)
      : attrs_(std::move(attrs)), group_(group) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* w, ctx.RequireInput(1));
    const Tensor* x_zp = ctx.input(2);
    const Tensor* w_zp = ctx.input(3);
    if (!Is8Bit(x->dtype()) || !Is8Bit(w->dtype())) {
      return InvalidArgument(where + ": x and w must be int8 or uint8, got " +
                             std::string(DataTypeName(x->dtype())) + " and " +
                             std::string(DataTypeName(w->dtype())));
    }
    ASSIGN_OR_RETURN(ConvShapes s, ValidateConv(attrs_, group_, *x, *w, nullptr, where));
    if (x_zp && (x_zp->numel() != 1 || x_zp->dtype() != x->dtype())) {
      return InvalidArgument(where + ": x_zero_point must be a single element of x's type, got " +
                             x_zp->Describe());
    }
    if (w_zp &&
        ((w_zp->numel() != 1 && w_zp->numel() != s.out_channels) || w_zp->dtype() != w->dtype())) {
      return InvalidArgument(where +
                             ": w_zero_point must be a scalar or have one element per output "
                             "channel (" +
                             std::to_string(s.out_channels) + ") of w's type, got " +
                             w_zp->Describe());
    }
    Shape out_shape = {s.batch, s.out_channels};
    out_shape.insert(out_shape.end(), s.geometry.output.begin(), s.geometry.output.end());
    Tensor* y = ctx.AllocateOutput(0, DataType::kInt32, out_shape);
    if (y->numel() == 0) return Status::Ok();

    const int32_t xz = x_zp ? Element8(*x_zp, 0) : 0;
    std::vector<int32_t> xw(static_cast<size_t>(x->numel()));
    for (int64_t i = 0; i < x->numel(); ++i) xw[static_cast<size_t>(i)] = Element8(*x, i) - xz;
    std::vector<int32_t> ww(static_cast<size_t>(w->numel()));
    const int64_t per_filter = s.out_channels ? w->numel() / s.out_channels : 0;
    for (int64_t i = 0; i < w->numel(); ++i) {
      int32_t z = 0;
      if (w_zp) z = Element8(*w_zp, w_zp->numel() == 1 ? 0 : i / per_filter);
      ww[static_cast<size_t>(i)] = Element8(*w, i) - z;
    }
    ConvForward<int32_t>(xw.data(), ww.data(), nullptr, y->data<int32_t>(), s, 0);
    return Status::Ok();
  }

 private:
  WindowAttributes attrs_;
  int64_t group_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateConvInteger(const KernelInfo& info) {
  ASSIGN_OR_RETURN(WindowAttributes attrs, WindowAttributes::Read(info));
  const int64_t group = info.GetInt("group", 1);
  if (group <= 0) {
    return InvalidArgument(info.NodeLabel() + ": group must be positive, got " +
                           std::to_string(group));
  }
  return MakeKernel<ConvIntegerKernel>(std::move(attrs), group);
}

}  // namespace berth::nn
