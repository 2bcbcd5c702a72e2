#pragma once
// Numerical comparison of tensors, shared by the unit tests, the conformance runner and `berth run
// --compare`. Floats match when |actual - expected| <= atol + rtol * |expected|; NaN matches NaN and
// infinities must match exactly.

#include <string>

#include "berth/tensor.h"

namespace berth {

// "" when equal within tolerance, else a description of the first mismatch (index, both values) and
// the number of mismatching elements.
std::string CompareTensors(const Tensor& actual, const Tensor& expected, double rtol, double atol);

}  // namespace berth
