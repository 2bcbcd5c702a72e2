#pragma once
// Factories of the reference provider's tensor-family kernels: shape, layout, indexing, casting and
// creation operators of the ai.onnx domain. Registered in providers/reference/register_tensor.cc.
// Each factory reads and validates the node's attributes; the kernels it returns are immutable and
// their Compute() may run concurrently.

#include <memory>

#include "berth/status.h"
#include "engine/kernel.h"

namespace berth {

// Views (outputs share the input buffer).
StatusOr<std::unique_ptr<OpKernel>> CreateReshape(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateFlatten(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateSqueeze(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateUnsqueeze(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateIdentity(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateDropout(const KernelInfo& info);

// Layout and data movement.
StatusOr<std::unique_ptr<OpKernel>> CreateTranspose(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateConcat(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateSplit(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateSlice(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateExpand(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateTile(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreatePad(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateDepthToSpace(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateSpaceToDepth(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateReverseSequence(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateTrilu(const KernelInfo& info);

// Indexing.
StatusOr<std::unique_ptr<OpKernel>> CreateGather(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateGatherElements(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateGatherND(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateScatterElements(
    const KernelInfo& info);  // also serves the deprecated Scatter
StatusOr<std::unique_ptr<OpKernel>> CreateScatterND(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateNonZero(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateCompress(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateUnique(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateOneHot(const KernelInfo& info);

// Types and shapes.
StatusOr<std::unique_ptr<OpKernel>> CreateCast(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateCastLike(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateShape(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateSize(const KernelInfo& info);

// Creation.
StatusOr<std::unique_ptr<OpKernel>> CreateConstant(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateConstantOfShape(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateRange(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateEyeLike(const KernelInfo& info);

}  // namespace berth
