#pragma once
// Type and shape inference for the plain feed-forward graphs that tabular models export to (Gemm,
// 2-D MatMul, element-wise activations, Softmax), done here instead of by ONNX's shape inference.
// ONNX's needs its operator schema registry, which takes ~6 ms to build in each process, more than
// such a model takes to load otherwise; its inference also runs in a forked child (see
// onnx_import.cc). For these operators the result is simple and the same as ONNX's (checked against
// it in simple_shape_inference_test.cc).

#include <onnx/onnx_pb.h>

#include <string>
#include <unordered_map>

namespace berth {

// If every node of `graph` (which must have no subgraphs) is one of the operators above, in the
// default domain, and every input it needs has a known tensor type, adds the value_info of every
// node output that is not a graph output and returns true. Otherwise leaves `graph` unchanged and
// returns false (then ONNX's shape inference is the one to run).
bool InferSimpleShapes(onnx::GraphProto* graph);

// Types of the values the graph declares: inputs, value_info, outputs and initializers (with their
// dimensions).
std::unordered_map<std::string, onnx::TypeProto> KnownTypes(const onnx::GraphProto& graph);

}  // namespace berth
