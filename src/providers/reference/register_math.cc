#include "providers/reference/math/math_kernels.h"
#include "providers/reference/register.h"

namespace berth {

// Element-wise math, comparisons, logic and activations. Each kernel handles every opset of its
// operator (it branches on KernelInfo::opset() where the operator changed), so each is registered
// once.
void RegisterMathKernels(KernelRegistry& registry) {
  using namespace math;  // NOLINT: the factories of this family
  // Unary math (unary_math.cc)
  registry.Register("", "Abs", CreateAbs);
  registry.Register("", "Neg", CreateNeg);
  registry.Register("", "Sqrt", CreateSqrt);
  registry.Register("", "Exp", CreateExp);
  registry.Register("", "Log", CreateLog);
  registry.Register("", "Reciprocal", CreateReciprocal);
  registry.Register("", "Floor", CreateFloor);
  registry.Register("", "Ceil", CreateCeil);
  registry.Register("", "Round", CreateRound);
  registry.Register("", "Sign", CreateSign);
  registry.Register("", "Erf", CreateErf);
  registry.Register("", "Sin", CreateSin);
  registry.Register("", "Cos", CreateCos);
  registry.Register("", "Tan", CreateTan);
  registry.Register("", "Asin", CreateAsin);
  registry.Register("", "Acos", CreateAcos);
  registry.Register("", "Atan", CreateAtan);
  registry.Register("", "Sinh", CreateSinh);
  registry.Register("", "Cosh", CreateCosh);
  registry.Register("", "Asinh", CreateAsinh);
  registry.Register("", "Acosh", CreateAcosh);
  registry.Register("", "Atanh", CreateAtanh);
  registry.Register("", "IsNaN", CreateIsNaN);
  registry.Register("", "IsInf", CreateIsInf);

  // Activations (activations.cc)
  registry.Register("", "Relu", CreateRelu);
  registry.Register("", "LeakyRelu", CreateLeakyRelu);
  registry.Register("", "Elu", CreateElu);
  registry.Register("", "Selu", CreateSelu);
  registry.Register("", "Celu", CreateCelu);
  registry.Register("", "Sigmoid", CreateSigmoid);
  registry.Register("", "HardSigmoid", CreateHardSigmoid);
  registry.Register("", "HardSwish", CreateHardSwish);
  registry.Register("", "Softplus", CreateSoftplus);
  registry.Register("", "Softsign", CreateSoftsign);
  registry.Register("", "Tanh", CreateTanh);
  registry.Register("", "ThresholdedRelu", CreateThresholdedRelu);
  registry.Register("", "Shrink", CreateShrink);
  registry.Register("", "PRelu", CreatePRelu);
  registry.Register("", "Mish", CreateMish);
  registry.Register("", "Gelu", CreateGelu);

  // Binary arithmetic, numpy broadcasting (binary_arithmetic.cc)
  registry.Register("", "Add", CreateAdd);
  registry.Register("", "Sub", CreateSub);
  registry.Register("", "Mul", CreateMul);
  registry.Register("", "Div", CreateDiv);
  registry.Register("", "Pow", CreatePow);
  registry.Register("", "Mod", CreateMod);

  // Comparisons, bool output (comparison.cc)
  registry.Register("", "Equal", CreateEqual);
  registry.Register("", "Less", CreateLess);
  registry.Register("", "LessOrEqual", CreateLessOrEqual);
  registry.Register("", "Greater", CreateGreater);
  registry.Register("", "GreaterOrEqual", CreateGreaterOrEqual);

  // Logical and bitwise (logical.cc)
  registry.Register("", "Not", CreateNot);
  registry.Register("", "And", CreateAnd);
  registry.Register("", "Or", CreateOr);
  registry.Register("", "Xor", CreateXor);
  registry.Register("", "BitwiseNot", CreateBitwiseNot);
  registry.Register("", "BitwiseAnd", CreateBitwiseAnd);
  registry.Register("", "BitwiseOr", CreateBitwiseOr);
  registry.Register("", "BitwiseXor", CreateBitwiseXor);
  registry.Register("", "BitShift", CreateBitShift);

  // Variadic with broadcasting (variadic.cc)
  registry.Register("", "Max", CreateMax);
  registry.Register("", "Min", CreateMin);
  registry.Register("", "Sum", CreateSum);
  registry.Register("", "Mean", CreateMean);

  // Clip: attributes before opset 11, inputs after (clip.cc)
  registry.Register("", "Clip", CreateClip);

  // Where (where.cc)
  registry.Register("", "Where", CreateWhere);
}

}  // namespace berth
