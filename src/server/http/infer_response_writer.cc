#include "server/http/infer_response_writer.h"

#include <cstring>

#include "common/json_writer.h"
#include "server/http/wire_format.h"

namespace berth::http {
namespace {

template <typename T, typename Append>
void AppendValues(std::string& out, const Tensor& t, Append append) {
  const T* p = t.data<T>();
  const int64_t n = t.numel();
  for (int64_t i = 0; i < n; ++i) {
    if (i > 0) out += ',';
    append(out, p[i]);
  }
}

void AppendData(std::string& out, const Tensor& t) {
  out += '[';
  switch (t.dtype()) {
    case DataType::kFloat32:
      AppendValues<float>(out, t, [](std::string& o, float v) { AppendJsonFloat(o, v); });
      break;
    case DataType::kFloat64:
      AppendValues<double>(out, t, [](std::string& o, double v) { AppendJsonFloat(o, v); });
      break;
    case DataType::kFloat16:
      AppendValues<Float16>(
          out, t, [](std::string& o, Float16 v) { AppendJsonFloat(o, static_cast<float>(v)); });
      break;
    case DataType::kBFloat16:
      AppendValues<BFloat16>(
          out, t, [](std::string& o, BFloat16 v) { AppendJsonFloat(o, static_cast<float>(v)); });
      break;
    case DataType::kInt8:
      AppendValues<int8_t>(out, t, [](std::string& o, int8_t v) { AppendJsonInt(o, v); });
      break;
    case DataType::kInt16:
      AppendValues<int16_t>(out, t, [](std::string& o, int16_t v) { AppendJsonInt(o, v); });
      break;
    case DataType::kInt32:
      AppendValues<int32_t>(out, t, [](std::string& o, int32_t v) { AppendJsonInt(o, v); });
      break;
    case DataType::kInt64:
      AppendValues<int64_t>(out, t, [](std::string& o, int64_t v) { AppendJsonInt(o, v); });
      break;
    case DataType::kUint8:
      AppendValues<uint8_t>(out, t, [](std::string& o, uint8_t v) { AppendJsonUint(o, v); });
      break;
    case DataType::kUint16:
      AppendValues<uint16_t>(out, t, [](std::string& o, uint16_t v) { AppendJsonUint(o, v); });
      break;
    case DataType::kUint32:
      AppendValues<uint32_t>(out, t, [](std::string& o, uint32_t v) { AppendJsonUint(o, v); });
      break;
    case DataType::kUint64:
      AppendValues<uint64_t>(out, t, [](std::string& o, uint64_t v) { AppendJsonUint(o, v); });
      break;
    case DataType::kBool:
      AppendValues<bool>(out, t, [](std::string& o, bool v) { o += v ? "true" : "false"; });
      break;
    case DataType::kString:
      AppendValues<std::string>(
          out, t, [](std::string& o, const std::string& v) { AppendJsonString(o, v); });
      break;
    default:
      break;  // rejected by the caller
  }
  out += ']';
}

size_t BinarySize(const Tensor& t) {
  if (t.dtype() == DataType::kString) {
    size_t total = 0;
    const std::string* s = t.data<std::string>();
    for (int64_t i = 0; i < t.numel(); ++i) total += 4 + s[i].size();
    return total;
  }
  return KServeElementSize(t.dtype()) * static_cast<size_t>(t.numel());
}

void AppendBinary(std::string& out, const Tensor& t) {
  if (t.dtype() == DataType::kString) {
    const std::string* s = t.data<std::string>();
    for (int64_t i = 0; i < t.numel(); ++i) {
      const uint32_t n = static_cast<uint32_t>(s[i].size());
      const char length[4] = {static_cast<char>(n & 0xFF), static_cast<char>((n >> 8) & 0xFF),
                              static_cast<char>((n >> 16) & 0xFF),
                              static_cast<char>((n >> 24) & 0xFF)};
      out.append(length, 4);
      out += s[i];
    }
  } else if (t.dtype() == DataType::kBool) {
    const bool* b = t.data<bool>();
    for (int64_t i = 0; i < t.numel(); ++i) out += b[i] ? '\1' : '\0';
  } else {
    out.append(static_cast<const char*>(t.raw_data()), BinarySize(t));
  }
}

}  // namespace

StatusOr<RenderedResponse> RenderInferResponse(const InferenceResponse& response,
                                               const OutputEncoding& encoding) {
  RenderedResponse rendered;
  std::string& out = rendered.body;
  std::vector<const Tensor*> binary_outputs;
  size_t binary_total = 0;

  // One allocation up front instead of the string doubling its way up (each step a copy): the
  // header fields, then per output its keys and ~16 characters per element written as JSON.
  size_t estimate = 128 + response.model_name.size() + response.id.size();
  for (const InferTensor& output : response.outputs) {
    estimate += 96 + output.name.size() + 20 * output.tensor.shape().size();
    if (!encoding.IsBinary(output.name)) estimate += 16 * static_cast<size_t>(output.tensor.numel());
  }
  out.reserve(estimate);

  out += "{\"model_name\":";
  AppendJsonString(out, response.model_name);
  out += ",\"model_version\":\"";
  AppendJsonInt(out, response.model_version);
  out += '"';
  if (!response.id.empty()) {
    out += ",\"id\":";
    AppendJsonString(out, response.id);
  }
  out += ",\"outputs\":[";
  for (size_t i = 0; i < response.outputs.size(); ++i) {
    const InferTensor& output = response.outputs[i];
    const Tensor& t = output.tensor;
    const std::string_view datatype = DataTypeToKServe(t.dtype());
    if (datatype.empty()) {
      return Internal("output '" + output.name + "' has type " +
                      std::string(DataTypeName(t.dtype())) +
                      ", which the KServe v2 protocol cannot represent");
    }
    if (i > 0) out += ',';
    out += "{\"name\":";
    AppendJsonString(out, output.name);
    out += ",\"datatype\":\"";
    out += datatype;
    out += "\",\"shape\":[";
    for (size_t d = 0; d < t.shape().size(); ++d) {
      if (d > 0) out += ',';
      AppendJsonInt(out, t.shape()[d]);
    }
    out += ']';
    if (encoding.IsBinary(output.name)) {
      const size_t size = BinarySize(t);
      out += ",\"parameters\":{\"binary_data_size\":";
      AppendJsonUint(out, size);
      out += '}';
      binary_outputs.push_back(&t);
      binary_total += size;
    } else {
      out += ",\"data\":";
      AppendData(out, t);
    }
    out += '}';
  }
  out += "]}";
  if (!binary_outputs.empty()) {
    rendered.json_length = out.size();
    rendered.binary_bytes = static_cast<int64_t>(binary_total);
    out.reserve(out.size() + binary_total);
    for (const Tensor* t : binary_outputs) AppendBinary(out, *t);
  }
  return rendered;
}

std::string ErrorBody(const std::string& message) {
  std::string out = "{\"error\":";
  AppendJsonString(out, message);
  out += '}';
  return out;
}

}  // namespace berth::http
