#include "server/grpc/grpc_convert.h"

#include <charconv>
#include <cstring>
#include <limits>
#include <unordered_set>

#include "server/http/wire_format.h"
#include "server/kserve_types.h"

namespace berth::grpc_frontend {
namespace {

using inference::InferParameter;
using inference::InferTensorContents;
using InputTensor = inference::ModelInferRequest::InferInputTensor;

std::string Quote(std::string_view s) { return "'" + std::string(s.substr(0, 200)) + "'"; }

// Integer parameter of the forms tritonclient sends: int64_param ("timeout") or uint64_param
// ("priority").
StatusOr<int64_t> GetIntParameter(const google::protobuf::Map<std::string, InferParameter>& params,
                                  const std::string& key, int64_t fallback) {
  auto it = params.find(key);
  if (it == params.end()) return fallback;
  const InferParameter& p = it->second;
  switch (p.parameter_choice_case()) {
    case InferParameter::kInt64Param:
      return p.int64_param();
    case InferParameter::kUint64Param:
      if (p.uint64_param() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return InvalidArgument("request parameter '" + key +
                               "' is out of range: " + std::to_string(p.uint64_param()));
      }
      return static_cast<int64_t>(p.uint64_param());
    default:
      return InvalidArgument("request parameter '" + key +
                             "' must be an integer (int64_param or uint64_param)");
  }
}

StatusOr<Shape> CheckShape(const InputTensor& input, const std::string& where,
                           int64_t max_elements) {
  Shape shape(input.shape().begin(), input.shape().end());
  int64_t total = 1;
  for (int64_t d : shape) {
    if (d < 0) {
      return InvalidArgument(where + ": 'shape' must hold non-negative integers, got " +
                             ShapeToString(shape));
    }
    if (d != 0 && total > max_elements / d) {
      return InvalidArgument(where + ": shape " + ShapeToString(shape) +
                             " has more than the limit of " + std::to_string(max_elements) +
                             " elements");
    }
    total *= d;
  }
  if (total > max_elements) {
    return InvalidArgument(where + ": shape " + ShapeToString(shape) +
                           " has more than the limit of " + std::to_string(max_elements) +
                           " elements");
  }
  return shape;
}

// The typed-contents field a datatype uses, and how many elements it holds.
struct ContentsField {
  const char* name;
  int size;
};

ContentsField FieldFor(DataType dtype, const InferTensorContents& c) {
  switch (dtype) {
    case DataType::kBool:
      return {"bool_contents", c.bool_contents_size()};
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32:
      return {"int_contents", c.int_contents_size()};
    case DataType::kInt64:
      return {"int64_contents", c.int64_contents_size()};
    case DataType::kUint8:
    case DataType::kUint16:
    case DataType::kUint32:
      return {"uint_contents", c.uint_contents_size()};
    case DataType::kUint64:
      return {"uint64_contents", c.uint64_contents_size()};
    case DataType::kFloat32:
      return {"fp32_contents", c.fp32_contents_size()};
    case DataType::kFloat64:
      return {"fp64_contents", c.fp64_contents_size()};
    case DataType::kString:
      return {"bytes_contents", c.bytes_contents_size()};
    default:
      return {nullptr, 0};
  }
}

// Names the typed fields that hold data, for "wrong field" errors.
std::string FilledFields(const InferTensorContents& c) {
  std::string out;
  auto add = [&](const char* name, int n) {
    if (n == 0) return;
    if (!out.empty()) out += ", ";
    out += name;
  };
  add("bool_contents", c.bool_contents_size());
  add("int_contents", c.int_contents_size());
  add("int64_contents", c.int64_contents_size());
  add("uint_contents", c.uint_contents_size());
  add("uint64_contents", c.uint64_contents_size());
  add("fp32_contents", c.fp32_contents_size());
  add("fp64_contents", c.fp64_contents_size());
  add("bytes_contents", c.bytes_contents_size());
  return out;
}

// Narrows 32-bit wire values into INT8/INT16/UINT8/UINT16 elements, refusing values out of range.
template <typename T, typename Source>
Status Narrow(const Source& values, Tensor& tensor, const std::string& where,
              std::string_view datatype) {
  T* out = tensor.data<T>();
  for (int i = 0; i < values.size(); ++i) {
    const auto v = values.Get(i);
    if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max()) {
      return InvalidArgument(where + ": element " + std::to_string(i) + " (" + std::to_string(v) +
                             ") is not a valid " + std::string(datatype) + " value");
    }
    out[i] = static_cast<T>(v);
  }
  return Status::Ok();
}

template <typename T, typename Source>
void Copy(const Source& values, Tensor& tensor) {
  T* out = tensor.data<T>();
  for (int i = 0; i < values.size(); ++i) out[i] = static_cast<T>(values.Get(i));
}

Status FillFromContents(const InferTensorContents& c, Tensor& tensor, const std::string& where) {
  const std::string_view datatype = DataTypeToKServe(tensor.dtype());
  switch (tensor.dtype()) {
    case DataType::kBool:
      Copy<bool>(c.bool_contents(), tensor);
      return Status::Ok();
    case DataType::kInt8:
      return Narrow<int8_t>(c.int_contents(), tensor, where, datatype);
    case DataType::kInt16:
      return Narrow<int16_t>(c.int_contents(), tensor, where, datatype);
    case DataType::kInt32:
      Copy<int32_t>(c.int_contents(), tensor);
      return Status::Ok();
    case DataType::kInt64:
      Copy<int64_t>(c.int64_contents(), tensor);
      return Status::Ok();
    case DataType::kUint8:
      return Narrow<uint8_t>(c.uint_contents(), tensor, where, datatype);
    case DataType::kUint16:
      return Narrow<uint16_t>(c.uint_contents(), tensor, where, datatype);
    case DataType::kUint32:
      Copy<uint32_t>(c.uint_contents(), tensor);
      return Status::Ok();
    case DataType::kUint64:
      Copy<uint64_t>(c.uint64_contents(), tensor);
      return Status::Ok();
    case DataType::kFloat32:
      Copy<float>(c.fp32_contents(), tensor);
      return Status::Ok();
    case DataType::kFloat64:
      Copy<double>(c.fp64_contents(), tensor);
      return Status::Ok();
    case DataType::kString: {
      std::string* out = tensor.data<std::string>();
      for (int i = 0; i < c.bytes_contents_size(); ++i) out[i] = c.bytes_contents(i);
      return Status::Ok();
    }
    default:
      return InvalidArgument(where + ": datatype is not supported");
  }
}

Status FillFromRaw(std::string_view bytes, Tensor& tensor, const std::string& where) {
  const size_t numel = static_cast<size_t>(tensor.numel());
  if (tensor.dtype() == DataType::kString) {
    std::string* out = tensor.data<std::string>();
    size_t pos = 0;
    for (size_t i = 0; i < numel; ++i) {
      if (bytes.size() - pos < 4) {
        return InvalidArgument(where + ": raw BYTES data ends inside the length of element " +
                               std::to_string(i) + " (shape " + ShapeToString(tensor.shape()) +
                               " needs " + std::to_string(numel) + " elements)");
      }
      uint32_t length = 0;
      for (int b = 3; b >= 0; --b)
        length = (length << 8) | static_cast<unsigned char>(bytes[pos + static_cast<size_t>(b)]);
      pos += 4;
      if (length > bytes.size() - pos) {
        return InvalidArgument(where + ": raw BYTES element " + std::to_string(i) + " has length " +
                               std::to_string(length) + " but only " +
                               std::to_string(bytes.size() - pos) + " bytes remain");
      }
      out[i].assign(bytes.data() + pos, length);
      pos += length;
    }
    if (pos != bytes.size()) {
      return InvalidArgument(where + ": raw_input_contents has " + std::to_string(bytes.size()) +
                             " bytes but the " + std::to_string(numel) +
                             " BYTES elements of shape " + ShapeToString(tensor.shape()) + " use " +
                             std::to_string(pos));
    }
    return Status::Ok();
  }
  const size_t expected = http::KServeElementSize(tensor.dtype()) * numel;
  if (bytes.size() != expected) {
    return InvalidArgument(where + ": raw_input_contents has " + std::to_string(bytes.size()) +
                           " bytes but shape " + ShapeToString(tensor.shape()) + " of " +
                           std::string(DataTypeToKServe(tensor.dtype())) + " needs " +
                           std::to_string(expected) + " bytes");
  }
  if (tensor.dtype() == DataType::kBool) {
    bool* out = tensor.data<bool>();
    for (size_t i = 0; i < bytes.size(); ++i) out[i] = bytes[i] != 0;
  } else if (expected > 0) {
    std::memcpy(tensor.raw_data(), bytes.data(), expected);  // little-endian wire and host
  }
  return Status::Ok();
}

StatusOr<InferenceRequest> ToRequestImpl(const inference::ModelInferRequest& in,
                                         const GrpcParseOptions& options) {
  InferenceRequest request;
  request.model_name = in.model_name();
  if (request.model_name.empty()) return InvalidArgument("'model_name' is missing");
  ASSIGN_OR_RETURN(request.model_version, ParseModelVersion(in.model_name(), in.model_version()));
  request.id = in.id();
  ASSIGN_OR_RETURN(request.priority, GetIntParameter(in.parameters(), "priority", 0));
  ASSIGN_OR_RETURN(request.timeout_us, GetIntParameter(in.parameters(), "timeout", 0));
  if (request.timeout_us < 0)
    return InvalidArgument("request parameter 'timeout' must not be negative");

  const bool raw = in.raw_input_contents_size() > 0;
  if (raw && in.raw_input_contents_size() != in.inputs_size()) {
    return InvalidArgument("raw_input_contents has " +
                           std::to_string(in.raw_input_contents_size()) +
                           " entries but there are " + std::to_string(in.inputs_size()) +
                           " inputs; give one entry per input, in input order");
  }
  std::unordered_set<std::string> seen;
  request.inputs.reserve(static_cast<size_t>(in.inputs_size()));
  for (int i = 0; i < in.inputs_size(); ++i) {
    const InputTensor& input = in.inputs(i);
    if (input.name().empty())
      return InvalidArgument("inputs[" + std::to_string(i) + "]: 'name' is missing");
    const std::string where = "input " + Quote(input.name());
    if (!seen.insert(input.name()).second) return InvalidArgument(where + " is given twice");
    if (input.datatype().empty()) return InvalidArgument(where + ": 'datatype' is missing");
    const std::optional<DataType> dtype = DataTypeFromKServe(input.datatype());
    if (!dtype) {
      return InvalidArgument(where + ": unknown datatype " + Quote(input.datatype()) +
                             " (expected one of " + http::KServeDataTypeList() + ")");
    }
    if (input.parameters().contains("shared_memory_region")) {
      return InvalidArgument(
          where + ": parameter 'shared_memory_region' is not supported (no shared memory)");
    }
    ASSIGN_OR_RETURN(Shape shape, CheckShape(input, where, options.max_tensor_elements));
    const int64_t numel = NumElements(shape);
    const std::string given = input.has_contents() ? FilledFields(input.contents()) : "";

    if (raw) {
      if (!given.empty()) {
        return InvalidArgument(where + ": has typed contents (" + given +
                               ") but the request uses raw_input_contents; give one or the other");
      }
      const std::string& bytes = in.raw_input_contents(i);
      if (*dtype != DataType::kString) {
        const size_t expected = http::KServeElementSize(*dtype) * static_cast<size_t>(numel);
        if (bytes.size() != expected) {
          return InvalidArgument(where + ": raw_input_contents has " +
                                 std::to_string(bytes.size()) + " bytes but shape " +
                                 ShapeToString(shape) + " of " + input.datatype() + " needs " +
                                 std::to_string(expected) + " bytes");
        }
      } else if (bytes.size() / 4 < static_cast<size_t>(numel)) {
        return InvalidArgument(
            where + ": raw_input_contents has " + std::to_string(bytes.size()) + " bytes but the " +
            std::to_string(numel) + " BYTES elements of shape " + ShapeToString(shape) +
            " need at least " + std::to_string(4 * numel) + " bytes (4 per length)");
      }
      Tensor tensor = Tensor::Uninitialized(*dtype, shape);  // sizes checked: every element is written
      RETURN_IF_ERROR(FillFromRaw(bytes, tensor, where));
      request.inputs.push_back(InferTensor{input.name(), std::move(tensor)});
      continue;
    }

    const ContentsField field = FieldFor(*dtype, input.contents());
    if (field.name == nullptr) {
      return InvalidArgument(where + ": " + input.datatype() +
                             " has no typed contents field; send it in raw_input_contents");
    }
    if (field.size != numel) {
      std::string message = where + ": '" + field.name + "' has " + std::to_string(field.size) +
                            " elements but shape " + ShapeToString(shape) + " needs " +
                            std::to_string(numel);
      if (field.size == 0 && !given.empty())
        message += " (" + input.datatype() + " data goes in " + field.name + ", got " + given + ")";
      else if (field.size == 0 && numel > 0)
        message += " (no contents and no raw_input_contents)";
      return InvalidArgument(message);
    }
    Tensor tensor = Tensor::Uninitialized(*dtype, shape);  // field.size == numel: every element is written
    RETURN_IF_ERROR(FillFromContents(input.contents(), tensor, where));
    request.inputs.push_back(InferTensor{input.name(), std::move(tensor)});
  }

  std::unordered_set<std::string> requested;
  for (int i = 0; i < in.outputs_size(); ++i) {
    const auto& output = in.outputs(i);
    if (output.name().empty())
      return InvalidArgument("outputs[" + std::to_string(i) + "]: 'name' is missing");
    const std::string where = "output " + Quote(output.name());
    if (!requested.insert(output.name()).second)
      return InvalidArgument(where + " is requested twice");
    if (output.parameters().contains("classification"))
      return InvalidArgument(where + ": parameter 'classification' is not supported");
    if (output.parameters().contains("shared_memory_region")) {
      return InvalidArgument(
          where + ": parameter 'shared_memory_region' is not supported (no shared memory)");
    }
    request.requested_outputs.push_back(output.name());
  }
  return request;
}

void AppendRaw(const Tensor& t, std::string* out) {
  if (t.dtype() == DataType::kString) {
    const std::string* s = t.data<std::string>();
    size_t total = 0;
    for (int64_t i = 0; i < t.numel(); ++i) total += 4 + s[i].size();
    out->reserve(total);
    for (int64_t i = 0; i < t.numel(); ++i) {
      const uint32_t n = static_cast<uint32_t>(s[i].size());
      const char length[4] = {static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff),
                              static_cast<char>((n >> 16) & 0xff),
                              static_cast<char>((n >> 24) & 0xff)};
      out->append(length, 4);
      out->append(s[i]);
    }
    return;
  }
  if (t.dtype() == DataType::kBool) {
    const bool* b = t.data<bool>();
    out->resize(static_cast<size_t>(t.numel()));
    for (int64_t i = 0; i < t.numel(); ++i) (*out)[static_cast<size_t>(i)] = b[i] ? 1 : 0;
    return;
  }
  out->assign(static_cast<const char*>(t.raw_data()), t.nbytes());
}

}  // namespace

StatusOr<int64_t> ParseModelVersion(const std::string& model, const std::string& version) {
  if (version.empty()) return kLatestVersion;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(version.data(), version.data() + version.size(), v);
  if (ec != std::errc() || end != version.data() + version.size() || v < 0) {
    return InvalidArgument("model '" + model + "': version must be a non-negative integer, got '" +
                           version.substr(0, 200) + "'");
  }
  return v;
}

StatusOr<InferenceRequest> ToInferenceRequest(const inference::ModelInferRequest& request,
                                              const GrpcParseOptions& options) {
  try {
    return ToRequestImpl(request, options);
  } catch (const std::bad_alloc&) {
    return ResourceExhausted("out of memory while parsing the request");
  }
}

Status ToModelInferResponse(const InferenceResponse& response, inference::ModelInferResponse* out) {
  out->Clear();
  out->set_model_name(response.model_name);
  out->set_model_version(std::to_string(response.model_version));
  out->set_id(response.id);
  for (const InferTensor& output : response.outputs) {
    const std::string_view datatype = DataTypeToKServe(output.tensor.dtype());
    if (datatype.empty()) {
      return Internal("output '" + output.name + "' has a datatype the protocol cannot carry (" +
                      std::string(DataTypeName(output.tensor.dtype())) + ")");
    }
    auto* tensor = out->add_outputs();
    tensor->set_name(output.name);
    tensor->set_datatype(std::string(datatype));
    for (int64_t d : output.tensor.shape()) tensor->add_shape(d);
    AppendRaw(output.tensor, out->add_raw_output_contents());
  }
  return Status::Ok();
}

::grpc::Status ToGrpcStatus(const Status& status) {
  if (status.ok()) return ::grpc::Status::OK;
  return ::grpc::Status(static_cast<::grpc::StatusCode>(static_cast<int>(status.code())),
                        status.message());
}

}  // namespace berth::grpc_frontend
