// Pad: modes constant, reflect, edge (and wrap, opset 19). Before opset 11 `pads` (`paddings` in
// opset 1) and `value` are attributes; from 11 pads, constant_value and (opset 18) axes are inputs.
// Pads are [x1_begin, x2_begin, ..., x1_end, x2_end, ...]; negative pads crop, and the
// reflect/edge/wrap modes then work on the cropped input (as ONNX Runtime does). Any element type.

#include <algorithm>

#include "engine/shape_util.h"
#include "providers/reference/tensor/tensor_kernels.h"
#include "providers/reference/tensor/tensor_util.h"

namespace berth {
namespace {

enum class PadMode { kConstant, kReflect, kEdge, kWrap };

// For one dimension: the input index each output index reads, or -1 for the constant.
StatusOr<std::vector<int64_t>> PadMap(int64_t dim, int64_t begin, int64_t end, PadMode mode,
                                      int axis, const std::string& where) {
  const int64_t lo = std::max<int64_t>(0, -begin);
  const int64_t kept = dim - lo - std::max<int64_t>(0, -end);  // input elements left after cropping
  const int64_t out_dim = dim + begin + end;
  if (kept < 0 || out_dim < 0) {
    return InvalidArgument(where + ": pads " + std::to_string(begin) + ", " + std::to_string(end) +
                           " crop more than the " + std::to_string(dim) + " elements of axis " +
                           std::to_string(axis));
  }
  const int64_t front = std::max<int64_t>(0, begin);
  if (mode != PadMode::kConstant && kept == 0 && out_dim > 0) {
    return InvalidArgument(where + ": cannot pad empty axis " + std::to_string(axis) +
                           " in a non-constant mode");
  }
  std::vector<int64_t> map(static_cast<size_t>(out_dim));
  for (int64_t i = 0; i < out_dim; ++i) {
    int64_t j = i - front;  // index into the cropped input
    if (j < 0 || j >= kept) {
      switch (mode) {
        case PadMode::kConstant:
          j = -1;
          break;
        case PadMode::kEdge:
          j = j < 0 ? 0 : kept - 1;
          break;
        case PadMode::kWrap:
          j = ((j % kept) + kept) % kept;
          break;
        case PadMode::kReflect:
          if (kept == 1) {
            j = 0;
          } else {
            const int64_t period = 2 * (kept - 1);
            j = ((j % period) + period) % period;
            if (j >= kept) j = period - j;
          }
          break;
      }
    }
    map[static_cast<size_t>(i)] = j < 0 ? -1 : j + lo;
  }
  return map;
}

template <typename E>
void PadTyped(const E* in, const Shape& in_shape, const std::vector<std::vector<int64_t>>& maps,
              const E& fill, E* out) {
  const int rank = static_cast<int>(maps.size());
  if (rank == 0) {
    out[0] = in[0];
    return;
  }
  const std::vector<int64_t> strides = StridesOf(in_shape);
  const std::vector<int64_t>& last = maps.back();
  const int64_t inner = static_cast<int64_t>(last.size());
  int64_t outer = 1;
  for (int k = 0; k < rank - 1; ++k)
    outer *= static_cast<int64_t>(maps[static_cast<size_t>(k)].size());
  std::vector<int64_t> index(static_cast<size_t>(rank), 0);
  for (int64_t o = 0; o < outer; ++o) {
    int64_t base = 0;
    bool constant_row = false;
    for (int k = 0; k < rank - 1; ++k) {
      const int64_t m =
          maps[static_cast<size_t>(k)][static_cast<size_t>(index[static_cast<size_t>(k)])];
      if (m < 0) constant_row = true;
      base += m * strides[static_cast<size_t>(k)];
    }
    if (constant_row) {
      for (int64_t j = 0; j < inner; ++j) out[j] = fill;
    } else {
      const E* row = in + base;
      for (int64_t j = 0; j < inner; ++j) {
        const int64_t m = last[static_cast<size_t>(j)];
        out[j] = m < 0 ? fill : row[m];
      }
    }
    out += inner;
    for (int k = rank - 2; k >= 0; --k) {
      size_t uk = static_cast<size_t>(k);
      if (++index[uk] < static_cast<int64_t>(maps[uk].size())) break;
      index[uk] = 0;
    }
  }
}

class PadKernel : public OpKernel {
 public:
  PadKernel(int opset, PadMode mode, std::vector<int64_t> attr_pads, float attr_value)
      : opset_(opset), mode_(mode), attr_pads_(std::move(attr_pads)), attr_value_(attr_value) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string& where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* data, ctx.RequireInput(0));
    const int rank = data->rank();
    std::vector<int64_t> pads = attr_pads_;
    Tensor fill(data->dtype(), {});  // zero / empty string by default
    std::vector<int> axes;
    if (opset_ >= 11) {
      ASSIGN_OR_RETURN(const Tensor* pads_t, ctx.RequireInput(1));
      ASSIGN_OR_RETURN(pads, tensor_ops::ReadInt64s(*pads_t, where, "input 'pads'"));
      if (const Tensor* value = ctx.input(2); value && value->numel() > 0) {
        if (value->dtype() != data->dtype() || value->numel() != 1) {
          return InvalidArgument(where + ": input 'constant_value' " + value->Describe() +
                                 " must be one element of the type of input 'data' " +
                                 data->Describe());
        }
        tensor_ops::CopyElements(*value, 0, fill, 0, 1);
      }
      if (const Tensor* axes_t = ctx.input(3)) {
        ASSIGN_OR_RETURN(std::vector<int64_t> raw_axes,
                         tensor_ops::ReadInt64s(*axes_t, where, "input 'axes'"));
        ASSIGN_OR_RETURN(axes, tensor_ops::NormalizeAxes(raw_axes, rank, where));
      }
    } else if (attr_value_ != 0.0f) {
      ASSIGN_OR_RETURN(
          fill, tensor_ops::CastTensor(Tensor::Scalar<float>(attr_value_), data->dtype(), where));
    }
    if (axes.empty() && !(opset_ >= 11 && ctx.input(3))) {
      for (int a = 0; a < rank; ++a) axes.push_back(a);
    }
    if (pads.size() != 2 * axes.size()) {
      return InvalidArgument(
          where + ": pads " + ShapeToString(pads) + " must have 2 entries per padded axis (" +
          std::to_string(axes.size()) + " axes of input " + data->Describe() + ")");
    }
    std::vector<int64_t> begins(static_cast<size_t>(rank), 0), ends(static_cast<size_t>(rank), 0);
    for (size_t i = 0; i < axes.size(); ++i) {
      begins[static_cast<size_t>(axes[i])] = pads[i];
      ends[static_cast<size_t>(axes[i])] = pads[i + axes.size()];
    }
    // Validate the output size before building the per-axis index maps, which are as long as the
    // output dimensions. Pads beyond +-2^60 cannot describe a tensor that fits in memory.
    constexpr int64_t kMaxPad = int64_t{1} << 60;
    Shape out_shape;
    for (int a = 0; a < rank; ++a) {
      const int64_t b = begins[static_cast<size_t>(a)], e = ends[static_cast<size_t>(a)];
      if (b < -kMaxPad || b > kMaxPad || e < -kMaxPad || e > kMaxPad) {
        return InvalidArgument(where + ": pads " + ShapeToString(pads) + " are too large");
      }
      out_shape.push_back(data->dim(a) + b + e);
    }
    RETURN_IF_ERROR(tensor_ops::CheckShape(out_shape, data->dtype(), where));
    std::vector<std::vector<int64_t>> maps;
    out_shape.clear();
    for (int a = 0; a < rank; ++a) {
      ASSIGN_OR_RETURN(std::vector<int64_t> map,
                       PadMap(data->dim(a), begins[static_cast<size_t>(a)],
                              ends[static_cast<size_t>(a)], mode_, a, where));
      out_shape.push_back(static_cast<int64_t>(map.size()));
      maps.push_back(std::move(map));
    }
    Tensor* out = ctx.AllocateOutput(0, data->dtype(), out_shape);
    if (out->numel() == 0) return Status::Ok();
    return tensor_ops::VisitElementBits(
        data->dtype(),
        [&](auto tag) -> Status {
          using E = typename decltype(tag)::type;
          PadTyped<E>(data->data<E>(), data->shape(), maps, fill.data<E>()[0], out->data<E>());
          return Status::Ok();
        },
        where);
  }

 private:
  int opset_;
  PadMode mode_;
  std::vector<int64_t> attr_pads_;
  float attr_value_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreatePad(const KernelInfo& info) {
  const std::string mode_name = info.GetString("mode", "constant");
  PadMode mode;
  if (mode_name == "constant") {
    mode = PadMode::kConstant;
  } else if (mode_name == "reflect") {
    mode = PadMode::kReflect;
  } else if (mode_name == "edge") {
    mode = PadMode::kEdge;
  } else if (mode_name == "wrap") {
    mode = PadMode::kWrap;
  } else {
    return InvalidArgument(info.NodeLabel() + ": unknown mode '" + mode_name + "'");
  }
  std::vector<int64_t> pads;
  if (info.opset() < 11) {
    if (!info.HasAttribute("pads") && !info.HasAttribute("paddings")) {
      return InvalidArgument(info.NodeLabel() + ": attribute 'pads' is required before opset 11");
    }
    pads = info.HasAttribute("pads") ? info.GetInts("pads") : info.GetInts("paddings");
  }
  return MakeKernel<PadKernel>(info.opset(), mode, std::move(pads), info.GetFloat("value", 0.0f));
}

}  // namespace berth
