#include "engine/kernel.h"

#include "engine/kernel_registry.h"

namespace berth {

namespace {
const Attribute* FindTyped(const Node& node, const std::string& name, Attribute::Type type) {
  const Attribute* a = node.FindAttribute(name);
  return (a && a->type == type) ? a : nullptr;
}
}  // namespace

int64_t KernelInfo::GetInt(const std::string& name, int64_t default_value) const {
  const Attribute* a = FindTyped(node_, name, Attribute::Type::kInt);
  return a ? a->i : default_value;
}

float KernelInfo::GetFloat(const std::string& name, float default_value) const {
  const Attribute* a = FindTyped(node_, name, Attribute::Type::kFloat);
  return a ? a->f : default_value;
}

std::string KernelInfo::GetString(const std::string& name, const std::string& default_value) const {
  const Attribute* a = FindTyped(node_, name, Attribute::Type::kString);
  return a ? a->s : default_value;
}

std::vector<int64_t> KernelInfo::GetInts(const std::string& name, std::vector<int64_t> default_value) const {
  const Attribute* a = FindTyped(node_, name, Attribute::Type::kInts);
  return a ? a->ints : default_value;
}

std::vector<float> KernelInfo::GetFloats(const std::string& name, std::vector<float> default_value) const {
  const Attribute* a = FindTyped(node_, name, Attribute::Type::kFloats);
  return a ? a->floats : default_value;
}

std::vector<std::string> KernelInfo::GetStrings(const std::string& name,
                                                std::vector<std::string> default_value) const {
  const Attribute* a = FindTyped(node_, name, Attribute::Type::kStrings);
  return a ? a->strings : default_value;
}

StatusOr<int64_t> KernelInfo::RequireInt(const std::string& name) const {
  const Attribute* a = FindTyped(node_, name, Attribute::Type::kInt);
  if (!a) return InvalidArgument(NodeLabel() + ": required int attribute '" + name + "' is missing");
  return a->i;
}

StatusOr<Tensor> KernelInfo::RequireTensor(const std::string& name) const {
  const Attribute* a = FindTyped(node_, name, Attribute::Type::kTensor);
  if (!a) return InvalidArgument(NodeLabel() + ": required tensor attribute '" + name + "' is missing");
  return a->t;
}

const Tensor* KernelInfo::ConstantInput(int i) const {
  if (!constants_ || !has_input(i)) return nullptr;
  auto it = constants_->find(node_.inputs[static_cast<size_t>(i)]);
  return it == constants_->end() ? nullptr : &it->second;
}

std::string KernelInfo::NodeLabel() const {
  return "node '" + node_.name + "' (" + node_.op_type + ")";
}

StatusOr<const Tensor*> KernelContext::RequireInput(int i) const {
  const Tensor* t = input(i);
  if (!t) {
    return InvalidArgument(NodeLabel() + ": required input " + std::to_string(i) + " is missing" +
                           (input_value(i) ? " (not a tensor)" : ""));
  }
  return t;
}

const KernelRegistration* KernelRegistry::Find(std::string_view domain, std::string_view op_type,
                                               int opset) const {
  std::string_view d = CanonicalDomain(domain);
  for (const KernelRegistration& e : entries_) {
    if (e.op_type == op_type && CanonicalDomain(e.domain) == d && opset >= e.first_opset &&
        opset <= e.last_opset) {
      return &e;
    }
  }
  return nullptr;
}

std::vector<const KernelRegistration*> KernelRegistry::FindAll(std::string_view domain, std::string_view op_type,
                                                               int opset) const {
  std::vector<const KernelRegistration*> found;
  std::string_view d = CanonicalDomain(domain);
  for (const KernelRegistration& e : entries_) {
    if (e.op_type == op_type && CanonicalDomain(e.domain) == d && opset >= e.first_opset &&
        opset <= e.last_opset) {
      found.push_back(&e);
    }
  }
  return found;
}

}  // namespace berth
