// Combining requests along dimension 0 and splitting outputs back.
#include "scheduler/batching.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

Tensor Rows(int64_t rows, int64_t cols, float first) {
  std::vector<float> values;
  for (int64_t i = 0; i < rows * cols; ++i) values.push_back(first + static_cast<float>(i));
  return Tensor::FromVector<float>({rows, cols}, values);
}

TEST(BatchKey, AgreesOnlyWhenEverythingButDimZeroAgrees) {
  int64_t rows = 0;
  NamedValues a = {{"x", Value(Rows(2, 3, 0))}};
  NamedValues b = {{"x", Value(Rows(5, 3, 0))}};
  NamedValues c = {{"x", Value(Rows(2, 4, 0))}};
  NamedValues d = {{"y", Value(Rows(2, 3, 0))}};
  std::string key_a = BatchKey(a, &rows);
  EXPECT_EQ(rows, 2);
  EXPECT_EQ(key_a, BatchKey(b, &rows));
  EXPECT_EQ(rows, 5);
  EXPECT_NE(key_a, BatchKey(c, &rows));
  EXPECT_NE(key_a, BatchKey(d, &rows));
  NamedValues scalar = {{"x", Value(Tensor::Scalar<float>(1))}};
  EXPECT_EQ(BatchKey(scalar, &rows), "");
  NamedValues disagree = {{"x", Value(Rows(2, 3, 0))}, {"z", Value(Rows(3, 3, 0))}};
  EXPECT_EQ(BatchKey(disagree, &rows), "");
}

TEST(Batching, ConcatenatesAndSplitsBackExactly) {
  NamedValues a = {{"x", Value(Rows(1, 3, 0))}};
  NamedValues b = {{"x", Value(Rows(3, 3, 100))}};
  NamedValues c = {{"x", Value(Rows(2, 3, 200))}};
  auto combined = ConcatenateBatch({&a, &b, &c});
  ASSERT_TRUE(combined.ok()) << combined.status().ToString();
  const Tensor& x = (*combined)[0].second.tensor();
  EXPECT_EQ(x.shape(), (Shape{6, 3}));
  EXPECT_EQ(x.data<float>()[3], 100.0f);
  EXPECT_EQ(x.data<float>()[12], 200.0f);

  auto parts = SplitBatch("y", (*combined)[0].second, {1, 3, 2});
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_TRUE((*parts)[0].tensor().IdenticalTo(a[0].second.tensor()));
  EXPECT_TRUE((*parts)[1].tensor().IdenticalTo(b[0].second.tensor()));
  EXPECT_TRUE((*parts)[2].tensor().IdenticalTo(c[0].second.tensor()));
}

TEST(Batching, ConcatenatesStrings) {
  NamedValues a = {{"s", Value(Tensor::FromVector<std::string>({1}, {"alpha"}))}};
  NamedValues b = {{"s", Value(Tensor::FromVector<std::string>({2}, {"beta", "gamma"}))}};
  auto combined = ConcatenateBatch({&a, &b});
  ASSERT_TRUE(combined.ok());
  const Tensor& s = (*combined)[0].second.tensor();
  ASSERT_EQ(s.numel(), 3);
  EXPECT_EQ(s.data<std::string>()[2], "gamma");
  auto parts = SplitBatch("s", (*combined)[0].second, {1, 2});
  ASSERT_TRUE(parts.ok());
  EXPECT_TRUE((*parts)[1].tensor().IdenticalTo(b[0].second.tensor()));
}

TEST(Batching, MismatchesAreErrorsNamingTheTensor) {
  NamedValues a = {{"x", Value(Rows(1, 3, 0))}};
  NamedValues b = {{"x", Value(Rows(1, 4, 0))}};
  auto combined = ConcatenateBatch({&a, &b});
  ASSERT_FALSE(combined.ok());
  EXPECT_NE(combined.status().message().find("input 'x'"), std::string::npos);

  auto parts = SplitBatch("y", Value(Rows(4, 2, 0)), {1, 2});
  ASSERT_FALSE(parts.ok());
  EXPECT_NE(parts.status().message().find("output 'y'"), std::string::npos) << parts.status().message();
}

}  // namespace
}  // namespace berth
