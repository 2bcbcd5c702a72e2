#include "providers/reference/nn/nn_util.h"

#include <algorithm>

#include "engine/dispatch.h"

namespace berth::nn {

Tensor ToFloat32(const Tensor& t) {
  if (t.dtype() == DataType::kFloat32) return t;
  Tensor out(DataType::kFloat32, t.shape());
  float* dst = out.data<float>();
  const int64_t n = t.numel();
  switch (t.dtype()) {
    case DataType::kFloat16: {
      const Float16* src = t.data<Float16>();
      for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(src[i]);
      break;
    }
    case DataType::kBFloat16: {
      const BFloat16* src = t.data<BFloat16>();
      for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(src[i]);
      break;
    }
    case DataType::kFloat64: {
      const double* src = t.data<double>();
      for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(src[i]);
      break;
    }
    default: {
      std::vector<float> v = ToFloats(t);
      for (int64_t i = 0; i < n; ++i) dst[i] = v[static_cast<size_t>(i)];
    }
  }
  return out;
}

void StoreFromFloat32(const Tensor& src, Tensor* dst) {
  const float* s = src.data<float>();
  const int64_t n = std::min(src.numel(), dst->numel());
  switch (dst->dtype()) {
    case DataType::kFloat32:
      if (dst->raw_data() != src.raw_data()) std::copy(s, s + n, dst->data<float>());
      break;
    case DataType::kFloat16: {
      Float16* d = dst->data<Float16>();
      for (int64_t i = 0; i < n; ++i) d[i] = Float16(s[i]);
      break;
    }
    case DataType::kBFloat16: {
      BFloat16* d = dst->data<BFloat16>();
      for (int64_t i = 0; i < n; ++i) d[i] = BFloat16(s[i]);
      break;
    }
    case DataType::kFloat64: {
      double* d = dst->data<double>();
      for (int64_t i = 0; i < n; ++i) d[i] = s[i];
      break;
    }
    default:
      break;
  }
}

namespace {
template <typename R>
std::vector<R> Convert(const Tensor& t) {
  std::vector<R> out(static_cast<size_t>(t.numel()));
  Status s = VisitType(
      t.dtype(), kAllNumeric | kBoolType,
      [&](auto tag) -> Status {
        using T = typename decltype(tag)::type;
        if constexpr (kIsNumeric<T> || std::is_same_v<T, bool>) {
          const T* p = t.data<T>();
          for (size_t i = 0; i < out.size(); ++i) {
            out[i] = static_cast<R>(static_cast<ComputeT<T>>(p[i]));
          }
        }
        return Status::Ok();
      },
      "conversion");
  (void)s;  // unsupported types leave zeros; callers check types first
  return out;
}
}  // namespace

std::vector<double> ToDoubles(const Tensor& t) { return Convert<double>(t); }
std::vector<float> ToFloats(const Tensor& t) { return Convert<float>(t); }

StatusOr<std::vector<int64_t>> ToInt64s(const Tensor& t, const std::string& where) {
  if (!IsInteger(t.dtype())) {
    return InvalidArgument(where + " must be an integer tensor, got " +
                           std::string(DataTypeName(t.dtype())));
  }
  return Convert<int64_t>(t);
}

int64_t SizeFromTo(const Shape& shape, int begin, int end) {
  int64_t n = 1;
  for (int i = begin; i < end; ++i) n *= shape[static_cast<size_t>(i)];
  return n;
}

std::string InputName(int index, const char* name) {
  return "input " + std::to_string(index) + " ('" + name + "')";
}

}  // namespace berth::nn
