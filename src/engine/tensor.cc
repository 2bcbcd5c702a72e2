#include "berth/tensor.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "berth/value.h"

namespace berth {

int64_t NumElements(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string ShapeToString(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

namespace {

constexpr size_t kAlignment = 64;

// Allocates an aligned buffer; strings are constructed in place and destroyed by the deleter.
std::shared_ptr<void> AllocateBuffer(DataType dtype, int64_t numel, bool zero = true) {
  size_t bytes = static_cast<size_t>(numel) * DataTypeSize(dtype);
  size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  if (rounded == 0) rounded = kAlignment;
  void* p = std::aligned_alloc(kAlignment, rounded);
  if (!p) throw std::bad_alloc();
  if (dtype == DataType::kString) {
    auto* s = static_cast<std::string*>(p);
    for (int64_t i = 0; i < numel; ++i) new (s + i) std::string();
    return std::shared_ptr<void>(p, [numel](void* q) {
      auto* strs = static_cast<std::string*>(q);
      for (int64_t i = 0; i < numel; ++i) strs[i].~basic_string();
      std::free(q);
    });
  }
  if (zero) std::memset(p, 0, rounded);
  return std::shared_ptr<void>(p, [](void* q) { std::free(q); });
}

}  // namespace

Tensor::Tensor(DataType dtype, Shape shape)
    : dtype_(dtype), shape_(std::move(shape)), numel_(NumElements(shape_)) {
  buffer_ = AllocateBuffer(dtype_, numel_);
  data_ = buffer_.get();
}

Tensor Tensor::Uninitialized(DataType dtype, Shape shape) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.numel_ = NumElements(t.shape_);
  t.buffer_ = AllocateBuffer(dtype, t.numel_, /*zero=*/false);
  t.data_ = t.buffer_.get();
  return t;
}

Tensor Tensor::Wrap(DataType dtype, Shape shape, void* data, std::shared_ptr<void> keep_alive) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.numel_ = NumElements(t.shape_);
  t.buffer_ = std::move(keep_alive);
  t.data_ = data;
  return t;
}

template <>
Tensor Tensor::FromVector<bool>(Shape shape, const std::vector<bool>& values) {
  Tensor t(DataType::kBool, std::move(shape));
  bool* out = t.data<bool>();
  for (size_t i = 0; i < values.size() && static_cast<int64_t>(i) < t.numel(); ++i) out[i] = values[i];
  return t;
}

Tensor Tensor::Reshaped(Shape new_shape) const {
  Tensor t = *this;
  t.shape_ = std::move(new_shape);
  t.numel_ = NumElements(t.shape_);
  return t;
}

Tensor Tensor::Clone() const {
  if (!defined()) return Tensor();
  Tensor t = Uninitialized(dtype_, shape_);  // every byte is copied below (strings start empty)
  if (dtype_ == DataType::kString) {
    for (int64_t i = 0; i < numel_; ++i) t.data<std::string>()[i] = data<std::string>()[i];
  } else if (nbytes() > 0) {
    std::memcpy(t.data_, data_, nbytes());
  }
  return t;
}

bool Tensor::IdenticalTo(const Tensor& other) const {
  if (dtype_ != other.dtype_ || shape_ != other.shape_) return false;
  if (dtype_ == DataType::kString) {
    for (int64_t i = 0; i < numel_; ++i)
      if (data<std::string>()[i] != other.data<std::string>()[i]) return false;
    return true;
  }
  return nbytes() == 0 || std::memcmp(data_, other.data_, nbytes()) == 0;
}

std::string Tensor::Describe() const {
  return std::string(DataTypeName(dtype_)) + ShapeToString(shape_);
}

size_t Value::nbytes() const {
  switch (kind_) {
    case Kind::kEmpty: return 0;
    case Kind::kTensor: return tensor_.nbytes();
    case Kind::kSequence: {
      size_t n = 0;
      for (const Tensor& t : sequence_) n += t.nbytes();
      return n;
    }
  }
  return 0;
}

}  // namespace berth
