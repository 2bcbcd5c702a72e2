#pragma once
// Small helpers shared by the misc kernels: reading scalar inputs and writing computed values into
// an output of a run-time chosen element type.

#include <string>
#include <vector>

#include "berth/status.h"
#include "berth/tensor.h"

namespace berth::misc {

// Reads a one-element int32/int64 tensor (rank 0 or 1). Errors name `where` and `what`.
StatusOr<int64_t> ReadScalarInt(const Tensor& t, const std::string& where, const std::string& what);

// Reads a one-element floating-point tensor (any float type) as double.
StatusOr<double> ReadScalarFloat(const Tensor& t, const std::string& where,
                                 const std::string& what);

// Checks that `dtype_code` (an `output_datatype`/`dtype` attribute value) names a numeric type.
StatusOr<DataType> NumericTypeFromAttribute(int64_t dtype_code, const std::string& where,
                                            const std::string& attr_name);

// Converts `values` (double) into the elements of `out` (any numeric type, same element count) with
// static_cast semantics: integers truncate toward zero.
Status StoreDoubles(const std::vector<double>& values, Tensor* out, const std::string& where);

}  // namespace berth::misc
