#pragma once
// Test helpers: run one operator through a real Session and compare results.
//
//   OpTest t{"Add"};
//   t.inputs = {Tensor::FromVector<float>({2}, {1, 2}), Tensor::FromVector<float>({2}, {3, 4})};
//   auto out = RunOp(t);
//   ASSERT_TRUE(out.ok()) << out.status().ToString();
//   ExpectTensorNear((*out)[0].tensor(), Tensor::FromVector<float>({2}, {4, 6}));

#include <map>
#include <string>
#include <vector>

#include "berth/session.h"
#include "engine/graph.h"

namespace berth::testing {

struct OpTest {
  OpTest() = default;
  explicit OpTest(std::string op) : op_type(std::move(op)) {}

  std::string op_type;
  std::string domain;  // "" = ai.onnx
  int opset = 17;
  std::map<std::string, Attribute> attributes;
  std::vector<Value> inputs;  // a default Value() marks an omitted optional input
  int num_outputs = 1;
};

// Builds a one-node model and runs it. Inputs are graph inputs (no shape validation).
StatusOr<std::vector<Value>> RunOp(const OpTest& test);

// RunOp for tests that expect the run to succeed. A failed run is a (non-fatal) gtest failure;
// RunOpOutput then gives an empty Tensor (so the comparison that follows fails too) and
// RunOpOutputs gives test.num_outputs empty tensors.
Tensor RunOpOutput(const OpTest& test, int index = 0);
std::vector<Value> RunOpOutputs(const OpTest& test);

Attribute IntAttr(int64_t v);
Attribute FloatAttr(float v);
Attribute StringAttr(std::string v);
Attribute IntsAttr(std::vector<int64_t> v);
Attribute FloatsAttr(std::vector<float> v);
Attribute StringsAttr(std::vector<std::string> v);
Attribute TensorAttr(Tensor v);
Attribute GraphAttr(std::shared_ptr<Graph> g);

// gtest assertions: same dtype and shape, values within |a-e| <= atol + rtol*|e| (NaN matches NaN).
void ExpectTensorNear(const Tensor& actual, const Tensor& expected, double rtol = 1e-5, double atol = 1e-6);
// Exact equality (integers, bools, strings, or bit-exact floats).
void ExpectTensorEq(const Tensor& actual, const Tensor& expected);

// Compares and returns a description of the first mismatch, "" if equal within tolerance.
std::string CompareTensors(const Tensor& actual, const Tensor& expected, double rtol, double atol);

}  // namespace berth::testing
