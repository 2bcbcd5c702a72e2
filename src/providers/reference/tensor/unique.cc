// Unique (opset 11): the distinct elements (no axis: of the flattened input) or distinct slices
// along `axis`, sorted ascending (sorted=1, slices compared lexicographically) or in order of first
// occurrence. Outputs: Y, indices (first occurrence of each), inverse_indices (for each input
// slice, its position in Y), counts. NaNs compare equal to each other and after every number.

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/shape_util.h"
#include "providers/reference/tensor/tensor_kernels.h"
#include "providers/reference/tensor/tensor_util.h"

namespace berth {
namespace {

// Total order on element values: NaN after everything, equal to NaN.
template <typename T>
int CompareValues(const T& a, const T& b) {
  if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, bool> ||
                std::is_integral_v<T>) {
    return a < b ? -1 : (b < a ? 1 : 0);
  } else {
    const auto x = static_cast<ComputeT<T>>(a), y = static_cast<ComputeT<T>>(b);
    const bool nx = std::isnan(x), ny = std::isnan(y);
    if (nx || ny) return nx == ny ? 0 : (nx ? 1 : -1);
    return x < y ? -1 : (y < x ? 1 : 0);
  }
}

// Groups of equal slices: slice j of `n` (slices are `outer` x `inner` elements, `dim` slices per
// outer block) is data[(o * dim + j) * inner + i].
template <typename T>
void FindUnique(const T* data, int64_t n, int64_t outer, int64_t inner, bool sorted,
                std::vector<int64_t>& first, std::vector<int64_t>& inverse,
                std::vector<int64_t>& counts) {
  auto compare = [&](int64_t a, int64_t b) {
    for (int64_t o = 0; o < outer; ++o) {
      const T* pa = data + (o * n + a) * inner;
      const T* pb = data + (o * n + b) * inner;
      for (int64_t i = 0; i < inner; ++i) {
        int c = CompareValues(pa[i], pb[i]);
        if (c != 0) return c;
      }
    }
    return 0;
  };
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return compare(a, b) < 0; });
  // group[j]: the sorted group of slice j.
  std::vector<int64_t> group(static_cast<size_t>(n));
  std::vector<int64_t> group_first, group_count;
  for (size_t k = 0; k < order.size(); ++k) {
    if (k == 0 || compare(order[k - 1], order[k]) != 0) {
      group_first.push_back(order[k]);  // stable sort: the earliest slice comes first
      group_count.push_back(0);
    }
    group[static_cast<size_t>(order[k])] = static_cast<int64_t>(group_first.size()) - 1;
    ++group_count.back();
  }
  const size_t u = group_first.size();
  std::vector<int64_t> rank(u);  // output position of each group
  std::iota(rank.begin(), rank.end(), 0);
  if (!sorted) {
    std::vector<int64_t> by_first(u);
    std::iota(by_first.begin(), by_first.end(), 0);
    std::sort(by_first.begin(), by_first.end(), [&](int64_t a, int64_t b) {
      return group_first[static_cast<size_t>(a)] < group_first[static_cast<size_t>(b)];
    });
    for (size_t p = 0; p < u; ++p) rank[static_cast<size_t>(by_first[p])] = static_cast<int64_t>(p);
  }
  first.assign(u, 0);
  counts.assign(u, 0);
  for (size_t g = 0; g < u; ++g) {
    first[static_cast<size_t>(rank[g])] = group_first[g];
    counts[static_cast<size_t>(rank[g])] = group_count[g];
  }
  inverse.resize(static_cast<size_t>(n));
  for (int64_t j = 0; j < n; ++j)
    inverse[static_cast<size_t>(j)] = rank[static_cast<size_t>(group[static_cast<size_t>(j)])];
}

class UniqueKernel : public OpKernel {
 public:
  UniqueKernel(bool sorted, bool has_axis, int64_t axis)
      : sorted_(sorted), has_axis_(has_axis), axis_(axis) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string& where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    Shape shape = {x->numel()};
    int axis = 0;
    if (has_axis_) {
      if (x->rank() == 0) return InvalidArgument(where + ": axis given for a scalar input");
      ASSIGN_OR_RETURN(axis, NormalizeAxis(axis_, x->rank(), where));
      shape = x->shape();
    }
    const int rank = static_cast<int>(shape.size());
    const int64_t n = shape[static_cast<size_t>(axis)];
    const int64_t outer = tensor_ops::ShapeProduct(shape, 0, axis);
    const int64_t inner = tensor_ops::ShapeProduct(shape, axis + 1, rank);
    std::vector<int64_t> first, inverse, counts;
    RETURN_IF_ERROR(VisitType(
        x->dtype(), kAllTypes,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          FindUnique<T>(x->data<T>(), n, outer, inner, sorted_, first, inverse, counts);
          return Status::Ok();
        },
        where));
    const int64_t u = static_cast<int64_t>(first.size());
    Shape y_shape = shape;
    y_shape[static_cast<size_t>(axis)] = u;
    Tensor* y = ctx.AllocateOutput(0, x->dtype(), y_shape);
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t k = 0; k < u; ++k) {
        tensor_ops::CopyElements(*x, (o * n + first[static_cast<size_t>(k)]) * inner, *y,
                                 (o * u + k) * inner, inner);
      }
    }
    auto emit = [&](int i, const std::vector<int64_t>& v) {
      if (!ctx.output_wanted(i)) return;
      Tensor* t = ctx.AllocateOutput(i, DataType::kInt64, {static_cast<int64_t>(v.size())});
      std::copy(v.begin(), v.end(), t->data<int64_t>());
    };
    emit(1, first);
    emit(2, inverse);
    emit(3, counts);
    return Status::Ok();
  }

 private:
  bool sorted_;
  bool has_axis_;
  int64_t axis_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateUnique(const KernelInfo& info) {
  return MakeKernel<UniqueKernel>(info.GetInt("sorted", 1) != 0, info.HasAttribute("axis"),
                                  info.GetInt("axis", 0));
}

}  // namespace berth
