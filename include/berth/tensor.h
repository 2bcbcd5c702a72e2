#pragma once
// Tensor: a typed, shaped, contiguous (row-major) block of elements.
// Copying a Tensor is cheap and shares the buffer (like a shared_ptr); Clone() makes a deep copy.
// Kernels never write into a tensor they did not allocate, so sharing is safe.
// Thread-safety: const methods may be called concurrently; a tensor being written is owned by one thread.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "berth/data_type.h"

namespace berth {

using Shape = std::vector<int64_t>;

// Number of elements of a shape (1 for a scalar, 0 if any dimension is 0).
int64_t NumElements(const Shape& shape);
// "[1,3,224,224]"
std::string ShapeToString(const Shape& shape);

class Tensor {
 public:
  Tensor() = default;  // an undefined tensor: dtype kUndefined, no buffer

  // Allocates an owned, 64-byte aligned, zero-filled buffer (strings are empty).
  Tensor(DataType dtype, Shape shape);

  // Allocates an owned, 64-byte aligned buffer without zero-filling it (for data about to be overwritten
  // whole: weights read from a file, kernel outputs). Strings are still constructed empty.
  static Tensor Uninitialized(DataType dtype, Shape shape);

  // Wraps memory owned elsewhere; `keep_alive` holds it (may be null if the caller guarantees lifetime).
  static Tensor Wrap(DataType dtype, Shape shape, void* data, std::shared_ptr<void> keep_alive);

  template <typename T>
  static Tensor FromVector(Shape shape, const std::vector<T>& values);
  template <typename T>
  static Tensor Scalar(T value) {
    return FromVector<T>({}, {value});
  }

  bool defined() const { return dtype_ != DataType::kUndefined; }
  DataType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int i) const { return shape_[static_cast<size_t>(i)]; }
  int64_t numel() const { return numel_; }
  size_t nbytes() const { return static_cast<size_t>(numel_) * DataTypeSize(dtype_); }

  void* raw_data() { return data_; }
  const void* raw_data() const { return data_; }
  template <typename T> T* data() { return static_cast<T*>(data_); }
  template <typename T> const T* data() const { return static_cast<const T*>(data_); }

  // Same buffer, new shape; the element count must match (checked by the caller).
  Tensor Reshaped(Shape new_shape) const;
  // Deep copy.
  Tensor Clone() const;

  // A weak handle on the buffer: it expires once no tensor (or keep-alive) holds the buffer any more, and
  // two handles are the same buffer iff neither owner_before() the other. Caches keyed by buffer use it
  // (a raw address can be reused by a later allocation). Empty for an undefined tensor.
  std::weak_ptr<void> WeakBuffer() const { return buffer_; }

  // Element-wise, bit-exact equality of dtype, shape and contents (NaN payloads compared as bits).
  bool IdenticalTo(const Tensor& other) const;

  // For debugging and error messages: "float32[2,3]".
  std::string Describe() const;

 private:
  DataType dtype_ = DataType::kUndefined;
  Shape shape_;
  int64_t numel_ = 0;
  std::shared_ptr<void> buffer_;  // owns (or keeps alive) the memory at data_
  void* data_ = nullptr;
};

template <typename T>
Tensor Tensor::FromVector(Shape shape, const std::vector<T>& values) {
  Tensor t(DataTypeOf<T>::value, std::move(shape));
  T* out = t.data<T>();
  for (size_t i = 0; i < values.size() && static_cast<int64_t>(i) < t.numel(); ++i) out[i] = values[i];
  return t;
}

template <>
Tensor Tensor::FromVector<bool>(Shape shape, const std::vector<bool>& values);

}  // namespace berth
