#include "engine/tensor_compare.h"

#include <cmath>
#include <sstream>

#include "engine/dispatch.h"

namespace berth {

std::string CompareTensors(const Tensor& actual, const Tensor& expected, double rtol, double atol) {
  if (actual.dtype() != expected.dtype()) {
    return "dtype mismatch: got " + std::string(DataTypeName(actual.dtype())) + ", expected " +
           std::string(DataTypeName(expected.dtype()));
  }
  if (actual.shape() != expected.shape()) {
    return "shape mismatch: got " + ShapeToString(actual.shape()) + ", expected " +
           ShapeToString(expected.shape());
  }
  std::string first;
  int64_t mismatches = 0;
  Status st = VisitType(actual.dtype(), kAllTypes, [&](auto tag) -> Status {
    using T = typename decltype(tag)::type;
    const T* a = actual.data<T>();
    const T* e = expected.data<T>();
    for (int64_t i = 0; i < actual.numel(); ++i) {
      bool same;
      std::ostringstream vals;
      if constexpr (std::is_same_v<T, std::string>) {
        same = a[i] == e[i];
        if (!same) vals << "'" << a[i] << "' vs expected '" << e[i] << "'";
      } else {
        double av = static_cast<double>(static_cast<ComputeT<T>>(a[i]));
        double ev = static_cast<double>(static_cast<ComputeT<T>>(e[i]));
        if (std::isnan(ev) || std::isnan(av)) {
          same = std::isnan(ev) && std::isnan(av);
        } else if (std::isinf(ev) || std::isinf(av)) {
          same = av == ev;
        } else {
          same = std::fabs(av - ev) <= atol + rtol * std::fabs(ev);
        }
        if (!same) vals.precision(9), vals << av << " vs expected " << ev;
      }
      if (!same) {
        if (mismatches == 0) first = "at flat index " + std::to_string(i) + ": " + vals.str();
        ++mismatches;
      }
    }
    return Status::Ok();
  }, "compare");
  if (!st.ok()) return st.message();
  if (mismatches == 0) return "";
  return std::to_string(mismatches) + " of " + std::to_string(actual.numel()) +
         " elements differ; first " + first;
}

}  // namespace berth
