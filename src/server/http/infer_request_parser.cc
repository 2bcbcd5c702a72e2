#include "server/http/infer_request_parser.h"

#include <charconv>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "server/http/wire_format.h"

namespace berth::http {
namespace {

using nlohmann::json;

// Nested "data" arrays deeper than this are refused (a tensor of rank 64 is already absurd).
constexpr int kMaxDataDepth = 64;

std::string Quote(std::string_view s) { return "'" + std::string(s.substr(0, 200)) + "'"; }

// A short rendering of a JSON value for error messages.
std::string Brief(const json& v) {
  std::string text = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

std::string TypeName(const json& v) {
  if (v.is_array()) return "an array";
  if (v.is_object()) return "an object";
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_null()) return "null";
  return "a number";
}

// Parses "parameters" values of the forms the protocol allows (bool / int64 / string).
StatusOr<bool> GetBoolParameter(const json& params, const char* key, const std::string& where,
                                bool fallback) {
  auto it = params.find(key);
  if (it == params.end()) return fallback;
  if (!it->is_boolean()) {
    return InvalidArgument(where + "parameter '" + key + "' must be a boolean, got " + Brief(*it));
  }
  return it->get<bool>();
}

StatusOr<int64_t> GetIntParameter(const json& params, const char* key, const std::string& where,
                                  int64_t fallback) {
  auto it = params.find(key);
  if (it == params.end()) return fallback;
  if (it->is_number_unsigned()) {
    const uint64_t v = it->get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return InvalidArgument(where + "parameter '" + key + "' is out of range: " + Brief(*it));
    }
    return static_cast<int64_t>(v);
  }
  if (it->is_number_integer()) return it->get<int64_t>();
  return InvalidArgument(where + "parameter '" + key + "' must be an integer, got " + Brief(*it));
}

StatusOr<Shape> ParseShape(const json& input, const std::string& where, int64_t max_elements) {
  auto it = input.find("shape");
  if (it == input.end()) return InvalidArgument(where + ": 'shape' is missing");
  if (!it->is_array())
    return InvalidArgument(where + ": 'shape' must be an array of integers, got " + Brief(*it));
  Shape shape;
  shape.reserve(it->size());
  int64_t numel = 1;
  for (const json& d : *it) {
    if (!d.is_number_integer() || (!d.is_number_unsigned() && d.get<int64_t>() < 0)) {
      return InvalidArgument(where + ": 'shape' must hold non-negative integers, got " +
                             Brief(*it));
    }
    const uint64_t dim = d.get<uint64_t>();
    if (dim > static_cast<uint64_t>(max_elements)) {
      return InvalidArgument(where + ": shape " + Brief(*it) + " has more than the limit of " +
                             std::to_string(max_elements) + " elements");
    }
    shape.push_back(static_cast<int64_t>(dim));
    if (numel != 0) {
      numel = dim == 0 ? 0 : numel * static_cast<int64_t>(dim);
      if (numel > max_elements) {
        return InvalidArgument(where + ": shape " + Brief(*it) + " has more than the limit of " +
                               std::to_string(max_elements) + " elements");
      }
    }
  }
  return shape;
}

// Visits the leaves of a flat or nested "data" array in row-major order.
template <typename Emit>
Status VisitLeaves(const json& value, int depth, int64_t& index, const std::string& where,
                   Emit& emit) {
  if (!value.is_array()) {
    RETURN_IF_ERROR(emit(value, index));
    ++index;
    return Status::Ok();
  }
  if (depth >= kMaxDataDepth) {
    return InvalidArgument(where + ": 'data' is nested more than " + std::to_string(kMaxDataDepth) +
                           " levels deep");
  }
  for (const json& element : value)
    RETURN_IF_ERROR(VisitLeaves(element, depth + 1, index, where, emit));
  return Status::Ok();
}

// Counts the leaves (to check them against the shape before writing anything).
StatusOr<int64_t> CountLeaves(const json& value, int depth, const std::string& where) {
  if (!value.is_array()) return int64_t{1};
  if (depth >= kMaxDataDepth) {
    return InvalidArgument(where + ": 'data' is nested more than " + std::to_string(kMaxDataDepth) +
                           " levels deep");
  }
  int64_t total = 0;
  for (const json& element : value) {
    ASSIGN_OR_RETURN(int64_t n, CountLeaves(element, depth + 1, where));
    total += n;
  }
  return total;
}

std::string ElementError(const std::string& where, int64_t index, const json& v,
                         std::string_view datatype) {
  return where + ": element " + std::to_string(index) + " (" + Brief(v) + ") is not a valid " +
         std::string(datatype) + " value";
}

template <typename T>
Status FillFloat(const json& data, Tensor& tensor, const std::string& where,
                 std::string_view datatype) {
  T* out = tensor.data<T>();
  int64_t index = 0;
  auto emit = [&](const json& v, int64_t i) -> Status {
    if (!v.is_number()) return InvalidArgument(ElementError(where, i, v, datatype));
    out[i] = static_cast<T>(v.get<double>());
    return Status::Ok();
  };
  return VisitLeaves(data, 0, index, where, emit);
}

template <typename T>
Status FillReduced(const json& data, Tensor& tensor, const std::string& where,
                   std::string_view datatype) {
  T* out = tensor.data<T>();
  int64_t index = 0;
  auto emit = [&](const json& v, int64_t i) -> Status {
    if (!v.is_number()) return InvalidArgument(ElementError(where, i, v, datatype));
    out[i] = T(static_cast<float>(v.get<double>()));
    return Status::Ok();
  };
  return VisitLeaves(data, 0, index, where, emit);
}

template <typename T>
Status FillInteger(const json& data, Tensor& tensor, const std::string& where,
                   std::string_view datatype) {
  T* out = tensor.data<T>();
  int64_t index = 0;
  auto emit = [&](const json& v, int64_t i) -> Status {
    if (v.is_number_unsigned()) {
      const uint64_t u = v.get<uint64_t>();
      if (u <= static_cast<uint64_t>(std::numeric_limits<T>::max())) {
        out[i] = static_cast<T>(u);
        return Status::Ok();
      }
    } else if (v.is_number_integer()) {
      const int64_t s = v.get<int64_t>();
      if constexpr (std::is_signed_v<T>) {
        if (s >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
            s <= static_cast<int64_t>(std::numeric_limits<T>::max())) {
          out[i] = static_cast<T>(s);
          return Status::Ok();
        }
      }
    }
    return InvalidArgument(ElementError(where, i, v, datatype));
  };
  return VisitLeaves(data, 0, index, where, emit);
}

Status FillBool(const json& data, Tensor& tensor, const std::string& where) {
  bool* out = tensor.data<bool>();
  int64_t index = 0;
  auto emit = [&](const json& v, int64_t i) -> Status {
    if (!v.is_boolean()) return InvalidArgument(ElementError(where, i, v, "BOOL"));
    out[i] = v.get<bool>();
    return Status::Ok();
  };
  return VisitLeaves(data, 0, index, where, emit);
}

Status FillBytes(const json& data, Tensor& tensor, const std::string& where) {
  std::string* out = tensor.data<std::string>();
  int64_t index = 0;
  auto emit = [&](const json& v, int64_t i) -> Status {
    if (!v.is_string())
      return InvalidArgument(ElementError(where, i, v, "BYTES") + " (BYTES elements are strings)");
    out[i] = v.get_ref<const std::string&>();
    return Status::Ok();
  };
  return VisitLeaves(data, 0, index, where, emit);
}

Status FillFromJson(const json& data, Tensor& tensor, const std::string& where) {
  const std::string_view datatype = DataTypeToKServe(tensor.dtype());
  switch (tensor.dtype()) {
    case DataType::kFloat32:
      return FillFloat<float>(data, tensor, where, datatype);
    case DataType::kFloat64:
      return FillFloat<double>(data, tensor, where, datatype);
    case DataType::kFloat16:
      return FillReduced<Float16>(data, tensor, where, datatype);
    case DataType::kBFloat16:
      return FillReduced<BFloat16>(data, tensor, where, datatype);
    case DataType::kInt8:
      return FillInteger<int8_t>(data, tensor, where, datatype);
    case DataType::kInt16:
      return FillInteger<int16_t>(data, tensor, where, datatype);
    case DataType::kInt32:
      return FillInteger<int32_t>(data, tensor, where, datatype);
    case DataType::kInt64:
      return FillInteger<int64_t>(data, tensor, where, datatype);
    case DataType::kUint8:
      return FillInteger<uint8_t>(data, tensor, where, datatype);
    case DataType::kUint16:
      return FillInteger<uint16_t>(data, tensor, where, datatype);
    case DataType::kUint32:
      return FillInteger<uint32_t>(data, tensor, where, datatype);
    case DataType::kUint64:
      return FillInteger<uint64_t>(data, tensor, where, datatype);
    case DataType::kBool:
      return FillBool(data, tensor, where);
    case DataType::kString:
      return FillBytes(data, tensor, where);
    default:
      return InvalidArgument(where + ": datatype is not supported");
  }
}

// Checks that `bytes` can hold the tensor before anything is allocated, so a small request cannot
// make the server allocate a huge tensor.
Status CheckBinarySize(size_t bytes, DataType dtype, const Shape& shape, const std::string& where) {
  const size_t numel = static_cast<size_t>(NumElements(shape));
  if (dtype == DataType::kString) {
    if (bytes < 4 * numel) {
      return InvalidArgument(where + ": binary_data_size is " + std::to_string(bytes) +
                             " but the " + std::to_string(numel) + " BYTES elements of shape " +
                             ShapeToString(shape) + " need at least " + std::to_string(4 * numel) +
                             " bytes (4 per length)");
    }
    return Status::Ok();
  }
  const size_t expected = KServeElementSize(dtype) * numel;
  if (bytes != expected) {
    return InvalidArgument(where + ": binary_data_size is " + std::to_string(bytes) +
                           " but shape " + ShapeToString(shape) + " of " +
                           std::string(DataTypeToKServe(dtype)) + " needs " +
                           std::to_string(expected) + " bytes");
  }
  return Status::Ok();
}

Status FillFromBinary(std::string_view bytes, Tensor& tensor, const std::string& where) {
  if (tensor.dtype() == DataType::kString) {
    std::string* out = tensor.data<std::string>();
    size_t pos = 0;
    for (int64_t i = 0; i < tensor.numel(); ++i) {
      if (bytes.size() - pos < 4) {
        return InvalidArgument(where + ": binary BYTES data ends inside the length of element " +
                               std::to_string(i) + " (shape " + ShapeToString(tensor.shape()) +
                               " needs " + std::to_string(tensor.numel()) + " elements)");
      }
      uint32_t length = 0;
      for (int b = 3; b >= 0; --b)
        length = (length << 8) | static_cast<unsigned char>(bytes[pos + static_cast<size_t>(b)]);
      pos += 4;
      if (length > bytes.size() - pos) {
        return InvalidArgument(where + ": binary BYTES element " + std::to_string(i) +
                               " has length " + std::to_string(length) + " but only " +
                               std::to_string(bytes.size() - pos) + " bytes remain");
      }
      out[i].assign(bytes.data() + pos, length);
      pos += length;
    }
    if (pos != bytes.size()) {
      return InvalidArgument(where + ": binary_data_size is " + std::to_string(bytes.size()) +
                             " but the " + std::to_string(tensor.numel()) +
                             " BYTES elements of shape " + ShapeToString(tensor.shape()) + " use " +
                             std::to_string(pos));
    }
    return Status::Ok();
  }
  const size_t expected = KServeElementSize(tensor.dtype()) * static_cast<size_t>(tensor.numel());
  if (tensor.dtype() == DataType::kBool) {
    bool* out = tensor.data<bool>();
    for (size_t i = 0; i < bytes.size(); ++i) out[i] = bytes[i] != 0;
  } else if (expected > 0) {
    // The wire format is little-endian, as is every host we build for.
    std::memcpy(tensor.raw_data(), bytes.data(), expected);
  }
  return Status::Ok();
}

Status ParseOutputs(const json& root, ParsedInferRequest& parsed) {
  auto it = root.find("outputs");
  if (it == root.end() || it->is_null()) return Status::Ok();
  if (!it->is_array()) return InvalidArgument("'outputs' must be an array, got " + TypeName(*it));
  std::unordered_set<std::string> seen;
  for (size_t i = 0; i < it->size(); ++i) {
    const json& output = (*it)[i];
    const std::string at = "outputs[" + std::to_string(i) + "]";
    if (!output.is_object())
      return InvalidArgument(at + " must be an object, got " + TypeName(output));
    auto name = output.find("name");
    if (name == output.end() || !name->is_string())
      return InvalidArgument(at + ": 'name' is missing or not a string");
    const std::string& output_name = name->get_ref<const std::string&>();
    const std::string where = "output " + Quote(output_name);
    if (!seen.insert(output_name).second) return InvalidArgument(where + " is requested twice");
    auto params = output.find("parameters");
    if (params != output.end() && !params->is_null()) {
      if (!params->is_object()) return InvalidArgument(where + ": 'parameters' must be an object");
      if (params->contains("classification")) {
        return InvalidArgument(where + ": parameter 'classification' is not supported");
      }
      if (params->contains("shared_memory_region")) {
        return InvalidArgument(
            where + ": parameter 'shared_memory_region' is not supported (no shared memory)");
      }
      if (params->contains("binary_data")) {
        ASSIGN_OR_RETURN(bool binary,
                         GetBoolParameter(*params, "binary_data", where + ": ", false));
        parsed.encoding.binary_by_output[output_name] = binary;
      }
    }
    parsed.request.requested_outputs.push_back(output_name);
  }
  return Status::Ok();
}

StatusOr<ParsedInferRequest> ParseImpl(std::string_view body, std::optional<size_t> json_length,
                                       const std::string& model_name, int64_t model_version,
                                       const InferParseOptions& options) {
  const size_t header_size = json_length.value_or(body.size());
  if (header_size > body.size()) {
    return InvalidArgument("Inference-Header-Content-Length is " + std::to_string(header_size) +
                           " but the body has only " + std::to_string(body.size()) + " bytes");
  }
  const std::string_view header = body.substr(0, header_size);
  std::string_view binary = body.substr(header_size);

  json root;
  try {
    root = json::parse(header.begin(), header.end());
  } catch (const json::parse_error& e) {
    return InvalidArgument(std::string("request body is not valid JSON: ") + e.what());
  }
  if (!root.is_object())
    return InvalidArgument("request body must be a JSON object, got " + TypeName(root));

  ParsedInferRequest parsed;
  InferenceRequest& request = parsed.request;
  request.model_name = model_name;
  request.model_version = model_version;

  if (auto id = root.find("id"); id != root.end() && !id->is_null()) {
    if (!id->is_string()) return InvalidArgument("'id' must be a string, got " + Brief(*id));
    request.id = id->get<std::string>();
  }
  if (auto params = root.find("parameters"); params != root.end() && !params->is_null()) {
    if (!params->is_object())
      return InvalidArgument("'parameters' must be an object, got " + TypeName(*params));
    ASSIGN_OR_RETURN(parsed.encoding.binary_by_default,
                     GetBoolParameter(*params, "binary_data_output", "request ", false));
    ASSIGN_OR_RETURN(request.priority, GetIntParameter(*params, "priority", "request ", 0));
    ASSIGN_OR_RETURN(request.timeout_us, GetIntParameter(*params, "timeout", "request ", 0));
    if (request.timeout_us < 0)
      return InvalidArgument("request parameter 'timeout' must not be negative");
  }

  auto inputs = root.find("inputs");
  if (inputs == root.end()) return InvalidArgument("'inputs' is missing");
  if (!inputs->is_array())
    return InvalidArgument("'inputs' must be an array, got " + TypeName(*inputs));
  std::unordered_set<std::string> seen;
  request.inputs.reserve(inputs->size());
  for (size_t i = 0; i < inputs->size(); ++i) {
    const json& input = (*inputs)[i];
    const std::string at = "inputs[" + std::to_string(i) + "]";
    if (!input.is_object())
      return InvalidArgument(at + " must be an object, got " + TypeName(input));
    auto name = input.find("name");
    if (name == input.end() || !name->is_string())
      return InvalidArgument(at + ": 'name' is missing or not a string");
    const std::string& input_name = name->get_ref<const std::string&>();
    const std::string where = "input " + Quote(input_name);
    if (!seen.insert(input_name).second) return InvalidArgument(where + " is given twice");

    auto datatype = input.find("datatype");
    if (datatype == input.end() || !datatype->is_string()) {
      return InvalidArgument(where + ": 'datatype' is missing or not a string");
    }
    const std::optional<DataType> dtype =
        DataTypeFromKServe(datatype->get_ref<const std::string&>());
    if (!dtype) {
      return InvalidArgument(where + ": unknown datatype " +
                             Quote(datatype->get_ref<const std::string&>()) + " (expected one of " +
                             KServeDataTypeList() + ")");
    }
    ASSIGN_OR_RETURN(Shape shape, ParseShape(input, where, options.max_tensor_elements));

    std::optional<int64_t> binary_size;
    if (auto params = input.find("parameters"); params != input.end() && !params->is_null()) {
      if (!params->is_object()) return InvalidArgument(where + ": 'parameters' must be an object");
      if (params->contains("shared_memory_region")) {
        return InvalidArgument(
            where + ": parameter 'shared_memory_region' is not supported (no shared memory)");
      }
      if (params->contains("binary_data_size")) {
        ASSIGN_OR_RETURN(int64_t size,
                         GetIntParameter(*params, "binary_data_size", where + ": ", 0));
        if (size < 0)
          return InvalidArgument(where + ": parameter 'binary_data_size' must not be negative");
        binary_size = size;
      }
    }
    auto data = input.find("data");
    const bool has_data = data != input.end() && !data->is_null();
    if (has_data && binary_size) {
      return InvalidArgument(where +
                             ": has both 'data' and parameter 'binary_data_size'; give one");
    }
    if (!has_data && !binary_size) {
      return InvalidArgument(where + ": has no 'data' and no parameter 'binary_data_size'");
    }

    if (binary_size) {
      if (!json_length) {
        return InvalidArgument(where +
                               ": uses binary_data_size but the request has no "
                               "Inference-Header-Content-Length header");
      }
      if (static_cast<uint64_t>(*binary_size) > binary.size()) {
        return InvalidArgument(where + ": binary_data_size is " + std::to_string(*binary_size) +
                               " but only " + std::to_string(binary.size()) +
                               " bytes of binary data remain in the body");
      }
      RETURN_IF_ERROR(CheckBinarySize(static_cast<size_t>(*binary_size), *dtype, shape, where));
      Tensor tensor(*dtype, shape);
      RETURN_IF_ERROR(
          FillFromBinary(binary.substr(0, static_cast<size_t>(*binary_size)), tensor, where));
      binary.remove_prefix(static_cast<size_t>(*binary_size));
      parsed.binary_bytes += *binary_size;
      request.inputs.push_back(InferTensor{input_name, std::move(tensor)});
    } else {
      ASSIGN_OR_RETURN(int64_t count, CountLeaves(*data, 0, where));
      if (count != NumElements(shape)) {
        return InvalidArgument(where + ": 'data' has " + std::to_string(count) +
                               " elements but shape " + ShapeToString(shape) + " needs " +
                               std::to_string(NumElements(shape)));
      }
      Tensor tensor(*dtype, shape);
      RETURN_IF_ERROR(FillFromJson(*data, tensor, where));
      request.inputs.push_back(InferTensor{input_name, std::move(tensor)});
    }
  }
  if (!binary.empty()) {
    return InvalidArgument(
        std::to_string(binary.size()) +
        " bytes of binary data follow the last binary input; the binary_data_size "
        "parameters do not add up to the body");
  }
  RETURN_IF_ERROR(ParseOutputs(root, parsed));
  return parsed;
}

}  // namespace

StatusOr<size_t> ParseInferenceHeaderLength(std::string_view value, size_t body_size) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  size_t length = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size()) {
    return InvalidArgument("Inference-Header-Content-Length must be a non-negative integer, got " +
                           Quote(value));
  }
  if (length > body_size) {
    return InvalidArgument("Inference-Header-Content-Length is " + std::to_string(length) +
                           " but the body has only " + std::to_string(body_size) + " bytes");
  }
  return length;
}

StatusOr<ParsedInferRequest> ParseInferRequest(std::string_view body,
                                               std::optional<size_t> json_length,
                                               const std::string& model_name, int64_t model_version,
                                               const InferParseOptions& options) {
  try {
    return ParseImpl(body, json_length, model_name, model_version, options);
  } catch (const std::bad_alloc&) {
    return ResourceExhausted("out of memory while parsing the request");
  } catch (const std::exception& e) {
    // nlohmann's accessors are guarded above; this is a last line so bad input never escapes as an
    // exception.
    return InvalidArgument(std::string("malformed request: ") + e.what());
  }
}

}  // namespace berth::http
