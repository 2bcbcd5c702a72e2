#include "server/kserve_types.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

TEST(KServeTypesTest, EveryNameMapsBothWays) {
  const std::pair<const char*, DataType> expected[] = {
      {"BOOL", DataType::kBool},     {"UINT8", DataType::kUint8},   {"UINT16", DataType::kUint16},
      {"UINT32", DataType::kUint32}, {"UINT64", DataType::kUint64}, {"INT8", DataType::kInt8},
      {"INT16", DataType::kInt16},   {"INT32", DataType::kInt32},   {"INT64", DataType::kInt64},
      {"FP16", DataType::kFloat16},  {"FP32", DataType::kFloat32},  {"FP64", DataType::kFloat64},
      {"BYTES", DataType::kString},  {"BF16", DataType::kBFloat16},
  };
  for (const auto& [name, type] : expected) {
    EXPECT_EQ(DataTypeToKServe(type), name);
    auto parsed = DataTypeFromKServe(name);
    ASSERT_TRUE(parsed.has_value()) << name;
    EXPECT_EQ(*parsed, type);
  }
}

TEST(KServeTypesTest, UnknownNamesAndTypes) {
  EXPECT_FALSE(DataTypeFromKServe("fp32").has_value());  // case-sensitive, as the spec
  EXPECT_FALSE(DataTypeFromKServe("FLOAT32").has_value());
  EXPECT_FALSE(DataTypeFromKServe("").has_value());
  EXPECT_EQ(DataTypeToKServe(DataType::kComplex64), "");
  EXPECT_EQ(DataTypeToKServe(DataType::kUndefined), "");
}

}  // namespace
}  // namespace berth
