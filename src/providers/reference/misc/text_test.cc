// Unit tests of the text kernels: StringNormalizer and TfIdfVectorizer.

#include <gtest/gtest.h>

#include "engine/testing/op_tester.h"

namespace berth {
namespace {

using testing::ExpectTensorEq;
using testing::FloatsAttr;
using testing::IntAttr;
using testing::IntsAttr;
using testing::OpTest;
using testing::RunOp;
using testing::RunOpOutput;
using testing::StringAttr;
using testing::StringsAttr;

Tensor Strings(Shape shape, std::vector<std::string> v) {
  return Tensor::FromVector<std::string>(shape, v);
}

TEST(StringNormalizerTest, CaseSensitiveStopwordsAndLower) {
  OpTest t = OpTest("StringNormalizer");
  t.attributes["case_change_action"] = StringAttr("LOWER");
  t.attributes["is_case_sensitive"] = IntAttr(1);
  t.attributes["stopwords"] = StringsAttr({"monday"});
  t.inputs = {Strings({4}, {"monday", "tuesday", "wednesday", "Monday"})};
  ExpectTensorEq(RunOpOutput(t), Strings({3}, {"tuesday", "wednesday", "monday"}));
}

TEST(StringNormalizerTest, CaseInsensitiveUpperTwoDim) {
  OpTest t = OpTest("StringNormalizer");
  t.attributes["case_change_action"] = StringAttr("UPPER");
  t.attributes["stopwords"] = StringsAttr({"monday"});
  t.inputs = {Strings({1, 3}, {"Monday", "tuesday", "MONDAY"})};
  ExpectTensorEq(RunOpOutput(t), Strings({1, 1}, {"TUESDAY"}));
}

TEST(StringNormalizerTest, AllDroppedGivesOneEmptyString) {
  OpTest t = OpTest("StringNormalizer");
  t.attributes["stopwords"] = StringsAttr({"a"});
  t.inputs = {Strings({2}, {"a", "a"})};
  ExpectTensorEq(RunOpOutput(t), Strings({1}, {""}));
  t.inputs = {Strings({1, 1}, {"a"})};
  ExpectTensorEq(RunOpOutput(t), Strings({1, 1}, {""}));
}

TEST(StringNormalizerTest, Utf8CaseMapping) {
  OpTest t = OpTest("StringNormalizer");
  t.attributes["case_change_action"] = StringAttr("UPPER");
  t.inputs = {Strings({3}, {"\xC3\xA4rger",
                            "stra\xC3\x9F"
                            "e",
                            "\xD0\xBC\xD0\xB8\xD1\x80"})};  // ärger, straße, мир
  ExpectTensorEq(RunOpOutput(t), Strings({3}, {"\xC3\x84RGER",
                                               "STRA\xC3\x9F"
                                               "E",
                                               "\xD0\x9C\xD0\x98\xD0\xA0"}));
  t.attributes["case_change_action"] = StringAttr("LOWER");
  t.inputs = {Strings({1}, {"\xC3\x84Rger\xFF"})};  // invalid trailing byte passes through
  ExpectTensorEq(RunOpOutput(t), Strings({1}, {"\xC3\xA4rger\xFF"}));
}

TEST(StringNormalizerTest, BadShapeIsAnError) {
  OpTest t = OpTest("StringNormalizer");
  t.inputs = {Strings({2, 2}, {"a", "b", "c", "d"})};
  EXPECT_FALSE(RunOp(t).ok());
}

OpTest TfIdfTest(const std::string& mode, int64_t min_gram, int64_t max_gram, int64_t max_skip) {
  OpTest t = OpTest("TfIdfVectorizer");
  t.opset = 9;
  t.attributes["mode"] = StringAttr(mode);
  t.attributes["min_gram_length"] = IntAttr(min_gram);
  t.attributes["max_gram_length"] = IntAttr(max_gram);
  t.attributes["max_skip_count"] = IntAttr(max_skip);
  // 1-grams: 2, 3, 5, 4; 2-grams: (5, 6), (7, 8), (6, 7).
  t.attributes["ngram_counts"] = IntsAttr({0, 4});
  t.attributes["ngram_indexes"] = IntsAttr({0, 1, 2, 3, 4, 5, 6});
  t.attributes["pool_int64s"] = IntsAttr({2, 3, 5, 4, 5, 6, 7, 8, 6, 7});
  return t;
}

TEST(TfIdfVectorizerTest, BigramsWithoutSkips) {
  OpTest t = TfIdfTest("TF", 2, 2, 0);
  t.inputs = {Tensor::FromVector<int32_t>({12}, {1, 1, 3, 3, 3, 7, 8, 6, 7, 5, 6, 8})};
  // (7, 8), (6, 7), (5, 6) occur once each.
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<float>({7}, {0, 0, 0, 0, 1, 1, 1}));
}

TEST(TfIdfVectorizerTest, UniAndBigramsWithSkipsBatched) {
  OpTest t = TfIdfTest("TF", 1, 2, 5);
  t.inputs = {Tensor::FromVector<int64_t>({2, 6}, {1, 1, 3, 3, 3, 7, 8, 6, 7, 5, 6, 8})};
  // Row 0: unigram 3 three times. Row 1: unigram 5 once; (7, 8) skip 2, (5, 6) skip 0, (6, 7) skip
  // 0.
  ExpectTensorEq(RunOpOutput(t),
                 Tensor::FromVector<float>({2, 7}, {0, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 1}));
}

TEST(TfIdfVectorizerTest, IdfAndTfIdfWithStringPool) {
  OpTest t = OpTest("TfIdfVectorizer");
  t.attributes["min_gram_length"] = IntAttr(1);
  t.attributes["max_gram_length"] = IntAttr(1);
  t.attributes["max_skip_count"] = IntAttr(0);
  t.attributes["ngram_counts"] = IntsAttr({0});
  t.attributes["ngram_indexes"] = IntsAttr({1, 0});
  t.attributes["pool_strings"] = StringsAttr({"a", "b"});
  t.attributes["weights"] = FloatsAttr({0.5f, 2.0f});
  t.inputs = {Strings({4}, {"a", "a", "b", "z"})};
  t.attributes["mode"] = StringAttr("TFIDF");
  ExpectTensorEq(RunOpOutput(t),
                 Tensor::FromVector<float>({2}, {2.0f, 1.0f}));  // b: 1*2 at 0, a: 2*0.5 at 1
  t.attributes["mode"] = StringAttr("IDF");
  ExpectTensorEq(RunOpOutput(t), Tensor::FromVector<float>({2}, {2.0f, 0.5f}));
}

TEST(TfIdfVectorizerTest, WrongInputTypeAndBadPool) {
  OpTest t = TfIdfTest("TF", 1, 2, 0);
  t.inputs = {Strings({1}, {"a"})};
  EXPECT_FALSE(RunOp(t).ok());
  OpTest bad = TfIdfTest("TF", 1, 2, 0);
  bad.attributes["ngram_counts"] = IntsAttr({0, 5});  // 5 items of 2-grams do not divide
  bad.inputs = {Tensor::FromVector<int32_t>({1}, {1})};
  EXPECT_FALSE(RunOp(bad).ok());
}

}  // namespace
}  // namespace berth
