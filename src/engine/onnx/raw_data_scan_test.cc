// The importer's raw_data splitter: the stripped message parses to the same model minus the main
// graph's initializer payloads, whose ranges point at exactly those bytes.
#include "engine/onnx/raw_data_scan.h"

#include <gtest/gtest.h>

#include "engine/onnx/tensor_proto.h"

namespace berth {
namespace {

onnx::ModelProto TwoInitializerModel() {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("test");
  m.add_opset_import()->set_version(13);
  auto* g = m.mutable_graph();
  g->set_name("g");
  TensorToProto(Tensor::FromVector<float>({2, 2}, {1, 2, 3, 4}), "raw", g->add_initializer());
  auto* typed = g->add_initializer();  // float_data, no raw_data: left in the message
  typed->set_name("typed");
  typed->set_data_type(onnx::TensorProto::FLOAT);
  typed->add_dims(2);
  typed->add_float_data(5);
  typed->add_float_data(6);
  auto* node = g->add_node();
  node->set_op_type("Add");
  node->add_input("raw");
  node->add_input("typed");
  node->add_output("y");
  return m;
}

TEST(RawDataScanTest, StripsMainGraphPayloadsAndKeepsTheRest) {
  const onnx::ModelProto m = TwoInitializerModel();
  const std::string bytes = m.SerializeAsString();
  StrippedModel stripped;
  ASSERT_TRUE(StripInitializerRawData(bytes, &stripped));
  ASSERT_EQ(stripped.initializers.size(), 2u);
  EXPECT_TRUE(stripped.initializers[0].present);
  EXPECT_FALSE(stripped.initializers[1].present);
  const RawDataRange& r = stripped.initializers[0];
  ASSERT_EQ(r.size, 16u);
  EXPECT_EQ(bytes.substr(r.offset, r.size), m.graph().initializer(0).raw_data());
  EXPECT_LT(stripped.bytes.size(), bytes.size());

  onnx::ModelProto parsed;
  ASSERT_TRUE(parsed.ParseFromString(stripped.bytes));
  onnx::ModelProto expected = m;
  expected.mutable_graph()->mutable_initializer(0)->clear_raw_data();
  EXPECT_EQ(parsed.SerializeAsString(), expected.SerializeAsString());
}

TEST(RawDataScanTest, MalformedBytesAreRejectedNotOverread) {
  const std::string bytes = TwoInitializerModel().SerializeAsString();
  StrippedModel stripped;
  for (size_t cut = 1; cut < bytes.size(); cut += 3) {
    // A truncated message either fails or strips within the bytes it was given.
    if (StripInitializerRawData(std::string_view(bytes.data(), cut), &stripped)) {
      for (const RawDataRange& r : stripped.initializers) EXPECT_LE(r.offset + r.size, cut);
    }
  }
  EXPECT_FALSE(StripInitializerRawData(std::string("\x3a\xff\xff\xff\xff\x0f", 6), &stripped));  // length past end
  EXPECT_FALSE(StripInitializerRawData(std::string("\x3b", 1), &stripped));  // group wire type
}

}  // namespace
}  // namespace berth
