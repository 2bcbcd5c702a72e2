#include "providers/reference/misc/quant_util.h"

#include "engine/dispatch.h"
#include "engine/shape_util.h"

namespace berth::quant {

StatusOr<std::vector<float>> ReadScales(const Tensor& t, const std::string& where,
                                        const std::string& what) {
  std::vector<float> out(static_cast<size_t>(t.numel()));
  Status s = VisitOf<FloatTypes>(
      t.dtype(),
      [&](auto tag) -> Status {
        using T = typename decltype(tag)::type;
        const T* p = t.data<T>();
        for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(p[i]);
        return Status::Ok();
      },
      where + ": input '" + what + "'");
  if (!s.ok()) return s;
  return out;
}

StatusOr<std::vector<int32_t>> ReadZeroPoints(const Tensor& t, const std::string& where,
                                              const std::string& what) {
  std::vector<int32_t> out(static_cast<size_t>(t.numel()));
  Status s = VisitOf<quant::QuantizedTypes>(
      t.dtype(),
      [&](auto tag) -> Status {
        using T = typename decltype(tag)::type;
        const T* p = t.data<T>();
        for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<int32_t>(p[i]);
        return Status::Ok();
      },
      where + ": input '" + what + "'");
  if (!s.ok()) return s;
  return out;
}

bool Is8Bit(DataType dtype) { return dtype == DataType::kInt8 || dtype == DataType::kUint8; }

StatusOr<AxisLayout> ResolveAxisLayout(const Shape& x_shape, int64_t axis, const Tensor& scale,
                                       const Tensor* zero_point, const std::string& where) {
  AxisLayout layout;
  if (zero_point && zero_point->numel() != scale.numel()) {
    return InvalidArgument(where + ": zero point shape " + ShapeToString(zero_point->shape()) +
                           " does not match scale shape " + ShapeToString(scale.shape()));
  }
  if (scale.rank() > 1) {
    return InvalidArgument(where + ": scale must be a scalar or a 1-D tensor, got shape " +
                           ShapeToString(scale.shape()));
  }
  if (scale.numel() == 1) {
    layout.inner = NumElements(x_shape);
    return layout;
  }
  int rank = static_cast<int>(x_shape.size());
  if (rank == 0) {
    return InvalidArgument(where + ": per-axis scale " + ShapeToString(scale.shape()) +
                           " given for a scalar input");
  }
  ASSIGN_OR_RETURN(int a, NormalizeAxis(axis, rank, where));
  if (scale.numel() != x_shape[static_cast<size_t>(a)]) {
    return InvalidArgument(where + ": per-axis scale has " + std::to_string(scale.numel()) +
                           " elements but input dimension " + std::to_string(a) + " of " +
                           ShapeToString(x_shape) + " has size " +
                           std::to_string(x_shape[static_cast<size_t>(a)]));
  }
  layout.per_axis = true;
  layout.channels = x_shape[static_cast<size_t>(a)];
  for (int d = 0; d < a; ++d) layout.outer *= x_shape[static_cast<size_t>(d)];
  for (int d = a + 1; d < rank; ++d) layout.inner *= x_shape[static_cast<size_t>(d)];
  return layout;
}

StatusOr<AxisParams> ReadAxisParams(const Shape& x_shape, int64_t axis, const Tensor& scale,
                                    const Tensor* zero_point, const std::string& where,
                                    const std::string& scale_name,
                                    const std::string& zero_point_name) {
  AxisParams p;
  ASSIGN_OR_RETURN(p.layout, ResolveAxisLayout(x_shape, axis, scale, zero_point, where));
  ASSIGN_OR_RETURN(p.scales, ReadScales(scale, where, scale_name));
  p.zero_points.assign(p.scales.size(), 0);
  if (zero_point) {
    ASSIGN_OR_RETURN(p.zero_points, ReadZeroPoints(*zero_point, where, zero_point_name));
  }
  return p;
}

}  // namespace berth::quant
