#pragma once
// Berth's own graph IR, independent of the ONNX protobuf classes: nodes, attributes, initializers and
// nested subgraphs (If/Loop/Scan bodies). Built by onnx_import.cc, read by the session planner and
// the kernels' factories, rewritten by optimizer passes.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "berth/tensor.h"

namespace berth {

struct Graph;

// One attribute of a node. Exactly the field matching `type` is meaningful.
struct Attribute {
  enum class Type { kUndefined, kFloat, kInt, kString, kTensor, kGraph, kFloats, kInts, kStrings, kTensors, kGraphs, kTypeProto };
  Type type = Type::kUndefined;
  float f = 0;
  int64_t i = 0;
  std::string s;
  Tensor t;
  std::shared_ptr<Graph> g;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  std::vector<Tensor> tensors;
  std::vector<std::shared_ptr<Graph>> graphs;
  // For kTypeProto (SequenceEmpty/Optional's `type`): the element data type if it is a tensor type.
  DataType type_proto_elem = DataType::kUndefined;
  bool type_proto_is_sequence = false;
};

// Static type of a value as declared in the model (graph inputs/outputs/value_info).
struct ValueInfo {
  std::string name;
  enum class Kind { kUnknown, kTensor, kSequence, kOptional } kind = Kind::kUnknown;
  DataType dtype = DataType::kUndefined;  // element type (of the tensor, or of the sequence's tensors)
  bool has_shape = false;
  // Per dimension: a fixed size (>= 0), or -1 with an optional symbolic name.
  std::vector<int64_t> dims;
  std::vector<std::string> dim_names;
};

struct Node {
  std::string name;
  std::string op_type;
  std::string domain;  // "" for ai.onnx
  std::vector<std::string> inputs;   // "" marks an omitted optional input
  std::vector<std::string> outputs;  // "" marks an output nobody wants
  std::map<std::string, Attribute> attributes;

  const Attribute* FindAttribute(const std::string& attr_name) const {
    auto it = attributes.find(attr_name);
    return it == attributes.end() ? nullptr : &it->second;
  }
};

struct Graph {
  std::string name;
  std::vector<Node> nodes;
  std::vector<ValueInfo> inputs;   // excludes inputs that only exist to carry an initializer
  std::vector<ValueInfo> outputs;
  std::map<std::string, ValueInfo> value_info;  // inferred/declared types of intermediates
  std::map<std::string, Tensor> initializers;
  // Initializers that are also listed as graph inputs (ONNX IR < 4): the caller may override them.
  std::map<std::string, Tensor> overridable_initializers;
  std::map<std::string, int> opsets;  // domain -> imported opset version (shared with subgraphs)
};

struct Model {
  int64_t ir_version = 0;
  std::string producer_name;
  std::string producer_version;
  std::map<std::string, std::string> metadata;
  std::shared_ptr<Graph> graph;
};

}  // namespace berth
