#pragma once
// Factories of the element-wise reference kernels (math family). Registered in register_math.cc.
// Each factory reads and validates the node's attributes; the kernels it returns are stateless
// during Compute() and safe to run from several threads at once.

#include "engine/kernel.h"

namespace berth::math {

using KernelOr = StatusOr<std::unique_ptr<OpKernel>>;

// unary_math.cc
KernelOr CreateAbs(const KernelInfo& info);
KernelOr CreateNeg(const KernelInfo& info);
KernelOr CreateSqrt(const KernelInfo& info);
KernelOr CreateExp(const KernelInfo& info);
KernelOr CreateLog(const KernelInfo& info);
KernelOr CreateReciprocal(const KernelInfo& info);
KernelOr CreateFloor(const KernelInfo& info);
KernelOr CreateCeil(const KernelInfo& info);
KernelOr CreateRound(const KernelInfo& info);
KernelOr CreateSign(const KernelInfo& info);
KernelOr CreateErf(const KernelInfo& info);
KernelOr CreateSin(const KernelInfo& info);
KernelOr CreateCos(const KernelInfo& info);
KernelOr CreateTan(const KernelInfo& info);
KernelOr CreateAsin(const KernelInfo& info);
KernelOr CreateAcos(const KernelInfo& info);
KernelOr CreateAtan(const KernelInfo& info);
KernelOr CreateSinh(const KernelInfo& info);
KernelOr CreateCosh(const KernelInfo& info);
KernelOr CreateAsinh(const KernelInfo& info);
KernelOr CreateAcosh(const KernelInfo& info);
KernelOr CreateAtanh(const KernelInfo& info);
KernelOr CreateIsNaN(const KernelInfo& info);
KernelOr CreateIsInf(const KernelInfo& info);

// activations.cc
KernelOr CreateRelu(const KernelInfo& info);
KernelOr CreateLeakyRelu(const KernelInfo& info);
KernelOr CreateElu(const KernelInfo& info);
KernelOr CreateSelu(const KernelInfo& info);
KernelOr CreateCelu(const KernelInfo& info);
KernelOr CreateSigmoid(const KernelInfo& info);
KernelOr CreateHardSigmoid(const KernelInfo& info);
KernelOr CreateHardSwish(const KernelInfo& info);
KernelOr CreateSoftplus(const KernelInfo& info);
KernelOr CreateSoftsign(const KernelInfo& info);
KernelOr CreateTanh(const KernelInfo& info);
KernelOr CreateThresholdedRelu(const KernelInfo& info);
KernelOr CreateShrink(const KernelInfo& info);
KernelOr CreatePRelu(const KernelInfo& info);
KernelOr CreateMish(const KernelInfo& info);
KernelOr CreateGelu(const KernelInfo& info);

// binary_arithmetic.cc
KernelOr CreateAdd(const KernelInfo& info);
KernelOr CreateSub(const KernelInfo& info);
KernelOr CreateMul(const KernelInfo& info);
KernelOr CreateDiv(const KernelInfo& info);
KernelOr CreatePow(const KernelInfo& info);
KernelOr CreateMod(const KernelInfo& info);

// comparison.cc
KernelOr CreateEqual(const KernelInfo& info);
KernelOr CreateLess(const KernelInfo& info);
KernelOr CreateLessOrEqual(const KernelInfo& info);
KernelOr CreateGreater(const KernelInfo& info);
KernelOr CreateGreaterOrEqual(const KernelInfo& info);

// logical.cc
KernelOr CreateNot(const KernelInfo& info);
KernelOr CreateAnd(const KernelInfo& info);
KernelOr CreateOr(const KernelInfo& info);
KernelOr CreateXor(const KernelInfo& info);
KernelOr CreateBitwiseNot(const KernelInfo& info);
KernelOr CreateBitwiseAnd(const KernelInfo& info);
KernelOr CreateBitwiseOr(const KernelInfo& info);
KernelOr CreateBitwiseXor(const KernelInfo& info);
KernelOr CreateBitShift(const KernelInfo& info);

// variadic.cc
KernelOr CreateMax(const KernelInfo& info);
KernelOr CreateMin(const KernelInfo& info);
KernelOr CreateSum(const KernelInfo& info);
KernelOr CreateMean(const KernelInfo& info);

// clip.cc
KernelOr CreateClip(const KernelInfo& info);

// where.cc
KernelOr CreateWhere(const KernelInfo& info);

}  // namespace berth::math
