#include "providers/reference/training/optimizers.h"

#include <cmath>

#include "engine/dispatch.h"

namespace berth {

namespace {

// Inputs are R, T, then `groups` blocks of n tensors each (X, G, and the optimizer states); outputs
// are X_new and the new states, n each. Checks counts, types and shapes once for all three rules.
struct Layout {
  int n = 0;
  double r = 0;
  int64_t t = 0;
};

StatusOr<Layout> ReadLayout(KernelContext& ctx, int groups) {
  Layout l;
  int tensors = ctx.num_inputs() - 2;
  if (tensors <= 0 || tensors % groups != 0) {
    return InvalidArgument(ctx.NodeLabel() + ": expected R, T and " + std::to_string(groups) +
                           " equally long groups of tensors, got " + std::to_string(ctx.num_inputs()) + " inputs");
  }
  l.n = tensors / groups;
  if (ctx.num_outputs() != l.n * (groups - 1)) {
    return InvalidArgument(ctx.NodeLabel() + ": expected " + std::to_string(l.n * (groups - 1)) + " outputs");
  }
  ASSIGN_OR_RETURN(const Tensor* r, ctx.RequireInput(0));
  ASSIGN_OR_RETURN(const Tensor* t, ctx.RequireInput(1));
  if (r->numel() != 1 || !IsFloatingPoint(r->dtype())) return InvalidArgument(ctx.NodeLabel() + ": R must be a float scalar");
  if (t->numel() != 1 || t->dtype() != DataType::kInt64) return InvalidArgument(ctx.NodeLabel() + ": T must be an int64 scalar");
  l.r = r->dtype() == DataType::kFloat64 ? r->data<double>()[0] : r->data<float>()[0];
  l.t = t->data<int64_t>()[0];
  for (int g = 0; g < groups; ++g) {
    for (int i = 0; i < l.n; ++i) {
      ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(2 + g * l.n + i));
      const Tensor* first = ctx.input(2 + i);
      if (x->shape() != first->shape() || x->dtype() != first->dtype()) {
        return InvalidArgument(ctx.NodeLabel() + ": tensor " + std::to_string(2 + g * l.n + i) + " is " + x->Describe() +
                               ", expected " + first->Describe());
      }
    }
  }
  return l;
}

// The optimizers are defined for float and double only.
template <typename F>
Status VisitFloatOrDouble(DataType type, const std::string& where, F&& f) {
  return VisitOf<float, double>(type, std::forward<F>(f), where);
}

class AdagradKernel final : public OpKernel {
 public:
  AdagradKernel(float decay, float eps, float norm) : decay_(decay), eps_(eps), norm_(norm) {}
  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(Layout l, ReadLayout(ctx, 3));
    double r = l.r / (1 + static_cast<double>(l.t) * decay_);
    for (int i = 0; i < l.n; ++i) {
      const Tensor& x = *ctx.input(2 + i);
      RETURN_IF_ERROR(VisitFloatOrDouble(x.dtype(), ctx.NodeLabel(), [&](auto tag) -> Status {
        using T = typename decltype(tag)::type;
        const T* X = x.data<T>();
        const T* G = ctx.input(2 + l.n + i)->data<T>();
        const T* H = ctx.input(2 + 2 * l.n + i)->data<T>();
        T* X_new = ctx.AllocateOutput(i, x.dtype(), x.shape())->template data<T>();
        T* H_new = ctx.AllocateOutput(l.n + i, x.dtype(), x.shape())->template data<T>();
        for (int64_t k = 0; k < x.numel(); ++k) {
          T g = static_cast<T>(norm_) * X[k] + G[k];
          H_new[k] = H[k] + g * g;
          T adaptive = std::sqrt(H_new[k]) + static_cast<T>(eps_);
          X_new[k] = X[k] - static_cast<T>(r) * g / adaptive;
        }
        return Status::Ok();
      }));
    }
    return Status::Ok();
  }
 private:
  float decay_, eps_, norm_;
};

class MomentumKernel final : public OpKernel {
 public:
  MomentumKernel(float alpha, float beta, bool nesterov, float norm)
      : alpha_(alpha), beta_(beta), nesterov_(nesterov), norm_(norm) {}
  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(Layout l, ReadLayout(ctx, 3));
    double beta = l.t > 0 ? beta_ : 1.0;
    for (int i = 0; i < l.n; ++i) {
      const Tensor& x = *ctx.input(2 + i);
      RETURN_IF_ERROR(VisitFloatOrDouble(x.dtype(), ctx.NodeLabel(), [&](auto tag) -> Status {
        using T = typename decltype(tag)::type;
        const T* X = x.data<T>();
        const T* G = ctx.input(2 + l.n + i)->data<T>();
        const T* V = ctx.input(2 + 2 * l.n + i)->data<T>();
        T* X_new = ctx.AllocateOutput(i, x.dtype(), x.shape())->template data<T>();
        T* V_new = ctx.AllocateOutput(l.n + i, x.dtype(), x.shape())->template data<T>();
        for (int64_t k = 0; k < x.numel(); ++k) {
          T g = static_cast<T>(norm_) * X[k] + G[k];
          V_new[k] = static_cast<T>(alpha_) * V[k] + static_cast<T>(beta) * g;
          T step = nesterov_ ? g + static_cast<T>(alpha_) * V_new[k] : V_new[k];
          X_new[k] = X[k] - static_cast<T>(l.r) * step;
        }
        return Status::Ok();
      }));
    }
    return Status::Ok();
  }
 private:
  float alpha_, beta_;
  bool nesterov_;
  float norm_;
};

class AdamKernel final : public OpKernel {
 public:
  AdamKernel(float alpha, float beta, float eps, float norm, float norm_post)
      : alpha_(alpha), beta_(beta), eps_(eps), norm_(norm), norm_post_(norm_post) {}
  Status Compute(KernelContext& ctx) const override {
    ASSIGN_OR_RETURN(Layout l, ReadLayout(ctx, 4));
    double r = l.r;
    if (l.t > 0) {
      double t = static_cast<double>(l.t);
      r = l.r * std::sqrt(1 - std::pow(static_cast<double>(beta_), t)) / (1 - std::pow(static_cast<double>(alpha_), t));
    }
    for (int i = 0; i < l.n; ++i) {
      const Tensor& x = *ctx.input(2 + i);
      RETURN_IF_ERROR(VisitFloatOrDouble(x.dtype(), ctx.NodeLabel(), [&](auto tag) -> Status {
        using T = typename decltype(tag)::type;
        const T* X = x.data<T>();
        const T* G = ctx.input(2 + l.n + i)->data<T>();
        const T* V = ctx.input(2 + 2 * l.n + i)->data<T>();
        const T* H = ctx.input(2 + 3 * l.n + i)->data<T>();
        T* X_new = ctx.AllocateOutput(i, x.dtype(), x.shape())->template data<T>();
        T* V_new = ctx.AllocateOutput(l.n + i, x.dtype(), x.shape())->template data<T>();
        T* H_new = ctx.AllocateOutput(2 * l.n + i, x.dtype(), x.shape())->template data<T>();
        const T alpha = static_cast<T>(alpha_), beta = static_cast<T>(beta_);
        for (int64_t k = 0; k < x.numel(); ++k) {
          T g = static_cast<T>(norm_) * X[k] + G[k];
          V_new[k] = alpha * V[k] + (1 - alpha) * g;
          H_new[k] = beta * H[k] + (1 - beta) * g * g;
          T denom = std::sqrt(H_new[k]) + static_cast<T>(eps_);
          T updated = X[k] - static_cast<T>(r) * (V_new[k] / denom);
          X_new[k] = (1 - static_cast<T>(norm_post_)) * updated;
        }
        return Status::Ok();
      }));
    }
    return Status::Ok();
  }
 private:
  float alpha_, beta_, eps_, norm_, norm_post_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateAdagrad(const KernelInfo& info) {
  return MakeKernel<AdagradKernel>(info.GetFloat("decay_factor", 0), info.GetFloat("epsilon", 0),
                                   info.GetFloat("norm_coefficient", 0));
}

StatusOr<std::unique_ptr<OpKernel>> CreateMomentum(const KernelInfo& info) {
  std::string mode = info.GetString("mode", "standard");
  if (mode != "standard" && mode != "nesterov") {
    return InvalidArgument(info.NodeLabel() + ": mode must be 'standard' or 'nesterov', got '" + mode + "'");
  }
  if (!info.HasAttribute("alpha") || !info.HasAttribute("beta")) {
    return InvalidArgument(info.NodeLabel() + ": attributes 'alpha' and 'beta' are required");
  }
  return MakeKernel<MomentumKernel>(info.GetFloat("alpha", 0), info.GetFloat("beta", 0), mode == "nesterov",
                                    info.GetFloat("norm_coefficient", 0));
}

StatusOr<std::unique_ptr<OpKernel>> CreateAdam(const KernelInfo& info) {
  return MakeKernel<AdamKernel>(info.GetFloat("alpha", 0.9f), info.GetFloat("beta", 0.999f),
                                info.GetFloat("epsilon", 1e-6f), info.GetFloat("norm_coefficient", 0),
                                info.GetFloat("norm_coefficient_post", 0));
}

}  // namespace berth
