#pragma once
// Calling typed code for a run-time DataType.
//
//   return VisitType(t.dtype(), kAllNumeric, [&](auto tag) -> Status {
//     using T = typename decltype(tag)::type;
//     ...
//   }, ctx.NodeLabel());
//
// The type set is a bit mask; a dtype outside it gives an error naming the type and the node.

#include <string>

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

// Arithmetic type used to compute on T: float for the 16-bit floats, T otherwise.
template <typename T> struct ComputeType { using type = T; };
template <> struct ComputeType<Float16> { using type = float; };
template <> struct ComputeType<BFloat16> { using type = float; };
template <typename T> using ComputeT = typename ComputeType<T>::type;

}  // namespace berth
