#include "engine/onnx/onnx_import.h"

#include <google/protobuf/io/coded_stream.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <functional>
#include <set>
#include <unordered_map>

#include "engine/kernel_registry.h"
#include "engine/onnx/raw_data_scan.h"
#include "engine/onnx/simple_shape_inference.h"
#include "engine/onnx/tensor_proto.h"

namespace berth {

namespace {

using OpsetMap = std::map<std::string, int>;

int OpsetFor(const OpsetMap& opsets, const std::string& domain) {
  auto it = opsets.find(std::string(CanonicalDomain(domain)));
  return it == opsets.end() ? 0 : it->second;
}

// ---------------------------------------------------------------------------------------------------
// Function inlining (at the protobuf level, before conversion).

struct FunctionKey {
  std::string domain, name;
  bool operator<(const FunctionKey& o) const { return std::tie(domain, name) < std::tie(o.domain, o.name); }
};
using LocalFunctions = std::map<FunctionKey, const onnx::FunctionProto*>;

// Resolves the body attributes that refer to the caller's attributes (ref_attr_name).
bool ResolveAttributes(onnx::NodeProto* body_node, const onnx::NodeProto& caller,
                       const std::map<std::string, onnx::AttributeProto>& defaults) {
  auto* attrs = body_node->mutable_attribute();
  for (int i = 0; i < attrs->size();) {
    onnx::AttributeProto* a = attrs->Mutable(i);
    if (a->ref_attr_name().empty()) {
      ++i;
      continue;
    }
    const onnx::AttributeProto* source = nullptr;
    for (const auto& ca : caller.attribute())
      if (ca.name() == a->ref_attr_name()) source = &ca;
    if (!source) {
      auto it = defaults.find(a->ref_attr_name());
      if (it != defaults.end() && it->second.type() != onnx::AttributeProto::UNDEFINED) source = &it->second;
    }
    if (!source) {
      attrs->DeleteSubrange(i, 1);
      continue;
    }
    std::string name = a->name();
    *a = *source;
    a->set_name(name);
    ++i;
  }
  return true;
}

// Renames every value of a function body into the caller's namespace.
void ExpandBody(const onnx::FunctionProto& fn, const onnx::NodeProto& caller,
                const std::map<std::string, onnx::AttributeProto>& defaults, int serial,
                std::vector<onnx::NodeProto>* out) {
  std::unordered_map<std::string, std::string> rename;
  for (int i = 0; i < fn.input_size(); ++i)
    rename[fn.input(i)] = i < caller.input_size() ? caller.input(i) : std::string();
  for (int i = 0; i < fn.output_size(); ++i)
    rename[fn.output(i)] = i < caller.output_size() ? caller.output(i) : std::string();
  std::string prefix = (caller.name().empty() ? caller.op_type() : caller.name()) + "/" + fn.name() + "#" +
                       std::to_string(serial) + "/";
  auto mapped = [&](const std::string& n) -> std::string {
    if (n.empty()) return n;
    auto it = rename.find(n);
    if (it != rename.end()) return it->second;
    return rename[n] = prefix + n;
  };
  for (const auto& body_node : fn.node()) {
    onnx::NodeProto n = body_node;
    for (auto& in : *n.mutable_input()) in = mapped(in);
    for (auto& o : *n.mutable_output()) o = mapped(o);
    n.set_name(prefix + (body_node.name().empty() ? body_node.op_type() : body_node.name()));
    ResolveAttributes(&n, caller, defaults);
    out->push_back(std::move(n));
  }
}

bool HasKernel(const KernelRegistry* registry, const onnx::NodeProto& node, const OpsetMap& opsets) {
  return registry && registry->Find(node.domain(), node.op_type(), OpsetFor(opsets, node.domain())) != nullptr;
}


// One pass over a graph (and its subgraphs): replaces nodes without a kernel by their function body
// when one is available. Returns the number of nodes expanded.
int InlineFunctionsOnce(onnx::GraphProto* graph, const LocalFunctions& locals, const OpsetMap& opsets,
                        const KernelRegistry* registry, int* serial) {
  int expanded = 0;
  auto types = KnownTypes(*graph);
  std::vector<onnx::NodeProto> result;
  result.reserve(static_cast<size_t>(graph->node_size()));
  for (auto& node : *graph->mutable_node()) {
    for (auto& attr : *node.mutable_attribute()) {
      if (attr.has_g()) expanded += InlineFunctionsOnce(attr.mutable_g(), locals, opsets, registry, serial);
      for (auto& g : *attr.mutable_graphs()) expanded += InlineFunctionsOnce(&g, locals, opsets, registry, serial);
    }
    auto local = locals.find({node.domain(), node.op_type()});
    if (local != locals.end()) {
      std::map<std::string, onnx::AttributeProto> defaults;
      ExpandBody(*local->second, node, defaults, (*serial)++, &result);
      ++expanded;
      continue;
    }
    if (HasKernel(registry, node, opsets) || !registry) {
      result.push_back(node);
      continue;
    }
    int opset = OpsetFor(opsets, node.domain());
    const onnx::OpSchema* schema =
        opset > 0 ? onnx::OpSchemaRegistry::Schema(node.op_type(), opset, node.domain()) : nullptr;
    if (!schema || schema->Deprecated()) {
      result.push_back(node);
      continue;
    }
    std::map<std::string, onnx::AttributeProto> defaults;
    for (const auto& [name, attr] : schema->attributes()) defaults[name] = attr.default_value;
    onnx::FunctionProto body;
    bool have_body = false;
    try {
      if (schema->HasContextDependentFunction()) {
        std::vector<onnx::TypeProto> input_types;
        for (const auto& in : node.input()) {
          auto it = types.find(in);
          input_types.push_back(it == types.end() ? onnx::TypeProto() : it->second);
        }
        onnx::FunctionBodyBuildContextImpl ctx(node, input_types);
        have_body = schema->BuildContextDependentFunction(ctx, body);
      } else if (schema->HasFunction()) {
        body = *schema->GetFunction();
        have_body = true;
      }
    } catch (const std::exception&) {
      have_body = false;  // the node stays; planning reports the missing kernel
    }
    if (!have_body || body.node_size() == 0) {
      result.push_back(node);
      continue;
    }
    ExpandBody(body, node, defaults, (*serial)++, &result);
    ++expanded;
  }
  graph->clear_node();
  for (auto& n : result) *graph->add_node() = std::move(n);
  return expanded;
}

// Copies the value_info that inference added in `from` into `to`, graph by graph (the two have the
// same nodes and subgraphs; `from` lacks initializer data).
void MergeValueInfo(const onnx::GraphProto& from, onnx::GraphProto* to) {
  *to->mutable_value_info() = from.value_info();
  for (int n = 0; n < from.node_size() && n < to->node_size(); ++n) {
    const auto& fa = from.node(n).attribute();
    auto* ta = to->mutable_node(n)->mutable_attribute();
    for (int a = 0; a < fa.size() && a < ta->size(); ++a) {
      if (fa.Get(a).has_g() && ta->Get(a).has_g()) MergeValueInfo(fa.Get(a).g(), ta->Mutable(a)->mutable_g());
      for (int k = 0; k < fa.Get(a).graphs_size() && k < ta->Get(a).graphs_size(); ++k) {
        MergeValueInfo(fa.Get(a).graphs(k), ta->Mutable(a)->mutable_graphs(k));
      }
    }
  }
}

// Initializer data is not needed for type and shape inference; dropping it keeps what crosses the
// pipe small.
void StripInitializerData(onnx::GraphProto* graph) {
  for (auto& init : *graph->mutable_initializer()) {
    init.clear_raw_data();
    init.clear_float_data();
    init.clear_int32_data();
    init.clear_int64_data();
    init.clear_double_data();
    init.clear_uint64_data();
    init.clear_string_data();
    init.clear_external_data();
    init.clear_data_location();
  }
  for (auto& node : *graph->mutable_node()) {
    for (auto& attr : *node.mutable_attribute()) {
      if (attr.has_g()) StripInitializerData(attr.mutable_g());
      for (auto& g : *attr.mutable_graphs()) StripInitializerData(&g);
    }
  }
}

// The schema registry is built in this process before forking, so the child (and every later load)
// finds it ready instead of building its own copy each time: the MLP of bench/engine spent 7.8 ms in
// the child before, 1.7 ms after (the build itself, ~6 ms and ~6 MiB, is then paid once per process;
// graphs that InferSimpleShapes covers never need it).
void BuildSchemaRegistry() {
  static const bool built = [] {
    (void)onnx::OpSchemaRegistry::Schema("Relu", 14, "");  // the first lookup builds the schema map
    return true;
  }();
  (void)built;
}

// Runs libonnx's shape inference in a forked child process. Its inference functions trust the model
// (our fuzzer crashed them through corrupted Scan and ConvTranspose attributes), and a model file is
// untrusted input: a crash or hang there must cost only the inferred types, never the server.
// The child gets a copy of the model for free (fork), infers, and sends back the model without
// initializer data; the parent merges the value_info. Any failure leaves the model as it was.
void RunShapeInference(onnx::ModelProto* model) {
  constexpr int kTimeoutMs = 20000;
  BuildSchemaRegistry();
  int fds[2];
  if (pipe(fds) != 0) return;
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return;
  }
  if (pid == 0) {
    close(fds[0]);
    std::string out;
    try {
      onnx::ShapeInferenceOptions opts(/*check_type=*/false, /*strict_mode=*/0, /*data_prop=*/false);
      onnx::shape_inference::InferShapes(*model, onnx::OpSchemaRegistry::Instance(), opts);
      StripInitializerData(model->mutable_graph());
      out = model->SerializeAsString();
    } catch (const std::exception&) {
      _exit(1);
    }
    size_t off = 0;
    while (off < out.size()) {
      ssize_t w = write(fds[1], out.data() + off, out.size() - off);
      if (w <= 0) _exit(1);
      off += static_cast<size_t>(w);
    }
    _exit(0);
  }
  close(fds[1]);
  std::string bytes;
  char buf[65536];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
  bool timed_out = false;
  for (;;) {
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now()).count());
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    int r = poll(&p, 1, left);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      timed_out = r == 0;
      break;
    }
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    bytes.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return;
  onnx::ModelProto inferred;
  google::protobuf::io::CodedInputStream stream(reinterpret_cast<const uint8_t*>(bytes.data()),
                                                static_cast<int>(std::min<size_t>(bytes.size(), INT_MAX)));
  stream.SetTotalBytesLimit(INT_MAX);
  if (!inferred.ParseFromCodedStream(&stream)) return;
  MergeValueInfo(inferred.graph(), model->mutable_graph());
  *model->mutable_graph()->mutable_output() = inferred.graph().output();
}

// ---------------------------------------------------------------------------------------------------
// Conversion to Berth IR.

struct Converter {
  std::string base_dir;
  OpsetMap opsets;
  // The main graph's stripped raw_data (raw_data_scan.h): one range per initializer, and how to read a
  // range into a buffer. Consumed by the first ConvertGraph call (the main graph).
  const std::vector<RawDataRange>* raw_ranges = nullptr;
  std::function<Status(const RawDataRange&, void*)> read_raw;

  StatusOr<ValueInfo> ConvertValueInfo(const onnx::ValueInfoProto& vi) {
    ValueInfo out;
    out.name = vi.name();
    const onnx::TypeProto* type = &vi.type();
    if (type->has_optional_type()) {
      out.kind = ValueInfo::Kind::kOptional;
      type = &type->optional_type().elem_type();
      if (type->has_sequence_type()) {
        out.dtype = static_cast<DataType>(type->sequence_type().elem_type().tensor_type().elem_type());
      } else if (type->has_tensor_type()) {
        out.dtype = static_cast<DataType>(type->tensor_type().elem_type());
      }
      return out;
    }
    if (type->has_sequence_type()) {
      out.kind = ValueInfo::Kind::kSequence;
      out.dtype = static_cast<DataType>(type->sequence_type().elem_type().tensor_type().elem_type());
      return out;
    }
    if (type->has_tensor_type()) {
      out.kind = ValueInfo::Kind::kTensor;
      int32_t et = type->tensor_type().elem_type();
      if (et != 0 && !IsValidDataType(et)) {
        return InvalidArgument("value '" + vi.name() + "' has unknown element type " + std::to_string(et));
      }
      out.dtype = static_cast<DataType>(et);
      if (type->tensor_type().has_shape()) {
        out.has_shape = true;
        for (const auto& d : type->tensor_type().shape().dim()) {
          out.dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
          out.dim_names.push_back(d.has_dim_param() ? d.dim_param() : std::string());
        }
      }
    }
    return out;
  }

  StatusOr<Attribute> ConvertAttribute(const onnx::AttributeProto& a, const std::string& where) {
    Attribute out;
    switch (a.type()) {
      case onnx::AttributeProto::FLOAT: out.type = Attribute::Type::kFloat; out.f = a.f(); break;
      case onnx::AttributeProto::INT: out.type = Attribute::Type::kInt; out.i = a.i(); break;
      case onnx::AttributeProto::STRING: out.type = Attribute::Type::kString; out.s = a.s(); break;
      case onnx::AttributeProto::TENSOR: {
        out.type = Attribute::Type::kTensor;
        ASSIGN_OR_RETURN(out.t, TensorFromProto(a.t(), base_dir));
        break;
      }
      case onnx::AttributeProto::GRAPH: {
        out.type = Attribute::Type::kGraph;
        ASSIGN_OR_RETURN(out.g, ConvertGraph(a.g()));
        break;
      }
      case onnx::AttributeProto::FLOATS:
        out.type = Attribute::Type::kFloats;
        out.floats.assign(a.floats().begin(), a.floats().end());
        break;
      case onnx::AttributeProto::INTS:
        out.type = Attribute::Type::kInts;
        out.ints.assign(a.ints().begin(), a.ints().end());
        break;
      case onnx::AttributeProto::STRINGS:
        out.type = Attribute::Type::kStrings;
        out.strings.assign(a.strings().begin(), a.strings().end());
        break;
      case onnx::AttributeProto::TENSORS:
        out.type = Attribute::Type::kTensors;
        for (const auto& t : a.tensors()) {
          ASSIGN_OR_RETURN(Tensor tensor, TensorFromProto(t, base_dir));
          out.tensors.push_back(std::move(tensor));
        }
        break;
      case onnx::AttributeProto::GRAPHS:
        out.type = Attribute::Type::kGraphs;
        for (const auto& g : a.graphs()) {
          ASSIGN_OR_RETURN(std::shared_ptr<Graph> graph, ConvertGraph(g));
          out.graphs.push_back(std::move(graph));
        }
        break;
      case onnx::AttributeProto::TYPE_PROTO: {
        out.type = Attribute::Type::kTypeProto;
        const onnx::TypeProto& tp = a.tp();
        if (tp.has_sequence_type()) {
          out.type_proto_is_sequence = true;
          out.type_proto_elem = static_cast<DataType>(tp.sequence_type().elem_type().tensor_type().elem_type());
        } else if (tp.has_tensor_type()) {
          out.type_proto_elem = static_cast<DataType>(tp.tensor_type().elem_type());
        }
        break;
      }
      case onnx::AttributeProto::SPARSE_TENSOR:
      case onnx::AttributeProto::SPARSE_TENSORS:
        return Unimplemented(where + ": attribute '" + a.name() + "' is a sparse tensor, which is not supported");
      default:
        // Files from older IR versions may omit the type: infer it from which field is set.
        if (a.has_f()) { out.type = Attribute::Type::kFloat; out.f = a.f(); }
        else if (a.has_i()) { out.type = Attribute::Type::kInt; out.i = a.i(); }
        else if (a.has_s()) { out.type = Attribute::Type::kString; out.s = a.s(); }
        else if (a.ints_size()) { out.type = Attribute::Type::kInts; out.ints.assign(a.ints().begin(), a.ints().end()); }
        else if (a.floats_size()) { out.type = Attribute::Type::kFloats; out.floats.assign(a.floats().begin(), a.floats().end()); }
        else return InvalidArgument(where + ": attribute '" + a.name() + "' has no type");
    }
    return out;
  }

  StatusOr<std::shared_ptr<Graph>> ConvertGraph(const onnx::GraphProto& g) {
    auto graph = std::make_shared<Graph>();
    graph->name = g.name();
    graph->opsets = opsets;
    const std::vector<RawDataRange>* ranges = raw_ranges;
    raw_ranges = nullptr;  // subgraphs keep their raw_data in the message
    if (ranges && static_cast<size_t>(g.initializer_size()) != ranges->size()) {
      return Internal("graph '" + g.name() + "': initializer count differs from the scanned file");
    }
    for (int k = 0; k < g.initializer_size(); ++k) {
      const onnx::TensorProto& init = g.initializer(k);
      if (init.name().empty()) return InvalidArgument("graph '" + g.name() + "': an initializer has no name");
      const RawDataRange* range = ranges ? &(*ranges)[static_cast<size_t>(k)] : nullptr;
      StatusOr<Tensor> loaded =
          range && range->present && init.data_location() != onnx::TensorProto::EXTERNAL
              ? TensorFromProtoRaw(init, static_cast<size_t>(range->size),
                                   [&](void* dst) { return read_raw(*range, dst); })
              : TensorFromProto(init, base_dir);
      ASSIGN_OR_RETURN(Tensor t, std::move(loaded));
      if (!graph->initializers.emplace(init.name(), std::move(t)).second) {
        return InvalidArgument("graph '" + g.name() + "': initializer '" + init.name() + "' is defined twice");
      }
    }
    if (g.sparse_initializer_size() > 0) {
      return Unimplemented("graph '" + g.name() + "': sparse initializers are not supported");
    }
    for (const auto& in : g.input()) {
      ASSIGN_OR_RETURN(ValueInfo vi, ConvertValueInfo(in));
      auto init = graph->initializers.find(in.name());
      if (init != graph->initializers.end()) {
        // An input with an initializer is a default the caller may override (IR < 4 style).
        graph->overridable_initializers[in.name()] = init->second;
        continue;
      }
      graph->inputs.push_back(std::move(vi));
    }
    for (const auto& out : g.output()) {
      ASSIGN_OR_RETURN(ValueInfo vi, ConvertValueInfo(out));
      graph->outputs.push_back(std::move(vi));
    }
    for (const auto& vi_proto : g.value_info()) {
      ASSIGN_OR_RETURN(ValueInfo vi, ConvertValueInfo(vi_proto));
      graph->value_info[vi.name] = std::move(vi);
    }
    int index = 0;
    for (const auto& np : g.node()) {
      Node node;
      node.name = np.name().empty() ? np.op_type() + "_" + std::to_string(index) : np.name();
      node.op_type = np.op_type();
      node.domain = std::string(CanonicalDomain(np.domain()));
      node.inputs.assign(np.input().begin(), np.input().end());
      node.outputs.assign(np.output().begin(), np.output().end());
      std::string where = "node '" + node.name + "' (" + node.op_type + ")";
      if (node.op_type.empty()) return InvalidArgument("node " + std::to_string(index) + " has no op_type");
      for (const auto& ap : np.attribute()) {
        ASSIGN_OR_RETURN(Attribute attr, ConvertAttribute(ap, where));
        node.attributes[ap.name()] = std::move(attr);
      }
      graph->nodes.push_back(std::move(node));
      ++index;
    }
    return graph;
  }
};

}  // namespace

namespace {

bool ParseModel(std::string_view bytes, onnx::ModelProto* proto) {
  if (bytes.size() > static_cast<size_t>(INT_MAX)) return false;  // protobuf's own limit
  google::protobuf::io::CodedInputStream stream(reinterpret_cast<const uint8_t*>(bytes.data()),
                                                static_cast<int>(bytes.size()));
  stream.SetTotalBytesLimit(INT_MAX);
  stream.SetRecursionLimit(256);
  return proto->ParseFromCodedStream(&stream) && stream.ConsumedEntireMessage();
}

StatusOr<std::shared_ptr<Model>> ImportParsed(onnx::ModelProto proto, const ImportOptions& options,
                                              const std::vector<RawDataRange>* raw_ranges,
                                              std::function<Status(const RawDataRange&, void*)> read_raw);

// `bytes` is the whole file (in memory or mapped); `read_raw` copies a stripped payload into a buffer.
StatusOr<std::shared_ptr<Model>> ImportBytes(std::string_view bytes, const ImportOptions& options,
                                             std::function<Status(const RawDataRange&, void*)> read_raw) {
  if (bytes.empty()) return InvalidArgument("model file is empty");
  onnx::ModelProto proto;
  StrippedModel stripped;
  if (StripInitializerRawData(bytes, &stripped) && ParseModel(stripped.bytes, &proto)) {
    stripped.bytes = std::string();
    return ImportParsed(std::move(proto), options, &stripped.initializers, std::move(read_raw));
  }
  proto.Clear();
  if (!ParseModel(bytes, &proto)) {
    if (bytes.size() > static_cast<size_t>(INT_MAX)) {
      return InvalidArgument("model file of " + std::to_string(bytes.size()) +
                             " bytes is not a valid ONNX protobuf (over 2 GiB needs external data)");
    }
    return InvalidArgument("model is not a valid ONNX protobuf (truncated or corrupt file)");
  }
  return ImportParsed(std::move(proto), options, nullptr, nullptr);
}

}  // namespace

StatusOr<std::shared_ptr<Model>> ImportOnnxModel(std::string_view bytes, const ImportOptions& options) {
  return ImportBytes(bytes, options, [bytes](const RawDataRange& r, void* dst) {
    std::memcpy(dst, bytes.data() + r.offset, static_cast<size_t>(r.size));
    return Status::Ok();
  });
}

StatusOr<std::shared_ptr<Model>> ImportOnnxModelFile(const std::string& path, const ImportOptions& options) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NotFound("cannot open model file '" + path + "': " + std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return InvalidArgument("model file '" + path + "' is not a regular file");
  }
  const size_t size = static_cast<size_t>(st.st_size);
  if (size == 0) {
    close(fd);
    return InvalidArgument("model file is empty");
  }
  // The mapping is only walked over the message structure (raw_data payloads are skipped by length), so
  // the weights' pages are never mapped in: pread copies each payload from the page cache straight into
  // its tensor, and peak memory is the tensors plus the small stripped message.
  void* map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (map == MAP_FAILED) {
    close(fd);
    return Internal("cannot map model file '" + path + "': " + std::strerror(errno));
  }
  auto result = ImportBytes(std::string_view(static_cast<const char*>(map), size), options,
                            [fd, &path](const RawDataRange& r, void* dst) -> Status {
                              auto* out = static_cast<char*>(dst);
                              uint64_t done = 0;
                              while (done < r.size) {
                                ssize_t n = pread(fd, out + done, static_cast<size_t>(r.size - done),
                                                  static_cast<off_t>(r.offset + done));
                                if (n < 0 && errno == EINTR) continue;
                                if (n <= 0) return Internal("reading model file '" + path + "' failed");
                                done += static_cast<uint64_t>(n);
                              }
                              return Status::Ok();
                            });
  munmap(map, size);
  close(fd);
  return result;
}

namespace {

StatusOr<std::shared_ptr<Model>> ImportParsed(onnx::ModelProto proto, const ImportOptions& options,
                                              const std::vector<RawDataRange>* raw_ranges,
                                              std::function<Status(const RawDataRange&, void*)> read_raw) {
  if (!proto.has_graph()) return InvalidArgument("model has no graph");
  if (proto.ir_version() < 3) {
    return InvalidArgument("model IR version " + std::to_string(proto.ir_version()) +
                           " is too old (need >= 3, with opset imports)");
  }
  OpsetMap opsets;
  for (const auto& op : proto.opset_import()) {
    opsets[std::string(CanonicalDomain(op.domain()))] = static_cast<int>(op.version());
  }
  if (opsets.empty()) return InvalidArgument("model imports no operator set");
  auto onnx_opset = opsets.find("");
  if (onnx_opset != opsets.end() && (onnx_opset->second < 1 || onnx_opset->second > 17)) {
    // Newer opsets usually work but are unverified; older than 1 is malformed.
    if (onnx_opset->second < 1) return InvalidArgument("invalid ai.onnx opset version " + std::to_string(onnx_opset->second));
  }

  // Plain feed-forward graphs (tabular models) are typed here; the rest by ONNX's shape inference.
  if (options.infer_shapes && !InferSimpleShapes(proto.mutable_graph())) RunShapeInference(&proto);

  LocalFunctions locals;
  for (const auto& fn : proto.functions()) locals[{fn.domain(), fn.name()}] = &fn;
  if (options.registry || !locals.empty()) {
    int serial = 0;
    for (int round = 0; round < 8; ++round) {
      int n = InlineFunctionsOnce(proto.mutable_graph(), locals, opsets, options.registry, &serial);
      if (n == 0) break;
      if (options.infer_shapes) RunShapeInference(&proto);  // bodies may feed further context-dependent functions
    }
  }

  Converter converter{options.base_dir, opsets, raw_ranges, std::move(read_raw)};
  auto model = std::make_shared<Model>();
  model->ir_version = proto.ir_version();
  model->producer_name = proto.producer_name();
  model->producer_version = proto.producer_version();
  for (const auto& kv : proto.metadata_props()) model->metadata[kv.key()] = kv.value();
  ASSIGN_OR_RETURN(model->graph, converter.ConvertGraph(proto.graph()));
  return model;
}

}  // namespace

}  // namespace berth
