#include "engine/execution_plan.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <forward_list>
#include <new>
#include <queue>
#include <stdexcept>

#include "engine/kernel_registry.h"
#include "engine/thread_pool.h"

namespace berth {

namespace {

std::string NodeLabelOf(const Node& node) { return "node '" + node.name + "' (" + node.op_type + ")"; }

// Thrown by AllocateOutput on an invalid shape and caught in Execute (never leaves the engine).
struct InvalidOutputShape : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace

BufferArena::~BufferArena() {
  for (auto& [size_class, buffers] : free_)
    for (void* p : buffers) std::free(p);
}

Tensor BufferArena::Allocate(DataType dtype, Shape shape, bool zero) {
  const int64_t numel = NumElements(shape);
  const size_t bytes = static_cast<size_t>(numel) * DataTypeSize(dtype);
  if (dtype == DataType::kString || bytes < kMinPooledBytes) {
    return zero ? Tensor(dtype, std::move(shape)) : Tensor::Uninitialized(dtype, std::move(shape));
  }
  size_t size_class = (bytes + 4095) / 4096 * 4096;
  void* p = nullptr;
  {
    // Best fit up to twice the size: with exact sizes only, a model whose layers all differ in shape
    // (MobileNetV2) kept more buffers than the cap and handed the rest back to malloc every run, whose
    // allocator returned the pages to the kernel: ~6K page faults per batch-8 run, 20 % of its time.
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.allocations;
    for (auto it = free_.lower_bound(size_class); it != free_.end() && it->first <= 2 * size_class;) {
      if (it->second.empty()) {
        it = free_.erase(it);
        continue;
      }
      p = it->second.back();
      it->second.pop_back();
      size_class = it->first;
      free_bytes_ -= size_class;
      ++stats_.reuses;
      break;
    }
  }
  if (!p) {
    p = std::aligned_alloc(64, size_class);
    if (!p) throw std::bad_alloc();
  }
  if (zero) std::memset(p, 0, bytes);
  std::weak_ptr<BufferArena> arena = weak_from_this();
  std::shared_ptr<void> keep(p, [arena, size_class](void* q) {
    if (auto a = arena.lock()) {
      a->Release(q, size_class);
    } else {
      std::free(q);
    }
  });
  return Tensor::Wrap(dtype, std::move(shape), p, std::move(keep));
}

void BufferArena::Release(void* p, size_t size_class) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_bytes_ + size_class <= cap_) {
      free_[size_class].push_back(p);
      free_bytes_ += size_class;
      return;
    }
  }
  std::free(p);
}

void BufferArena::NoteRunPeak(size_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  cap_ = std::max(cap_, 4 * bytes);
}

BufferArena::Stats BufferArena::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stats s = stats_;
  s.free_bytes = free_bytes_;
  return s;
}

int ExecutionPlan::SlotFor(const std::string& name) {
  auto it = slot_of_.find(name);
  if (it != slot_of_.end()) return it->second;
  int slot = static_cast<int>(slot_names_.size());
  slot_names_.push_back(name);
  slot_of_[name] = slot;
  return slot;
}

StatusOr<std::unique_ptr<ExecutionPlan>> ExecutionPlan::Build(std::shared_ptr<const Graph> graph,
                                                              const KernelRegistry& registry,
                                                              const std::set<std::string>& outer_names,
                                                              const std::function<void(const std::string&)>& release_constant) {
  std::unique_ptr<ExecutionPlan> plan(new ExecutionPlan());
  plan->graph_ = std::move(graph);
  RETURN_IF_ERROR(plan->Plan(registry, outer_names, release_constant));
  return plan;
}

Status ExecutionPlan::Plan(const KernelRegistry& registry, const std::set<std::string>& outer_names,
                           const std::function<void(const std::string&)>& release_constant) {
  const Graph& g = *graph_;
  const std::string graph_label = g.name.empty() ? std::string("graph") : "graph '" + g.name + "'";

  // Names defined in this scope before any node runs.
  std::set<std::string> defined;
  for (const ValueInfo& in : g.inputs) {
    if (in.name.empty()) return InvalidArgument(graph_label + ": an input has no name");
    if (!defined.insert(in.name).second) return InvalidArgument(graph_label + ": input '" + in.name + "' is listed twice");
    input_slots_.push_back(SlotFor(in.name));
  }
  std::map<std::string, Tensor> constants;
  for (const auto& [name, tensor] : g.initializers) {
    defined.insert(name);
    if (!g.overridable_initializers.count(name)) constants[name] = tensor;
  }

  // Which node produces each name.
  std::map<std::string, size_t> producer;
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    for (const std::string& out : g.nodes[n].outputs) {
      if (out.empty()) continue;
      if (defined.count(out)) {
        return InvalidArgument(NodeLabelOf(g.nodes[n]) + ": output '" + out +
                               "' redefines a graph input or initializer");
      }
      if (!producer.emplace(out, n).second) {
        return InvalidArgument(NodeLabelOf(g.nodes[n]) + ": output '" + out + "' is already produced by " +
                               NodeLabelOf(g.nodes[producer[out]]));
      }
    }
  }
  std::set<std::string> visible_to_subgraphs = outer_names;
  visible_to_subgraphs.insert(defined.begin(), defined.end());
  for (const auto& [name, n] : producer) visible_to_subgraphs.insert(name);

  // Build subgraph plans first: their outer references become implicit inputs of the node.
  std::vector<std::vector<PlannedSubgraph>> subgraphs(g.nodes.size());
  std::vector<std::vector<std::string>> reads(g.nodes.size());  // explicit + implicit inputs by name
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    const Node& node = g.nodes[n];
    for (const std::string& in : node.inputs)
      if (!in.empty()) reads[n].push_back(in);
    for (const auto& [attr_name, attr] : node.attributes) {
      std::vector<std::shared_ptr<Graph>> bodies;
      if (attr.type == Attribute::Type::kGraph && attr.g) bodies.push_back(attr.g);
      if (attr.type == Attribute::Type::kGraphs) bodies = attr.graphs;
      for (auto& body : bodies) {
        auto sub = ExecutionPlan::Build(body, registry, visible_to_subgraphs);
        if (!sub.ok()) return sub.status().WithContext(NodeLabelOf(node) + " attribute '" + attr_name + "'");
        PlannedSubgraph ps;
        ps.attr_name = attr_name;
        ps.plan = std::move(sub).value();
        for (const std::string& name : ps.plan->outer_references()) reads[n].push_back(name);
        subgraphs[n].push_back(std::move(ps));
      }
    }
  }

  // Resolve every read: local input/initializer, local node output, or outer scope.
  std::vector<std::vector<size_t>> consumers(g.nodes.size());
  std::vector<int> pending(g.nodes.size(), 0);
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    std::set<size_t> deps;
    for (const std::string& name : reads[n]) {
      if (defined.count(name)) continue;
      auto p = producer.find(name);
      if (p != producer.end()) {
        if (p->second == n) return InvalidArgument(NodeLabelOf(g.nodes[n]) + " reads its own output '" + name + "'");
        deps.insert(p->second);
        continue;
      }
      if (outer_names.count(name)) {
        if (!slot_of_.count(name)) {
          outer_names_.push_back(name);
          outer_slots_.push_back(SlotFor(name));
        }
        continue;
      }
      return InvalidArgument(NodeLabelOf(g.nodes[n]) + ": input '" + name +
                             "' is not a graph input, an initializer or the output of any node");
    }
    pending[n] = static_cast<int>(deps.size());
    for (size_t d : deps) consumers[d].push_back(n);
  }

  // Topological order (Kahn), stable with respect to the file's order.
  std::priority_queue<size_t, std::vector<size_t>, std::greater<size_t>> ready;
  for (size_t n = 0; n < g.nodes.size(); ++n)
    if (pending[n] == 0) ready.push(n);
  std::vector<size_t> order;
  while (!ready.empty()) {
    size_t n = ready.top();
    ready.pop();
    order.push_back(n);
    for (size_t c : consumers[n])
      if (--pending[c] == 0) ready.push(c);
  }
  if (order.size() != g.nodes.size()) {
    for (size_t n = 0; n < g.nodes.size(); ++n)
      if (pending[n] > 0) return InvalidArgument(graph_label + " has a cycle through " + NodeLabelOf(g.nodes[n]));
  }

  // Constant release bookkeeping: how many reads of each constant are still to be planned, which kernels
  // declined reading it (OpKernel::ReadsConstantInput), and constants someone reads at run time anyway
  // (a kernel that wants it, a subgraph, a graph output).
  std::map<std::string, int> reads_left;
  std::map<std::string, std::vector<std::pair<size_t, int>>> decliners;  // name -> (node index, input)
  std::set<std::string> pinned;
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    for (const std::string& name : reads[n])
      if (constants.count(name)) ++reads_left[name];
  }
  for (const ValueInfo& out : g.outputs) pinned.insert(out.name);

  // Kernels and slots.
  for (size_t n : order) {
    const Node& node = g.nodes[n];
    PlannedNode pn;
    pn.node = &node;
    auto opset_it = g.opsets.find(std::string(CanonicalDomain(node.domain)));
    if (opset_it == g.opsets.end()) {
      return InvalidArgument(NodeLabelOf(node) + " uses domain '" + node.domain +
                             "', which the model does not import");
    }
    pn.opset = opset_it->second;
    std::vector<const KernelRegistration*> candidates = registry.FindAll(node.domain, node.op_type, pn.opset);
    if (candidates.empty()) {
      return Unimplemented("unsupported operator '" + node.op_type + "' (domain '" +
                           (node.domain.empty() ? std::string("ai.onnx") : node.domain) + "', opset " +
                           std::to_string(pn.opset) + ") at node '" + node.name + "'");
    }
    // Providers in priority order; a factory may decline the node (DeclineNode()) for the next to try.
    KernelInfo info(node, pn.opset, &constants);
    for (const KernelRegistration* reg : candidates) {
      auto kernel = reg->create(info);
      if (!kernel.ok()) {
        const Status& st = kernel.status();
        return st.message().rfind("node '", 0) == 0 ? st : st.WithContext(NodeLabelOf(node));
      }
      if (*kernel == nullptr) continue;
      pn.kernel = std::move(kernel).value();
      pn.provider = reg->provider;
      break;
    }
    if (!pn.kernel) {
      std::string tried;
      for (const KernelRegistration* reg : candidates) tried += (tried.empty() ? "" : ", ") + reg->provider;
      return Unimplemented(NodeLabelOf(node) + ": no provider supports this node's types or attributes (tried " +
                           tried + ")");
    }
    for (const std::string& in : node.inputs) pn.inputs.push_back(in.empty() ? -1 : SlotFor(in));
    for (const std::string& out : node.outputs) pn.outputs.push_back(out.empty() ? -1 : SlotFor(out));
    for (PlannedSubgraph& ps : subgraphs[n]) {
      for (const std::string& name : ps.plan->outer_references()) ps.outer_slots.push_back(SlotFor(name));
      pn.subgraphs.push_back(std::move(ps));
    }
    std::vector<std::string> touched;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const std::string& in = node.inputs[i];
      if (in.empty() || !constants.count(in)) continue;
      if (pn.kernel->ReadsConstantInput(static_cast<int>(i))) {
        pinned.insert(in);
      } else {
        decliners[in].emplace_back(nodes_.size(), static_cast<int>(i));
      }
      touched.push_back(in);
    }
    for (const PlannedSubgraph& ps : pn.subgraphs) {
      for (const std::string& name : ps.plan->outer_references()) {
        if (!constants.count(name)) continue;
        pinned.insert(name);
        touched.push_back(name);
      }
    }
    nodes_.push_back(std::move(pn));
    for (const std::string& name : touched) {
      if (--reads_left[name] > 0 || pinned.count(name) || released_.count(name)) continue;
      // Every reader keeps its own form: nobody needs the plain tensor at run time any more.
      released_.insert(name);
      constants.erase(name);
      for (const auto& [k, i] : decliners[name]) nodes_[k].kernel->ConstantInputReleased(i);
      if (release_constant) release_constant(name);
    }
  }
  std::vector<int> constant_slots;
  for (const auto& [name, tensor] : g.initializers) {
    if (released_.count(name)) continue;
    if (g.overridable_initializers.count(name)) {
      per_run_constants_.emplace_back(SlotFor(name), tensor);
    } else {
      constant_slots.push_back(SlotFor(name));
      constant_values_.emplace_back(tensor);
    }
  }

  for (const ValueInfo& out : g.outputs) {
    if (!slot_of_.count(out.name) && !outer_names.count(out.name)) {
      return InvalidArgument(graph_label + ": output '" + out.name + "' is not produced by any node");
    }
    if (!slot_of_.count(out.name)) {  // a subgraph may output an outer value directly
      outer_names_.push_back(out.name);
      outer_slots_.push_back(SlotFor(out.name));
    }
    output_slots_.push_back(slot_of_[out.name]);
  }

  // Liveness: free each slot after its last reader, except graph outputs.
  std::vector<int> last_reader(slot_names_.size(), -1);
  for (size_t k = 0; k < nodes_.size(); ++k) {
    for (int s : nodes_[k].inputs)
      if (s >= 0) last_reader[static_cast<size_t>(s)] = static_cast<int>(k);
    for (const PlannedSubgraph& ps : nodes_[k].subgraphs)
      for (int s : ps.outer_slots) last_reader[static_cast<size_t>(s)] = static_cast<int>(k);
  }
  std::vector<bool> is_output(slot_names_.size(), false);
  for (int s : output_slots_) is_output[static_cast<size_t>(s)] = true;
  is_intermediate_.assign(slot_names_.size(), false);
  for (const PlannedNode& pn : nodes_)
    for (int s : pn.outputs)
      if (s >= 0 && !is_output[static_cast<size_t>(s)]) is_intermediate_[static_cast<size_t>(s)] = true;
  for (size_t s = 0; s < slot_names_.size(); ++s) {
    if (is_output[s]) continue;
    if (last_reader[s] >= 0) {
      nodes_[static_cast<size_t>(last_reader[s])].free_after.push_back(static_cast<int>(s));
    } else if (is_intermediate_[s]) {
      // Produced but never read: free right after its producer.
      for (size_t k = 0; k < nodes_.size(); ++k)
        for (int o : nodes_[k].outputs)
          if (o == static_cast<int>(s)) nodes_[k].free_after.push_back(o);
    }
  }
  constant_of_slot_.assign(slot_names_.size(), nullptr);
  for (size_t i = 0; i < constant_slots.size(); ++i) {
    constant_of_slot_[static_cast<size_t>(constant_slots[i])] = &constant_values_[i];
  }
  stats_.reset(new NodeStats[nodes_.size()]);
  return Status::Ok();
}

std::vector<NodeProfile> ExecutionPlan::Profile() const {
  std::vector<NodeProfile> out;
  out.reserve(nodes_.size());
  for (size_t k = 0; k < nodes_.size(); ++k) {
    NodeProfile p;
    p.node_name = nodes_[k].node->name;
    p.op_type = nodes_[k].node->op_type;
    p.provider = nodes_[k].provider;
    p.calls = stats_[k].calls.load(std::memory_order_relaxed);
    p.total_us = stats_[k].total_ns.load(std::memory_order_relaxed) / 1000;
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<std::string> ExecutionPlan::NodeProviders() const {
  std::vector<std::string> out;
  for (const PlannedNode& pn : nodes_) out.push_back(pn.provider);
  return out;
}

// The KernelContext for one node in one run.
class ExecutionPlan::Context final : public KernelContext {
 public:
  Context(const PlannedNode& node, std::vector<Value>& frame, const std::vector<const Value*>& constants,
          RunState* run, const std::vector<bool>& is_intermediate)
      : node_(node),
        frame_(frame),
        constants_(constants),
        run_(run),
        memory_(&run->memory),
        is_intermediate_(is_intermediate) {}

  int num_inputs() const override { return static_cast<int>(node_.inputs.size()); }
  int num_outputs() const override { return static_cast<int>(node_.outputs.size()); }

  const Value* input_value(int i) const override {
    if (i < 0 || i >= num_inputs()) return nullptr;
    const int slot = node_.inputs[static_cast<size_t>(i)];
    return slot < 0 ? nullptr : Read(slot);
  }

  bool output_wanted(int i) const override {
    return i >= 0 && i < num_outputs() && node_.outputs[static_cast<size_t>(i)] >= 0;
  }

  Tensor* Allocate(int i, DataType dtype, Shape shape, bool zero) {
    // Shapes come from user data: reject negative dimensions and sizes that overflow or exceed any
    // plausible allocation (1 TiB) before touching memory.
    constexpr int64_t kMaxBytes = int64_t{1} << 40;
    const int64_t elem = static_cast<int64_t>(std::max<size_t>(DataTypeSize(dtype), 1));
    int64_t numel = 1;
    for (int64_t d : shape) {
      if (d < 0) throw InvalidOutputShape("output " + std::to_string(i) + " would have negative dimension in shape " + ShapeToString(shape));
      if (d > 0 && numel > kMaxBytes / elem / d) {
        throw InvalidOutputShape("output " + std::to_string(i) + " shape " + ShapeToString(shape) + " is too large");
      }
      numel *= d;
    }
    Value* v = OutputSlot(i);
    *v = Value(run_->arena ? run_->arena->Allocate(dtype, std::move(shape), zero)
                           : (zero ? Tensor(dtype, std::move(shape)) : Tensor::Uninitialized(dtype, std::move(shape))));
    Account(i, *v);
    return &v->tensor();
  }

  Tensor* AllocateOutput(int i, DataType dtype, Shape shape) override {
    return Allocate(i, dtype, std::move(shape), /*zero=*/true);
  }

  Tensor* AllocateOutputUninitialized(int i, DataType dtype, Shape shape) override {
    return Allocate(i, dtype, std::move(shape), /*zero=*/false);
  }

  void SetOutput(int i, Value value) override {
    Value* v = OutputSlot(i);
    *v = std::move(value);
    Account(i, *v);
  }

  StatusOr<std::vector<Value>> RunSubgraph(const std::string& attr_name, std::vector<Value> inputs) override {
    for (const PlannedSubgraph& ps : node_.subgraphs) {
      if (ps.attr_name != attr_name) continue;
      std::vector<const Value*> outer;
      outer.reserve(ps.outer_slots.size());
      for (int s : ps.outer_slots) outer.push_back(Read(s));
      auto result = ps.plan->Execute(std::move(inputs), {}, outer, run_);
      if (!result.ok()) return result.status().WithContext(NodeLabel() + " subgraph '" + attr_name + "'");
      return result;
    }
    return InvalidArgument(NodeLabel() + " has no graph attribute '" + attr_name + "'");
  }

  ThreadPool* thread_pool() const override { return const_cast<ThreadPool*>(run_->thread_pool); }

  std::string NodeLabel() const override { return NodeLabelOf(*node_.node); }

 private:
  // A slot's value in this run: the plan's constant, or the frame's entry.
  const Value* Read(int slot) const {
    const Value* constant = constants_[static_cast<size_t>(slot)];
    return constant != nullptr ? constant : &frame_[static_cast<size_t>(slot)];
  }

  Value* OutputSlot(int i) {
    if (!output_wanted(i)) {
      return &scratch_.emplace_front();
    }
    return &frame_[static_cast<size_t>(node_.outputs[static_cast<size_t>(i)])];
  }
  void Account(int i, const Value& v) {
    if (memory_ && output_wanted(i) && is_intermediate_[static_cast<size_t>(node_.outputs[static_cast<size_t>(i)])]) {
      memory_->Add(v.nbytes());
    }
  }

  const PlannedNode& node_;
  std::vector<Value>& frame_;
  const std::vector<const Value*>& constants_;
  RunState* run_;
  MemoryTracker* memory_;
  const std::vector<bool>& is_intermediate_;
  std::forward_list<Value> scratch_;  // outputs nobody reads (stable addresses; no allocation until used)
};

StatusOr<std::vector<Value>> ExecutionPlan::Execute(std::vector<Value> inputs,
                                                    const std::vector<std::pair<std::string, Value>>& overrides,
                                                    const std::vector<const Value*>& outer,
                                                    MemoryTracker* memory) const {
  RunState run;
  auto result = Execute(std::move(inputs), overrides, outer, &run);
  if (memory) {
    memory->Add(run.memory.peak);
    memory->Sub(run.memory.peak);
  }
  return result;
}

StatusOr<std::vector<Value>> ExecutionPlan::Execute(std::vector<Value> inputs,
                                                    const std::vector<std::pair<std::string, Value>>& overrides,
                                                    const std::vector<const Value*>& outer,
                                                    RunState* run) const {
  // Only errors need it: built on demand (a string per run was a heap allocation per run).
  auto graph_label = [this] { return graph_->name.empty() ? std::string("graph") : "graph '" + graph_->name + "'"; };
  if (inputs.size() != input_slots_.size()) {
    return InvalidArgument(graph_label() + " expects " + std::to_string(input_slots_.size()) + " inputs, got " +
                           std::to_string(inputs.size()));
  }
  if (outer.size() != outer_slots_.size()) return Internal(graph_label() + ": outer scope values do not match the plan");
  std::vector<Value> frame(slot_names_.size());
  for (const auto& [slot, tensor] : per_run_constants_) frame[static_cast<size_t>(slot)] = Value(tensor);
  for (size_t i = 0; i < inputs.size(); ++i) frame[static_cast<size_t>(input_slots_[i])] = std::move(inputs[i]);
  for (const auto& [name, value] : overrides) {
    auto it = slot_of_.find(name);
    if (it == slot_of_.end() || !graph_->overridable_initializers.count(name)) {
      return InvalidArgument(graph_label() + ": '" + name + "' is not an input or overridable initializer");
    }
    frame[static_cast<size_t>(it->second)] = value;
  }
  for (size_t i = 0; i < outer.size(); ++i) frame[static_cast<size_t>(outer_slots_[i])] = *outer[i];

  RunState local_run;
  if (!run) run = &local_run;
  // The outermost run picks the arena; subgraph runs share it.
  const bool owns_arena = run->arena == nullptr && run->use_arena;
  if (owns_arena) run->arena = arena_.get();
  MemoryTracker* memory = &run->memory;
  for (size_t k = 0; k < nodes_.size(); ++k) {
    const PlannedNode& pn = nodes_[k];
    Context ctx(pn, frame, constant_of_slot_, run, is_intermediate_);
    Status st;
    try {
      if (run->profile) {
        auto start = std::chrono::steady_clock::now();
        st = pn.kernel->Compute(ctx);
        auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start);
        stats_[k].calls.fetch_add(1, std::memory_order_relaxed);
        stats_[k].total_ns.fetch_add(ns.count(), std::memory_order_relaxed);
      } else {
        st = pn.kernel->Compute(ctx);
      }
    } catch (const InvalidOutputShape& e) {
      st = InvalidArgument(ctx.NodeLabel() + ": " + e.what());
    } catch (const std::bad_alloc&) {
      st = ResourceExhausted(ctx.NodeLabel() + ": out of memory");
    } catch (const std::exception& e) {
      st = Internal(ctx.NodeLabel() + ": " + e.what());
    }
    if (!st.ok()) {
      return st.message().rfind("node '", 0) == 0 ? st : st.WithContext(ctx.NodeLabel());
    }
    for (int s : pn.free_after) {
      Value& v = frame[static_cast<size_t>(s)];
      if (is_intermediate_[static_cast<size_t>(s)]) memory->Sub(v.nbytes());
      v = Value();
    }
  }
  std::vector<Value> outputs;
  outputs.reserve(output_slots_.size());
  for (int s : output_slots_) {
    const Value* constant = constant_of_slot_[static_cast<size_t>(s)];
    outputs.push_back(constant != nullptr ? *constant : frame[static_cast<size_t>(s)]);
  }
  if (owns_arena) arena_->NoteRunPeak(run->memory.peak);
  return outputs;
}

}  // namespace berth
