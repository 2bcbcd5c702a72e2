// MaxPool, AveragePool, LpPool, the global pools and MaxUnpool.

#include <gtest/gtest.h>

#include <cmath>

#include "engine/testing/op_tester.h"

namespace berth::nn {
namespace {

using testing::ExpectTensorEq;
using testing::ExpectTensorNear;
using testing::IntAttr;
using testing::IntsAttr;
using testing::OpTest;
using testing::RunOp;
using testing::RunOpOutputs;
using testing::StringAttr;

// An OpTest for `op_type` at the default opset (spelled out to keep -Wextra quiet).
OpTest Op(const char* op_type) {
  OpTest t;
  t.op_type = op_type;
  return t;
}

Tensor Iota1(Shape shape) {  // 1, 2, 3, ...
  Tensor t(DataType::kFloat32, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(i + 1);
  return t;
}

TEST(MaxPoolTest, ValuesAndIndicesInBothStorageOrders) {
  OpTest t = Op("MaxPool");
  t.num_outputs = 2;
  t.attributes["kernel_shape"] = IntsAttr({2, 2});
  t.inputs = {Iota1({1, 2, 3, 3})};
  auto out = RunOpOutputs(t);
  ExpectTensorNear(out[0].tensor(),
                   Tensor::FromVector<float>({1, 2, 2, 2}, {5, 6, 8, 9, 14, 15, 17, 18}));
  // Flat indices over the whole tensor: the second plane starts at 9.
  ExpectTensorEq(out[1].tensor(),
                 Tensor::FromVector<int64_t>({1, 2, 2, 2}, {4, 5, 7, 8, 13, 14, 16, 17}));
  t.attributes["storage_order"] = IntAttr(1);
  out = RunOpOutputs(t);
  ExpectTensorEq(out[1].tensor(),
                 Tensor::FromVector<int64_t>({1, 2, 2, 2}, {4, 7, 5, 8, 13, 16, 14, 17}));
}

TEST(MaxPoolTest, PadsStridesCeilModeAndDilations) {
  OpTest t = Op("MaxPool");
  t.attributes["kernel_shape"] = IntsAttr({2, 2});
  t.attributes["pads"] = IntsAttr({1, 1, 1, 1});
  t.attributes["strides"] = IntsAttr({2, 2});
  t.inputs = {Iota1({1, 1, 3, 3})};
  ExpectTensorNear(RunOpOutputs(t)[0].tensor(),
                   Tensor::FromVector<float>({1, 1, 2, 2}, {1, 3, 7, 9}));

  OpTest ceil = Op("MaxPool");
  ceil.opset = 10;
  ceil.attributes["kernel_shape"] = IntsAttr({3, 3});
  ceil.attributes["strides"] = IntsAttr({2, 2});
  ceil.inputs = {Iota1({1, 1, 4, 4})};
  ExpectTensorNear(RunOpOutputs(ceil)[0].tensor(), Tensor::FromVector<float>({1, 1, 1, 1}, {11}));
  ceil.attributes["ceil_mode"] = IntAttr(1);
  ExpectTensorNear(RunOpOutputs(ceil)[0].tensor(),
                   Tensor::FromVector<float>({1, 1, 2, 2}, {11, 12, 15, 16}));

  OpTest dil = Op("MaxPool");
  dil.attributes["kernel_shape"] = IntsAttr({2, 2});
  dil.attributes["dilations"] = IntsAttr({2, 2});
  dil.inputs = {Iota1({1, 1, 4, 4})};
  ExpectTensorNear(RunOpOutputs(dil)[0].tensor(),
                   Tensor::FromVector<float>({1, 1, 2, 2}, {11, 12, 15, 16}));
}

TEST(MaxPoolTest, IntegersSameUpperAndErrors) {
  OpTest t = Op("MaxPool");
  t.opset = 12;
  t.attributes["kernel_shape"] = IntsAttr({2});
  t.attributes["auto_pad"] = StringAttr("SAME_UPPER");
  t.inputs = {Tensor::FromVector<uint8_t>({1, 1, 3}, {3, 250, 7})};
  ExpectTensorEq(RunOpOutputs(t)[0].tensor(),
                 Tensor::FromVector<uint8_t>({1, 1, 3}, {250, 250, 7}));
  t.attributes.erase("kernel_shape");
  EXPECT_FALSE(RunOp(t).ok());                      // kernel_shape is required
  t.attributes["kernel_shape"] = IntsAttr({2, 2});  // rank mismatch with a 1-D input
  EXPECT_FALSE(RunOp(t).ok());
  t.attributes["kernel_shape"] = IntsAttr({2});
  t.inputs = {Tensor::FromVector<float>({3}, {1, 2, 3})};
  EXPECT_FALSE(RunOp(t).ok());
}

TEST(AveragePoolTest, CountIncludePadAndCeilMode) {
  OpTest t = Op("AveragePool");
  t.attributes["kernel_shape"] = IntsAttr({2, 2});
  t.attributes["pads"] = IntsAttr({1, 1, 1, 1});
  t.attributes["strides"] = IntsAttr({2, 2});
  t.inputs = {Iota1({1, 1, 3, 3})};
  ExpectTensorNear(RunOpOutputs(t)[0].tensor(),
                   Tensor::FromVector<float>({1, 1, 2, 2}, {1, 2.5f, 5.5f, 7}));
  t.attributes["count_include_pad"] = IntAttr(1);
  ExpectTensorNear(RunOpOutputs(t)[0].tensor(),
                   Tensor::FromVector<float>({1, 1, 2, 2}, {0.25f, 1.25f, 2.75f, 7}));

  OpTest ceil = Op("AveragePool");
  ceil.attributes["kernel_shape"] = IntsAttr({3});
  ceil.attributes["strides"] = IntsAttr({2});
  ceil.attributes["ceil_mode"] = IntAttr(1);
  ceil.inputs = {Iota1({1, 1, 4})};
  ExpectTensorNear(RunOpOutputs(ceil)[0].tensor(), Tensor::FromVector<float>({1, 1, 2}, {2, 3.5f}));

  OpTest d = Op("AveragePool");
  d.attributes["kernel_shape"] = IntsAttr({2});
  d.inputs = {Tensor::FromVector<double>({1, 1, 4}, {1, 2, 3, 4})};
  ExpectTensorNear(RunOpOutputs(d)[0].tensor(),
                   Tensor::FromVector<double>({1, 1, 3}, {1.5, 2.5, 3.5}));
  d.inputs = {Tensor::FromVector<int32_t>({1, 1, 2}, {1, 2})};
  EXPECT_FALSE(RunOp(d).ok());
}

TEST(LpPoolTest, NormsOverWindows) {
  OpTest t = Op("LpPool");
  t.attributes["kernel_shape"] = IntsAttr({2});
  t.inputs = {Tensor::FromVector<float>({1, 1, 3}, {3, -4, 0})};
  ExpectTensorNear(RunOpOutputs(t)[0].tensor(), Tensor::FromVector<float>({1, 1, 2}, {5, 4}));
  t.attributes["p"] = IntAttr(1);
  ExpectTensorNear(RunOpOutputs(t)[0].tensor(), Tensor::FromVector<float>({1, 1, 2}, {7, 4}));
  t.attributes["p"] = IntAttr(3);
  ExpectTensorNear(RunOpOutputs(t)[0].tensor(),
                   Tensor::FromVector<float>({1, 1, 2}, {std::cbrt(91.0f), 4}));
}

TEST(GlobalPoolTest, AverageMaxAndLp) {
  const Tensor x = Iota1({1, 2, 2, 2});
  OpTest avg = Op("GlobalAveragePool");
  avg.inputs = {x};
  ExpectTensorNear(RunOpOutputs(avg)[0].tensor(),
                   Tensor::FromVector<float>({1, 2, 1, 1}, {2.5f, 6.5f}));
  OpTest mx = Op("GlobalMaxPool");
  mx.inputs = {x};
  ExpectTensorNear(RunOpOutputs(mx)[0].tensor(), Tensor::FromVector<float>({1, 2, 1, 1}, {4, 8}));
  OpTest lp = Op("GlobalLpPool");
  lp.inputs = {x};
  ExpectTensorNear(RunOpOutputs(lp)[0].tensor(),
                   Tensor::FromVector<float>({1, 2, 1, 1}, {std::sqrt(30.0f), std::sqrt(174.0f)}));
  avg.inputs = {Tensor(DataType::kFloat32, {0, 3, 4})};
  ExpectTensorNear(RunOpOutputs(avg)[0].tensor(), Tensor(DataType::kFloat32, {0, 3, 1}));
  avg.inputs = {Tensor::FromVector<float>({2}, {1, 2})};
  EXPECT_FALSE(RunOp(avg).ok());
}

TEST(MaxUnpoolTest, DefaultAndRequestedOutputShape) {
  OpTest t = Op("MaxUnpool");
  t.opset = 11;
  t.attributes["kernel_shape"] = IntsAttr({2, 2});
  t.attributes["strides"] = IntsAttr({2, 2});
  const Tensor x = Tensor::FromVector<float>({1, 1, 2, 2}, {5, 6, 7, 8});
  const Tensor idx = Tensor::FromVector<int64_t>({1, 1, 2, 2}, {5, 7, 13, 15});
  t.inputs = {x, idx};
  ExpectTensorNear(
      RunOpOutputs(t)[0].tensor(),
      Tensor::FromVector<float>({1, 1, 4, 4}, {0, 0, 0, 0, 0, 5, 0, 6, 0, 0, 0, 0, 0, 7, 0, 8}));
  t.inputs = {x, idx, Tensor::FromVector<int64_t>({4}, {1, 1, 5, 5})};
  ExpectTensorNear(RunOpOutputs(t)[0].tensor(),
                   Tensor::FromVector<float>({1, 1, 5, 5}, {0, 0, 0, 0, 0, 0, 5, 0, 6, 0, 0, 0, 0,
                                                            0, 0, 0, 7, 0, 8, 0, 0, 0, 0, 0, 0}));
  t.inputs = {x, Tensor::FromVector<int64_t>({1, 1, 2, 2}, {5, 7, 13, 16})};
  EXPECT_FALSE(RunOp(t).ok());
  t.inputs = {x, idx, Tensor::FromVector<int64_t>({4}, {1, 1, 3, 3})};
  EXPECT_FALSE(RunOp(t).ok());
}

}  // namespace
}  // namespace berth::nn
