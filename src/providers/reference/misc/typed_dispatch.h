#pragma once
// Run-time type dispatch that instantiates the callback only for the listed element types.
// engine/dispatch.h's VisitType instantiates it for every type (strings included), which forces
// each typed lambda to compile for std::string; these helpers do not.
//
//   return misc::VisitFloat(t.dtype(), [&](auto tag) -> Status { using T = ...; }, where);

#include <string>
#include <utility>

#include "engine/dispatch.h"

namespace berth::misc {

template <typename... Ts, typename F>
Status VisitOf(DataType type, F&& f, const std::string& where) {
  Status result = UnsupportedType(type, where);
  (void)((DataTypeOf<Ts>::value == type ? (result = f(TypeTag<Ts>{}), true) : false) || ...);
  return result;
}

template <typename F>
Status VisitFloat(DataType type, F&& f, const std::string& where) {
  return VisitOf<float, double, Float16, BFloat16>(type, std::forward<F>(f), where);
}

// int8 and uint8 (QLinearMatMul, QLinearConv).
template <typename F>
Status Visit8Bit(DataType type, F&& f, const std::string& where) {
  return VisitOf<int8_t, uint8_t>(type, std::forward<F>(f), where);
}

// Quantized storage types: 8- and 16-bit integers and int32.
template <typename F>
Status VisitQuantized(DataType type, F&& f, const std::string& where) {
  return VisitOf<int8_t, uint8_t, int16_t, uint16_t, int32_t>(type, std::forward<F>(f), where);
}

template <typename F>
Status VisitNumeric(DataType type, F&& f, const std::string& where) {
  return VisitOf<float, double, Float16, BFloat16, int8_t, int16_t, int32_t, int64_t, uint8_t,
                 uint16_t, uint32_t, uint64_t>(type, std::forward<F>(f), where);
}

template <typename F>
Status VisitNumericOrBool(DataType type, F&& f, const std::string& where) {
  return VisitOf<float, double, Float16, BFloat16, int8_t, int16_t, int32_t, int64_t, uint8_t,
                 uint16_t, uint32_t, uint64_t, bool>(type, std::forward<F>(f), where);
}

}  // namespace berth::misc
