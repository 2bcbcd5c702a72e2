// Einsum (opset 12+): Einstein summation over any number of operands, numpy semantics: repeated
// labels within an operand take diagonals, "..." stands for broadcast leading dimensions, labels
// missing from the output are summed, and without "->" the output is the ellipsis dimensions
// followed by the labels used exactly once, in alphabetical (ASCII) order.
//
// Evaluated directly as nested index loops: for every output element, a sum over the contracted
// index space of the product of the operands. Simple and exact; not a fast path for big products.

#include <algorithm>
#include <map>
#include <vector>

#include "engine/dispatch.h"
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
