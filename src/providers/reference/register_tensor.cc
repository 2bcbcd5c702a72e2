#include "providers/reference/register.h"
#include "providers/reference/tensor/tensor_kernels.h"

namespace berth {

// Tensor family: shape, layout, indexing, casting and creation operators (ai.onnx). Each kernel
// handles every opset of its operator from the first listed; attribute-to-input moves are resolved
// inside the kernel from KernelInfo::opset().
void RegisterTensorKernels(KernelRegistry& registry) {
  // Views.
  registry.Register("", "Reshape", CreateReshape, 1);
  registry.Register("", "Flatten", CreateFlatten, 1);
  registry.Register("", "Squeeze", CreateSqueeze, 1);
  registry.Register("", "Unsqueeze", CreateUnsqueeze, 1);
  registry.Register("", "Identity", CreateIdentity, 1);
  registry.Register("", "Dropout", CreateDropout, 1);

  // Layout and data movement.
  registry.Register("", "Transpose", CreateTranspose, 1);
  registry.Register("", "Concat", CreateConcat, 1);
  registry.Register("", "Split", CreateSplit, 1);
  registry.Register("", "Slice", CreateSlice, 1);
  registry.Register("", "Expand", CreateExpand, 8);
  registry.Register("", "Tile", CreateTile, 6);
  registry.Register("", "Pad", CreatePad, 1);
  registry.Register("", "DepthToSpace", CreateDepthToSpace, 1);
  registry.Register("", "SpaceToDepth", CreateSpaceToDepth, 1);
  registry.Register("", "ReverseSequence", CreateReverseSequence, 10);
  registry.Register("", "Trilu", CreateTrilu, 14);

  // Indexing.
  registry.Register("", "Gather", CreateGather, 1);
  registry.Register("", "GatherElements", CreateGatherElements, 11);
  registry.Register("", "GatherND", CreateGatherND, 11);
  registry.Register("", "Scatter", CreateScatterElements, 9);
  registry.Register("", "ScatterElements", CreateScatterElements, 11);
  registry.Register("", "ScatterND", CreateScatterND, 11);
  registry.Register("", "NonZero", CreateNonZero, 9);
  registry.Register("", "Compress", CreateCompress, 9);
  registry.Register("", "Unique", CreateUnique, 11);
  registry.Register("", "OneHot", CreateOneHot, 9);

  // Types and shapes.
  registry.Register("", "Cast", CreateCast, 6);
  registry.Register("", "CastLike", CreateCastLike, 15);
  registry.Register("", "Shape", CreateShape, 1);
  registry.Register("", "Size", CreateSize, 1);

  // Creation.
  registry.Register("", "Constant", CreateConstant, 1);
  registry.Register("", "ConstantOfShape", CreateConstantOfShape, 9);
  registry.Register("", "Range", CreateRange, 11);
  registry.Register("", "EyeLike", CreateEyeLike, 9);
}

}  // namespace berth
