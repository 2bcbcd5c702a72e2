#pragma once
// Control flow (If, Loop, Scan), sequence and optional kernels of the reference provider.

#include "engine/kernel.h"

namespace berth {

StatusOr<std::unique_ptr<OpKernel>> CreateIf(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateLoop(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateScan(const KernelInfo& info);

StatusOr<std::unique_ptr<OpKernel>> CreateSequenceEmpty(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateSequenceConstruct(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateSequenceInsert(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateSequenceAt(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateSequenceErase(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateSequenceLength(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateSplitToSequence(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateConcatFromSequence(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateSequenceMap(const KernelInfo& info);

StatusOr<std::unique_ptr<OpKernel>> CreateOptional(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateOptionalHasElement(const KernelInfo& info);
StatusOr<std::unique_ptr<OpKernel>> CreateOptionalGetElement(const KernelInfo& info);

}  // namespace berth
