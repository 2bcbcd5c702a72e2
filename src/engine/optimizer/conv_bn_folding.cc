// Conv + BatchNormalization folding: BN(Conv(X, W, B)) with constant W, B, scale, bias, mean and
// var is Conv(X, W', B') with, per output channel m,
//   f[m] = scale[m] / sqrt(var[m] + epsilon),  W'[m] = W[m] * f[m],  B'[m] = (B[m] - mean[m]) *
//   f[m] + bias[m].
// Only float32, only when the Conv's output has no other reader and BN is in inference mode with no
// extra outputs read. The folded weights are new initializers (W may be shared with other nodes).

#include <cmath>

#include "engine/optimizer/graph_view.h"
#include "engine/optimizer/passes.h"

namespace berth::opt {

namespace {

bool IsFloat1D(const Tensor* t, int64_t n) {
  return t && t->dtype() == DataType::kFloat32 && t->rank() == 1 && t->dim(0) == n;
}

}  // namespace

StatusOr<int> FoldConvBatchNorm(Graph& graph) {
  GraphView view(graph);
  NameAllocator names(graph);
  std::vector<bool> remove(graph.nodes.size(), false);
  std::vector<std::pair<size_t, size_t>> folds;  // (conv, bn)
  std::map<std::string, Tensor> new_initializers;
  for (size_t c = 0; c < graph.nodes.size(); ++c) {
    const Node& conv = graph.nodes[c];
    if (conv.op_type != "Conv" || !conv.domain.empty() || conv.inputs.size() < 2 ||
        conv.outputs.size() != 1)
      continue;
    const int b = view.SoleConsumer(conv.outputs[0]);
    if (b < 0) continue;
    const Node& bn = graph.nodes[static_cast<size_t>(b)];
    if (bn.op_type != "BatchNormalization" || !bn.domain.empty() || bn.inputs.size() != 5 ||
        bn.inputs[0] != conv.outputs[0] || remove[static_cast<size_t>(b)]) {
      continue;
    }
    if (const Attribute* t = bn.FindAttribute("training_mode"); t && t->i != 0) continue;
    if (const Attribute* t = bn.FindAttribute("is_test"); t && t->i == 0) continue;
    bool extra_outputs = false;
    for (size_t i = 1; i < bn.outputs.size(); ++i)
      extra_outputs |= !bn.outputs[i].empty() && view.IsUsed(bn.outputs[i]);
    if (extra_outputs || bn.outputs.empty() || bn.outputs[0].empty()) continue;
    if (const Attribute* s = bn.FindAttribute("spatial"); s && s->i == 0) continue;
    const Tensor* w = view.Constant(conv.inputs[1]);
    if (!w || w->dtype() != DataType::kFloat32 || w->rank() < 3) continue;
    const int64_t m = w->dim(0);
    const Tensor* cb =
        conv.inputs.size() > 2 && !conv.inputs[2].empty() ? view.Constant(conv.inputs[2]) : nullptr;
    if (conv.inputs.size() > 2 && !conv.inputs[2].empty() && !IsFloat1D(cb, m)) continue;
    const Tensor* scale = view.Constant(bn.inputs[1]);
    const Tensor* bias = view.Constant(bn.inputs[2]);
    const Tensor* mean = view.Constant(bn.inputs[3]);
    const Tensor* var = view.Constant(bn.inputs[4]);
    if (!IsFloat1D(scale, m) || !IsFloat1D(bias, m) || !IsFloat1D(mean, m) || !IsFloat1D(var, m))
      continue;
    const Attribute* eps_attr = bn.FindAttribute("epsilon");
    const double eps = eps_attr ? eps_attr->f : 1e-5;

    Tensor new_w(DataType::kFloat32, w->shape());
    Tensor new_b(DataType::kFloat32, {m});
    const int64_t per_channel = w->numel() / std::max<int64_t>(m, 1);
    for (int64_t k = 0; k < m; ++k) {
      const double f =
          scale->data<float>()[k] / std::sqrt(static_cast<double>(var->data<float>()[k]) + eps);
      const float* src = w->data<float>() + k * per_channel;
      float* dst = new_w.data<float>() + k * per_channel;
      for (int64_t i = 0; i < per_channel; ++i) dst[i] = static_cast<float>(src[i] * f);
      const double b0 = cb ? cb->data<float>()[k] : 0.0;
      new_b.data<float>()[k] =
          static_cast<float>((b0 - mean->data<float>()[k]) * f + bias->data<float>()[k]);
    }
    const std::string w_name = names.Make(conv.inputs[1] + "_bn_folded");
    const std::string b_name = names.Make((cb ? conv.inputs[2] : conv.name) + "_bn_bias");
    new_initializers[w_name] = new_w;
    new_initializers[b_name] = new_b;
    Node& edit = graph.nodes[c];
    edit.inputs.resize(3);
    edit.inputs[1] = w_name;
    edit.inputs[2] = b_name;
    edit.outputs[0] = bn.outputs[0];
    remove[static_cast<size_t>(b)] = true;
    folds.emplace_back(c, static_cast<size_t>(b));
  }
  if (folds.empty()) return 0;
  for (auto& [name, t] : new_initializers) graph.initializers[name] = std::move(t);
  RemoveNodes(graph, remove);
  return static_cast<int>(folds.size());
}

}  // namespace berth::opt
