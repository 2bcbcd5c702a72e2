// TfIdfVectorizer (opset 9+): counts the n-grams of a pool (pool_int64s or pool_strings) that occur
// in each row of a [C] or [N, C] input. An n-gram of length n with skip s takes items i, i+(s+1),
// ..., i+(n-1)(s+1); every skip in [0, max_skip_count] is tried for n >= 2 (unigrams are counted
// once). Only lengths in [min_gram_length, max_gram_length] count. Output element ngram_indexes[j]
// holds pool n-gram j's value: its count (TF), weights[j] if it occurred (IDF), or count *
// weights[j] (TFIDF). Output shape: [max(ngram_indexes)+1] or [N, max+1].
//
// The pool is stored as a trie of item ids so each row is scanned without allocations.

#include <algorithm>
#include <unordered_map>

#include "engine/dispatch.h"
#include "providers/reference/misc/misc_kernels.h"

namespace berth {
namespace {

enum class TfIdfMode { kTf, kIdf, kTfIdf };

struct TrieNode {
  std::unordered_map<int64_t, int32_t> children;  // item id -> node index
  int32_t pool_id = -1;                           // the pool n-gram ending here, if any
};

struct TfIdfConfig {
  int64_t min_gram = 1;
  int64_t max_gram = 1;
  int64_t max_skip = 0;
  TfIdfMode mode = TfIdfMode::kTf;
  bool strings = false;
  std::unordered_map<std::string, int64_t> vocabulary;  // string pool item -> id (strings only)
  std::vector<TrieNode> trie;                           // trie[0] is the root
  std::vector<int64_t> output_index;                    // per pool n-gram
  std::vector<float> weights;                           // per pool n-gram
  int64_t output_size = 0;
};

class TfIdfVectorizerKernel : public OpKernel {
 public:
  explicit TfIdfVectorizerKernel(TfIdfConfig config) : c_(std::move(config)) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    if (x->rank() != 1 && x->rank() != 2) {
      return InvalidArgument(where + ": input must have shape [C] or [N, C], got " +
                             ShapeToString(x->shape()));
    }
    const bool is_string = x->dtype() == DataType::kString;
    const bool is_int = x->dtype() == DataType::kInt32 || x->dtype() == DataType::kInt64;
    if ((c_.strings && !is_string) || (!c_.strings && !is_int)) {
      return InvalidArgument(
          where + ": input type " + std::string(DataTypeName(x->dtype())) + " does not match " +
          (c_.strings ? "pool_strings (needs string)" : "pool_int64s (needs int32/int64)"));
    }
    const int64_t rows = x->rank() == 2 ? x->dim(0) : 1;
    const int64_t cols = x->rank() == 2 ? x->dim(1) : x->dim(0);
    Shape out_shape = x->rank() == 2 ? Shape{rows, c_.output_size} : Shape{c_.output_size};
    Tensor* y = ctx.AllocateOutput(0, DataType::kFloat32, out_shape);
    float* out = y->data<float>();

    // Item ids of the whole input (strings not in the pool get an id no trie edge has).
    std::vector<int64_t> ids(static_cast<size_t>(x->numel()));
    if (is_string) {
      const std::string* s = x->data<std::string>();
      for (size_t i = 0; i < ids.size(); ++i) {
        auto it = c_.vocabulary.find(s[i]);
        ids[i] = it == c_.vocabulary.end() ? -1 : it->second;
      }
    } else if (x->dtype() == DataType::kInt32) {
      std::copy(x->data<int32_t>(), x->data<int32_t>() + x->numel(), ids.begin());
    } else {
      std::copy(x->data<int64_t>(), x->data<int64_t>() + x->numel(), ids.begin());
    }

    std::vector<int64_t> counts(c_.output_index.size());
    for (int64_t r = 0; r < rows; ++r) {
      std::fill(counts.begin(), counts.end(), 0);
      CountRow(&ids[static_cast<size_t>(r * cols)], cols, counts);
      float* o = out + r * c_.output_size;
      for (size_t j = 0; j < counts.size(); ++j) {
        if (counts[j] == 0) continue;
        const float w = c_.weights[j];
        const float v = c_.mode == TfIdfMode::kTf    ? static_cast<float>(counts[j])
                        : c_.mode == TfIdfMode::kIdf ? w
                                                     : static_cast<float>(counts[j]) * w;
        o[c_.output_index[j]] += v;
      }
    }
    return Status::Ok();
  }

 private:
  void CountRow(const int64_t* items, int64_t n, std::vector<int64_t>& counts) const {
    for (int64_t skip = 0; skip <= c_.max_skip; ++skip) {
      const int64_t dist = skip + 1;
      if (skip > 0 && (c_.max_gram < 2 || dist >= n)) break;  // longer skips cannot form a 2-gram
      for (int64_t start = 0; start < n; ++start) {
        int32_t node = 0;
        for (int64_t len = 1; len <= c_.max_gram; ++len) {
          const int64_t pos = start + (len - 1) * dist;
          if (pos >= n) break;
          const auto& children = c_.trie[static_cast<size_t>(node)].children;
          auto it = children.find(items[pos]);
          if (it == children.end()) break;
          node = it->second;
          const int32_t id = c_.trie[static_cast<size_t>(node)].pool_id;
          if (id >= 0 && len >= c_.min_gram && (len >= 2 || skip == 0))
            ++counts[static_cast<size_t>(id)];
        }
      }
    }
  }

  TfIdfConfig c_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateTfIdfVectorizer(const KernelInfo& info) {
  const std::string where = info.NodeLabel();
  TfIdfConfig c;
  c.min_gram = info.GetInt("min_gram_length", 0);
  c.max_gram = info.GetInt("max_gram_length", 0);
  c.max_skip = info.GetInt("max_skip_count", 0);
  if (c.min_gram < 1 || c.max_gram < c.min_gram) {
    return InvalidArgument(where + ": need 1 <= min_gram_length <= max_gram_length (got " +
                           std::to_string(c.min_gram) + ", " + std::to_string(c.max_gram) + ")");
  }
  if (c.max_skip < 0) return InvalidArgument(where + ": max_skip_count must be >= 0");
  const std::string mode = info.GetString("mode", "");
  if (mode == "TF") {
    c.mode = TfIdfMode::kTf;
  } else if (mode == "IDF") {
    c.mode = TfIdfMode::kIdf;
  } else if (mode == "TFIDF") {
    c.mode = TfIdfMode::kTfIdf;
  } else {
    return InvalidArgument(where + ": mode must be TF, IDF or TFIDF, got '" + mode + "'");
  }
  const bool has_ints = info.HasAttribute("pool_int64s");
  const bool has_strings = info.HasAttribute("pool_strings");
  if (has_ints == has_strings) {
    return InvalidArgument(where + ": exactly one of pool_int64s and pool_strings must be given");
  }
  c.strings = has_strings;
  // Pool items as ids.
  std::vector<int64_t> pool;
  if (c.strings) {
    for (const std::string& s : info.GetStrings("pool_strings")) {
      auto [it, inserted] = c.vocabulary.emplace(s, static_cast<int64_t>(c.vocabulary.size()));
      pool.push_back(it->second);
    }
  } else {
    pool = info.GetInts("pool_int64s");
  }
  const std::vector<int64_t> starts = info.GetInts("ngram_counts");
  c.output_index = info.GetInts("ngram_indexes");
  const int64_t pool_size = static_cast<int64_t>(pool.size());
  // Walk the pool: the items from starts[i] up to the next start are (i+1)-grams.
  c.trie.emplace_back();
  int32_t pool_id = 0;
  for (size_t i = 0; i < starts.size(); ++i) {
    const int64_t gram = static_cast<int64_t>(i) + 1;
    const int64_t begin = starts[i];
    const int64_t end = i + 1 < starts.size() ? starts[i + 1] : pool_size;
    if (begin < 0 || end < begin || end > pool_size || (end - begin) % gram != 0) {
      return InvalidArgument(where + ": ngram_counts entry " + std::to_string(i) + " (" +
                             std::to_string(begin) + ") does not split the pool of " +
                             std::to_string(pool_size) + " items into " + std::to_string(gram) +
                             "-grams");
    }
    for (int64_t g = begin; g < end; g += gram, ++pool_id) {
      int32_t node = 0;
      for (int64_t k = 0; k < gram; ++k) {
        const int64_t item = pool[static_cast<size_t>(g + k)];
        auto it = c.trie[static_cast<size_t>(node)].children.find(item);
        if (it == c.trie[static_cast<size_t>(node)].children.end()) {
          const int32_t next = static_cast<int32_t>(c.trie.size());
          c.trie[static_cast<size_t>(node)].children.emplace(item, next);
          c.trie.emplace_back();
          node = next;
        } else {
          node = it->second;
        }
      }
      c.trie[static_cast<size_t>(node)].pool_id = pool_id;
    }
  }
  if (static_cast<int64_t>(c.output_index.size()) != pool_id) {
    return InvalidArgument(where + ": ngram_indexes has " + std::to_string(c.output_index.size()) +
                           " entries but the pool holds " + std::to_string(pool_id) + " n-grams");
  }
  for (int64_t idx : c.output_index) {
    if (idx < 0 || idx >= (int64_t{1} << 31)) {
      return InvalidArgument(where + ": ngram_indexes entry " + std::to_string(idx) +
                             " is out of range");
    }
    c.output_size = std::max(c.output_size, idx + 1);
  }
  c.weights = info.GetFloats("weights");
  if (c.weights.empty()) {
    c.weights.assign(c.output_index.size(), 1.0f);
  } else if (c.weights.size() != c.output_index.size()) {
    return InvalidArgument(where + ": weights has " + std::to_string(c.weights.size()) +
                           " entries, expected " + std::to_string(c.output_index.size()));
  }
  return MakeKernel<TfIdfVectorizerKernel>(std::move(c));
}

}  // namespace berth
