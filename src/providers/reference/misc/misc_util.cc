#include "providers/reference/misc/misc_util.h"

#include <cmath>
#include <limits>
#include <type_traits>

#include "engine/dispatch.h"

namespace berth::misc {

StatusOr<int64_t> ReadScalarInt(const Tensor& t, const std::string& where,
                                const std::string& what) {
  if (t.numel() != 1 || t.rank() > 1) {
    return InvalidArgument(where + ": input '" + what + "' must be a scalar, got shape " +
                           ShapeToString(t.shape()));
  }
  if (t.dtype() == DataType::kInt64) return t.data<int64_t>()[0];
  if (t.dtype() == DataType::kInt32) return static_cast<int64_t>(t.data<int32_t>()[0]);
  return InvalidArgument(where + ": input '" + what + "' must be int32 or int64, got " +
                         std::string(DataTypeName(t.dtype())));
}

StatusOr<double> ReadScalarFloat(const Tensor& t, const std::string& where,
                                 const std::string& what) {
  if (t.numel() != 1 || t.rank() > 1) {
    return InvalidArgument(where + ": input '" + what + "' must be a scalar, got shape " +
                           ShapeToString(t.shape()));
  }
  double v = 0;
  RETURN_IF_ERROR(VisitOf<FloatTypes>(
      t.dtype(),
      [&](auto tag) -> Status {
        using T = typename decltype(tag)::type;
        v = static_cast<double>(static_cast<ComputeT<T>>(t.data<T>()[0]));
        return Status::Ok();
      },
      where + ": input '" + what + "'"));
  return v;
}

StatusOr<DataType> NumericTypeFromAttribute(int64_t dtype_code, const std::string& where,
                                            const std::string& attr_name) {
  if (dtype_code < 0 || dtype_code > 64 || !IsValidDataType(static_cast<int32_t>(dtype_code)) ||
      !(TypeBit(static_cast<DataType>(dtype_code)) & kAllNumeric)) {
    return InvalidArgument(where + ": attribute '" + attr_name + "' = " +
                           std::to_string(dtype_code) + " is not a supported numeric data type");
  }
  return static_cast<DataType>(dtype_code);
}

Status StoreDoubles(const std::vector<double>& values, Tensor* out, const std::string& where) {
  return VisitOf<NumericTypes>(
      out->dtype(),
      [&](auto tag) -> Status {
        using T = typename decltype(tag)::type;
        T* p = out->data<T>();
        for (size_t i = 0; i < values.size(); ++i) {
          if constexpr (std::is_integral_v<T>) {
            // Clamp first: converting an out-of-range double to an integer is undefined behaviour.
            double v = values[i];
            constexpr double lo = static_cast<double>(std::numeric_limits<T>::lowest());
            constexpr double hi = static_cast<double>(std::numeric_limits<T>::max());
            p[i] = std::isnan(v) ? T(0)
                   : v <= lo     ? std::numeric_limits<T>::lowest()
                   : v >= hi     ? std::numeric_limits<T>::max()
                                 : static_cast<T>(v);
          } else {
            p[i] = static_cast<T>(static_cast<ComputeT<T>>(values[i]));
          }
        }
        return Status::Ok();
      },
      where);
}

}  // namespace berth::misc
