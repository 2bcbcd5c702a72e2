// Unit tests for the layout kernels: Transpose, Concat, Split, Slice, Expand, Tile, Pad,
// DepthToSpace, SpaceToDepth, ReverseSequence, Trilu.

#include <gtest/gtest.h>

#include "engine/testing/op_tester.h"

namespace berth {
namespace {

using testing::ExpectTensorEq;
using testing::FloatAttr;
using testing::IntAttr;
using testing::IntsAttr;
using testing::OpTest;
using testing::RunOp;
using testing::StringAttr;

// OpTest for one op type (spelled out so that no aggregate initializer leaves fields implicit).
OpTest Op(std::string op_type) {
  OpTest t;
  t.op_type = std::move(op_type);
  return t;
}

Tensor F(Shape shape, std::vector<float> v) {
  return Tensor::FromVector<float>(std::move(shape), v);
}
Tensor I64(std::vector<int64_t> v) {
  return Tensor::FromVector<int64_t>({static_cast<int64_t>(v.size())}, v);
}
Tensor Iota(Shape shape) {
  std::vector<float> v(static_cast<size_t>(NumElements(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
  return F(std::move(shape), v);
}

StatusOr<Tensor> Run1(const OpTest& t) {
  ASSIGN_OR_RETURN(std::vector<Value> out, RunOp(t));
  return out[0].tensor();
}

void ExpectRun(const OpTest& t, const Tensor& expected) {
  auto out = Run1(t);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEq(*out, expected);
}

TEST(TransposeTest, PermAndDefault) {
  OpTest t = Op("Transpose");
  t.attributes["perm"] = IntsAttr({1, 2, 0});
  t.inputs = {Iota({2, 2, 3})};
  ExpectRun(t, F({2, 3, 2}, {0, 6, 1, 7, 2, 8, 3, 9, 4, 10, 5, 11}));
  OpTest d = Op("Transpose");
  d.inputs = {Iota({2, 3})};
  ExpectRun(d, F({3, 2}, {0, 3, 1, 4, 2, 5}));
  OpTest bad = Op("Transpose");
  bad.attributes["perm"] = IntsAttr({0, 0});
  bad.inputs = {Iota({2, 3})};
  EXPECT_FALSE(Run1(bad).ok());
}

TEST(TransposeTest, Strings) {
  OpTest t = Op("Transpose");
  t.inputs = {Tensor::FromVector<std::string>({2, 2}, {"a", "b", "c", "d"})};
  ExpectRun(t, Tensor::FromVector<std::string>({2, 2}, {"a", "c", "b", "d"}));
}

TEST(ConcatTest, NegativeAxisAndEmptyInput) {
  OpTest t = Op("Concat");
  t.attributes["axis"] = IntAttr(-1);
  t.inputs = {F({2, 1}, {1, 2}), Tensor(DataType::kFloat32, {2, 0}), F({2, 2}, {3, 4, 5, 6})};
  ExpectRun(t, F({2, 3}, {1, 3, 4, 2, 5, 6}));
  OpTest bad = Op("Concat");
  bad.attributes["axis"] = IntAttr(0);
  bad.inputs = {F({1, 2}, {1, 2}), F({1, 3}, {1, 2, 3})};
  EXPECT_FALSE(Run1(bad).ok());
}

TEST(SplitTest, SizesFromInputAttributeAndEven) {
  OpTest t = Op("Split");
  t.num_outputs = 2;
  t.attributes["axis"] = IntAttr(1);
  t.inputs = {Iota({2, 3}), I64({1, 2})};
  auto out = RunOp(t);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEq((*out)[0].tensor(), F({2, 1}, {0, 3}));
  ExpectTensorEq((*out)[1].tensor(), F({2, 2}, {1, 2, 4, 5}));

  OpTest old = Op("Split");
  old.opset = 11;
  old.num_outputs = 3;
  old.attributes["split"] = IntsAttr({2, 0, 1});
  old.inputs = {Iota({3})};
  out = RunOp(old);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEq((*out)[1].tensor(), F({0}, {}));
  ExpectTensorEq((*out)[2].tensor(), F({1}, {2}));

  OpTest uneven = Op("Split");
  uneven.num_outputs = 2;
  uneven.inputs = {Iota({3})};
  EXPECT_FALSE(RunOp(uneven).ok());
  uneven.attributes["num_outputs"] = IntAttr(2);  // opset 18 style: ceil, smaller last chunk
  out = RunOp(uneven);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEq((*out)[0].tensor(), F({2}, {0, 1}));
  ExpectTensorEq((*out)[1].tensor(), F({1}, {2}));
}

TEST(SliceTest, NegativeStepsAndClamping) {
  OpTest t = Op("Slice");
  t.inputs = {Iota({2, 4}), I64({-1, 100}), I64({-100, -5}), I64({-1, 1}), I64({-2, -1})};
  // axis 1 (given as -1): start -1 -> 3, end -100 -> clamped to -1, step -2: 3, 1.
  // axis 0 (given as 1... no: axes [-1, 1] would repeat; see below)
  EXPECT_FALSE(Run1(t).ok());  // axes -1 and 1 name the same axis
  t.inputs = {Iota({2, 4}), I64({-1, 100}), I64({-100, -5}), I64({1, 0}), I64({-2, -1})};
  // axis 1: 3, 1; axis 0: start 100 -> 1, end -5 -> -1 (clamped): 1, 0.
  ExpectRun(t, F({2, 2}, {7, 5, 3, 1}));

  OpTest fwd = Op("Slice");
  fwd.inputs = {Iota({5}), Tensor::FromVector<int32_t>({1}, {1}),
                Tensor::FromVector<int32_t>({1}, {INT32_MAX}), Value(),
                Tensor::FromVector<int32_t>({1}, {3})};
  ExpectRun(fwd, F({2}, {1, 4}));

  OpTest empty = Op("Slice");
  empty.inputs = {Iota({5}), I64({3}), I64({1})};
  ExpectRun(empty, F({0}, {}));

  OpTest old = Op("Slice");
  old.opset = 9;
  old.attributes["starts"] = IntsAttr({1});
  old.attributes["ends"] = IntsAttr({-1});
  old.attributes["axes"] = IntsAttr({1});
  old.inputs = {Iota({2, 4})};
  ExpectRun(old, F({2, 2}, {1, 2, 5, 6}));

  OpTest zero_step = Op("Slice");
  zero_step.inputs = {Iota({5}), I64({0}), I64({5}), I64({0}), I64({0})};
  EXPECT_FALSE(Run1(zero_step).ok());
}

TEST(ExpandTest, BidirectionalBroadcast) {
  OpTest t = Op("Expand");
  t.inputs = {F({3, 1}, {1, 2, 3}), I64({2, 1, 2})};
  ExpectRun(t, F({2, 3, 2}, {1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3}));
  OpTest bad = Op("Expand");
  bad.inputs = {F({3}, {1, 2, 3}), I64({2})};
  EXPECT_FALSE(Run1(bad).ok());
}

TEST(TileTest, RepeatsPerAxis) {
  OpTest t = Op("Tile");
  t.inputs = {F({2, 2}, {1, 2, 3, 4}), I64({2, 1})};
  ExpectRun(t, F({4, 2}, {1, 2, 3, 4, 1, 2, 3, 4}));
  t.inputs = {F({2, 2}, {1, 2, 3, 4}), I64({1, 2})};
  ExpectRun(t, F({2, 4}, {1, 2, 1, 2, 3, 4, 3, 4}));
  t.inputs = {F({2}, {1, 2}), I64({0})};
  ExpectRun(t, F({0}, {}));
}

TEST(PadTest, ModesAndNegativePads) {
  Tensor x = F({1, 3}, {1, 2, 3});
  OpTest c = Op("Pad");
  c.inputs = {x, I64({0, 2, 0, 1}), Tensor::Scalar<float>(9)};
  ExpectRun(c, F({1, 6}, {9, 9, 1, 2, 3, 9}));
  OpTest r = Op("Pad");
  r.attributes["mode"] = StringAttr("reflect");
  r.inputs = {x, I64({0, 2, 0, 2})};
  ExpectRun(r, F({1, 7}, {3, 2, 1, 2, 3, 2, 1}));
  OpTest e = Op("Pad");
  e.attributes["mode"] = StringAttr("edge");
  e.inputs = {x, I64({0, 1, 0, 2})};
  ExpectRun(e, F({1, 6}, {1, 1, 2, 3, 3, 3}));
  OpTest crop = Op("Pad");
  crop.inputs = {x, I64({0, -1, 0, 1})};
  ExpectRun(crop, F({1, 3}, {2, 3, 0}));
  OpTest old = Op("Pad");
  old.opset = 2;
  old.attributes["pads"] = IntsAttr({1, 0, 0, 0});
  old.attributes["value"] = FloatAttr(1.5f);
  old.inputs = {x};
  ExpectRun(old, F({2, 3}, {1.5f, 1.5f, 1.5f, 1, 2, 3}));
  OpTest axes = Op("Pad");  // opset 18 axes input
  axes.inputs = {x, I64({1, 1}), Value(), I64({-1})};
  ExpectRun(axes, F({1, 5}, {0, 1, 2, 3, 0}));
  OpTest ints = Op("Pad");
  ints.inputs = {Tensor::FromVector<int32_t>({2}, {7, 8}), I64({1, 0}),
                 Tensor::Scalar<int32_t>(-1)};
  ExpectRun(ints, Tensor::FromVector<int32_t>({3}, {-1, 7, 8}));
  OpTest bad = Op("Pad");
  bad.inputs = {x, I64({0, 1})};
  EXPECT_FALSE(Run1(bad).ok());
}

TEST(DepthToSpaceTest, DcrAndCrd) {
  Tensor x = Iota({1, 4, 1, 2});
  OpTest dcr = Op("DepthToSpace");
  dcr.attributes["blocksize"] = IntAttr(2);
  dcr.inputs = {x};
  // DCR: out[0,0,bh,w*2+bw] = x[0, bh*2+bw, 0, w]
  ExpectRun(dcr, F({1, 1, 2, 4}, {0, 2, 1, 3, 4, 6, 5, 7}));
  OpTest crd = Op("DepthToSpace");
  crd.attributes["blocksize"] = IntAttr(2);
  crd.attributes["mode"] = StringAttr("CRD");
  crd.inputs = {x};
  ExpectRun(crd,
            F({1, 1, 2, 4}, {0, 2, 1, 3, 4, 6, 5, 7}));  // one output channel: both modes agree
  OpTest crd2 = Op("DepthToSpace");
  crd2.attributes["blocksize"] = IntAttr(1);
  crd2.attributes["mode"] = StringAttr("CRD");
  crd2.inputs = {x};
  ExpectRun(crd2, x);
}

TEST(SpaceToDepthTest, InvertsDepthToSpace) {
  OpTest t = Op("SpaceToDepth");
  t.attributes["blocksize"] = IntAttr(2);
  t.inputs = {F({1, 1, 2, 4}, {0, 2, 1, 3, 4, 6, 5, 7})};
  ExpectRun(t, Iota({1, 4, 1, 2}));
  t.inputs = {Iota({1, 1, 3, 4})};
  EXPECT_FALSE(Run1(t).ok());
}

TEST(ReverseSequenceTest, TimeMajor) {
  OpTest t = Op("ReverseSequence");
  t.inputs = {Iota({3, 2}), I64({3, 1})};
  // batch 0 (column 0): 0, 2, 4 reversed; batch 1: length 1 unchanged.
  ExpectRun(t, F({3, 2}, {4, 1, 2, 3, 0, 5}));
  OpTest b = Op("ReverseSequence");
  b.attributes["batch_axis"] = IntAttr(0);
  b.attributes["time_axis"] = IntAttr(1);
  b.inputs = {Iota({2, 3}), I64({2, 0})};
  ExpectRun(b, F({2, 3}, {1, 0, 2, 3, 4, 5}));
  b.inputs = {Iota({2, 3}), I64({4, 0})};
  EXPECT_FALSE(Run1(b).ok());
}

TEST(TriluTest, UpperLowerAndK) {
  Tensor x = F({2, 3}, {1, 2, 3, 4, 5, 6});
  OpTest u = Op("Trilu");
  u.inputs = {x};
  ExpectRun(u, F({2, 3}, {1, 2, 3, 0, 5, 6}));
  OpTest l = Op("Trilu");
  l.attributes["upper"] = IntAttr(0);
  l.inputs = {x, Tensor::Scalar<int64_t>(-1)};
  ExpectRun(l, F({2, 3}, {0, 0, 0, 4, 0, 0}));
  OpTest big = Op("Trilu");
  big.inputs = {x, Tensor::Scalar<int64_t>(INT64_MAX)};
  ExpectRun(big, F({2, 3}, {0, 0, 0, 0, 0, 0}));
}

TEST(LayoutRobustnessTest, HugeShapesAreErrorsNotCrashes) {
  const int64_t big = int64_t{1} << 62;
  OpTest expand = Op("Expand");
  expand.inputs = {F({1, 1}, {1}), I64({big, 8})};
  EXPECT_FALSE(Run1(expand).ok());
  OpTest tile = Op("Tile");
  tile.inputs = {F({2}, {1, 2}), I64({big})};
  EXPECT_FALSE(Run1(tile).ok());
  OpTest pad = Op("Pad");
  pad.inputs = {F({2}, {1, 2}), I64({INT64_MAX, INT64_MAX})};
  EXPECT_FALSE(Run1(pad).ok());
  pad.inputs = {F({2}, {1, 2}), I64({INT64_MIN, 0})};
  EXPECT_FALSE(Run1(pad).ok());
  OpTest reshape = Op("Reshape");
  reshape.inputs = {F({0}, {}), I64({big, 4, 0})};
  EXPECT_FALSE(Run1(reshape).ok());
  OpTest d2s = Op("DepthToSpace");
  d2s.attributes["blocksize"] = IntAttr(int64_t{1} << 32);
  d2s.inputs = {Iota({1, 4, 1, 1})};
  EXPECT_FALSE(Run1(d2s).ok());
  OpTest slice = Op("Slice");
  slice.inputs = {Iota({4}), I64({INT64_MAX}), I64({INT64_MIN}), I64({0}), I64({INT64_MIN})};
  auto out = Run1(slice);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectTensorEq(*out, F({1}, {3}));
}

}  // namespace
}  // namespace berth
