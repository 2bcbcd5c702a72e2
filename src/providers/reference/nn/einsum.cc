// Einsum (opset 12+): Einstein summation over any number of operands, numpy semantics: repeated
// labels within an operand take diagonals, "..." stands for broadcast leading dimensions, labels
// missing from the output are summed, and without "->" the output is the ellipsis dimensions
// followed by the labels used exactly once, in alphabetical (ASCII) order.
//
// Evaluated directly as nested index loops: for every output element, a sum over the contracted
// index space of the product of the operands. Simple and exact; not a fast path for big products.

#include <algorithm>
#include <initializer_list>
#include <map>
#include <vector>

#include "engine/dispatch.h"
#include "providers/reference/nn/gemm_f32.h"
#include "providers/reference/nn/nn_kernels.h"
#include "providers/reference/nn/nn_util.h"

namespace berth::nn {
namespace {

struct Term {
  std::vector<char> labels;  // letters in order, without the ellipsis
  int ellipsis_at = -1;      // index in `labels` where "..." sits, -1 if absent
};

StatusOr<Term> ParseTerm(const std::string& s, const std::string& where) {
  Term t;
  for (size_t i = 0; i < s.size(); ++i) {
    const char ch = s[i];
    if (ch == '.') {
      if (t.ellipsis_at >= 0 || s.compare(i, 3, "...") != 0) {
        return InvalidArgument(where + ": malformed ellipsis in einsum term '" + s + "'");
      }
      t.ellipsis_at = static_cast<int>(t.labels.size());
      i += 2;
    } else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')) {
      t.labels.push_back(ch);
    } else {
      return InvalidArgument(where + ": invalid character '" + std::string(1, ch) +
                             "' in einsum equation");
    }
  }
  return t;
}

// Copies the elements of `src` seen through `dims` ((size, stride) pairs, outermost first) into
// the contiguous `dst`, converting each element to D.
template <typename S, typename D>
void GatherStrided(const S* src, const std::vector<std::pair<int64_t, int64_t>>& dims, D* dst) {
  if (dims.empty()) {
    dst[0] = static_cast<D>(static_cast<ComputeT<S>>(src[0]));
    return;
  }
  const size_t r = dims.size();
  const auto [inner, step] = dims[r - 1];
  int64_t outer = 1;
  for (size_t d = 0; d + 1 < r; ++d) outer *= dims[d].first;
  std::vector<int64_t> idx(r, 0);
  int64_t off = 0;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i)
      *dst++ = static_cast<D>(static_cast<ComputeT<S>>(src[off + i * step]));
    for (size_t d = r - 1; d-- > 0;) {
      off += dims[d].second;
      if (++idx[d] < dims[d].first) break;
      off -= dims[d].second * idx[d];
      idx[d] = 0;
    }
  }
}

class EinsumKernel : public OpKernel {
 public:
  EinsumKernel(std::vector<Term> inputs, bool explicit_output, Term output)
      : inputs_(std::move(inputs)), explicit_(explicit_output), output_(std::move(output)) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    const int n_in = static_cast<int>(inputs_.size());
    if (ctx.num_inputs() != n_in) {
      return InvalidArgument(where + ": the equation has " + std::to_string(n_in) +
                             " operands but the node has " + std::to_string(ctx.num_inputs()) +
                             " inputs");
    }
    std::vector<const Tensor*> xs(static_cast<size_t>(n_in));
    for (int i = 0; i < n_in; ++i) {
      ASSIGN_OR_RETURN(xs[i], ctx.RequireInput(i));
      if (xs[i]->dtype() != xs[0]->dtype()) {
        return InvalidArgument(where + ": all inputs must have the same element type");
      }
    }
    // Label ids: 0..E-1 are the (right-aligned) ellipsis dimensions, then one per letter.
    int ell = 0;
    for (int i = 0; i < n_in; ++i) {
      const int extra = xs[i]->rank() - static_cast<int>(inputs_[i].labels.size());
      if (extra < 0 || (extra > 0 && inputs_[i].ellipsis_at < 0)) {
        return InvalidArgument(where + ": operand " + std::to_string(i) + " of shape " +
                               ShapeToString(xs[i]->shape()) + " does not match its subscripts");
      }
      ell = std::max(ell, extra);
    }
    std::map<char, int> id_of;
    std::map<char, int> count;
    for (const Term& t : inputs_) {
      for (char ch : t.labels) {
        ++count[ch];
        if (!id_of.count(ch)) id_of[ch] = 0;
      }
    }
    int next_id = ell;
    for (auto& [ch, id] : id_of) id = next_id++;  // std::map iterates in ASCII order
    const int n_labels = next_id;
    std::vector<int64_t> size(static_cast<size_t>(n_labels), 1);
    // Per operand, per label: the element stride (summed over repeated labels; 0 when broadcast).
    std::vector<std::vector<int64_t>> strides(
        static_cast<size_t>(n_in), std::vector<int64_t>(static_cast<size_t>(n_labels), 0));
    // Per operand, per label: how many of its dimensions carry the label.
    std::vector<std::vector<int>> uses(static_cast<size_t>(n_in),
                                       std::vector<int>(static_cast<size_t>(n_labels), 0));
    for (int i = 0; i < n_in; ++i) {
      const Term& t = inputs_[i];
      const Tensor& x = *xs[i];
      const int extra = x.rank() - static_cast<int>(t.labels.size());
      std::vector<int> dim_label;
      for (int k = 0; k < static_cast<int>(t.labels.size()); ++k) {
        if (k == t.ellipsis_at)
          for (int e = 0; e < extra; ++e) dim_label.push_back(ell - extra + e);
        dim_label.push_back(id_of[t.labels[k]]);
      }
      if (t.ellipsis_at == static_cast<int>(t.labels.size())) {
        for (int e = 0; e < extra; ++e) dim_label.push_back(ell - extra + e);
      }
      int64_t stride = 1;
      for (int d = x.rank() - 1; d >= 0; --d) {
        const int id = dim_label[static_cast<size_t>(d)];
        ++uses[i][static_cast<size_t>(id)];
        const int64_t dim = x.dim(d);
        int64_t& s = size[static_cast<size_t>(id)];
        if (dim != 1) {
          if (s != 1 && s != dim) {
            return InvalidArgument(where + ": dimension " + std::to_string(d) + " of operand " +
                                   std::to_string(i) + " has size " + std::to_string(dim) +
                                   " but its label has size " + std::to_string(s));
          }
          s = dim;
          strides[i][static_cast<size_t>(id)] += stride;
        }
        stride *= dim;
      }
    }
    // Output labels.
    std::vector<int> out_labels;
    if (explicit_) {
      std::vector<bool> used(static_cast<size_t>(n_labels), false);
      for (int k = 0; k <= static_cast<int>(output_.labels.size()); ++k) {
        if (k == output_.ellipsis_at)
          for (int e = 0; e < ell; ++e) out_labels.push_back(e);
        if (k == static_cast<int>(output_.labels.size())) break;
        const char ch = output_.labels[static_cast<size_t>(k)];
        auto it = id_of.find(ch);
        if (it == id_of.end() || used[static_cast<size_t>(it->second)]) {
          return InvalidArgument(where + ": output label '" + std::string(1, ch) +
                                 "' is repeated or does not appear in the inputs");
        }
        used[static_cast<size_t>(it->second)] = true;
        out_labels.push_back(it->second);
      }
    } else {
      for (int e = 0; e < ell; ++e) out_labels.push_back(e);
      for (const auto& [ch, id] : id_of) {
        if (count[ch] == 1) out_labels.push_back(id);
      }
    }
    std::vector<bool> in_output(static_cast<size_t>(n_labels), false);
    for (int id : out_labels) in_output[static_cast<size_t>(id)] = true;
    std::vector<int> sum_labels;
    for (int id = 0; id < n_labels; ++id)
      if (!in_output[static_cast<size_t>(id)]) sum_labels.push_back(id);

    Shape out_shape;
    for (int id : out_labels) out_shape.push_back(size[static_cast<size_t>(id)]);
    Tensor* y = ctx.AllocateOutput(0, xs[0]->dtype(), out_shape);
    if (y->numel() == 0) return Status::Ok();
    int64_t sum_count = 1;
    for (int id : sum_labels) sum_count *= size[static_cast<size_t>(id)];

    return VisitType(
        xs[0]->dtype(), kAllNumeric,
        [&](auto tag) -> Status {
          using T = typename decltype(tag)::type;
          if constexpr (kIsNumeric<T>) {
            using C = ComputeT<T>;
            if (n_in == 2 &&
                TryAsGemm<T>(*xs[0], *xs[1], uses, size, strides, in_output, out_labels, y)) {
              return Status::Ok();
            }
            std::vector<const T*> data(static_cast<size_t>(n_in));
            for (int i = 0; i < n_in; ++i) data[i] = xs[i]->data<T>();
            T* yd = y->data<T>();
            std::vector<int64_t> out_off(static_cast<size_t>(n_in), 0),
                sum_off(static_cast<size_t>(n_in));
            std::vector<int64_t> oi(out_labels.size(), 0), si(sum_labels.size(), 0);
            const int64_t total = y->numel();
            for (int64_t o = 0; o < total; ++o) {
              C acc = C(0);
              sum_off = out_off;
              std::fill(si.begin(), si.end(), 0);
              for (int64_t s = 0; s < sum_count; ++s) {
                C prod = C(1);
                for (int i = 0; i < n_in; ++i)
                  prod = static_cast<C>(prod * static_cast<C>(data[i][sum_off[i]]));
                acc = static_cast<C>(acc + prod);
                Advance(sum_labels, size, strides, &si, &sum_off);
              }
              yd[o] = static_cast<T>(acc);
              Advance(out_labels, size, strides, &oi, &out_off);
            }
          }
          return Status::Ok();
        },
        where);
  }

 private:
  // Two operands whose labels are each batch (both inputs and the output), M (first input and
  // output), N (second input and output) or K (both inputs, summed) make a batched matrix product
  // (attention's "bhqd,bhkd->bhqk", "bij,bjk->bik", ...): gather both into [batch, M, K] and
  // [batch, K, N], multiply with the shared GEMM and scatter to the output order. Returns false
  // (nothing written) for other shapes of equation: diagonals, or labels summed within one input.
  template <typename T>
  static bool TryAsGemm(const Tensor& a, const Tensor& b, const std::vector<std::vector<int>>& uses,
                        const std::vector<int64_t>& size,
                        const std::vector<std::vector<int64_t>>& strides,
                        const std::vector<bool>& in_output, const std::vector<int>& out_labels,
                        Tensor* y) {
    using C = ComputeT<T>;
    std::vector<int> batch, m, n, k;
    for (size_t id = 0; id < size.size(); ++id) {
      const int ua = uses[0][id], ub = uses[1][id];
      if (ua > 1 || ub > 1) return false;
      if (ua == 0 && ub == 0) continue;  // an ellipsis dimension one operand lacks
      if (ua && ub)
        (in_output[id] ? batch : k).push_back(static_cast<int>(id));
      else if (!in_output[id])
        return false;
      else
        (ua ? m : n).push_back(static_cast<int>(id));
    }
    auto volume = [&](const std::vector<int>& ids) {
      int64_t v = 1;
      for (int id : ids) v *= size[static_cast<size_t>(id)];
      return v;
    };
    const int64_t B = volume(batch), M = volume(m), N = volume(n), K = volume(k);
    auto view = [&](int operand, std::initializer_list<const std::vector<int>*> groups) {
      std::vector<std::pair<int64_t, int64_t>> dims;
      for (const std::vector<int>* g : groups) {
        for (int id : *g) {
          dims.emplace_back(size[static_cast<size_t>(id)],
                            strides[operand][static_cast<size_t>(id)]);
        }
      }
      return dims;
    };
    std::vector<C> am(static_cast<size_t>(B * M * K)), bm(static_cast<size_t>(B * K * N));
    std::vector<C> cm(static_cast<size_t>(B * M * N));
    GatherStrided(a.data<T>(), view(0, {&batch, &m, &k}), am.data());
    GatherStrided(b.data<T>(), view(1, {&batch, &k, &n}), bm.data());
    for (int64_t i = 0; i < B; ++i) {
      Gemm<C>(false, false, M, N, K, C(1), am.data() + i * M * K, K, bm.data() + i * K * N, N, C(0),
              cm.data() + i * M * N, N);
    }
    // Strides of every output label in cm's [batch..., m..., n...] layout.
    std::vector<int64_t> cstride(size.size(), 0);
    int64_t st = 1;
    for (const std::vector<int>* g : {&n, &m, &batch}) {
      for (auto it = g->rbegin(); it != g->rend(); ++it) {
        cstride[static_cast<size_t>(*it)] = st;
        st *= size[static_cast<size_t>(*it)];
      }
    }
    std::vector<std::pair<int64_t, int64_t>> out_dims;
    for (int id : out_labels) {
      out_dims.emplace_back(size[static_cast<size_t>(id)], cstride[static_cast<size_t>(id)]);
    }
    GatherStrided(cm.data(), out_dims, y->data<T>());
    return true;
  }

  // Odometer step over `labels` (last fastest), keeping per-operand offsets in step.
  static void Advance(const std::vector<int>& labels, const std::vector<int64_t>& size,
                      const std::vector<std::vector<int64_t>>& strides, std::vector<int64_t>* idx,
                      std::vector<int64_t>* off) {
    for (int d = static_cast<int>(labels.size()) - 1; d >= 0; --d) {
      const size_t id = static_cast<size_t>(labels[static_cast<size_t>(d)]);
      int64_t& k = (*idx)[static_cast<size_t>(d)];
      ++k;
      for (size_t i = 0; i < off->size(); ++i) (*off)[i] += strides[i][id];
      if (k < size[id]) return;
      for (size_t i = 0; i < off->size(); ++i) (*off)[i] -= strides[i][id] * k;
      k = 0;
    }
  }

  std::vector<Term> inputs_;
  bool explicit_;
  Term output_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateEinsum(const KernelInfo& info) {
  const std::string where = info.NodeLabel();
  std::string eq;
  for (char ch : info.GetString("equation", ""))
    if (ch != ' ') eq += ch;
  if (eq.empty()) return InvalidArgument(where + ": required attribute 'equation' is missing");
  const size_t arrow = eq.find("->");
  const std::string lhs = eq.substr(0, arrow);
  std::vector<Term> inputs;
  size_t start = 0;
  while (true) {
    const size_t comma = lhs.find(',', start);
    ASSIGN_OR_RETURN(
        Term t,
        ParseTerm(lhs.substr(start, comma == std::string::npos ? std::string::npos : comma - start),
                  where));
    inputs.push_back(std::move(t));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  Term output;
  const bool explicit_output = arrow != std::string::npos;
  if (explicit_output) {
    ASSIGN_OR_RETURN(output, ParseTerm(eq.substr(arrow + 2), where));
  }
  return MakeKernel<EinsumKernel>(std::move(inputs), explicit_output, std::move(output));
}

}  // namespace berth::nn
