#include "engine/onnx/tensor_proto.h"

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace berth {

namespace {

Status TensorError(const onnx::TensorProto& proto, const std::string& what) {
  return InvalidArgument("tensor '" + proto.name() + "': " + what);
}

template <typename Field, typename T, typename Convert>
void CopyTyped(const Field& field, T* out, Convert convert) {
  for (int i = 0; i < field.size(); ++i) out[i] = convert(field.Get(i));
}

// Validates a relative external-data location: no absolute paths, no "..", stays in base_dir.
StatusOr<std::string> ResolveExternalPath(const onnx::TensorProto& proto, const std::string& base_dir,
                                          const std::string& location) {
  if (base_dir.empty()) return TensorError(proto, "external data is not allowed here (no model folder)");
  std::filesystem::path rel(location);
  if (location.empty() || rel.is_absolute()) {
    return TensorError(proto, "external data location '" + location + "' must be a relative path");
  }
  for (const auto& part : rel) {
    if (part == "..") return TensorError(proto, "external data location '" + location + "' leaves the model folder");
  }
  return (std::filesystem::path(base_dir) / rel).string();
}

StatusOr<std::string> ReadExternalData(const onnx::TensorProto& proto, const std::string& base_dir,
                                       size_t expected_bytes) {
  std::string location;
  int64_t offset = 0;
  int64_t length = -1;
  for (const auto& kv : proto.external_data()) {
    try {
      if (kv.key() == "location") location = kv.value();
      else if (kv.key() == "offset") offset = std::stoll(kv.value());
      else if (kv.key() == "length") length = std::stoll(kv.value());
    } catch (const std::exception&) {
      return TensorError(proto, "external data field '" + kv.key() + "' is not a number: '" + kv.value() + "'");
    }
  }
  ASSIGN_OR_RETURN(std::string path, ResolveExternalPath(proto, base_dir, location));
  std::ifstream in(path, std::ios::binary);
  if (!in) return TensorError(proto, "external data file '" + path + "' cannot be opened");
  in.seekg(0, std::ios::end);
  int64_t file_size = in.tellg();
  if (length < 0) length = static_cast<int64_t>(expected_bytes);
  if (offset < 0 || length < 0 || offset + length > file_size) {
    return TensorError(proto, "external data range [" + std::to_string(offset) + ", +" + std::to_string(length) +
                                  ") is outside file '" + path + "' of " + std::to_string(file_size) + " bytes");
  }
  if (static_cast<size_t>(length) != expected_bytes) {
    return TensorError(proto, "external data has " + std::to_string(length) + " bytes, the shape needs " +
                                  std::to_string(expected_bytes));
  }
  std::string bytes(static_cast<size_t>(length), '\0');
  in.seekg(offset);
  in.read(bytes.data(), length);
  if (!in) return TensorError(proto, "reading external data file '" + path + "' failed");
  return bytes;
}

// dtype, shape and byte size of a TensorProto, checked.
struct ProtoLayout {
  DataType dtype;
  Shape shape;
  int64_t numel = 1;
  size_t nbytes = 0;
};

StatusOr<ProtoLayout> LayoutOf(const onnx::TensorProto& proto) {
  if (!IsValidDataType(proto.data_type())) {
    return TensorError(proto, "unsupported data_type " + std::to_string(proto.data_type()));
  }
  ProtoLayout l;
  l.dtype = static_cast<DataType>(proto.data_type());
  if (l.dtype == DataType::kComplex64 || l.dtype == DataType::kComplex128) {
    return Unimplemented("tensor '" + proto.name() + "': complex tensors are not supported");
  }
  if (proto.has_segment()) return TensorError(proto, "segmented tensors are not supported");
  for (int64_t d : proto.dims()) {
    if (d < 0) return TensorError(proto, "negative dimension " + std::to_string(d));
    if (d > 0 && l.numel > std::numeric_limits<int64_t>::max() / 8 / d) return TensorError(proto, "too many elements");
    l.numel *= d;
    l.shape.push_back(d);
  }
  l.nbytes = static_cast<size_t>(l.numel) * DataTypeSize(l.dtype);
  return l;
}

}  // namespace

StatusOr<Tensor> TensorFromProtoRaw(const onnx::TensorProto& proto, size_t raw_size,
                                    const std::function<Status(void* dst)>& read) {
  if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
    return TensorFromProto(proto, "");  // not reached by the importer (it keeps such tensors whole)
  }
  ASSIGN_OR_RETURN(ProtoLayout l, LayoutOf(proto));
  if (l.dtype == DataType::kString) return TensorError(proto, "string tensors cannot use raw_data");
  if (raw_size != l.nbytes) {
    return TensorError(proto, "raw_data has " + std::to_string(raw_size) + " bytes, shape " +
                                  ShapeToString(l.shape) + " of " + std::string(DataTypeName(l.dtype)) + " needs " +
                                  std::to_string(l.nbytes));
  }
  Tensor t = Tensor::Uninitialized(l.dtype, l.shape);
  if (l.nbytes) RETURN_IF_ERROR(read(t.raw_data()));
  return t;
}

StatusOr<Tensor> TensorFromProto(const onnx::TensorProto& proto, const std::string& base_dir) {
  if (!IsValidDataType(proto.data_type())) {
    return TensorError(proto, "unsupported data_type " + std::to_string(proto.data_type()));
  }
  auto dtype = static_cast<DataType>(proto.data_type());
  if (dtype == DataType::kComplex64 || dtype == DataType::kComplex128) {
    return Unimplemented("tensor '" + proto.name() + "': complex tensors are not supported");
  }
  if (proto.has_segment()) return TensorError(proto, "segmented tensors are not supported");
  Shape shape;
  int64_t numel = 1;
  for (int64_t d : proto.dims()) {
    if (d < 0) return TensorError(proto, "negative dimension " + std::to_string(d));
    if (d > 0 && numel > std::numeric_limits<int64_t>::max() / 8 / d) return TensorError(proto, "too many elements");
    numel *= d;
    shape.push_back(d);
  }
  const size_t elem = DataTypeSize(dtype);
  const size_t nbytes = static_cast<size_t>(numel) * elem;

  if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
    if (dtype == DataType::kString) return TensorError(proto, "string tensors cannot use external data");
    ASSIGN_OR_RETURN(std::string bytes, ReadExternalData(proto, base_dir, nbytes));
    Tensor t = Tensor::Uninitialized(dtype, shape);
    if (nbytes) std::memcpy(t.raw_data(), bytes.data(), nbytes);
    return t;
  }
  if (proto.has_raw_data()) {
    if (dtype == DataType::kString) return TensorError(proto, "string tensors cannot use raw_data");
    if (proto.raw_data().size() != nbytes) {
      return TensorError(proto, "raw_data has " + std::to_string(proto.raw_data().size()) + " bytes, shape " +
                                    ShapeToString(shape) + " of " + std::string(DataTypeName(dtype)) + " needs " +
                                    std::to_string(nbytes));
    }
    Tensor t = Tensor::Uninitialized(dtype, shape);
    if (nbytes) std::memcpy(t.raw_data(), proto.raw_data().data(), nbytes);
    return t;
  }

  auto check_count = [&](int count, const char* field) -> Status {
    if (count != numel) {
      return TensorError(proto, std::string(field) + " has " + std::to_string(count) + " values, shape " +
                                    ShapeToString(shape) + " needs " + std::to_string(numel));
    }
    return Status::Ok();
  };
  switch (dtype) {
    case DataType::kFloat32: {
      RETURN_IF_ERROR(check_count(proto.float_data_size(), "float_data"));
      Tensor t(dtype, shape);
      CopyTyped(proto.float_data(), t.data<float>(), [](float v) { return v; });
      return t;
    }
    case DataType::kFloat64: {
      RETURN_IF_ERROR(check_count(proto.double_data_size(), "double_data"));
      Tensor t(dtype, shape);
      CopyTyped(proto.double_data(), t.data<double>(), [](double v) { return v; });
      return t;
    }
    case DataType::kInt64: {
      RETURN_IF_ERROR(check_count(proto.int64_data_size(), "int64_data"));
      Tensor t(dtype, shape);
      CopyTyped(proto.int64_data(), t.data<int64_t>(), [](int64_t v) { return v; });
      return t;
    }
    case DataType::kUint32:
    case DataType::kUint64: {
      RETURN_IF_ERROR(check_count(proto.uint64_data_size(), "uint64_data"));
      Tensor t(dtype, shape);
      if (dtype == DataType::kUint32) {
        CopyTyped(proto.uint64_data(), t.data<uint32_t>(), [](uint64_t v) { return static_cast<uint32_t>(v); });
      } else {
        CopyTyped(proto.uint64_data(), t.data<uint64_t>(), [](uint64_t v) { return v; });
      }
      return t;
    }
    case DataType::kString: {
      RETURN_IF_ERROR(check_count(proto.string_data_size(), "string_data"));
      Tensor t(dtype, shape);
      CopyTyped(proto.string_data(), t.data<std::string>(), [](const std::string& v) { return v; });
      return t;
    }
    default: {  // int32_data carries int32, int16, int8, uint16, uint8, bool, float16 and bfloat16 (as bits)
      RETURN_IF_ERROR(check_count(proto.int32_data_size(), "int32_data"));
      Tensor t(dtype, shape);
      const auto& f = proto.int32_data();
      for (int i = 0; i < f.size(); ++i) {
        int32_t v = f.Get(i);
        switch (dtype) {
          case DataType::kInt32: t.data<int32_t>()[i] = v; break;
          case DataType::kInt16: t.data<int16_t>()[i] = static_cast<int16_t>(v); break;
          case DataType::kInt8: t.data<int8_t>()[i] = static_cast<int8_t>(v); break;
          case DataType::kUint16: t.data<uint16_t>()[i] = static_cast<uint16_t>(v); break;
          case DataType::kUint8: t.data<uint8_t>()[i] = static_cast<uint8_t>(v); break;
          case DataType::kBool: t.data<bool>()[i] = v != 0; break;
          case DataType::kFloat16: t.data<Float16>()[i].bits = static_cast<uint16_t>(v); break;
          case DataType::kBFloat16: t.data<BFloat16>()[i].bits = static_cast<uint16_t>(v); break;
          default: return TensorError(proto, "unexpected data type");
        }
      }
      return t;
    }
  }
}

void TensorToProto(const Tensor& tensor, const std::string& name, onnx::TensorProto* proto) {
  proto->Clear();
  proto->set_name(name);
  proto->set_data_type(static_cast<int32_t>(tensor.dtype()));
  for (int64_t d : tensor.shape()) proto->add_dims(d);
  if (tensor.dtype() == DataType::kString) {
    for (int64_t i = 0; i < tensor.numel(); ++i) proto->add_string_data(tensor.data<std::string>()[i]);
  } else {
    proto->set_raw_data(static_cast<const char*>(tensor.raw_data()), tensor.nbytes());
  }
}

StatusOr<std::string> ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot open file '" + path + "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {

StatusOr<Value> ValueFromSequence(const onnx::SequenceProto& seq, const std::string& base_dir) {
  if (seq.elem_type() != onnx::SequenceProto::TENSOR) {
    return Unimplemented("sequence '" + seq.name() + "': only sequences of tensors are supported");
  }
  std::vector<Tensor> elements;
  DataType dtype = DataType::kUndefined;
  for (const auto& tp : seq.tensor_values()) {
    ASSIGN_OR_RETURN(Tensor t, TensorFromProto(tp, base_dir));
    dtype = t.dtype();
    elements.push_back(std::move(t));
  }
  return Value::Sequence(dtype, std::move(elements));
}

}  // namespace

StatusOr<Value> ReadValueFile(const std::string& path, const std::string& kind_hint) {
  ASSIGN_OR_RETURN(std::string bytes, ReadFileBytes(path));
  std::string base_dir = std::filesystem::path(path).parent_path().string();
  if (kind_hint.empty() || kind_hint == "tensor") {
    onnx::TensorProto tp;
    if (tp.ParseFromString(bytes) && (tp.data_type() != 0 || kind_hint == "tensor")) {
      ASSIGN_OR_RETURN(Tensor t, TensorFromProto(tp, base_dir));
      return Value(std::move(t));
    }
    if (kind_hint == "tensor") return InvalidArgument("file '" + path + "' is not a valid TensorProto");
  }
  if (kind_hint.empty() || kind_hint == "sequence") {
    onnx::SequenceProto sp;
    if (sp.ParseFromString(bytes) && (sp.elem_type() != 0 || kind_hint == "sequence")) {
      return ValueFromSequence(sp, base_dir);
    }
    if (kind_hint == "sequence") return InvalidArgument("file '" + path + "' is not a valid SequenceProto");
  }
  onnx::OptionalProto op;
  if (!op.ParseFromString(bytes)) return InvalidArgument("file '" + path + "' is not a TensorProto, SequenceProto or OptionalProto");
  if (op.has_tensor_value()) {
    ASSIGN_OR_RETURN(Tensor t, TensorFromProto(op.tensor_value(), base_dir));
    return Value(std::move(t));
  }
  if (op.has_sequence_value()) return ValueFromSequence(op.sequence_value(), base_dir);
  return Value();
}

Status WriteTensorFile(const Tensor& tensor, const std::string& name, const std::string& path) {
  onnx::TensorProto proto;
  TensorToProto(tensor, name, &proto);
  std::ofstream out(path, std::ios::binary);
  if (!out) return NotFound("cannot create file '" + path + "'");
  if (!proto.SerializeToOstream(&out)) return Internal("writing '" + path + "' failed");
  return Status::Ok();
}

}  // namespace berth
