#include "providers/reference/misc/conv_geometry.h"

#include <algorithm>

namespace berth {

StatusOr<ConvAttributes> ConvAttributes::Read(const KernelInfo& info) {
  ConvAttributes a;
  a.auto_pad = info.GetString("auto_pad", "NOTSET");
  a.group = info.GetInt("group", 1);
  a.kernel_shape = info.GetInts("kernel_shape");
  a.strides = info.GetInts("strides");
  a.dilations = info.GetInts("dilations");
  a.pads = info.GetInts("pads");
  const std::string where = info.NodeLabel();
  if (a.auto_pad != "NOTSET" && a.auto_pad != "SAME_UPPER" && a.auto_pad != "SAME_LOWER" &&
      a.auto_pad != "VALID") {
    return InvalidArgument(where + ": unknown auto_pad '" + a.auto_pad + "'");
  }
  if (a.group < 1)
    return InvalidArgument(where + ": group must be >= 1, got " + std::to_string(a.group));
  for (int64_t s : a.strides) {
    if (s < 1) return InvalidArgument(where + ": strides must be >= 1");
  }
  for (int64_t d : a.dilations) {
    if (d < 1) return InvalidArgument(where + ": dilations must be >= 1");
  }
  for (int64_t p : a.pads) {
    if (p < 0) return InvalidArgument(where + ": pads must be >= 0");
  }
  for (int64_t k : a.kernel_shape) {
    if (k < 1) return InvalidArgument(where + ": kernel_shape entries must be >= 1");
  }
  return a;
}

Shape ConvGeometry::OutputShape() const {
  Shape s = {batch, out_channels};
  s.insert(s.end(), out_spatial.begin(), out_spatial.end());
  return s;
}

StatusOr<ConvGeometry> ResolveConvGeometry(const ConvAttributes& attrs, const Shape& x,
                                           const Shape& w, const std::string& where) {
  if (x.size() < 3) {
    return InvalidArgument(where + ": input 'x' must have rank >= 3 (N, C, spatial...), got " +
                           ShapeToString(x));
  }
  if (w.size() != x.size()) {
    return InvalidArgument(where + ": weight 'w' " + ShapeToString(w) +
                           " must have the rank of x " + ShapeToString(x));
  }
  const size_t nd = x.size() - 2;
  ConvGeometry g;
  g.batch = x[0];
  g.in_channels = x[1];
  g.out_channels = w[0];
  g.group = attrs.group;
  if (g.in_channels != w[1] * g.group) {
    return InvalidArgument(where + ": x has " + std::to_string(g.in_channels) + " channels but w " +
                           ShapeToString(w) + " with group " + std::to_string(g.group) +
                           " expects " + std::to_string(w[1] * g.group));
  }
  if (g.out_channels % g.group != 0) {
    return InvalidArgument(where + ": output channels " + std::to_string(g.out_channels) +
                           " are not divisible by group " + std::to_string(g.group));
  }
  auto sized = [&](const std::vector<int64_t>& v, size_t n, int64_t dflt, const char* name,
                   std::vector<int64_t>& out) -> Status {
    if (v.empty()) {
      out.assign(n, dflt);
    } else if (v.size() != n) {
      return InvalidArgument(where + ": attribute '" + name + "' has " + std::to_string(v.size()) +
                             " values, expected " + std::to_string(n));
    } else {
      out = v;
    }
    return Status::Ok();
  };
  g.kernel.assign(w.begin() + 2, w.end());
  for (int64_t k : g.kernel) {
    if (k < 1)
      return InvalidArgument(where + ": weight 'w' has an empty kernel: " + ShapeToString(w));
  }
  if (!attrs.kernel_shape.empty() && attrs.kernel_shape != g.kernel) {
    return InvalidArgument(where + ": kernel_shape does not match weight shape " +
                           ShapeToString(w));
  }
  RETURN_IF_ERROR(sized(attrs.strides, nd, 1, "strides", g.strides));
  RETURN_IF_ERROR(sized(attrs.dilations, nd, 1, "dilations", g.dilations));
  std::vector<int64_t> pads;
  RETURN_IF_ERROR(sized(attrs.pads, 2 * nd, 0, "pads", pads));
  g.in_spatial.assign(x.begin() + 2, x.end());
  g.pad_begin.resize(nd);
  g.out_spatial.resize(nd);
  for (size_t i = 0; i < nd; ++i) {
    const int64_t in = g.in_spatial[i];
    const int64_t eff_k = (g.kernel[i] - 1) * g.dilations[i] + 1;
    const int64_t s = g.strides[i];
    int64_t pb = pads[i];
    int64_t pe = pads[i + nd];
    if (attrs.auto_pad == "VALID") {
      pb = pe = 0;
    } else if (attrs.auto_pad == "SAME_UPPER" || attrs.auto_pad == "SAME_LOWER") {
      const int64_t out = (in + s - 1) / s;
      const int64_t total = std::max<int64_t>(0, (out - 1) * s + eff_k - in);
      pb = attrs.auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      pe = total - pb;
    }
    const int64_t span = in + pb + pe - eff_k;
    if (span < 0) {
      return InvalidArgument(where + ": kernel " + ShapeToString(g.kernel) +
                             " (dilated) is larger than the padded input " + ShapeToString(x));
    }
    g.pad_begin[i] = pb;
    g.out_spatial[i] = span / s + 1;
  }
  return g;
}

}  // namespace berth
