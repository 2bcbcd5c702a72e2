#include "engine/shape_util.h"

#include "engine/dispatch.h"

namespace berth {

Status UnsupportedType(DataType type, const std::string& where) {
  return Unimplemented(where + ": element type " + std::string(DataTypeName(type)) + " is not supported");
}

StatusOr<int> NormalizeAxis(int64_t axis, int rank, const std::string& where) {
  if (axis < -rank || axis >= (rank == 0 ? 1 : rank)) {
    return InvalidArgument(where + ": axis " + std::to_string(axis) + " is out of range for rank " +
                           std::to_string(rank));
  }
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

StatusOr<Shape> BroadcastShapes(const Shape& a, const Shape& b, const std::string& where) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da == db || db == 1) {
      out[i] = da;
    } else if (da == 1) {
      out[i] = db;
    } else {
      return InvalidArgument(where + ": shapes " + ShapeToString(a) + " and " + ShapeToString(b) +
                             " cannot be broadcast together");
    }
  }
  return out;
}

StatusOr<Shape> BroadcastShapes(const std::vector<Shape>& shapes, const std::string& where) {
  Shape out;
  for (const Shape& s : shapes) {
    ASSIGN_OR_RETURN(out, BroadcastShapes(out, s, where));
  }
  return out;
}

std::vector<int64_t> StridesOf(const Shape& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int i = static_cast<int>(shape.size()) - 2; i >= 0; --i)
    strides[static_cast<size_t>(i)] = strides[static_cast<size_t>(i) + 1] * shape[static_cast<size_t>(i) + 1];
  return strides;
}

std::vector<int64_t> BroadcastStrides(const Shape& input, const Shape& output) {
  std::vector<int64_t> in_strides = StridesOf(input);
  std::vector<int64_t> out(output.size(), 0);
  size_t offset = output.size() - input.size();
  for (size_t i = 0; i < input.size(); ++i) out[offset + i] = input[i] == 1 ? 0 : in_strides[i];
  return out;
}

BroadcastIterator::BroadcastIterator(const Shape& out_shape, const std::vector<Shape>& input_shapes)
    : out_shape_(out_shape), index_(out_shape.size(), 0), offsets_(input_shapes.size(), 0) {
  for (const Shape& s : input_shapes) strides_.push_back(BroadcastStrides(s, out_shape));
}

void BroadcastIterator::Next() {
  for (int d = static_cast<int>(out_shape_.size()) - 1; d >= 0; --d) {
    size_t ud = static_cast<size_t>(d);
    if (++index_[ud] < out_shape_[ud]) {
      for (size_t k = 0; k < offsets_.size(); ++k) offsets_[k] += strides_[k][ud];
      return;
    }
    for (size_t k = 0; k < offsets_.size(); ++k) offsets_[k] -= strides_[k][ud] * (out_shape_[ud] - 1);
    index_[ud] = 0;
  }
}

}  // namespace berth
