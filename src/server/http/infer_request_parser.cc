#include "server/http/infer_request_parser.h"

#include <array>
#include <charconv>
#include <cstring>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
// As libsimdjson was built (its CMake target defines it; CMakeLists.txt links the file only).
#ifndef SIMDJSON_THREADS_ENABLED
#define SIMDJSON_THREADS_ENABLED 1
#endif
#include <simdjson.h>
#include <unordered_set>

#include "server/http/wire_format.h"

namespace berth::http {
namespace {

// The JSON part is read with simdjson's DOM parser: one pass that builds a flat tape (numbers
// already converted, strings unescaped) in buffers the parser keeps, so a small request allocates
// nothing for its JSON (the nlohmann::json DOM it replaced was ~8 % of serving a tiny model, plus
// most of its malloc time). nlohmann::json only sees text simdjson refuses (see ParseJson).
using simdjson::dom::element;
using simdjson::dom::element_type;

// Nested "data" arrays deeper than this are refused (a tensor of rank 64 is already absurd).
constexpr int kMaxDataDepth = 64;
// Requests up to this size are parsed by a parser each thread keeps (its buffers are ~14 times the
// largest document it has seen, so at most ~1 MB per thread); larger ones get a parser of their
// own, freed afterwards.
constexpr size_t kReusedParserMaxBytes = 64 * 1024;

std::string Quote(std::string_view s) { return "'" + std::string(s.substr(0, 200)) + "'"; }

// A short rendering of a JSON value for error messages.
std::string Brief(element v) {
  std::string text = simdjson::minify(v);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

std::string TypeName(element v) {
  switch (v.type()) {
    case element_type::ARRAY: return "an array";
    case element_type::OBJECT: return "an object";
    case element_type::STRING: return "a string";
    case element_type::BOOL: return "a boolean";
    case element_type::NULL_VALUE: return "null";
    default: return "a number";
  }
}

bool IsNull(element v) { return v.type() == element_type::NULL_VALUE; }
bool IsObject(element v) { return v.type() == element_type::OBJECT; }
bool IsArray(element v) { return v.type() == element_type::ARRAY; }
bool IsString(element v) { return v.type() == element_type::STRING; }
bool IsBool(element v) { return v.type() == element_type::BOOL; }
bool IsInteger(element v) {
  return v.type() == element_type::INT64 || v.type() == element_type::UINT64;
}
bool IsNumber(element v) { return IsInteger(v) || v.type() == element_type::DOUBLE; }

// The value of `key` in object `object`, if present. When a key repeats, the last one counts (as it
// did with nlohmann::json). The objects of a request have a handful of keys, so a scan is cheapest.
std::optional<element> Find(element object, std::string_view key) {
  std::optional<element> found;
  const simdjson::dom::object fields = object.get_object().value_unsafe();
  for (simdjson::dom::key_value_pair field : fields) {
    if (field.key == key) found = field.value;
  }
  return found;
}

// Tells whether a name was seen before. Requests name a few tensors: those are compared in place;
// a set is only built for many (so that a request with thousands of inputs stays linear).
class UniqueNames {
 public:
  bool Insert(std::string_view name) {
    if (set_.empty()) {
      for (size_t i = 0; i < count_; ++i) {
        if (few_[i] == name) return false;
      }
      if (count_ < kFew) {
        few_[count_++] = name;
        return true;
      }
      set_.insert(few_.begin(), few_.end());
    }
    return set_.insert(name).second;
  }

 private:
  static constexpr size_t kFew = 16;
  std::array<std::string_view, kFew> few_;
  size_t count_ = 0;
  std::unordered_set<std::string_view> set_;
};

std::string_view StringOf(element v) { return v.get_string().value_unsafe(); }
simdjson::dom::array ArrayOf(element v) { return v.get_array().value_unsafe(); }

// Parses "parameters" values of the forms the protocol allows (bool / int64 / string).
StatusOr<bool> GetBoolParameter(element params, const char* key, const std::string& where,
                                bool fallback) {
  std::optional<element> it = Find(params, key);
  if (!it) return fallback;
  if (!IsBool(*it)) {
    return InvalidArgument(where + "parameter '" + key + "' must be a boolean, got " + Brief(*it));
  }
  return it->get_bool().value_unsafe();
}

StatusOr<int64_t> GetIntParameter(element params, const char* key, const std::string& where,
                                  int64_t fallback) {
  std::optional<element> it = Find(params, key);
  if (!it) return fallback;
  // simdjson types an integer UINT64 only when it does not fit in int64.
  if (it->type() == element_type::UINT64) {
    return InvalidArgument(where + "parameter '" + key + "' is out of range: " + Brief(*it));
  }
  if (it->type() == element_type::INT64) return it->get_int64().value_unsafe();
  return InvalidArgument(where + "parameter '" + key + "' must be an integer, got " + Brief(*it));
}

StatusOr<Shape> ParseShape(element input, const std::string& where, int64_t max_elements) {
  std::optional<element> it = Find(input, "shape");
  if (!it) return InvalidArgument(where + ": 'shape' is missing");
  if (!IsArray(*it))
    return InvalidArgument(where + ": 'shape' must be an array of integers, got " + Brief(*it));
  Shape shape;
  shape.reserve(ArrayOf(*it).size());
  int64_t numel = 1;
  for (element d : ArrayOf(*it)) {
    uint64_t dim = 0;
    if (d.type() == element_type::UINT64) {
      dim = d.get_uint64().value_unsafe();
    } else if (d.type() == element_type::INT64 && d.get_int64().value_unsafe() >= 0) {
      dim = static_cast<uint64_t>(d.get_int64().value_unsafe());
    } else {
      return InvalidArgument(where + ": 'shape' must hold non-negative integers, got " +
                             Brief(*it));
    }
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

Status TooDeep(const std::string& where) {
  return InvalidArgument(where + ": 'data' is nested more than " + std::to_string(kMaxDataDepth) +
                         " levels deep");
}

// Visits the leaves of a flat or nested "data" array in row-major order.
template <typename Emit>
Status VisitLeaves(element value, int depth, int64_t& index, const std::string& where, Emit& emit) {
  if (!IsArray(value)) {
    RETURN_IF_ERROR(emit(value, index));
    ++index;
    return Status::Ok();
  }
  if (depth >= kMaxDataDepth) return TooDeep(where);
  for (element e : ArrayOf(value)) {
    if (IsArray(e)) {
      RETURN_IF_ERROR(VisitLeaves(e, depth + 1, index, where, emit));
    } else {
      RETURN_IF_ERROR(emit(e, index));  // the common flat case without a call per element
      ++index;
    }
  }
  return Status::Ok();
}

// Counts the leaves (to check them against the shape before writing anything).
StatusOr<int64_t> CountLeaves(element value, int depth, const std::string& where) {
  if (!IsArray(value)) return int64_t{1};
  if (depth >= kMaxDataDepth) return TooDeep(where);
  int64_t total = 0;
  for (element e : ArrayOf(value)) {
    if (!IsArray(e)) {
      ++total;
      continue;
    }
    ASSIGN_OR_RETURN(int64_t n, CountLeaves(e, depth + 1, where));
    total += n;
  }
  return total;
}

std::string ElementError(const std::string& where, int64_t index, element v,
                         std::string_view datatype) {
  return where + ": element " + std::to_string(index) + " (" + Brief(v) + ") is not a valid " +
         std::string(datatype) + " value";
}

// Any JSON number as a double (how nlohmann::json's get<double>() read it).
double NumberOf(element v) {
  switch (v.type()) {
    case element_type::INT64: return static_cast<double>(v.get_int64().value_unsafe());
    case element_type::UINT64: return static_cast<double>(v.get_uint64().value_unsafe());
    default: return v.get_double().value_unsafe();
  }
}

template <typename T>
Status FillFloat(element data, Tensor& tensor, const std::string& where,
                 std::string_view datatype) {
  T* out = tensor.data<T>();
  int64_t index = 0;
  auto emit = [&](element v, int64_t i) -> Status {
    if (v.type() == element_type::DOUBLE) {
      out[i] = static_cast<T>(v.get_double().value_unsafe());
    } else if (IsInteger(v)) {
      out[i] = static_cast<T>(NumberOf(v));
    } else {
      return InvalidArgument(ElementError(where, i, v, datatype));
    }
    return Status::Ok();
  };
  return VisitLeaves(data, 0, index, where, emit);
}

template <typename T>
Status FillReduced(element data, Tensor& tensor, const std::string& where,
                   std::string_view datatype) {
  T* out = tensor.data<T>();
  int64_t index = 0;
  auto emit = [&](element v, int64_t i) -> Status {
    if (!IsNumber(v)) return InvalidArgument(ElementError(where, i, v, datatype));
    out[i] = T(static_cast<float>(NumberOf(v)));
    return Status::Ok();
  };
  return VisitLeaves(data, 0, index, where, emit);
}

template <typename T>
Status FillInteger(element data, Tensor& tensor, const std::string& where,
                   std::string_view datatype) {
  T* out = tensor.data<T>();
  int64_t index = 0;
  auto emit = [&](element v, int64_t i) -> Status {
    if (v.type() == element_type::UINT64) {
      const uint64_t u = v.get_uint64().value_unsafe();
      if (u <= static_cast<uint64_t>(std::numeric_limits<T>::max())) {
        out[i] = static_cast<T>(u);
        return Status::Ok();
      }
    } else if (v.type() == element_type::INT64) {
      const int64_t s = v.get_int64().value_unsafe();
      if (s >= 0) {
        if (static_cast<uint64_t>(s) <= static_cast<uint64_t>(std::numeric_limits<T>::max())) {
          out[i] = static_cast<T>(s);
          return Status::Ok();
        }
      } else if constexpr (std::is_signed_v<T>) {
        if (s >= static_cast<int64_t>(std::numeric_limits<T>::min())) {
          out[i] = static_cast<T>(s);
          return Status::Ok();
        }
      }
    }
    return InvalidArgument(ElementError(where, i, v, datatype));
  };
  return VisitLeaves(data, 0, index, where, emit);
}

Status FillBool(element data, Tensor& tensor, const std::string& where) {
  bool* out = tensor.data<bool>();
  int64_t index = 0;
  auto emit = [&](element v, int64_t i) -> Status {
    if (!IsBool(v)) return InvalidArgument(ElementError(where, i, v, "BOOL"));
    out[i] = v.get_bool().value_unsafe();
    return Status::Ok();
  };
  return VisitLeaves(data, 0, index, where, emit);
}

Status FillBytes(element data, Tensor& tensor, const std::string& where) {
  std::string* out = tensor.data<std::string>();
  int64_t index = 0;
  auto emit = [&](element v, int64_t i) -> Status {
    if (!IsString(v))
      return InvalidArgument(ElementError(where, i, v, "BYTES") + " (BYTES elements are strings)");
    out[i] = StringOf(v);
    return Status::Ok();
  };
  return VisitLeaves(data, 0, index, where, emit);
}

Status FillFromJson(element data, Tensor& tensor, const std::string& where) {
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

// The "name" of entry `index` of the "inputs" or "outputs" array, which must be an object.
StatusOr<std::string_view> EntryName(element entry, const char* list, size_t index) {
  auto where = [&] { return std::string(list) + "[" + std::to_string(index) + "]"; };  // errors only
  if (!IsObject(entry)) return InvalidArgument(where() + " must be an object, got " + TypeName(entry));
  std::optional<element> name = Find(entry, "name");
  if (!name || !IsString(*name)) return InvalidArgument(where() + ": 'name' is missing or not a string");
  return StringOf(*name);
}

Status ParseOutputs(element root, ParsedInferRequest& parsed) {
  std::optional<element> it = Find(root, "outputs");
  if (!it || IsNull(*it)) return Status::Ok();
  if (!IsArray(*it)) return InvalidArgument("'outputs' must be an array, got " + TypeName(*it));
  UniqueNames seen;
  size_t i = 0;
  for (element output : ArrayOf(*it)) {
    const size_t index = i++;
    ASSIGN_OR_RETURN(const std::string_view output_name, EntryName(output, "outputs", index));
    if (!seen.Insert(output_name))
      return InvalidArgument("output " + Quote(output_name) + " is requested twice");
    std::optional<element> params = Find(output, "parameters");
    if (params && !IsNull(*params)) {
      const std::string where = "output " + Quote(output_name);
      if (!IsObject(*params)) return InvalidArgument(where + ": 'parameters' must be an object");
      if (Find(*params, "classification")) {
        return InvalidArgument(where + ": parameter 'classification' is not supported");
      }
      if (Find(*params, "shared_memory_region")) {
        return InvalidArgument(
            where + ": parameter 'shared_memory_region' is not supported (no shared memory)");
      }
      if (Find(*params, "binary_data")) {
        ASSIGN_OR_RETURN(bool binary,
                         GetBoolParameter(*params, "binary_data", where + ": ", false));
        parsed.encoding.binary_by_output[std::string(output_name)] = binary;
      }
    }
    parsed.request.requested_outputs.emplace_back(output_name);
  }
  return Status::Ok();
}

// Parses the JSON part into `root` (which points into `parser`). Text simdjson refuses goes to
// nlohmann::json, which words syntax errors with their place; text that nlohmann reads but simdjson
// does not (integers beyond 64 bits, which nlohmann reads as floating point, or nesting deeper
// than 1024) is written out again by nlohmann and parsed from that.
Status ParseJson(std::string_view header, simdjson::dom::parser& parser, element* root) {
  const simdjson::error_code error = parser.parse(header.data(), header.size()).get(*root);
  if (!error) return Status::Ok();
  std::string normalized;
  try {
    normalized = nlohmann::json::parse(header.begin(), header.end())
                     .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument(std::string("request body is not valid JSON: ") + e.what());
  }
  if (!parser.parse(normalized).get(*root)) return Status::Ok();
  return InvalidArgument(std::string("request body is not valid JSON: ") +
                         simdjson::error_message(error));
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

  // The elements below point into the parser's buffers, so it outlives them.
  thread_local simdjson::dom::parser reused_parser;
  std::unique_ptr<simdjson::dom::parser> own_parser;
  simdjson::dom::parser* parser = &reused_parser;
  if (header.size() > kReusedParserMaxBytes) {
    own_parser = std::make_unique<simdjson::dom::parser>();
    parser = own_parser.get();
  }
  element root;
  RETURN_IF_ERROR(ParseJson(header, *parser, &root));
  if (!IsObject(root))
    return InvalidArgument("request body must be a JSON object, got " + TypeName(root));

  ParsedInferRequest parsed;
  InferenceRequest& request = parsed.request;
  request.model_name = model_name;
  request.model_version = model_version;

  if (auto id = Find(root, "id"); id && !IsNull(*id)) {
    if (!IsString(*id)) return InvalidArgument("'id' must be a string, got " + Brief(*id));
    request.id = StringOf(*id);
  }
  if (auto params = Find(root, "parameters"); params && !IsNull(*params)) {
    if (!IsObject(*params))
      return InvalidArgument("'parameters' must be an object, got " + TypeName(*params));
    ASSIGN_OR_RETURN(parsed.encoding.binary_by_default,
                     GetBoolParameter(*params, "binary_data_output", "request ", false));
    ASSIGN_OR_RETURN(request.priority, GetIntParameter(*params, "priority", "request ", 0));
    ASSIGN_OR_RETURN(request.timeout_us, GetIntParameter(*params, "timeout", "request ", 0));
    if (request.timeout_us < 0)
      return InvalidArgument("request parameter 'timeout' must not be negative");
  }

  std::optional<element> inputs = Find(root, "inputs");
  if (!inputs) return InvalidArgument("'inputs' is missing");
  if (!IsArray(*inputs))
    return InvalidArgument("'inputs' must be an array, got " + TypeName(*inputs));
  request.inputs.reserve(ArrayOf(*inputs).size());
  UniqueNames names;
  size_t i = 0;
  for (element input : ArrayOf(*inputs)) {
    const size_t index = i++;
    ASSIGN_OR_RETURN(const std::string_view input_name, EntryName(input, "inputs", index));
    const std::string where = "input " + Quote(input_name);
    if (!names.Insert(input_name)) return InvalidArgument(where + " is given twice");

    std::optional<element> datatype = Find(input, "datatype");
    if (!datatype || !IsString(*datatype)) {
      return InvalidArgument(where + ": 'datatype' is missing or not a string");
    }
    const std::optional<DataType> dtype = DataTypeFromKServe(StringOf(*datatype));
    if (!dtype) {
      return InvalidArgument(where + ": unknown datatype " + Quote(StringOf(*datatype)) +
                             " (expected one of " + KServeDataTypeList() + ")");
    }
    ASSIGN_OR_RETURN(Shape shape, ParseShape(input, where, options.max_tensor_elements));

    std::optional<int64_t> binary_size;
    if (auto params = Find(input, "parameters"); params && !IsNull(*params)) {
      if (!IsObject(*params)) return InvalidArgument(where + ": 'parameters' must be an object");
      if (Find(*params, "shared_memory_region")) {
        return InvalidArgument(
            where + ": parameter 'shared_memory_region' is not supported (no shared memory)");
      }
      if (Find(*params, "binary_data_size")) {
        ASSIGN_OR_RETURN(int64_t size,
                         GetIntParameter(*params, "binary_data_size", where + ": ", 0));
        if (size < 0)
          return InvalidArgument(where + ": parameter 'binary_data_size' must not be negative");
        binary_size = size;
      }
    }
    std::optional<element> data = Find(input, "data");
    const bool has_data = data && !IsNull(*data);
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
      // Every element is written below (the size was just checked), so no zero-fill first.
      Tensor tensor = Tensor::Uninitialized(*dtype, shape);
      RETURN_IF_ERROR(
          FillFromBinary(binary.substr(0, static_cast<size_t>(*binary_size)), tensor, where));
      binary.remove_prefix(static_cast<size_t>(*binary_size));
      parsed.binary_bytes += *binary_size;
      request.inputs.push_back(InferTensor{std::string(input_name), std::move(tensor)});
    } else {
      ASSIGN_OR_RETURN(int64_t count, CountLeaves(*data, 0, where));
      if (count != NumElements(shape)) {
        return InvalidArgument(where + ": 'data' has " + std::to_string(count) +
                               " elements but shape " + ShapeToString(shape) + " needs " +
                               std::to_string(NumElements(shape)));
      }
      Tensor tensor = Tensor::Uninitialized(*dtype, shape);  // every element is written (count checked)
      RETURN_IF_ERROR(FillFromJson(*data, tensor, where));
      request.inputs.push_back(InferTensor{std::string(input_name), std::move(tensor)});
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
