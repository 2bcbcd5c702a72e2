// oneDNN Conv / FusedConv against the reference provider: the same one-node (or small) model run by a
// reference-only session and by the default session, on random inputs.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "berth/session.h"
#include "engine/graph.h"
#include "engine/testing/op_tester.h"
#include "providers/dnnl/dnnl_test_util.h"

namespace berth::dnnl_provider {
namespace {

using testing::IntAttr;
using testing::IntsAttr;
using testing::StringAttr;

struct ConvCase {
  Shape x;                // N, C, H, W
  int64_t m = 8;          // output channels
  Shape kernel = {3, 3};
  int64_t group = 1;
  std::vector<int64_t> strides = {1, 1};
  std::vector<int64_t> dilations = {1, 1};
  std::vector<int64_t> pads = {1, 1, 1, 1};
  std::string auto_pad;   // "" = NOTSET
  bool bias = true;
  bool constant_weights = true;
};

std::string Describe(const ConvCase& c) {
  return "x" + ShapeToString(c.x) + " m=" + std::to_string(c.m) + " k" + ShapeToString(c.kernel) +
         " g=" + std::to_string(c.group) + " s" + ShapeToString(c.strides) + " d" + ShapeToString(c.dilations) +
         " p" + ShapeToString(c.pads) + " auto_pad=" + c.auto_pad + (c.bias ? " bias" : "") +
         (c.constant_weights ? " const-w" : " input-w");
}

TEST(DnnlConvTest, MatchesReference) {
  std::vector<ConvCase> cases = {
      {{1, 3, 17, 19}, 16, {7, 7}, 1, {2, 2}, {1, 1}, {3, 3, 3, 3}},                 // first layer
      {{2, 16, 9, 9}, 32},                                                           // batch 2
      {{1, 20, 8, 11}, 13, {1, 1}, 1, {1, 1}, {1, 1}, {0, 0, 0, 0}},                 // 1x1, odd channels
      {{1, 24, 10, 10}, 24, {3, 3}, 24},                                             // depthwise
      {{1, 32, 12, 12}, 32, {3, 3}, 32, {2, 2}},                                     // depthwise stride 2
      {{1, 12, 9, 9}, 18, {3, 3}, 3},                                                // grouped
      {{1, 8, 11, 11}, 8, {3, 3}, 1, {1, 1}, {2, 2}, {2, 2, 2, 2}},                  // dilated
      {{1, 8, 10, 10}, 4, {3, 2}, 1, {2, 3}, {1, 1}, {0, 1, 2, 0}},                  // asymmetric pads
      {{1, 8, 10, 9}, 4, {3, 3}, 1, {2, 2}, {1, 1}, {0, 0, 0, 0}, "SAME_UPPER"},
      {{1, 8, 10, 9}, 4, {4, 4}, 1, {3, 3}, {1, 1}, {0, 0, 0, 0}, "SAME_LOWER"},
      {{1, 8, 10, 9}, 4, {3, 3}, 1, {2, 2}, {1, 1}, {0, 0, 0, 0}, "VALID", false},
      {{3, 16, 7, 7}, 17, {3, 3}, 1, {1, 1}, {1, 1}, {1, 1, 1, 1}, "", true, false},  // weights as input
  };
  for (const ConvCase& c : cases) {
    SCOPED_TRACE(Describe(c));
    std::mt19937 rng(42);
    ModelBuilder mb;
    Tensor x = RandomTensor(c.x, rng);
    Tensor w = RandomTensor({c.m, c.x[1] / c.group, c.kernel[0], c.kernel[1]}, rng);
    Tensor b = RandomTensor({c.m}, rng);
    mb.Input("x", x);
    if (c.constant_weights) mb.Initializer("w", w); else mb.Input("w", w);
    if (c.bias) mb.Initializer("b", b);
    Node& n = mb.AddNode("Conv", {"x", "w", c.bias ? "b" : ""}, {"y"});
    n.attributes["group"] = IntAttr(c.group);
    n.attributes["strides"] = IntsAttr(c.strides);
    n.attributes["dilations"] = IntsAttr(c.dilations);
    if (c.auto_pad.empty()) n.attributes["pads"] = IntsAttr(c.pads); else n.attributes["auto_pad"] = StringAttr(c.auto_pad);
    mb.Output("y");
    ExpectSameAsReference(mb, {"Conv"});
  }
}

TEST(DnnlConvTransposeTest, MatchesReference) {
  struct Case {
    Shape x;
    int64_t m;
    Shape kernel;
    int64_t group;
    std::vector<int64_t> strides, pads, output_padding, dilations;
    bool constant_weights;
    std::string auto_pad;
  };
  std::vector<Case> cases = {
      {{1, 8, 5, 5}, 4, {3, 3}, 1, {2, 2}, {1, 1, 1, 1}, {1, 1}, {1, 1}, true, ""},
      {{2, 6, 4, 7}, 9, {4, 4}, 3, {2, 2}, {1, 1, 1, 1}, {0, 0}, {1, 1}, true, ""},
      {{1, 5, 6, 6}, 5, {3, 3}, 1, {1, 1}, {0, 0, 0, 0}, {0, 0}, {2, 2}, false, ""},
      {{1, 4, 3, 5}, 2, {2, 3}, 1, {3, 2}, {0, 0, 0, 0}, {0, 0}, {1, 1}, true, "VALID"},
      {{1, 4, 3, 3}, 2, {3, 3}, 1, {2, 2}, {0, 0, 0, 0}, {1, 1}, {1, 1}, true, ""},  // pad_r < output_padding: reference
      {{1, 4, 3, 3}, 2, {3, 3}, 1, {2, 2}, {}, {}, {}, true, "SAME_UPPER"},           // declined
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("x" + ShapeToString(c.x) + " auto_pad=" + c.auto_pad);
    std::mt19937 rng(9);
    ModelBuilder mb;
    mb.Input("x", RandomTensor(c.x, rng));
    Tensor w = RandomTensor({c.x[1], c.m / c.group, c.kernel[0], c.kernel[1]}, rng);
    if (c.constant_weights) mb.Initializer("w", w); else mb.Input("w", w);
    mb.Initializer("b", RandomTensor({c.m}, rng));
    Node& n = mb.AddNode("ConvTranspose", {"x", "w", "b"}, {"y"});
    n.attributes["group"] = IntAttr(c.group);
    if (!c.strides.empty()) n.attributes["strides"] = IntsAttr(c.strides);
    if (!c.pads.empty() && c.auto_pad.empty()) n.attributes["pads"] = IntsAttr(c.pads);
    if (!c.output_padding.empty()) n.attributes["output_padding"] = IntsAttr(c.output_padding);
    if (!c.dilations.empty()) n.attributes["dilations"] = IntsAttr(c.dilations);
    if (!c.auto_pad.empty()) n.attributes["auto_pad"] = StringAttr(c.auto_pad);
    mb.Output("y");
    ExpectSameAsReference(mb, c.auto_pad.starts_with("SAME") ? std::set<std::string>{} : std::set<std::string>{"ConvTranspose"});
  }
}

TEST(DnnlConvTest, OtherTypesAndRanksRunOnTheFallback) {
  std::mt19937 rng(1);
  ModelBuilder mb;  // 1-D convolution, weights as an input: accepted, run by the reference kernel
  mb.Input("x", RandomTensor({1, 4, 9}, rng));
  mb.Input("w", RandomTensor({2, 4, 3}, rng));
  mb.AddNode("Conv", {"x", "w"}, {"y"});
  mb.Output("y");
  ExpectSameAsReference(mb, {});
}

TEST(DnnlConvTest, FusedConvMatchesUnfusedReference) {
  struct Act {
    std::string name;
    std::vector<float> params;
  };
  std::vector<Act> acts = {{"", {}},          {"Relu", {}},     {"LeakyRelu", {0.1f}}, {"Clip", {-0.5f, 0.5f}},
                           {"Sigmoid", {}},   {"Tanh", {}},     {"HardSigmoid", {0.3f, 0.4f}},
                           {"HardSwish", {}}, {"Swish", {}}};
  for (bool with_z : {false, true}) {
    for (const Act& act : acts) {
      SCOPED_TRACE(act.name + (with_z ? " with Z" : ""));
      std::mt19937 rng(7);
      Tensor x = RandomTensor({2, 5, 9, 9}, rng);
      Tensor w = RandomTensor({7, 5, 3, 3}, rng);
      Tensor b = RandomTensor({7}, rng);
      Tensor z = RandomTensor({2, 7, 5, 5}, rng);
      auto set_conv_attrs = [](Node& n) {
        n.attributes["strides"] = IntsAttr({2, 2});
        n.attributes["pads"] = IntsAttr({1, 1, 1, 1});
      };
      // Reference: Conv -> Add(Z) -> activation.
      ModelBuilder ref;
      ref.Input("x", x);
      if (with_z) ref.Input("z", z);
      ref.Initializer("w", w);
      ref.Initializer("b", b);
      set_conv_attrs(ref.AddNode("Conv", {"x", "w", "b"}, {"c"}));
      std::string last = "c";
      if (with_z) {
        ref.AddNode("Add", {"c", "z"}, {"s"});
        last = "s";
      }
      if (act.name == "Swish") {  // written out: y = last * Sigmoid(last)
        ref.AddNode("Sigmoid", {last}, {"sig"});
        ref.AddNode("Mul", {last, "sig"}, {"y"});
      } else if (!act.name.empty()) {
        Node& a = ref.AddNode(act.name, {last}, {"y"});
        if (act.name == "LeakyRelu") a.attributes["alpha"] = testing::FloatAttr(act.params[0]);
        if (act.name == "HardSigmoid") {
          a.attributes["alpha"] = testing::FloatAttr(act.params[0]);
          a.attributes["beta"] = testing::FloatAttr(act.params[1]);
        }
        if (act.name == "Clip") {
          ref.Initializer("lo", Tensor::Scalar<float>(act.params[0]));
          ref.Initializer("hi", Tensor::Scalar<float>(act.params[1]));
          a.inputs = {last, "lo", "hi"};
        }
      } else {
        ref.AddNode("Identity", {last}, {"y"});
      }
      ref.Output("y");
      auto expected = RunModel(ref, /*optimized=*/false);
      ASSERT_TRUE(expected.ok()) << expected.status().ToString();

      ModelBuilder fused;
      fused.Input("x", x);
      if (with_z) fused.Input("z", z);
      fused.Initializer("w", w);
      fused.Initializer("b", b);
      Node& f = fused.AddNode("FusedConv", {"x", "w", "b", with_z ? "z" : ""}, {"y"}, "com.berth");
      set_conv_attrs(f);
      f.attributes["activation"] = StringAttr(act.name);
      f.attributes["activation_params"] = testing::FloatsAttr(act.params);
      fused.Output("y");
      auto session = Session::Create(fused.Build(), OptimizedOptions());
      ASSERT_TRUE(session.ok()) << session.status().ToString();
      EXPECT_EQ((*session)->node_providers(), std::vector<std::string>{"dnnl"});
      auto actual = (*session)->Run(fused.InputValues());
      ASSERT_TRUE(actual.ok()) << actual.status().ToString();
      testing::ExpectTensorNear((*actual)[0].tensor(), (*expected)[0].tensor(), 1e-4, 1e-5);
      // The same through the blocked-layout pass (BlockedConv, Z reordered to nChw16c).
      auto blocked = RunModel(fused, /*optimized=*/true, /*level=*/2);
      ASSERT_TRUE(blocked.ok()) << blocked.status().ToString();
      testing::ExpectTensorNear((*blocked)[0].tensor(), (*expected)[0].tensor(), 1e-4, 1e-5);
    }
  }
}

// 3x3 stride-1 convolutions on maps of 14x14 and more run on oneDNN's Winograd kernels (Z added by a
// sum post-op, as those take no binary post-ops); they must agree with the reference like the rest.
TEST(DnnlConvTest, WinogradSizedConvolutionsMatchReference) {
  for (Shape xs : {Shape{1, 16, 16, 16}, Shape{2, 32, 14, 15}, Shape{1, 64, 28, 28}}) {
    for (bool with_z : {false, true}) {
      SCOPED_TRACE("x" + ShapeToString(xs) + (with_z ? " with Z" : ""));
      std::mt19937 rng(11);
      const int64_t m = xs[1] * 2;
      Tensor x = RandomTensor(xs, rng);
      Tensor w = RandomTensor({m, xs[1], 3, 3}, rng);
      Tensor b = RandomTensor({m}, rng);
      Tensor z = RandomTensor({xs[0], m, xs[2], xs[3]}, rng);
      ModelBuilder mb;
      mb.Input("x", x);
      if (with_z) mb.Input("z", z);
      mb.Initializer("w", w);
      mb.Initializer("b", b);
      Node& f = mb.AddNode("FusedConv", {"x", "w", "b", with_z ? "z" : ""}, {"y"}, "com.berth");
      f.attributes["pads"] = IntsAttr({1, 1, 1, 1});
      f.attributes["activation"] = StringAttr("Relu");
      mb.Output("y");
      // Winograd rounds differently from a direct sum: ~1e-5 absolute on outputs of magnitude ~5
      // (576-term sums here), about ten times the direct kernel's difference from the reference.
      ExpectSameAsReference(mb, {"FusedConv"}, 1e-4, 1e-4);               // plain NCHW in and out
      ExpectSameAsReference(mb, {"FusedConv"}, 1e-4, 1e-4, /*level=*/2);  // BlockedConv
    }
  }
}

TEST(DnnlConvTest, FusedConvRejectsUnknownActivation) {
  ModelBuilder mb;
  std::mt19937 rng(3);
  mb.Input("x", RandomTensor({1, 2, 4, 4}, rng));
  mb.Initializer("w", RandomTensor({2, 2, 1, 1}, rng));
  Node& f = mb.AddNode("FusedConv", {"x", "w"}, {"y"}, "com.berth");
  f.attributes["activation"] = StringAttr("Mish");
  mb.Output("y");
  auto session = Session::Create(mb.Build(), OptimizedOptions());
  ASSERT_FALSE(session.ok());
  EXPECT_NE(session.status().message().find("Mish"), std::string::npos) << session.status().ToString();
}

TEST(DnnlConvTest, ConcurrentRunsOfOneSessionAgree) {
  std::mt19937 rng(5);
  ModelBuilder mb;
  mb.Input("x", RandomTensor({1, 16, 14, 14}, rng));
  mb.Initializer("w", RandomTensor({32, 16, 3, 3}, rng));
  Node& n = mb.AddNode("Conv", {"x", "w"}, {"y"});
  n.attributes["pads"] = IntsAttr({1, 1, 1, 1});
  mb.Output("y");
  auto session = Session::Create(mb.Build(), OptimizedOptions());
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  auto first = (*session)->Run(mb.InputValues());
  ASSERT_TRUE(first.ok());
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        auto out = (*session)->Run(mb.InputValues());
        if (!out.ok() || !testing::CompareTensors((*out)[0].tensor(), (*first)[0].tensor(), 1e-5, 1e-6).empty())
          ++mismatches;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace berth::dnnl_provider
