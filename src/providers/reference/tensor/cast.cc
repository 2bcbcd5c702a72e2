// Cast: converts every element to the `to` type. Numeric conversions follow C++ (floats to integers
// truncate toward zero; values beyond int64 become INT64_MIN as on x86, NaN becomes 0; integers
// wrap modulo 2^n); anything non-zero (NaN included) is true. Numbers format as strings in the
// shortest form that reads back to the same value ("0.1", "1e-05", "NaN", "INF", "-INF"; bools as
// "1"/"0"); strings parse as decimal or scientific numbers, "INF"/"+INF"/"-INF"/"NaN" in any case,
// and "true"/"false" for bool. A string that is not a number is an error.

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <type_traits>

#include "providers/reference/tensor/tensor_kernels.h"
#include "providers/reference/tensor/tensor_util.h"

namespace berth {
namespace tensor_ops {
namespace {

template <typename T>
constexpr bool kIsHalf = std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>;
template <typename T>
constexpr bool kIsFloat = std::is_floating_point_v<T> || kIsHalf<T>;
template <typename T>
constexpr bool kIsInt = std::is_integral_v<T> && !std::is_same_v<T, bool>;

template <typename I>
I FloatToInt(double d) {
  if (std::isnan(d)) return I(0);
  d = std::trunc(d);
  constexpr double kTwo63 = 9223372036854775808.0;
  if (d >= -kTwo63 && d < kTwo63) return static_cast<I>(static_cast<int64_t>(d));
  if constexpr (std::is_same_v<I, uint64_t>) {
    if (d >= kTwo63 && d < 2 * kTwo63) return static_cast<uint64_t>(d);
  }
  return static_cast<I>(std::numeric_limits<int64_t>::min());
}

std::string FormatFloat(double v, bool is_float32) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "INF" : "-INF";
  char buf[64];
  auto r = is_float32 ? std::to_chars(buf, buf + sizeof(buf), static_cast<float>(v))
                      : std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

// Shortest decimal that converts back to the same 16-bit float.
template <typename H>
std::string FormatHalf(H h) {
  const float f = static_cast<float>(h);
  if (std::isnan(f) || std::isinf(f)) return FormatFloat(f, true);
  char buf[64];
  for (int precision = 1; precision <= 9; ++precision) {
    auto r = std::to_chars(buf, buf + sizeof(buf), f, std::chars_format::general, precision);
    float back = 0;
    std::from_chars(buf, r.ptr, back);
    if (H(back).bits == h.bits) return std::string(buf, r.ptr);
  }
  return FormatFloat(f, true);
}

template <typename S>
std::string ToText(const S& v) {
  if constexpr (std::is_same_v<S, bool>) {
    return v ? "1" : "0";
  } else if constexpr (std::is_same_v<S, float>) {
    return FormatFloat(v, true);
  } else if constexpr (std::is_same_v<S, double>) {
    return FormatFloat(v, false);
  } else if constexpr (kIsHalf<S>) {
    return FormatHalf(v);
  } else {
    return std::to_string(v);
  }
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Parses a whole string (surrounding whitespace allowed) as a number of type N.
template <typename N>
bool ParseNumber(const std::string& s, N& out) {
  const char* p = s.data();
  const char* end = s.data() + s.size();
  while (p < end && IsSpace(*p)) ++p;
  while (end > p && IsSpace(end[-1])) --end;
  if (p < end && *p == '+' && end - p > 1 && p[1] != '-') ++p;  // from_chars rejects a leading '+'
  auto r = std::from_chars(p, end, out);
  return r.ec == std::errc() && r.ptr == end;
}

bool ParseDouble(const std::string& s, double& out) { return ParseNumber(s, out); }

template <typename D>
Status FromText(const std::string& s, D& out, const std::string& where) {
  auto fail = [&]() {
    return InvalidArgument(where + ": cannot convert string '" + s + "' to " +
                           std::string(DataTypeName(DataTypeOf<D>::value)));
  };
  if constexpr (std::is_same_v<D, bool>) {
    std::string lower;
    for (char c : s)
      if (!IsSpace(c)) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (lower == "true") {
      out = true;
    } else if (lower == "false") {
      out = false;
    } else {
      double d;
      if (!ParseDouble(s, d)) return fail();
      out = d != 0;
    }
  } else if constexpr (std::is_same_v<D, float> || std::is_same_v<D, double>) {
    if (!ParseNumber(s, out)) {
      // from_chars reports out-of-range values as errors; fall back to double to get +-inf / 0.
      double d;
      const char* p = s.c_str();
      char* end = nullptr;
      d = std::strtod(p, &end);
      if (end == p) return fail();
      while (*end && IsSpace(*end)) ++end;
      if (*end) return fail();
      out = static_cast<D>(d);
    }
  } else if constexpr (kIsHalf<D>) {
    float f;
    RETURN_IF_ERROR(FromText<float>(s, f, where));
    out = D(f);
  } else {
    static_assert(kIsInt<D>);
    if (!ParseNumber(s, out)) {
      double d;  // "100.5" -> 100, as the spec allows
      if (!ParseDouble(s, d)) return fail();
      out = FloatToInt<D>(d);
    }
  }
  return Status::Ok();
}

template <typename D, typename S>
D ConvertNumber(const S& v) {
  if constexpr (std::is_same_v<D, S>) {
    return v;
  } else if constexpr (std::is_same_v<D, bool>) {
    return static_cast<ComputeT<S>>(v) != ComputeT<S>(0);
  } else if constexpr (kIsHalf<D>) {
    return D(static_cast<float>(static_cast<ComputeT<S>>(v)));
  } else if constexpr (std::is_floating_point_v<D>) {
    return static_cast<D>(static_cast<ComputeT<S>>(v));
  } else if constexpr (kIsFloat<S>) {
    return FloatToInt<D>(static_cast<double>(static_cast<ComputeT<S>>(v)));
  } else {
    return static_cast<D>(v);  // integer or bool to integer: wraps modulo 2^n
  }
}

template <typename D, typename S>
Status CastArray(const S* in, D* out, int64_t n, const std::string& where) {
  if constexpr (std::is_same_v<D, std::string> && std::is_same_v<S, std::string>) {
    for (int64_t i = 0; i < n; ++i) out[i] = in[i];
  } else if constexpr (std::is_same_v<D, std::string>) {
    for (int64_t i = 0; i < n; ++i) out[i] = ToText(in[i]);
  } else if constexpr (std::is_same_v<S, std::string>) {
    for (int64_t i = 0; i < n; ++i) RETURN_IF_ERROR(FromText<D>(in[i], out[i], where));
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = ConvertNumber<D>(in[i]);
  }
  return Status::Ok();
}

}  // namespace

StatusOr<Tensor> CastTensor(const Tensor& src, DataType to, const std::string& where) {
  Tensor out(to, src.shape());
  RETURN_IF_ERROR(VisitType(
      src.dtype(), kAllTypes,
      [&](auto src_tag) -> Status {
        using S = typename decltype(src_tag)::type;
        return VisitType(
            to, kAllTypes,
            [&](auto dst_tag) -> Status {
              using D = typename decltype(dst_tag)::type;
              return CastArray<D, S>(src.data<S>(), out.data<D>(), src.numel(), where);
            },
            where + " (target type)");
      },
      where + " (source type)"));
  return out;
}

}  // namespace tensor_ops

namespace {

// Casts into an output allocated by the context (no extra copy).
Status CastInto(KernelContext& ctx, const Tensor& x, DataType to) {
  if (x.dtype() == to) {
    ctx.SetOutput(0, x);
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(Tensor out, tensor_ops::CastTensor(x, to, ctx.NodeLabel()));
  ctx.SetOutput(0, std::move(out));
  return Status::Ok();
}

class CastKernel : public OpKernel {
 public:
  explicit CastKernel(DataType to) : to_(to) {}

  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    return CastInto(ctx, *x, to_);
  }

 private:
  DataType to_;
};

class CastLikeKernel : public OpKernel {
 public:
  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* like, ctx.RequireInput(1));
    return CastInto(ctx, *x, like->dtype());
  }
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateCast(const KernelInfo& info) {
  ASSIGN_OR_RETURN(int64_t to, info.RequireInt("to"));
  if (to < 0 || to > 16 || !IsValidDataType(static_cast<int32_t>(to)) ||
      !(TypeBit(static_cast<DataType>(to)) & kAllTypes)) {
    return InvalidArgument(info.NodeLabel() + ": attribute 'to' = " + std::to_string(to) +
                           " is not a supported element type");
  }
  return MakeKernel<CastKernel>(static_cast<DataType>(to));
}

StatusOr<std::unique_ptr<OpKernel>> CreateCastLike(const KernelInfo& info) {
  return MakeKernel<CastLikeKernel>();
}

}  // namespace berth
