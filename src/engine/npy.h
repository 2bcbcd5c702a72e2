#pragma once
// NumPy .npy files (format 1.0-3.0, little-endian, C order) <-> Tensor, for `berth run --format npy`
// and `--input NAME=FILE.npy`.

#include <string>

#include "berth/status.h"
#include "berth/tensor.h"

namespace berth {

StatusOr<Tensor> ReadNpy(const std::string& path);
StatusOr<Tensor> ParseNpy(const std::string& bytes, const std::string& what);
Status WriteNpy(const Tensor& tensor, const std::string& path);

}  // namespace berth
