#include "engine/npy.h"

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "engine/onnx/tensor_proto.h"

namespace berth {

namespace {

const std::map<std::string, DataType>& DescrTable() {
  static const std::map<std::string, DataType> table = {
      {"f4", DataType::kFloat32}, {"f8", DataType::kFloat64}, {"f2", DataType::kFloat16},
      {"i1", DataType::kInt8},    {"i2", DataType::kInt16},   {"i4", DataType::kInt32},
      {"i8", DataType::kInt64},   {"u1", DataType::kUint8},   {"u2", DataType::kUint16},
      {"u4", DataType::kUint32},  {"u8", DataType::kUint64},  {"b1", DataType::kBool},
  };
  return table;
}

}  // namespace

StatusOr<Tensor> ParseNpy(const std::string& bytes, const std::string& what) {
  auto bad = [&](const std::string& why) { return InvalidArgument(what + ": not a valid .npy file: " + why); };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) return bad("missing magic");
  int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len, offset;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return bad("truncated header");
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    offset = 12;
  } else {
    return bad("unsupported version " + std::to_string(major));
  }
  if (offset + header_len > bytes.size()) return bad("truncated header");
  std::string header = bytes.substr(offset, header_len);
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([<>|=])([a-z][0-9]+)'"))) return bad("no descr");
  std::string order = m[1], code = m[2];
  if (order == ">") return bad("big-endian data is not supported");
  auto it = DescrTable().find(code);
  if (it == DescrTable().end()) return bad("unsupported dtype '" + code + "'");
  if (std::regex_search(header, std::regex("'fortran_order'\\s*:\\s*True"))) return bad("Fortran order is not supported");
  if (!std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)"))) return bad("no shape");
  Shape shape;
  std::string dims = m[1];
  std::stringstream ss(dims);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (item.empty()) continue;
    try {
      shape.push_back(std::stoll(item));
    } catch (const std::exception&) {
      return bad("bad shape entry '" + item + "'");
    }
    if (shape.back() < 0) return bad("negative dimension");
  }
  Tensor t(it->second, shape);
  size_t data_offset = offset + header_len;
  if (bytes.size() - data_offset != t.nbytes()) {
    return bad("data has " + std::to_string(bytes.size() - data_offset) + " bytes, shape " + ShapeToString(shape) +
               " needs " + std::to_string(t.nbytes()));
  }
  if (t.nbytes()) std::memcpy(t.raw_data(), bytes.data() + data_offset, t.nbytes());
  return t;
}

StatusOr<Tensor> ReadNpy(const std::string& path) {
  ASSIGN_OR_RETURN(std::string bytes, ReadFileBytes(path));
  return ParseNpy(bytes, "'" + path + "'");
}

Status WriteNpy(const Tensor& tensor, const std::string& path) {
  std::string descr;
  for (const auto& [code, dtype] : DescrTable())
    if (dtype == tensor.dtype()) descr = (code == "u1" || code == "i1" || code == "b1" ? "|" : "<") + code;
  if (descr.empty()) {
    return Unimplemented("cannot write " + std::string(DataTypeName(tensor.dtype())) + " tensors as .npy");
  }
  std::string shape = "(";
  for (int64_t d : tensor.shape()) shape += std::to_string(d) + ",";
  if (tensor.rank() > 1) shape.pop_back();
  shape += ")";
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  if (!out) return NotFound("cannot create file '" + path + "'");
  out.write("\x93NUMPY\x01\x00", 8);
  char len[2] = {static_cast<char>(header.size() & 0xff), static_cast<char>(header.size() >> 8)};
  out.write(len, 2);
  out << header;
  out.write(static_cast<const char*>(tensor.raw_data()), static_cast<std::streamsize>(tensor.nbytes()));
  if (!out) return Internal("writing '" + path + "' failed");
  return Status::Ok();
}

}  // namespace berth
