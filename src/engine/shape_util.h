#pragma once
// Shape arithmetic shared by many kernels: axis normalisation, numpy broadcasting, strides.

#include <string>
#include <vector>

#include "berth/status.h"
#include "berth/tensor.h"

namespace berth {

// Maps a possibly negative axis into [0, rank); error names the axis and rank.
StatusOr<int> NormalizeAxis(int64_t axis, int rank, const std::string& where);

// Numpy-style (multidirectional) broadcast of two or more shapes.
StatusOr<Shape> BroadcastShapes(const Shape& a, const Shape& b, const std::string& where);
StatusOr<Shape> BroadcastShapes(const std::vector<Shape>& shapes, const std::string& where);

// Row-major strides in elements.
std::vector<int64_t> StridesOf(const Shape& shape);

// Strides of `input` viewed as broadcast to `output` (0 on broadcast dimensions). `input` may have
// lower rank (aligned to the right).
std::vector<int64_t> BroadcastStrides(const Shape& input, const Shape& output);

// Walks every element index of `out_shape` in row-major order and yields the matching flat offset
// into each of N broadcast inputs. Use for the generic (slow) path; kernels special-case
// same-shape and scalar operands before falling back to this.
class BroadcastIterator {
 public:
  BroadcastIterator(const Shape& out_shape, const std::vector<Shape>& input_shapes);
  // Offsets into input k for the current output element.
  int64_t offset(size_t k) const { return offsets_[k]; }
  // Advance to the next output element.
  void Next();

 private:
  Shape out_shape_;
  std::vector<std::vector<int64_t>> strides_;  // per input, per dim
  std::vector<int64_t> index_;
  std::vector<int64_t> offsets_;
};

}  // namespace berth
