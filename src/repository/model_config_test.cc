// config.pbtxt parsing (Triton's text format), unknown-field warnings, data types, JSON form.
#include "repository/model_config.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace berth {
namespace {

TEST(ModelConfigTest, ParsesTritonOnnxConfig) {
  const char* text = R"pb(
    name: "resnet"
    platform: "onnxruntime_onnx"
    max_batch_size: 8 input
    [ {
      name: "x"
      data_type: TYPE_FP32
      format: FORMAT_NCHW
      dims: [ 3, 224, 224 ]
    }] output
    [ {
      name: "y"
      data_type: TYPE_FP32
      dims: [ 1000 ]
      label_filename: "labels.txt"
    }] instance_group
    [ { count: 2 kind: KIND_CPU }]
    dynamic_batching {
      preferred_batch_size: [ 4, 8 ]
      max_queue_delay_microseconds: 100
      priority_levels: 2
      default_priority_level: 1
      default_queue_policy {
        timeout_action: DELAY
        default_timeout_microseconds: 5000
        allow_timeout_override: true
        max_queue_size: 16
      }
    }
    version_policy: { specific: { versions: [ 1, 3 ] } }
    parameters {
      key: "threads"
      value: { string_value: "4" }
    }
    response_cache { enable: true }
    optimization {
      execution_accelerators {
        gpu_execution_accelerator:
        [ {
          name: "tensorrt"
          parameters { key: "precision_mode" value: "FP16" }
        }]
      }
    }
    default_model_filename: "resnet.onnx"
  )pb";
  auto parsed = ParseModelConfig(text, "resnet/config.pbtxt");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_TRUE(parsed->warnings.empty()) << parsed->warnings[0];
  const inference::ModelConfig& c = parsed->config;
  EXPECT_EQ(c.name(), "resnet");
  EXPECT_EQ(c.max_batch_size(), 8);
  ASSERT_EQ(c.input_size(), 1);
  EXPECT_EQ(c.input(0).data_type(), inference::TYPE_FP32);
  EXPECT_EQ(c.input(0).format(), inference::ModelInput::FORMAT_NCHW);
  EXPECT_EQ(std::vector<int64_t>(c.input(0).dims().begin(), c.input(0).dims().end()),
            (std::vector<int64_t>{3, 224, 224}));
  EXPECT_EQ(c.output(0).label_filename(), "labels.txt");
  EXPECT_EQ(c.instance_group(0).count(), 2);
  EXPECT_EQ(c.instance_group(0).kind(), inference::ModelInstanceGroup::KIND_CPU);
  EXPECT_EQ(c.dynamic_batching().preferred_batch_size_size(), 2);
  EXPECT_EQ(c.dynamic_batching().max_queue_delay_microseconds(), 100u);
  EXPECT_EQ(c.dynamic_batching().default_queue_policy().timeout_action(), inference::ModelQueuePolicy::DELAY);
  EXPECT_EQ(c.dynamic_batching().default_queue_policy().max_queue_size(), 16u);
  ASSERT_TRUE(c.version_policy().has_specific());
  EXPECT_EQ(c.version_policy().specific().versions_size(), 2);
  EXPECT_EQ(c.parameters().at("threads").string_value(), "4");
  EXPECT_TRUE(c.response_cache().enable());
  EXPECT_EQ(c.default_model_filename(), "resnet.onnx");
}

TEST(ModelConfigTest, UnknownFieldsAreWarningsNamingTheField) {
  const char* text =
      "name: \"m\"\n"
      "sequence_batching { max_sequence_idle_microseconds: 5000 control_input [ { name: \"START\" } ] }\n"
      "input [ { name: \"x\" data_type: TYPE_FP32 dims: [ 3 ] is_non_linear_format_io: false } ]\n"
      "model_transaction_policy { decoupled: false }\n"
      "ensemble_scheduling { step [ { model_name: \"a\" } ] }\n";
  auto parsed = ParseModelConfig(text, "m/config.pbtxt");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->config.name(), "m");
  EXPECT_EQ(parsed->config.input(0).name(), "x");  // parsing went on after the unknown field
  ASSERT_EQ(parsed->warnings.size(), 3u);
  EXPECT_EQ(parsed->warnings[0],
            "m/config.pbtxt:2: unknown field 'sequence_batching' in inference.ModelConfig (ignored)");
  EXPECT_NE(parsed->warnings[1].find("m/config.pbtxt:3: "), std::string::npos) << parsed->warnings[1];
  EXPECT_NE(parsed->warnings[1].find("unknown field 'is_non_linear_format_io' in inference.ModelInput"),
            std::string::npos)
      << parsed->warnings[1];
  EXPECT_NE(parsed->warnings[2].find("'ensemble_scheduling'"), std::string::npos) << parsed->warnings[2];
}

TEST(ModelConfigTest, ListsOfMessagesWithoutColonParseAndSkip) {
  // Triton's own examples write lists of messages without a colon, in known and unknown fields alike.
  const char* text =
      "input[ { name: \"x\" dims: [ 3 ] } ]\n"
      "output\n[ { name: \"y\" } ]\n"
      "sequence_batching { control_input [ { name: \"START\" control [ { kind: CONTROL_SEQUENCE_START } ] } ] }\n"
      "ensemble_scheduling { step [ { model_name: \"a\" input_map { key: \"k\" value: \"[v]\" } } ] }\n"
      "instance_group: [ { kind: KIND_CPU } ]  # a comment with input [ in it\n"
      "parameters { key: \"s\" value { string_value: \"a [ b\" } }\n";
  auto parsed = ParseModelConfig(text, "c");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->config.input(0).name(), "x");
  EXPECT_EQ(parsed->config.output(0).name(), "y");
  EXPECT_EQ(parsed->config.instance_group_size(), 1);
  EXPECT_EQ(parsed->config.parameters().at("s").string_value(), "a [ b");
  ASSERT_EQ(parsed->warnings.size(), 2u);
  EXPECT_EQ(parsed->warnings[0], "c:4: unknown field 'sequence_batching' in inference.ModelConfig (ignored)");
  EXPECT_EQ(parsed->warnings[1], "c:5: unknown field 'ensemble_scheduling' in inference.ModelConfig (ignored)");
}

TEST(ModelConfigTest, SyntaxAndTypeErrorsAreFatalWithLocation) {
  auto bad_value = ParseModelConfig("name: \"m\"\nmax_batch_size: \"eight\"\n", "m/config.pbtxt");
  ASSERT_FALSE(bad_value.ok());
  EXPECT_EQ(bad_value.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad_value.status().message().rfind("m/config.pbtxt:2:", 0), 0u) << bad_value.status().message();

  auto bad_enum = ParseModelConfig("input [ { name: \"x\" data_type: TYPE_FLOAT } ]", "c.pbtxt");
  ASSERT_FALSE(bad_enum.ok());
  EXPECT_NE(bad_enum.status().message().find("TYPE_FLOAT"), std::string::npos) << bad_enum.status().message();

  auto unbalanced = ParseModelConfig("input [ { name: \"x\" ", "c.pbtxt");
  EXPECT_FALSE(unbalanced.ok());
  auto garbage = ParseModelConfig(std::string("\xff\xfe\x00\x01", 4), "c.pbtxt");
  EXPECT_FALSE(garbage.ok());
  auto empty = ParseModelConfig("", "c.pbtxt");
  EXPECT_TRUE(empty.ok());
}

TEST(ModelConfigTest, DataTypesMapBothWays) {
  for (int t = inference::TYPE_BOOL; t <= inference::TYPE_BF16; ++t) {
    auto type = static_cast<inference::DataType>(t);
    DataType ours = FromConfigDataType(type);
    EXPECT_NE(ours, DataType::kUndefined) << ConfigDataTypeName(type);
    EXPECT_EQ(ToConfigDataType(ours), type);
  }
  EXPECT_EQ(FromConfigDataType(inference::TYPE_STRING), DataType::kString);
  EXPECT_EQ(FromConfigDataType(inference::TYPE_INVALID), DataType::kUndefined);
  EXPECT_EQ(ToConfigDataType(DataType::kComplex64), inference::TYPE_INVALID);
  EXPECT_EQ(ConfigDataTypeName(inference::TYPE_FP32), "TYPE_FP32");
}

TEST(ModelConfigTest, JsonUsesTritonsForm) {
  auto parsed = ParseModelConfig(
      "name: \"m\" max_batch_size: 4 input [ { name: \"x\" data_type: TYPE_FP32 dims: [ -1, 3 ] } ]"
      " dynamic_batching { max_queue_delay_microseconds: 100 priority_queue_policy { key: 1 value { max_queue_size: 2 "
      "} } }",
      "c");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  auto json = ModelConfigToJson(parsed->config);
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  nlohmann::json j = nlohmann::json::parse(*json);
  EXPECT_EQ(j["name"], "m");
  EXPECT_EQ(j["max_batch_size"], 4);
  EXPECT_EQ(j["platform"], "");  // primitives are printed even when unset, as Triton does
  EXPECT_EQ(j["input"][0]["data_type"], "TYPE_FP32");
  EXPECT_EQ(j["input"][0]["dims"], nlohmann::json::array({-1, 3}));  // numbers, not "-1"
  EXPECT_EQ(j["dynamic_batching"]["max_queue_delay_microseconds"], 100);
  EXPECT_EQ(j["dynamic_batching"]["priority_queue_policy"]["1"]["max_queue_size"], 2);
  EXPECT_TRUE(j["dynamic_batching"]["default_queue_policy"].is_null() ||
              j["dynamic_batching"]["default_queue_policy"].is_object());
}

}  // namespace
}  // namespace berth
