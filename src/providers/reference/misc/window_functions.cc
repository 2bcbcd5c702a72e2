// HannWindow, HammingWindow, BlackmanWindow (opset 17+): generalized cosine windows
//   w[k] = a0 - a1 * cos(2*pi*k/N) + a2 * cos(4*pi*k/N),  k in [0, size)
// with N = size for a periodic window (the default) and N = size - 1 for a symmetric one.
// The three operators share this file because they differ only in their coefficients.

#include <cmath>
#include <numbers>

#include "providers/reference/misc/misc_kernels.h"
#include "providers/reference/misc/misc_util.h"

namespace berth {
namespace {

struct CosineWindow {
  double a0, a1, a2;
};

class WindowKernel : public OpKernel {
 public:
  WindowKernel(CosineWindow coeffs, bool periodic, DataType out_type)
      : coeffs_(coeffs), periodic_(periodic), out_type_(out_type) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* size_t_, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(int64_t size, misc::ReadScalarInt(*size_t_, where, "size"));
    if (size < 0)
      return InvalidArgument(where + ": window size must be >= 0, got " + std::to_string(size));
    std::vector<double> values(static_cast<size_t>(size));
    const int64_t denom = periodic_ ? size : size - 1;
    for (int64_t k = 0; k < size; ++k) {
      if (denom == 0) {
        values[static_cast<size_t>(k)] = 1.0;  // a symmetric window of one point
        continue;
      }
      const double x = 2.0 * std::numbers::pi * static_cast<double>(k) / static_cast<double>(denom);
      values[static_cast<size_t>(k)] =
          coeffs_.a0 - coeffs_.a1 * std::cos(x) + coeffs_.a2 * std::cos(2.0 * x);
    }
    Tensor* y = ctx.AllocateOutput(0, out_type_, {size});
    return misc::StoreDoubles(values, y, where);
  }

 private:
  CosineWindow coeffs_;
  bool periodic_;
  DataType out_type_;
};

StatusOr<std::unique_ptr<OpKernel>> CreateWindow(const KernelInfo& info, CosineWindow coeffs) {
  const int64_t periodic = info.GetInt("periodic", 1);
  if (periodic != 0 && periodic != 1)
    return InvalidArgument(info.NodeLabel() + ": 'periodic' must be 0 or 1");
  ASSIGN_OR_RETURN(DataType out_type,
                   misc::NumericTypeFromAttribute(info.GetInt("output_datatype", 1),
                                                  info.NodeLabel(), "output_datatype"));
  return MakeKernel<WindowKernel>(coeffs, periodic == 1, out_type);
}

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateHannWindow(const KernelInfo& info) {
  return CreateWindow(info, {0.5, 0.5, 0.0});
}

StatusOr<std::unique_ptr<OpKernel>> CreateHammingWindow(const KernelInfo& info) {
  return CreateWindow(info, {25.0 / 46.0, 21.0 / 46.0, 0.0});
}

StatusOr<std::unique_ptr<OpKernel>> CreateBlackmanWindow(const KernelInfo& info) {
  return CreateWindow(info, {0.42, 0.5, 0.08});
}

}  // namespace berth
