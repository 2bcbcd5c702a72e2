#pragma once
// ONNX model file -> Berth graph IR. Parses the protobuf, runs ONNX's own shape inference for what is
// static, inlines ONNX functions (model-local functions, and operators that are defined by a function
// body in the ONNX schema when no kernel implements them directly), and converts everything to
// engine/graph.h types. Never aborts on a malformed file: every problem is a Status naming the node,
// tensor or field.

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "berth/status.h"
#include "engine/graph.h"

namespace berth {

class KernelRegistry;

struct ImportOptions {
  // Folder that external-data locations are relative to; "" forbids external data.
  std::string base_dir;
  // Run ONNX shape inference and keep the inferred types in Graph::value_info.
  bool infer_shapes = true;
  // Used to decide which function-defined operators need inlining (null: inline none).
  const KernelRegistry* registry = nullptr;
};

StatusOr<std::shared_ptr<Model>> ImportOnnxModel(std::string_view bytes, const ImportOptions& options);
// The same from a file: the main graph's initializer data is read from the file straight into the
// tensors (never held twice), so loading needs little more memory than the weights themselves.
StatusOr<std::shared_ptr<Model>> ImportOnnxModelFile(const std::string& path, const ImportOptions& options);

}  // namespace berth
