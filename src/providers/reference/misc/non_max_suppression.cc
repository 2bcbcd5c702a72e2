// NonMaxSuppression (opset 10+): per batch and class, greedily selects boxes in decreasing score
// order (ties: lower box index first), skipping any box whose IoU with an already selected box
// exceeds iou_threshold, and boxes whose score is not above score_threshold (when given). At most
// max_output_boxes_per_class boxes per (batch, class); a missing or non-positive value selects
// none. Output: int64 [num_selected, 3] rows of (batch, class, box), by batch, then class, then
// selection. Box format: center_point_box 0 = [y1, x1, y2, x2] (any diagonal corners), 1 = [xc, yc,
// w, h].

#include <algorithm>
#include <cmath>

#include "providers/reference/misc/misc_kernels.h"
#include "providers/reference/misc/misc_util.h"

namespace berth {
namespace {

struct Box {
  float y1, x1, y2, x2;  // normalized so that y1 <= y2, x1 <= x2
  float area;
};

class NonMaxSuppressionKernel : public OpKernel {
 public:
  explicit NonMaxSuppressionKernel(bool center_point_box) : center_point_box_(center_point_box) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* boxes_t, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* scores_t, ctx.RequireInput(1));
    if (boxes_t->dtype() != DataType::kFloat32 || scores_t->dtype() != DataType::kFloat32) {
      return InvalidArgument(where + ": boxes and scores must be float32");
    }
    if (boxes_t->rank() != 3 || boxes_t->dim(2) != 4) {
      return InvalidArgument(where + ": boxes must have shape [batches, boxes, 4], got " +
                             ShapeToString(boxes_t->shape()));
    }
    if (scores_t->rank() != 3 || scores_t->dim(0) != boxes_t->dim(0) ||
        scores_t->dim(2) != boxes_t->dim(1)) {
      return InvalidArgument(where + ": scores shape " + ShapeToString(scores_t->shape()) +
                             " does not match boxes shape " + ShapeToString(boxes_t->shape()) +
                             " (expected [batches, classes, boxes])");
    }
    int64_t max_per_class = 0;
    if (const Tensor* t = ctx.input(2); t && t->numel() > 0) {
      if (t->dtype() != DataType::kInt64 || t->numel() != 1) {
        return InvalidArgument(where + ": max_output_boxes_per_class must be one int64");
      }
      max_per_class = t->data<int64_t>()[0];
    }
    float iou_threshold = 0.0f;
    if (const Tensor* t = ctx.input(3); t && t->numel() > 0) {
      ASSIGN_OR_RETURN(double v, misc::ReadScalarFloat(*t, where, "iou_threshold"));
      if (!(v >= 0.0 && v <= 1.0)) {
        return InvalidArgument(where + ": iou_threshold must be in [0, 1], got " +
                               std::to_string(v));
      }
      iou_threshold = static_cast<float>(v);
    }
    bool has_score_threshold = false;
    float score_threshold = 0.0f;
    if (const Tensor* t = ctx.input(4); t && t->numel() > 0) {
      ASSIGN_OR_RETURN(double v, misc::ReadScalarFloat(*t, where, "score_threshold"));
      has_score_threshold = true;
      score_threshold = static_cast<float>(v);
    }

    const int64_t batches = boxes_t->dim(0);
    const int64_t num_boxes = boxes_t->dim(1);
    const int64_t classes = scores_t->dim(1);
    std::vector<int64_t> selected;  // flattened triples
    if (max_per_class > 0 && num_boxes > 0) {
      const float* all_boxes = boxes_t->data<float>();
      const float* all_scores = scores_t->data<float>();
      std::vector<Box> boxes(static_cast<size_t>(num_boxes));
      std::vector<int64_t> order;
      std::vector<int64_t> kept;
      for (int64_t b = 0; b < batches; ++b) {
        for (int64_t i = 0; i < num_boxes; ++i)
          boxes[static_cast<size_t>(i)] = MakeBox(all_boxes + (b * num_boxes + i) * 4);
        for (int64_t c = 0; c < classes; ++c) {
          const float* scores = all_scores + (b * classes + c) * num_boxes;
          order.clear();
          for (int64_t i = 0; i < num_boxes; ++i) {
            // NaN scores are never selected (and must stay out of the sort's comparisons).
            if (std::isnan(scores[i])) continue;
            if (!has_score_threshold || scores[i] > score_threshold) order.push_back(i);
          }
          std::stable_sort(order.begin(), order.end(),
                           [&](int64_t l, int64_t r) { return scores[l] > scores[r]; });
          kept.clear();
          for (int64_t i : order) {
            if (static_cast<int64_t>(kept.size()) >= max_per_class) break;
            const Box& cand = boxes[static_cast<size_t>(i)];
            bool suppressed = false;
            for (int64_t k : kept) {
              if (IouExceeds(cand, boxes[static_cast<size_t>(k)], iou_threshold)) {
                suppressed = true;
                break;
              }
            }
            if (suppressed) continue;
            kept.push_back(i);
            selected.insert(selected.end(), {b, c, i});
          }
        }
      }
    }
    const int64_t count = static_cast<int64_t>(selected.size() / 3);
    Tensor* y = ctx.AllocateOutput(0, DataType::kInt64, {count, 3});
    std::copy(selected.begin(), selected.end(), y->data<int64_t>());
    return Status::Ok();
  }

 private:
  Box MakeBox(const float* p) const {
    Box b;
    if (center_point_box_) {
      const float xc = p[0], yc = p[1], w = p[2], h = p[3];
      b.x1 = xc - w / 2;
      b.x2 = xc + w / 2;
      b.y1 = yc - h / 2;
      b.y2 = yc + h / 2;
      if (b.x1 > b.x2) std::swap(b.x1, b.x2);
      if (b.y1 > b.y2) std::swap(b.y1, b.y2);
    } else {
      b.y1 = std::min(p[0], p[2]);
      b.y2 = std::max(p[0], p[2]);
      b.x1 = std::min(p[1], p[3]);
      b.x2 = std::max(p[1], p[3]);
    }
    b.area = (b.y2 - b.y1) * (b.x2 - b.x1);
    return b;
  }

  static bool IouExceeds(const Box& a, const Box& b, float threshold) {
    const float iy1 = std::max(a.y1, b.y1), iy2 = std::min(a.y2, b.y2);
    const float ix1 = std::max(a.x1, b.x1), ix2 = std::min(a.x2, b.x2);
    if (iy2 <= iy1 || ix2 <= ix1) return false;
    const float inter = (iy2 - iy1) * (ix2 - ix1);
    if (a.area <= 0 || b.area <= 0) return false;
    const float uni = a.area + b.area - inter;
    if (uni <= 0) return false;
    return inter / uni > threshold;
  }

  bool center_point_box_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateNonMaxSuppression(const KernelInfo& info) {
  const int64_t cpb = info.GetInt("center_point_box", 0);
  if (cpb != 0 && cpb != 1)
    return InvalidArgument(info.NodeLabel() + ": center_point_box must be 0 or 1");
  return MakeKernel<NonMaxSuppressionKernel>(cpb == 1);
}

}  // namespace berth
