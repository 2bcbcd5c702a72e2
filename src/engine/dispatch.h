#pragma once
// Calling typed code for a run-time DataType.
//
//   return VisitType(t.dtype(), kAllNumeric, [&](auto tag) -> Status {
//     using T = typename decltype(tag)::type;
//     ...
//   }, ctx.NodeLabel());
//
// The type set is a bit mask; a dtype outside it gives an error naming the type and the node.
// VisitType instantiates the callback for every type (strings included). Code that can only compile
// for some types (arithmetic, say) uses VisitOf instead, which instantiates it only for the listed
// C++ types; an entry may also be a TypeList such as FloatTypes:
//
//   return VisitOf<FloatTypes, int32_t>(t.dtype(), [&](auto tag) -> Status { ... }, where);
//
// (Inside RETURN_IF_ERROR / ASSIGN_OR_RETURN the comma in VisitOf<A, B> splits the macro argument:
// name the list there, as NumericOrBoolTypes does.)

#include <cstdint>
#include <string>
#include <utility>

#include "berth/data_type.h"
#include "berth/status.h"

namespace berth {

template <typename T>
struct TypeTag {
  using type = T;
};

using TypeSet = uint32_t;
constexpr TypeSet TypeBit(DataType t) { return 1u << static_cast<int>(t); }

constexpr TypeSet kFloatTypes = TypeBit(DataType::kFloat32) | TypeBit(DataType::kFloat64) |
                                TypeBit(DataType::kFloat16) | TypeBit(DataType::kBFloat16);
constexpr TypeSet kSignedIntTypes = TypeBit(DataType::kInt8) | TypeBit(DataType::kInt16) |
                                    TypeBit(DataType::kInt32) | TypeBit(DataType::kInt64);
constexpr TypeSet kUnsignedIntTypes = TypeBit(DataType::kUint8) | TypeBit(DataType::kUint16) |
                                      TypeBit(DataType::kUint32) | TypeBit(DataType::kUint64);
constexpr TypeSet kIntTypes = kSignedIntTypes | kUnsignedIntTypes;
constexpr TypeSet kAllNumeric = kFloatTypes | kIntTypes;
constexpr TypeSet kBoolType = TypeBit(DataType::kBool);
constexpr TypeSet kStringType = TypeBit(DataType::kString);
constexpr TypeSet kAllTypes = kAllNumeric | kBoolType | kStringType;

Status UnsupportedType(DataType type, const std::string& where);

template <typename F>
Status VisitType(DataType type, TypeSet allowed, F&& f, const std::string& where) {
  if (!(TypeBit(type) & allowed)) return UnsupportedType(type, where);
  switch (type) {
    case DataType::kFloat32: return f(TypeTag<float>{});
    case DataType::kFloat64: return f(TypeTag<double>{});
    case DataType::kFloat16: return f(TypeTag<Float16>{});
    case DataType::kBFloat16: return f(TypeTag<BFloat16>{});
    case DataType::kInt8: return f(TypeTag<int8_t>{});
    case DataType::kInt16: return f(TypeTag<int16_t>{});
    case DataType::kInt32: return f(TypeTag<int32_t>{});
    case DataType::kInt64: return f(TypeTag<int64_t>{});
    case DataType::kUint8: return f(TypeTag<uint8_t>{});
    case DataType::kUint16: return f(TypeTag<uint16_t>{});
    case DataType::kUint32: return f(TypeTag<uint32_t>{});
    case DataType::kUint64: return f(TypeTag<uint64_t>{});
    case DataType::kBool: return f(TypeTag<bool>{});
    case DataType::kString: return f(TypeTag<std::string>{});
    default: return UnsupportedType(type, where);
  }
}

// ---- Compile-time type lists ----

template <typename... Ts>
struct TypeList {};

namespace dispatch_internal {
template <typename T>
struct AsList {
  using type = TypeList<T>;
};
template <typename... Ts>
struct AsList<TypeList<Ts...>> {
  using type = TypeList<Ts...>;
};
template <typename... Lists>
struct ConcatLists {
  using type = TypeList<>;
};
template <typename... As>
struct ConcatLists<TypeList<As...>> {
  using type = TypeList<As...>;
};
template <typename... As, typename... Bs, typename... Rest>
struct ConcatLists<TypeList<As...>, TypeList<Bs...>, Rest...> {
  using type = typename ConcatLists<TypeList<As..., Bs...>, Rest...>::type;
};

template <typename... Ts, typename F>
Status VisitList(TypeList<Ts...>, DataType type, F&& f, const std::string& where) {
  Status status;
  const bool found =
      ((DataTypeOf<Ts>::value == type ? (status = f(TypeTag<Ts>{}), true) : false) || ...);
  if (!found) return UnsupportedType(type, where);
  return status;
}
}  // namespace dispatch_internal

// One TypeList of all the entries, each a C++ type or a TypeList: Concat<FloatTypes, bool>.
template <typename... Ts>
using Concat =
    typename dispatch_internal::ConcatLists<typename dispatch_internal::AsList<Ts>::type...>::type;

using FloatTypes = TypeList<float, double, Float16, BFloat16>;
using SignedIntTypes = TypeList<int8_t, int16_t, int32_t, int64_t>;
using UnsignedIntTypes = TypeList<uint8_t, uint16_t, uint32_t, uint64_t>;
using IntTypes = Concat<SignedIntTypes, UnsignedIntTypes>;
using SignedTypes = Concat<FloatTypes, SignedIntTypes>;
using NumericTypes = Concat<FloatTypes, IntTypes>;
using NumericOrBoolTypes = Concat<NumericTypes, bool>;
using BoolTypes = TypeList<bool>;
using StringTypes = TypeList<std::string>;

// Calls f(TypeTag<T>{}) for the T among Ts (C++ types or TypeLists) whose DataType is `type`; only
// those types are instantiated. A dtype outside them gives an error naming the type and `where`.
template <typename... Ts, typename F>
Status VisitOf(DataType type, F&& f, const std::string& where) {
  return dispatch_internal::VisitList(Concat<Ts...>{}, type, std::forward<F>(f), where);
}

// Arithmetic type used to compute on T: float for the 16-bit floats, T otherwise.
template <typename T> struct ComputeType { using type = T; };
template <> struct ComputeType<Float16> { using type = float; };
template <> struct ComputeType<BFloat16> { using type = float; };
template <typename T> using ComputeT = typename ComputeType<T>::type;

}  // namespace berth
