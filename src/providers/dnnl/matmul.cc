// MatMul and com.berth FusedMatMul on oneDNN (the shared kernel class also runs Gemm, see gemm.cc).

#include "providers/dnnl/matmul.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include <omp.h>

namespace berth::dnnl_dense {

namespace {

using dims = dnnl::memory::dims;

dnnl::memory::desc StridedDesc(const dims& d, const dims& strides) {
  return dnnl::memory::desc(d, dnnl::memory::data_type::f32, strides);
}

dnnl::memory::desc Plain(const dims& d) {
  return PlainDesc(std::vector<int64_t>(d.begin(), d.end()));
}

// Right-aligns `s` to `rank` dimensions with leading 1s.
dims PadTo(const Shape& s, size_t rank) {
  dims out(rank - s.size(), 1);
  out.insert(out.end(), s.begin(), s.end());
  return out;
}

// The SmallMatMul epilogue doing what `config` asks after the product; false if the node's
// arithmetic is not one SmallMatMul does (transposed A, alpha, an activation it lacks).
bool SmallEpilogueFor(const MatMulConfig& config, SmallMatMulEpilogue* epilogue) {
  if (config.gemm && (config.trans_a || config.alpha != 1.0f)) return false;
  using A = Activation::Kind;
  using E = SmallMatMulEpilogue::Kind;
  switch (config.activation.kind) {
    case A::kNone: epilogue->kind = E::kNone; return true;
    case A::kRelu: epilogue->kind = E::kRelu; return true;
    case A::kLeakyRelu: epilogue->kind = E::kLeakyRelu; break;
    case A::kClip: epilogue->kind = E::kClip; break;
    default: return false;
  }
  epilogue->alpha = config.activation.alpha;
  epilogue->beta = config.activation.beta;
  return true;
}

}  // namespace

MatMulDnnl::MatMulDnnl(std::unique_ptr<OpKernel> fallback, MatMulConfig config,
                       const Tensor* constant_b)
    : DnnlKernel(std::move(fallback)), config_(config) {
  if (!constant_b || constant_b->dtype() != DataType::kFloat32 || constant_b->numel() == 0) return;
  constant_b_ = *constant_b;
  b_shape_ = constant_b->shape();
  if (b_shape_.size() != 2) return;  // batched or vector B: packed on first use, plain kept
  const bool trans = config_.gemm && config_.trans_b;
  const int64_t K = trans ? b_shape_[1] : b_shape_[0];
  const int64_t N = trans ? b_shape_[0] : b_shape_[1];
  b_user_ = StridedDesc({K, N}, trans ? dims{1, K} : dims{N, 1});
  if (K * N <= kSmallMatMulMaxWeights && SmallEpilogueFor(config_, &small_epilogue_)) {
    small_b_ = std::make_unique<const SmallMatMulWeights>(PackSmallMatMulWeights(
        constant_b->data<float>(), K, N, trans ? 1 : N, trans ? K : 1));
    return;
  }
  // oneDNN's blocked weights layout depends on K and N only (not on M, the batch), so one pack made
  // now serves every input shape; a primitive that wants another layout reorders from it.
  try {
    const dnnl::memory::desc any({K, N}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::any);
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(Plain({1, K}), any, Plain({1, N})), BaseAttr(),
                                    CpuEngine());
    if (IsReferenceImpl(pd) || pd.weights_desc() == b_user_) return;
    prepacked_ = PackB(b_user_, pd.weights_desc()) != nullptr;
  } catch (const dnnl::error&) {
    prepacked_ = false;
  }
}

void MatMulDnnl::ConstantInputReleased(int i) {
  if (i != 1 || !(prepacked_ || small_b_)) return;
  constant_b_ = Tensor();
  b_released_ = true;
}

bool MatMulDnnl::PlanProblem(const Tensor& a, const Shape& bs, const Tensor* c, Problem* p) const {
  const Shape& as = a.shape();
  if (config_.gemm) {
    if (as.size() != 2 || bs.size() != 2) return false;
    const int64_t M = config_.trans_a ? as[1] : as[0];
    const int64_t K = config_.trans_a ? as[0] : as[1];
    const int64_t kb = config_.trans_b ? bs[1] : bs[0];
    const int64_t N = config_.trans_b ? bs[0] : bs[1];
    if (K != kb || K == 0 || M == 0 || N == 0) return false;
    p->M = M;
    p->N = N;
    p->output = {M, N};
    p->src = StridedDesc({M, K}, config_.trans_a ? dims{1, M} : dims{K, 1});
    p->wei = StridedDesc({K, N}, config_.trans_b ? dims{1, K} : dims{N, 1});
    p->dst = Plain({M, N});
    if (c && config_.beta != 0.0f) {
      const Shape& cs = c->shape();
      bool ok = cs.size() <= 2;
      if (ok && cs.size() == 2) ok = (cs[0] == 1 || cs[0] == M) && (cs[1] == 1 || cs[1] == N);
      if (ok && cs.size() == 1) ok = cs[0] == 1 || cs[0] == N;
      if (!ok) return false;
      const bool row =
          (cs.size() == 1 && cs[0] == N) || (cs.size() == 2 && cs[0] == 1 && cs[1] == N);
      if (row && config_.alpha == 1.0f && config_.beta == 1.0f) {
        p->c_mode = CMode::kBias;
        p->bias = Plain({1, N});
      } else {
        p->c_mode = CMode::kSum;
      }
    }
    return true;
  }

  // MatMul: numpy semantics.
  if (as.empty() || bs.empty()) return false;
  const bool a_vec = as.size() == 1, b_vec = bs.size() == 1;
  const int64_t M = a_vec ? 1 : as[as.size() - 2];
  const int64_t K = as.back();
  const int64_t kb = b_vec ? bs[0] : bs[bs.size() - 2];
  const int64_t N = b_vec ? 1 : bs.back();
  if (K != kb || K == 0 || M == 0 || N == 0) return false;
  const Shape a_batch(as.begin(), as.end() - std::min<size_t>(as.size(), 2));
  const Shape b_batch(bs.begin(), bs.end() - std::min<size_t>(bs.size(), 2));
  const size_t rank = std::max(a_batch.size(), b_batch.size());
  const dims ab = PadTo(a_batch, rank), bb = PadTo(b_batch, rank);
  Shape out_batch(rank);
  for (size_t i = 0; i < rank; ++i) {
    if (ab[i] != bb[i] && ab[i] != 1 && bb[i] != 1) return false;
    out_batch[i] = ab[i] == 1 ? bb[i] : ab[i];
    if (out_batch[i] == 0) return false;
  }
  p->output = out_batch;
  if (!a_vec) p->output.push_back(M);
  if (!b_vec) p->output.push_back(N);
  const int64_t a_count = NumElements(a_batch), b_count = NumElements(b_batch);
  if (b_count == 1) {
    // B is one matrix: fold A's batch into M (the common "activations x weights" case).
    p->src = Plain({a_count * M, K});
    p->wei = Plain({K, N});
    p->dst = Plain({a_count * M, N});
  } else if (ab == bb) {
    p->src = Plain({a_count, M, K});
    p->wei = Plain({b_count, K, N});
    p->dst = Plain({a_count, M, N});
  } else {
    if (rank + 2 > DNNL_MAX_NDIMS) return false;
    dims sd = ab, wd = bb, dd(out_batch.begin(), out_batch.end());
    sd.insert(sd.end(), {M, K});
    wd.insert(wd.end(), {K, N});
    dd.insert(dd.end(), {M, N});
    p->src = Plain(sd);
    p->wei = Plain(wd);
    p->dst = Plain(dd);
  }
  if (c) {  // FusedMatMul bias: 1-D of size N
    if (c->rank() != 1 || c->dim(0) != N) return false;
    dims bd(p->dst.dims().size(), 1);
    bd.back() = N;
    p->bias = Plain(bd);
    p->c_mode = CMode::kBias;
  }
  return true;
}

namespace {

// A new pack of `from` (laid out as `from_desc`) in layout `to`; null on failure.
std::shared_ptr<void> Reorder(const void* from, const dnnl::memory::desc& from_desc, const dnnl::memory::desc& to) {
  std::shared_ptr<void> data(std::aligned_alloc(64, (to.get_size() + 63) / 64 * 64), std::free);
  if (!data) return nullptr;
  dnnl::memory src = Wrap(from_desc, from);
  dnnl::memory dst(to, CpuEngine(), data.get());
  dnnl::reorder(src, dst).execute(ThreadStream(), src, dst);
  ThreadStream().wait();
  return data;
}

bool SameBuffer(const std::weak_ptr<void>& a, const std::weak_ptr<void>& b) {
  return !a.owner_before(b) && !b.owner_before(a);
}

}  // namespace

std::shared_ptr<const PackedWeights> SharedPack(const Tensor& source,
                                                const dnnl::memory::desc& user,
                                                const dnnl::memory::desc& packed) {
  static std::mutex mu;
  static auto* packs = new std::vector<std::weak_ptr<const PackedWeights>>();
  const std::weak_ptr<void> buffer = source.WeakBuffer();
  std::lock_guard<std::mutex> lock(mu);
  for (auto it = packs->begin(); it != packs->end();) {
    std::shared_ptr<const PackedWeights> p = it->lock();
    if (!p || p->source.expired()) {  // unused, or its weights are gone: it can never match again
      it = packs->erase(it);
      continue;
    }
    if (p->source_data == source.raw_data() && SameBuffer(p->source, buffer) &&
        p->source_shape == source.shape() && p->user == user && p->packed == packed) {
      return p;
    }
    ++it;
  }
  std::shared_ptr<void> data = Reorder(source.raw_data(), user, packed);
  if (!data) return nullptr;
  auto p = std::make_shared<const PackedWeights>(
      PackedWeights{buffer, source.raw_data(), source.shape(), user, packed, std::move(data)});
  packs->push_back(p);
  return p;
}

std::shared_ptr<const PackedWeights> MatMulDnnl::PackB(const dnnl::memory::desc& user,
                                                       const dnnl::memory::desc& packed) const {
  std::lock_guard<std::mutex> lock(pack_mu_);
  for (const auto& p : packed_) {
    if (p->user == user && p->packed == packed) return p;
  }
  std::shared_ptr<const PackedWeights> p;
  if (!b_released_) {
    p = SharedPack(constant_b_, user, packed);
  } else if (!packed_.empty() && user == b_user_) {
    // The plain weights are gone: reorder from the pack made at creation (this kernel's own copy).
    const PackedWeights& from = *packed_.front();
    std::shared_ptr<void> data = Reorder(from.data.get(), from.packed, packed);
    if (data) p = std::make_shared<const PackedWeights>(PackedWeights{{}, nullptr, b_shape_, user, packed, data});
  }
  if (p) packed_.push_back(p);
  return p;
}

StatusOr<Tensor> MatMulDnnl::UnpackB() const {
  if (small_b_) {
    Tensor b = Tensor::Uninitialized(DataType::kFloat32, b_shape_);
    const bool trans = config_.gemm && config_.trans_b;
    UnpackSmallMatMulWeights(*small_b_, b.data<float>(), trans ? 1 : small_b_->N, trans ? small_b_->K : 1);
    return b;
  }
  std::shared_ptr<const PackedWeights> pack;
  {
    std::lock_guard<std::mutex> lock(pack_mu_);
    if (!packed_.empty()) pack = packed_.front();
  }
  if (!pack) return Internal("the prepacked weights are missing");
  Tensor b = Tensor::Uninitialized(DataType::kFloat32, b_shape_);
  try {
    dnnl::memory src = Wrap(pack->packed, pack->data.get());
    dnnl::memory dst(b_user_, CpuEngine(), b.raw_data());
    dnnl::reorder(src, dst).execute(ThreadStream(), src, dst);
    ThreadStream().wait();
  } catch (const dnnl::error& err) {
    return Internal(std::string("unpacking the weights failed: ") + err.what());
  }
  return b;
}

std::shared_ptr<const MatMulDnnl::Entry> MatMulDnnl::MakeEntry(const Problem& p,
                                                               bool pack_b) const {
  try {
    dnnl::primitive_attr attr = BaseAttr();
    dnnl::post_ops ops;
    if (p.c_mode == CMode::kSum) ops.append_sum(config_.beta);
    AppendActivation(config_.activation, ops);
    attr.set_post_ops(ops);
    if (config_.alpha != 1.0f) attr.set_output_scales(0, {config_.alpha});
    const dnnl::memory::desc wei_any =
        pack_b ? dnnl::memory::desc(p.wei.dims(), dnnl::memory::data_type::f32,
                                    dnnl::memory::format_tag::any)
               : p.wei;
    dnnl::matmul::desc d = p.c_mode == CMode::kBias
                               ? dnnl::matmul::desc(p.src, wei_any, p.bias, p.dst)
                               : dnnl::matmul::desc(p.src, wei_any, p.dst);
    auto entry = std::make_shared<Entry>();
    entry->problem = p;
    entry->pd = dnnl::matmul::primitive_desc(d, attr, CpuEngine());
    if (IsReferenceImpl(entry->pd)) return nullptr;
    entry->prim = dnnl::matmul(entry->pd);
    if (pack_b && (entry->pd.weights_desc() != p.wei || b_released_)) {
      entry->packed_b = PackB(p.wei, entry->pd.weights_desc());
      if (!entry->packed_b) return nullptr;
    }
    return entry;
  } catch (const dnnl::error&) {
    return nullptr;
  }
}

namespace {

// Multiply-adds below which a product runs single-threaded.
constexpr int64_t kSerialMacs = int64_t{1} << 22;

// Runs the enclosed oneDNN calls (primitive creation and execution both read the OpenMP thread
// count) on the calling thread only; restores the run's thread count after.
class SerialRegion {
 public:
  explicit SerialRegion(bool active) : previous_(active ? omp_get_max_threads() : 0) {
    if (active) omp_set_num_threads(1);
  }
  ~SerialRegion() {
    if (previous_ > 0) omp_set_num_threads(previous_);
  }
  SerialRegion(const SerialRegion&) = delete;
  SerialRegion& operator=(const SerialRegion&) = delete;

 private:
  int previous_;
};

// The node's context with one input replaced (the plain weights rebuilt for a fallback run).
class ReplacedInputContext final : public KernelContext {
 public:
  ReplacedInputContext(KernelContext& base, int index, Value value)
      : base_(base), index_(index), value_(std::move(value)) {}
  int num_inputs() const override { return base_.num_inputs(); }
  int num_outputs() const override { return base_.num_outputs(); }
  const Value* input_value(int i) const override { return i == index_ ? &value_ : base_.input_value(i); }
  bool output_wanted(int i) const override { return base_.output_wanted(i); }
  Tensor* AllocateOutput(int i, DataType dtype, Shape shape) override {
    return base_.AllocateOutput(i, dtype, std::move(shape));
  }
  void SetOutput(int i, Value value) override { base_.SetOutput(i, std::move(value)); }
  StatusOr<std::vector<Value>> RunSubgraph(const std::string& attr_name, std::vector<Value> inputs) override {
    return base_.RunSubgraph(attr_name, std::move(inputs));
  }
  ThreadPool* thread_pool() const override { return base_.thread_pool(); }
  std::string NodeLabel() const override { return base_.NodeLabel(); }

 private:
  KernelContext& base_;
  int index_;
  Value value_;
};

}  // namespace

bool MatMulDnnl::ComputeSmall(KernelContext& ctx, const Tensor& a, const Tensor* c) const {
  const int64_t K = small_b_->K, N = small_b_->N;
  if (a.dtype() != DataType::kFloat32 || a.rank() == 0 || a.shape().back() != K) return false;
  if (config_.gemm && a.rank() != 2) return false;
  const int64_t M = a.numel() / K;
  // C (Gemm) or the bias (FusedMatMul): a row of N added to every output row goes in as the kernel's
  // bias; Gemm's other broadcasts of C are added, times beta, after the product.
  const float* bias = nullptr;
  const Tensor* added_c = nullptr;
  if (c != nullptr && (!config_.gemm || config_.beta != 0.0f)) {
    if (c->dtype() != DataType::kFloat32) return false;
    const Shape& cs = c->shape();
    const bool row = (cs.size() == 1 && cs[0] == N) || (cs.size() == 2 && cs[0] == 1 && cs[1] == N);
    if (row && (!config_.gemm || config_.beta == 1.0f)) {
      bias = c->data<float>();
    } else if (config_.gemm && cs.size() <= 2 && (cs.size() < 2 || cs[0] == 1 || cs[0] == M) &&
               (cs.empty() || cs.back() == 1 || cs.back() == N)) {
      added_c = c;
    } else {
      return false;
    }
  }
  Shape output(a.shape().begin(), a.shape().end() - 1);
  output.push_back(N);
  Tensor* y = ctx.AllocateOutputUninitialized(0, DataType::kFloat32, std::move(output));
  float* yd = y->data<float>();
  if (added_c == nullptr) {
    SmallMatMul(a.data<float>(), M, *small_b_, bias, small_epilogue_, yd, ctx.thread_pool());
    return true;
  }
  SmallMatMul(a.data<float>(), M, *small_b_, nullptr, SmallMatMulEpilogue{}, yd, ctx.thread_pool());
  const Shape& cs = added_c->shape();
  const int64_t c_rows = cs.size() == 2 ? cs[0] : 1, c_cols = cs.empty() ? 1 : cs.back();
  const float* cd = added_c->data<float>();
  for (int64_t m = 0; m < M; ++m) {
    const float* c_row = cd + (c_rows == 1 ? 0 : m) * c_cols;
    float* y_row = yd + m * N;
    for (int64_t n = 0; n < N; ++n) y_row[n] += config_.beta * c_row[c_cols == 1 ? 0 : n];
    ApplySmallMatMulEpilogue(small_epilogue_, y_row, N);
  }
  return true;
}

Status MatMulDnnl::Compute(KernelContext& ctx) const {
  const Tensor* a = ctx.input(0);
  const Tensor* b = ctx.input(1);
  const Tensor* c = ctx.input(2);
  // B is the constant the pack was made from (released, or still the same buffer).
  const bool b_is_constant = b == nullptr ? b_released_ : b->raw_data() == constant_b_.raw_data();
  if (small_b_ && b_is_constant && a != nullptr && (c != nullptr || ctx.input_value(2) == nullptr) &&
      ComputeSmall(ctx, *a, c)) {
    return Status::Ok();
  }
  // A released B (see ConstantInputReleased) is absent: the kernel's pack stands for it.
  const bool b_from_pack = b == nullptr && b_released_;
  auto fallback = [&]() -> Status {
    if (!b_from_pack) return Fallback(ctx);
    auto plain = UnpackB();
    if (!plain.ok()) return plain.status().WithContext(ctx.NodeLabel());
    ReplacedInputContext with_b(ctx, 1, Value(std::move(plain).value()));
    return Fallback(with_b);
  };
  if (small_b_) return fallback();  // what SmallMatMul declines is rare: the reference runs it
  auto f32 = [](const Tensor* t) { return t == nullptr || t->dtype() == DataType::kFloat32; };
  const Value* c_value = ctx.input_value(2);
  if (!a || (!b && !b_from_pack) || !f32(a) || !f32(b) || (c_value && !c) || !f32(c)) return fallback();
  const Shape& b_shape = b_from_pack ? b_shape_ : b->shape();
  const bool pack_b = b_from_pack || (constant_b_.defined() && b->raw_data() == constant_b_.raw_data() &&
                                      b->shape() == constant_b_.shape());
  // The shapes (and the run's thread count) decide everything else, so a cache hit skips planning:
  // on a tiny model that per-call setup was most of the kernel's time.
  const int run_threads = RunThreads(ctx);
  std::vector<int64_t> key(a->shape());
  key.push_back(-1);
  key.insert(key.end(), b_shape.begin(), b_shape.end());
  key.push_back(pack_b ? -2 : -3);
  if (c) key.insert(key.end(), c->shape().begin(), c->shape().end());
  key.push_back(c ? -4 : -5);
  key.push_back(run_threads);
  std::shared_ptr<const Entry> e = cache_.Get(key, [&]() -> std::shared_ptr<const Entry> {
    Problem p;
    if (!PlanProblem(*a, b_shape, c, &p)) return nullptr;
    // A small product runs on the calling thread alone: waking the other intra-op threads costs more
    // than they save (an 8x784x512 layer takes ~35 us on one core, about what an OpenMP fork/join and
    // the imbalance cost on this 2-core machine).
    p.serial = NumElements(p.output) * p.src.dims().back() < kSerialMacs;
    SerialRegion serial_region(p.serial && run_threads > 1);  // the primitive is built for its threads
    return MakeEntry(p, pack_b);
  });
  if (!e || (b_from_pack && !e->packed_b)) return fallback();
  const Problem& p = e->problem;
  SerialRegion serial_region(p.serial && run_threads > 1);

  Tensor* y = ctx.AllocateOutputUninitialized(0, DataType::kFloat32, p.output);  // every element written
  if (e->problem.c_mode == CMode::kSum) {
    // Y <- C broadcast to [M, N]; the primitive's sum post-op adds beta * Y.
    const Shape& cs = c->shape();
    const int64_t rows = cs.size() == 2 ? cs[0] : 1;
    const int64_t cols = cs.empty() ? 1 : cs.back();
    const float* cd = c->data<float>();
    float* yd = y->data<float>();
    for (int64_t i = 0; i < p.M; ++i) {
      const float* crow = cd + (rows == 1 ? 0 : i) * cols;
      float* yrow = yd + i * p.N;
      if (cols == 1) {
        std::fill(yrow, yrow + p.N, crow[0]);
      } else {
        std::memcpy(yrow, crow, static_cast<size_t>(p.N) * sizeof(float));
      }
    }
  }
  try {
    std::unordered_map<int, dnnl::memory> args;
    args.emplace(DNNL_ARG_SRC, Wrap(e->problem.src, a->raw_data()));
    if (e->packed_b) {
      args.emplace(DNNL_ARG_WEIGHTS, Wrap(e->packed_b->packed, e->packed_b->data.get()));
    } else {
      args.emplace(DNNL_ARG_WEIGHTS, Wrap(e->problem.wei, b->raw_data()));
    }
    if (e->problem.c_mode == CMode::kBias)
      args.emplace(DNNL_ARG_BIAS, Wrap(e->problem.bias, c->raw_data()));
    args.emplace(DNNL_ARG_DST, Wrap(e->problem.dst, y->raw_data()));
    Execute(e->prim, e->pd, std::move(args));
  } catch (const dnnl::error& err) {
    return Internal(ctx.NodeLabel() + ": oneDNN matmul failed: " + err.what());
  }
  return Status::Ok();
}

StatusOr<std::unique_ptr<OpKernel>> CreateMatMul(const KernelInfo& info) {
  MatMulConfig config;
  if (info.op_type() == "FusedMatMul") {
    std::optional<Activation> act = ParseActivation(info);
    if (!act) return std::unique_ptr<OpKernel>();
    config.activation = *act;
  }
  return MakeDnnlKernel<MatMulDnnl>(info, config, info.ConstantInput(1));
}

}  // namespace berth::dnnl_dense
