#pragma once
// Factories of the reference reduction kernels: Reduce*, ArgMax/ArgMin, TopK, CumSum, Det.
// Registered in providers/reference/register_reduction.cc.

#include "engine/kernel.h"

namespace berth {

// Reduce* (reduce.cc). Axes come from the `axes` attribute (ReduceSum before opset 13, the others
// before opset 18) or from the optional second input (later opsets); both forms are accepted at any
// opset so that slightly off-spec exporters still load.
StatusOr<std::unique_ptr<OpKernel>> CreateReduceSum(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateReduceMean(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateReduceMax(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateReduceMin(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateReduceProd(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateReduceL1(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateReduceL2(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateReduceLogSum(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateReduceLogSumExp(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateReduceSumSquare(const KernelInfo& info);

// arg_min_max.cc
StatusOr<std::unique_ptr<OpKernel>> CreateArgMax(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateArgMin(const KernelInfo& info);

// top_k.cc: `k` is an attribute before opset 10 and an input from opset 10 on.
StatusOr<std::unique_ptr<OpKernel>> CreateTopK(const KernelInfo& info);

// cum_sum.cc
StatusOr<std::unique_ptr<OpKernel>> CreateCumSum(const KernelInfo& info);

// det.cc
StatusOr<std::unique_ptr<OpKernel>> CreateDet(const KernelInfo& info);

}  // namespace berth
