// Constant: outputs the tensor held in exactly one of its attributes: value, value_float(s),
// value_int(s) (int64), value_string(s) (opset 12). sparse_value is not supported. The tensor is
// built once and shared by every run (kernels never write their inputs, so sharing is safe).

#include "providers/reference/tensor/tensor_kernels.h"

namespace berth {
namespace {

class ConstantKernel : public OpKernel {
 public:
  explicit ConstantKernel(Tensor value) : value_(std::move(value)) {}

  Status Compute(KernelContext& ctx) const override {
    ctx.SetOutput(0, value_);
    return Status::Ok();
  }

 private:
  Tensor value_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateConstant(const KernelInfo& info) {
  static const char* const kNames[] = {"value",         "value_float", "value_floats",
                                       "value_int",     "value_ints",  "value_string",
                                       "value_strings", "sparse_value"};
  int count = 0;
  for (const char* name : kNames) count += info.HasAttribute(name) ? 1 : 0;
  if (count != 1) {
    return InvalidArgument(info.NodeLabel() +
                           ": exactly one of the value attributes must be set, found " +
                           std::to_string(count));
  }
  if (info.HasAttribute("sparse_value")) {
    return Unimplemented(info.NodeLabel() + ": sparse_value is not supported");
  }
  const Attribute& a = *info.GetAttribute(info.HasAttribute("value")          ? "value"
                                          : info.HasAttribute("value_float")  ? "value_float"
                                          : info.HasAttribute("value_floats") ? "value_floats"
                                          : info.HasAttribute("value_int")    ? "value_int"
                                          : info.HasAttribute("value_ints")   ? "value_ints"
                                          : info.HasAttribute("value_string") ? "value_string"
                                                                              : "value_strings");
  Tensor value;
  switch (a.type) {
    case Attribute::Type::kTensor:
      value = a.t;
      break;
    case Attribute::Type::kFloat:
      value = Tensor::Scalar<float>(a.f);
      break;
    case Attribute::Type::kFloats:
      value = Tensor::FromVector<float>({static_cast<int64_t>(a.floats.size())}, a.floats);
      break;
    case Attribute::Type::kInt:
      value = Tensor::Scalar<int64_t>(a.i);
      break;
    case Attribute::Type::kInts:
      value = Tensor::FromVector<int64_t>({static_cast<int64_t>(a.ints.size())}, a.ints);
      break;
    case Attribute::Type::kString:
      value = Tensor::Scalar<std::string>(a.s);
      break;
    case Attribute::Type::kStrings:
      value = Tensor::FromVector<std::string>({static_cast<int64_t>(a.strings.size())}, a.strings);
      break;
    default:
      return InvalidArgument(info.NodeLabel() + ": the value attribute has the wrong type");
  }
  if (!value.defined())
    return InvalidArgument(info.NodeLabel() + ": attribute 'value' holds no tensor");
  return MakeKernel<ConstantKernel>(std::move(value));
}

}  // namespace berth
