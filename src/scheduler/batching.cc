#include "scheduler/batching.h"

#include <cstring>
#include <memory>

namespace berth {

std::string BatchKey(const NamedValues& inputs, int64_t* rows) {
  std::string key;
  int64_t batch = -1;
  for (const auto& [name, value] : inputs) {
    if (!value.is_tensor()) return "";
    const Tensor& tensor = value.tensor();
    if (tensor.rank() == 0) return "";
    if (batch < 0) {
      batch = tensor.dim(0);
    } else if (tensor.dim(0) != batch) {
      return "";
    }
    key += name;
    key += '\0';
    key += std::to_string(static_cast<int>(tensor.dtype()));
    for (int i = 1; i < tensor.rank(); ++i) key += "," + std::to_string(tensor.dim(i));
    key += '\0';
  }
  if (batch < 0) return "";
  *rows = batch;
  return key;
}

StatusOr<NamedValues> ConcatenateBatch(const std::vector<const NamedValues*>& requests) {
  if (requests.empty()) return InvalidArgument("cannot build a batch of no requests");
  if (requests.size() == 1) return *requests[0];
  const NamedValues& first = *requests[0];
  NamedValues batch;
  batch.reserve(first.size());
  for (size_t input = 0; input < first.size(); ++input) {
    const std::string& name = first[input].first;
    const Tensor& model = first[input].second.tensor();
    int64_t total = 0;
    for (const NamedValues* request : requests) {
      if (request->size() != first.size() || (*request)[input].first != name ||
          !(*request)[input].second.is_tensor()) {
        return Internal("input '" + name + "': requests in one batch give different inputs");
      }
      const Tensor& part = (*request)[input].second.tensor();
      if (part.dtype() != model.dtype() || part.rank() != model.rank() || part.rank() == 0) {
        return Internal("input '" + name + "': requests in one batch disagree on type or rank");
      }
      for (int d = 1; d < part.rank(); ++d) {
        if (part.dim(d) != model.dim(d)) {
          return Internal("input '" + name + "': requests in one batch disagree on shape " +
                          ShapeToString(part.shape()) + " vs " + ShapeToString(model.shape()));
        }
      }
      total += part.dim(0);
    }
    Shape shape = model.shape();
    shape[0] = total;
    Tensor combined(model.dtype(), shape);
    if (model.dtype() == DataType::kString) {
      std::string* out = combined.data<std::string>();
      for (const NamedValues* request : requests) {
        const Tensor& part = (*request)[input].second.tensor();
        for (int64_t i = 0; i < part.numel(); ++i) *out++ = part.data<std::string>()[i];
      }
    } else {
      char* out = static_cast<char*>(combined.raw_data());
      for (const NamedValues* request : requests) {
        const Tensor& part = (*request)[input].second.tensor();
        if (part.nbytes() > 0) std::memcpy(out, part.raw_data(), part.nbytes());
        out += part.nbytes();
      }
    }
    batch.emplace_back(name, Value(std::move(combined)));
  }
  return batch;
}

StatusOr<std::vector<Value>> SplitBatch(const std::string& output_name, const Value& output,
                                        const std::vector<int64_t>& rows) {
  int64_t total = 0;
  for (int64_t r : rows) total += r;
  if (!output.is_tensor() || output.tensor().rank() == 0 || output.tensor().dim(0) != total) {
    std::string got = output.is_tensor() ? output.tensor().Describe() : std::string("a sequence");
    return Internal("output '" + output_name + "' is " + got + ", which cannot be split into the batch's " +
                    std::to_string(rows.size()) + " requests of " + std::to_string(total) +
                    " rows in all (its dimension 0 must be the batch dimension)");
  }
  if (rows.size() == 1) return std::vector<Value>{output};
  auto keep = std::make_shared<Tensor>(output.tensor());
  const size_t row_bytes = total > 0 ? keep->nbytes() / static_cast<size_t>(total) : 0;
  std::vector<Value> parts;
  parts.reserve(rows.size());
  char* base = static_cast<char*>(keep->raw_data());
  int64_t offset = 0;
  for (int64_t r : rows) {
    Shape shape = keep->shape();
    shape[0] = r;
    parts.emplace_back(Tensor::Wrap(keep->dtype(), shape, base + static_cast<size_t>(offset) * row_bytes, keep));
    offset += r;
  }
  return parts;
}

}  // namespace berth
