#pragma once
// Value: what flows along a graph edge. Almost always a Tensor; ONNX also has sequences of tensors
// and optionals (an optional either holds a tensor/sequence or is empty).

#include <vector>

#include "berth/tensor.h"

namespace berth {

class Value {
 public:
  enum class Kind { kEmpty, kTensor, kSequence };

  Value() = default;  // empty: a missing optional input, or an optional without a value
  Value(Tensor t) : kind_(Kind::kTensor), tensor_(std::move(t)) {}  // NOLINT: implicit by design
  static Value Sequence(DataType elem_type, std::vector<Tensor> elements) {
    Value v;
    v.kind_ = Kind::kSequence;
    v.sequence_dtype_ = elem_type;
    v.sequence_ = std::move(elements);
    return v;
  }

  Kind kind() const { return kind_; }
  bool is_empty() const { return kind_ == Kind::kEmpty; }
  bool is_tensor() const { return kind_ == Kind::kTensor; }
  bool is_sequence() const { return kind_ == Kind::kSequence; }

  const Tensor& tensor() const { return tensor_; }
  Tensor& tensor() { return tensor_; }
  const std::vector<Tensor>& sequence() const { return sequence_; }
  std::vector<Tensor>& sequence() { return sequence_; }
  DataType sequence_dtype() const { return sequence_dtype_; }

  // Bytes held (for memory accounting).
  size_t nbytes() const;

 private:
  Kind kind_ = Kind::kEmpty;
  Tensor tensor_;
  DataType sequence_dtype_ = DataType::kUndefined;
  std::vector<Tensor> sequence_;
};

}  // namespace berth
