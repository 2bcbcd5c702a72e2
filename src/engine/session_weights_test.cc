// Weights held once: the file loader reads initializers straight into tensors, and a constant that
// every reader prepacked leaves the session's graphs (and is rebuilt from the pack where a fallback
// needs it); shared models keep theirs and their sessions share the pack.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "berth/session.h"
#include "engine/execution_plan.h"
#include "engine/graph.h"
#include "engine/onnx/tensor_proto.h"
#include "engine/onnx/onnx_import.h"
#include "engine/testing/op_tester.h"

namespace berth {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kK = 32, kN = 48;

float WeightAt(int64_t k, int64_t n) { return static_cast<float>((k * 7 + n * 3) % 11) * 0.25f - 1.0f; }

// y = MatMul(x[M, K], w[K, N]) (+ z = Add(w, w) when `w_also_added`, which reads w at run time).
onnx::ModelProto MatMulModel(bool w_also_added) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(13);
  auto* g = m.mutable_graph();
  g->set_name("mm");
  auto* x = g->add_input();
  x->set_name("x");
  auto* tt = x->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  tt->mutable_shape()->add_dim()->set_dim_param("M");
  tt->mutable_shape()->add_dim()->set_dim_param("K");
  std::vector<float> w;
  for (int64_t k = 0; k < kK; ++k)
    for (int64_t n = 0; n < kN; ++n) w.push_back(WeightAt(k, n));
  TensorToProto(Tensor::FromVector<float>({kK, kN}, w), "w", g->add_initializer());
  auto* mm = g->add_node();
  mm->set_op_type("MatMul");
  mm->set_name("mm");
  mm->add_input("x");
  mm->add_input("w");
  mm->add_output("y");
  g->add_output()->set_name("y");
  if (w_also_added) {
    auto* add = g->add_node();
    add->set_op_type("Add");
    add->set_name("add");
    add->add_input("w");
    add->add_input("w");
    add->add_output("z");
    g->add_output()->set_name("z");
  }
  return m;
}

Tensor Input(int64_t m, int64_t k) {
  Tensor x(DataType::kFloat32, {m, k});
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = static_cast<float>(i % 5) - 2.0f;
  return x;
}

Tensor Expected(const Tensor& x) {
  const int64_t m = x.dim(0);
  Tensor y(DataType::kFloat32, {m, kN});
  for (int64_t i = 0; i < m; ++i)
    for (int64_t n = 0; n < kN; ++n) {
      float s = 0;
      for (int64_t k = 0; k < kK; ++k) s += x.data<float>()[i * kK + k] * WeightAt(k, n);
      y.data<float>()[i * kN + n] = s;
    }
  return y;
}

std::string WriteModel(const onnx::ModelProto& m, const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("berth_weights_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string path = (dir / name).string();
  std::ofstream(path, std::ios::binary) << m.SerializeAsString();
  return path;
}

void ExpectRuns(const Session& s, int64_t m) {
  Tensor x = Input(m, kK);
  auto out = s.Run(std::vector<Value>{Value(x)});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  testing::ExpectTensorNear((*out)[0].tensor(), Expected(x), 1e-4, 1e-4);
}

TEST(SessionWeightsTest, FileLoadMatchesBytesLoad) {
  const onnx::ModelProto m = MatMulModel(false);
  auto from_file = Session::Load(WriteModel(m, "file.onnx"));
  ASSERT_TRUE(from_file.ok()) << from_file.status().ToString();
  ExpectRuns(**from_file, 3);
  SessionOptions reference;
  reference.use_optimized_provider = false;
  auto ref = Session::Load(WriteModel(m, "ref.onnx"), reference);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  ExpectRuns(**ref, 3);
  // The reference kernels read w at run time: the plain tensor stays, read from the file intact.
  const Graph& g = *(*ref)->model().graph;
  ASSERT_EQ(g.initializers.count("w"), 1u);
  EXPECT_FLOAT_EQ(g.initializers.at("w").data<float>()[kN + 5], WeightAt(1, 5));
}

TEST(SessionWeightsTest, PrepackedWeightsAreReleasedAndStillServeEveryShape) {
  auto s = Session::Load(WriteModel(MatMulModel(false), "released.onnx"));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s)->model().graph->initializers.count("w"), 0u) << "the prepacked weights should be held once";
  for (int64_t m : {1, 7, 64, 1}) ExpectRuns(**s, m);
  // Concurrent runs of several shapes.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([&, t] { ExpectRuns(**s, 1 + t * 5); });
  for (auto& th : threads) th.join();
  // A mismatched K falls back to the reference kernel, which gets w rebuilt from the pack and reports
  // the real problem.
  auto bad = (*s)->Run(std::vector<Value>{Value(Input(2, kK + 1))});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("node 'mm'"), std::string::npos) << bad.status().ToString();
}

TEST(SessionWeightsTest, WeightsReadAtRunTimeElsewhereStay) {
  auto s = Session::Load(WriteModel(MatMulModel(true), "pinned.onnx"));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s)->model().graph->initializers.count("w"), 1u);
  ExpectRuns(**s, 4);
  auto out = (*s)->Run(std::vector<Value>{Value(Input(1, kK))});
  ASSERT_TRUE(out.ok());
  EXPECT_FLOAT_EQ((*out)[1].tensor().data<float>()[3], 2 * WeightAt(0, 3));
}

TEST(SessionWeightsTest, SharedModelKeepsItsWeightsForEverySession) {
  ImportOptions import;
  auto model = ImportOnnxModel(MatMulModel(false).SerializeAsString(), import);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  std::shared_ptr<const Model> shared = *model;
  auto a = Session::Create(shared);
  auto b = Session::Create(shared);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(shared->graph->initializers.count("w"), 1u);
  ExpectRuns(**a, 5);
  ExpectRuns(**b, 2);
}

}  // namespace
}  // namespace berth

namespace berth {
namespace {

// The intermediates arena: buffers are reused across runs (and within one), results stay exact, and
// concurrent runs never share a live buffer.
TEST(BufferArenaTest, ReusesFreedBuffersAndZeroFillsWhenAsked) {
  auto arena = std::make_shared<BufferArena>();
  const void* first = nullptr;
  {
    Tensor t = arena->Allocate(DataType::kFloat32, {64, 1024}, /*zero=*/true);
    first = t.raw_data();
    for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = 7.0f;
  }
  Tensor again = arena->Allocate(DataType::kFloat32, {1024, 64}, /*zero=*/true);
  EXPECT_EQ(again.raw_data(), first) << "a freed buffer of the same size class is reused";
  for (int64_t i = 0; i < again.numel(); i += 997) ASSERT_EQ(again.data<float>()[i], 0.0f);
  Tensor other = arena->Allocate(DataType::kFloat32, {64, 1024}, /*zero=*/false);
  EXPECT_NE(other.raw_data(), again.raw_data()) << "a live buffer is never handed out twice";
  EXPECT_EQ(arena->stats().reuses, 1);
  Tensor small = arena->Allocate(DataType::kFloat32, {4}, /*zero=*/true);  // below the pooled size
  EXPECT_EQ(small.data<float>()[3], 0.0f);
  arena.reset();  // tensors outlive the arena: their buffers are then simply freed
  again.data<float>()[0] = 1.0f;
}

// Pooled-size outputs (512 x 48 floats) run many times, then from several threads at once: every
// result exact although buffers circulate through the arena between runs.
TEST(BufferArenaTest, SteadyStateRunsReuseBuffersAndConcurrentRunsStayCorrect) {
  auto s = Session::Load(WriteModel(MatMulModel(false), "arena.onnx"));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  for (int i = 0; i < 3; ++i) ExpectRuns(**s, 512);  // 512 x 48 floats = 96 KiB outputs: pooled
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) ExpectRuns(**s, 256 + 128 * (t % 2));
    });
  }
  for (auto& th : threads) th.join();
}

}  // namespace
}  // namespace berth
