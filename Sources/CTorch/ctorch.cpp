// libtorch behind a C interface. Each entry point runs its body inside CT_TRY, which turns any C++
// exception into a thread-local error message and a NULL / -1 result (the tch-rs pattern).
#include "ctorch.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/cuda.h>
#include <torch/utils.h>
#include <torch/version.h>

#include <cmath>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

namespace {

thread_local std::string last_error;
thread_local bool has_error = false;

void set_error(const char *message) {
  last_error = message ? message : "unknown error";
  has_error = true;
}

inline at::Tensor &T(ct_tensor t) {
  if (t == nullptr) throw std::invalid_argument("null tensor handle");
  return *reinterpret_cast<at::Tensor *>(t);
}
inline c10::optional<at::Tensor> opt(ct_tensor t) {
  if (t == nullptr) return c10::nullopt;
  return *reinterpret_cast<at::Tensor *>(t);
}
inline ct_tensor wrap(at::Tensor t) { return reinterpret_cast<ct_tensor>(new at::Tensor(std::move(t))); }
inline at::Generator &G(ct_generator g) { return *reinterpret_cast<at::Generator *>(g); }
inline c10::optional<at::Generator> optgen(ct_generator g) {
  if (g == nullptr) return c10::nullopt;
  return G(g);
}

at::Device device_of(int type, int index) {
  if (type == 0) return at::Device(at::kCPU);
  if (type == 1) return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index));
  throw std::invalid_argument("unknown device type " + std::to_string(type));
}
at::TensorOptions options(int dtype, int device_type, int device_index) {
  return at::TensorOptions().dtype(static_cast<at::ScalarType>(dtype)).device(device_of(device_type, device_index));
}
at::IntArrayRef dims(const int64_t *p, int n) { return at::IntArrayRef(p, static_cast<size_t>(n)); }
std::vector<at::Tensor> tensors(const ct_tensor *ts, int n) {
  std::vector<at::Tensor> v;
  v.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) v.push_back(T(ts[i]));
  return v;
}
int64_t reduction_of(ct_reduction r) {
  switch (r) {
    case CT_REDUCTION_NONE: return at::Reduction::None;
    case CT_REDUCTION_MEAN: return at::Reduction::Mean;
    case CT_REDUCTION_SUM: return at::Reduction::Sum;
  }
  throw std::invalid_argument("unknown reduction " + std::to_string(static_cast<int>(r)));
}
// Random tensors on a non-CPU device with a CPU generator are drawn on the CPU and moved, so a
// seeded generator gives the same numbers on every device.
at::Tensor on_device(at::Tensor t, int device_type, int device_index) {
  if (device_type == 0) return t;
  return t.to(device_of(device_type, device_index));
}

}  // namespace

#define CT_TRY(fallback, ...)                                     \
  try {                                                            \
    has_error = false;                                             \
    __VA_ARGS__                                                    \
  } catch (const c10::Error &e) {                                  \
    set_error(e.what_without_backtrace());                         \
    return fallback;                                               \
  } catch (const std::exception &e) {                              \
    set_error(e.what());                                           \
    return fallback;                                               \
  } catch (...) {                                                  \
    set_error("unknown C++ exception");                            \
    return fallback;                                               \
  }
#define CT_TENSOR(...) CT_TRY(nullptr, return wrap(__VA_ARGS__);)
#define CT_STATUS(...) CT_TRY(-1, __VA_ARGS__ return 0;)

extern "C" {

const char *ct_last_error(void) { return has_error ? last_error.c_str() : nullptr; }
void ct_clear_error(void) { has_error = false; }

const char *ct_version(void) { return TORCH_VERSION; }
int ct_set_num_threads(int n) { CT_STATUS(at::set_num_threads(n);) }
int ct_get_num_threads(void) { CT_TRY(-1, return at::get_num_threads();) }
// The C++ frontend's functions, stable across libtorch 1.13 and 2.x: seed every device, count GPUs.
int ct_manual_seed(uint64_t seed) { CT_STATUS(torch::manual_seed(seed);) }
int ct_cuda_device_count(void) { CT_TRY(-1, return torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0;) }
int ct_set_grad_enabled(bool enabled) {
  CT_TRY(-1, bool previous = c10::GradMode::is_enabled(); c10::GradMode::set_enabled(enabled); return previous ? 1 : 0;)
}
int ct_is_grad_enabled(void) { return c10::GradMode::is_enabled() ? 1 : 0; }
int ct_cuda_synchronize(int device) {
  CT_STATUS(if (torch::cuda::is_available()) {
    // A tiny device-to-host copy synchronises the stream without CUDA headers.
    at::zeros({1}, at::TensorOptions().device(at::kCUDA, static_cast<c10::DeviceIndex>(device))).cpu();
  })
}

ct_generator ct_generator_new(uint64_t seed) {
  CT_TRY(nullptr, return reinterpret_cast<ct_generator>(new at::Generator(at::detail::createCPUGenerator(seed)));)
}
void ct_generator_free(ct_generator g) { delete reinterpret_cast<at::Generator *>(g); }
ct_tensor ct_generator_get_state(ct_generator g) {
  CT_TRY(nullptr, at::Generator gen = g ? G(g) : at::detail::getDefaultCPUGenerator();
         std::lock_guard<std::mutex> lock(gen.mutex()); return wrap(gen.get_state());)
}
int ct_generator_set_state(ct_generator g, ct_tensor state) {
  CT_STATUS(at::Generator gen = g ? G(g) : at::detail::getDefaultCPUGenerator();
            std::lock_guard<std::mutex> lock(gen.mutex()); gen.set_state(T(state));)
}

void ct_free(ct_tensor t) { delete reinterpret_cast<at::Tensor *>(t); }
ct_tensor ct_alias(ct_tensor t) { CT_TENSOR(T(t)) }
int ct_dim(ct_tensor t) { CT_TRY(-1, return static_cast<int>(T(t).dim());) }
int ct_shape(ct_tensor t, int64_t *out) {
  CT_STATUS(auto s = T(t).sizes(); std::copy(s.begin(), s.end(), out);)
}
int ct_strides(ct_tensor t, int64_t *out) {
  CT_STATUS(auto s = T(t).strides(); std::copy(s.begin(), s.end(), out);)
}
int ct_dtype(ct_tensor t) { CT_TRY(-1, return static_cast<int>(T(t).scalar_type());) }
int ct_device(ct_tensor t, int *type, int *index) {
  CT_STATUS(auto d = T(t).device(); *type = d.is_cuda() ? 1 : 0; *index = d.has_index() ? d.index() : 0;
            if (!d.is_cpu() && !d.is_cuda()) throw std::runtime_error("unsupported device " + d.str());)
}
int64_t ct_numel(ct_tensor t) { CT_TRY(-1, return T(t).numel();) }
int ct_defined(ct_tensor t) { CT_TRY(-1, return T(t).defined() ? 1 : 0;) }
int ct_requires_grad(ct_tensor t) { CT_TRY(-1, return T(t).requires_grad() ? 1 : 0;) }
int ct_is_contiguous(ct_tensor t) { CT_TRY(-1, return T(t).is_contiguous() ? 1 : 0;) }
int ct_set_requires_grad(ct_tensor t, bool requires_grad) { CT_STATUS(T(t).set_requires_grad(requires_grad);) }
double ct_item_double(ct_tensor t) { CT_TRY(NAN, return T(t).item<double>();) }
int64_t ct_item_int64(ct_tensor t) { CT_TRY(0, return T(t).item<int64_t>();) }
char *ct_to_string(ct_tensor t) {
  CT_TRY(nullptr, std::ostringstream s; s << T(t); return strdup(s.str().c_str());)
}
void ct_free_string(char *s) { free(s); }

ct_tensor ct_from_data(const void *data, const int64_t *shape, int ndim, int dtype, int device_type, int device_index) {
  CT_TRY(nullptr, {
    auto cpu = at::empty(dims(shape, ndim), at::TensorOptions().dtype(static_cast<at::ScalarType>(dtype)));
    if (cpu.nbytes() > 0) std::memcpy(cpu.data_ptr(), data, cpu.nbytes());
    return wrap(on_device(cpu, device_type, device_index));
  })
}
int ct_copy_to_host(ct_tensor t, void *dst, size_t nbytes) {
  CT_STATUS({
    auto c = T(t).detach().to(at::kCPU).contiguous();
    if (c.nbytes() != nbytes)
      throw std::invalid_argument("copy_to_host: tensor has " + std::to_string(c.nbytes()) + " bytes, buffer " +
                                  std::to_string(nbytes));
    if (nbytes > 0) std::memcpy(dst, c.data_ptr(), nbytes);
  })
}
ct_tensor ct_empty(const int64_t *shape, int ndim, int dtype, int device_type, int device_index) {
  CT_TENSOR(at::empty(dims(shape, ndim), options(dtype, device_type, device_index)))
}
ct_tensor ct_zeros(const int64_t *shape, int ndim, int dtype, int device_type, int device_index) {
  CT_TENSOR(at::zeros(dims(shape, ndim), options(dtype, device_type, device_index)))
}
ct_tensor ct_ones(const int64_t *shape, int ndim, int dtype, int device_type, int device_index) {
  CT_TENSOR(at::ones(dims(shape, ndim), options(dtype, device_type, device_index)))
}
ct_tensor ct_full(const int64_t *shape, int ndim, double value, int dtype, int device_type, int device_index) {
  CT_TENSOR(at::full(dims(shape, ndim), value, options(dtype, device_type, device_index)))
}
ct_tensor ct_arange(double start, double end, double step, int dtype, int device_type, int device_index) {
  CT_TENSOR(at::arange(start, end, step, options(dtype, device_type, device_index)))
}
ct_tensor ct_rand(const int64_t *shape, int ndim, ct_generator g, int dtype, int device_type, int device_index) {
  CT_TENSOR(g ? on_device(at::rand(dims(shape, ndim), optgen(g), options(dtype, 0, 0)), device_type, device_index)
              : at::rand(dims(shape, ndim), options(dtype, device_type, device_index)))
}
ct_tensor ct_randn(const int64_t *shape, int ndim, ct_generator g, int dtype, int device_type, int device_index) {
  CT_TENSOR(g ? on_device(at::randn(dims(shape, ndim), optgen(g), options(dtype, 0, 0)), device_type, device_index)
              : at::randn(dims(shape, ndim), options(dtype, device_type, device_index)))
}
ct_tensor ct_randint(int64_t low, int64_t high, const int64_t *shape, int ndim, ct_generator g, int device_type,
                     int device_index) {
  CT_TENSOR(g ? on_device(at::randint(low, high, dims(shape, ndim), optgen(g), options((int)at::kLong, 0, 0)), device_type,
                          device_index)
              : at::randint(low, high, dims(shape, ndim), options((int)at::kLong, device_type, device_index)))
}
ct_tensor ct_randperm(int64_t n, ct_generator g) { CT_TENSOR(at::randperm(n, optgen(g), at::TensorOptions().dtype(at::kLong))) }
ct_tensor ct_normal_(ct_tensor t, double mean, double std, ct_generator g) {
  CT_TRY(nullptr, {
    at::NoGradGuard guard;
    auto &x = T(t);
    if (g && !x.is_cpu()) x.copy_(at::empty(x.sizes(), x.options().device(at::kCPU)).normal_(mean, std, optgen(g)));
    else x.normal_(mean, std, optgen(g));
    return wrap(x);
  })
}
ct_tensor ct_uniform_(ct_tensor t, double from, double to, ct_generator g) {
  CT_TRY(nullptr, {
    at::NoGradGuard guard;
    auto &x = T(t);
    if (g && !x.is_cpu()) x.copy_(at::empty(x.sizes(), x.options().device(at::kCPU)).uniform_(from, to, optgen(g)));
    else x.uniform_(from, to, optgen(g));
    return wrap(x);
  })
}
// torch.nn.init.orthogonal_: QR of a Gaussian matrix, sign-corrected so the result is uniform.
ct_tensor ct_orthogonal_(ct_tensor t, double gain, ct_generator g) {
  CT_TRY(nullptr, {
    at::NoGradGuard guard;
    auto &x = T(t);
    if (x.dim() < 2) throw std::invalid_argument("orthogonal init needs at least 2 dimensions");
    int64_t rows = x.size(0), cols = x.numel() / rows;
    auto flat = at::randn({rows, cols}, optgen(g), at::TensorOptions().dtype(at::kFloat));
    if (rows < cols) flat = flat.t();
    auto qr = at::linalg_qr(flat);
    auto q = std::get<0>(qr), r = std::get<1>(qr);
    q = q * at::sign(at::diagonal(r, 0, -2, -1));
    if (rows < cols) q = q.t();
    x.copy_(q.reshape(x.sizes()).mul(gain));
    return wrap(x);
  })
}

ct_tensor ct_to(ct_tensor t, int device_type, int device_index, int dtype, bool copy) {
  CT_TENSOR(T(t).to(device_of(device_type, device_index), static_cast<at::ScalarType>(dtype), /*non_blocking=*/false, copy))
}
ct_tensor ct_clone(ct_tensor t) { CT_TENSOR(T(t).clone()) }
ct_tensor ct_detach(ct_tensor t) { CT_TENSOR(T(t).detach()) }
int ct_copy_(ct_tensor dst, ct_tensor src) { CT_STATUS(at::NoGradGuard guard; T(dst).copy_(T(src));) }
int ct_set_data(ct_tensor t, ct_tensor src) { CT_STATUS(T(t).set_data(T(src));) }
int ct_fill_(ct_tensor t, double value) { CT_STATUS(at::NoGradGuard guard; T(t).fill_(value);) }
int ct_zero_(ct_tensor t) { CT_STATUS(at::NoGradGuard guard; T(t).zero_();) }

ct_tensor ct_view(ct_tensor t, const int64_t *shape, int ndim) { CT_TENSOR(T(t).view(dims(shape, ndim))) }
ct_tensor ct_reshape(ct_tensor t, const int64_t *shape, int ndim) { CT_TENSOR(T(t).reshape(dims(shape, ndim))) }
ct_tensor ct_permute(ct_tensor t, const int64_t *dims, int ndim) { CT_TENSOR(T(t).permute(::dims(dims, ndim))) }
ct_tensor ct_transpose(ct_tensor t, int64_t d0, int64_t d1) { CT_TENSOR(T(t).transpose(d0, d1)) }
ct_tensor ct_contiguous(ct_tensor t) { CT_TENSOR(T(t).contiguous()) }
ct_tensor ct_cat(const ct_tensor *ts, int n, int64_t dim) { CT_TENSOR(at::cat(tensors(ts, n), dim)) }
ct_tensor ct_stack(const ct_tensor *ts, int n, int64_t dim) { CT_TENSOR(at::stack(tensors(ts, n), dim)) }
static int write_list(const std::vector<at::Tensor> &parts, ct_tensor *out, int max_out) {
  if (static_cast<int>(parts.size()) > max_out)
    throw std::invalid_argument("result has " + std::to_string(parts.size()) + " parts, room for " + std::to_string(max_out));
  for (size_t i = 0; i < parts.size(); ++i) out[i] = wrap(parts[i]);
  return static_cast<int>(parts.size());
}
int ct_split(ct_tensor t, int64_t size, int64_t dim, ct_tensor *out, int max_out) {
  CT_TRY(-1, return write_list(T(t).split(size, dim), out, max_out);)
}
int ct_chunk(ct_tensor t, int64_t chunks, int64_t dim, ct_tensor *out, int max_out) {
  CT_TRY(-1, return write_list(T(t).chunk(chunks, dim), out, max_out);)
}
ct_tensor ct_narrow(ct_tensor t, int64_t dim, int64_t start, int64_t length) { CT_TENSOR(T(t).narrow(dim, start, length)) }
ct_tensor ct_slice(ct_tensor t, int64_t dim, int64_t start, int64_t end, int64_t step) {
  CT_TENSOR(T(t).slice(dim, start, end, step))
}
ct_tensor ct_select(ct_tensor t, int64_t dim, int64_t index) { CT_TENSOR(T(t).select(dim, index)) }
ct_tensor ct_index_select(ct_tensor t, int64_t dim, ct_tensor index) { CT_TENSOR(T(t).index_select(dim, T(index))) }
ct_tensor ct_gather(ct_tensor t, int64_t dim, ct_tensor index) { CT_TENSOR(T(t).gather(dim, T(index))) }
ct_tensor ct_expand(ct_tensor t, const int64_t *shape, int ndim) { CT_TENSOR(T(t).expand(dims(shape, ndim))) }
ct_tensor ct_squeeze(ct_tensor t) { CT_TENSOR(T(t).squeeze()) }
ct_tensor ct_squeeze_dim(ct_tensor t, int64_t dim) { CT_TENSOR(T(t).squeeze(dim)) }
ct_tensor ct_unsqueeze(ct_tensor t, int64_t dim) { CT_TENSOR(T(t).unsqueeze(dim)) }
ct_tensor ct_flatten(ct_tensor t, int64_t start, int64_t end) { CT_TENSOR(T(t).flatten(start, end)) }
ct_tensor ct_repeat(ct_tensor t, const int64_t *repeats, int n) { CT_TENSOR(T(t).repeat(dims(repeats, n))) }
ct_tensor ct_flip(ct_tensor t, const int64_t *dims, int n) { CT_TENSOR(T(t).flip(::dims(dims, n))) }

static at::Tensor binary(ct_binary_op op, const at::Tensor &a, const at::Tensor &b) {
  switch (op) {
    case CT_BINARY_ADD: return a + b;
    case CT_BINARY_SUB: return a - b;
    case CT_BINARY_MUL: return a * b;
    case CT_BINARY_DIV: return a / b;
    case CT_BINARY_POW: return a.pow(b);
    case CT_BINARY_MAXIMUM: return at::maximum(a, b);
    case CT_BINARY_MINIMUM: return at::minimum(a, b);
    case CT_BINARY_EQ: return a.eq(b);
    case CT_BINARY_NE: return a.ne(b);
    case CT_BINARY_LT: return a.lt(b);
    case CT_BINARY_LE: return a.le(b);
    case CT_BINARY_GT: return a.gt(b);
    case CT_BINARY_GE: return a.ge(b);
    case CT_BINARY_REMAINDER: return at::remainder(a, b);
  }
  throw std::invalid_argument("unknown binary op " + std::to_string(op));
}
static at::Tensor binary_scalar(ct_binary_op op, const at::Tensor &a, double s) {
  switch (op) {
    case CT_BINARY_ADD: return a + s;
    case CT_BINARY_SUB: return a - s;
    case CT_BINARY_MUL: return a * s;
    case CT_BINARY_DIV: return a / s;
    case CT_BINARY_POW: return a.pow(s);
    case CT_BINARY_MAXIMUM: return at::clamp_min(a, s);
    case CT_BINARY_MINIMUM: return at::clamp_max(a, s);
    case CT_BINARY_EQ: return a.eq(s);
    case CT_BINARY_NE: return a.ne(s);
    case CT_BINARY_LT: return a.lt(s);
    case CT_BINARY_LE: return a.le(s);
    case CT_BINARY_GT: return a.gt(s);
    case CT_BINARY_GE: return a.ge(s);
    case CT_BINARY_REMAINDER: return at::remainder(a, s);
  }
  throw std::invalid_argument("unknown binary op " + std::to_string(op));
}
ct_tensor ct_binary(ct_binary_op op, ct_tensor a, ct_tensor b) { CT_TENSOR(binary(op, T(a), T(b))) }
ct_tensor ct_binary_scalar(ct_binary_op op, ct_tensor a, double s) { CT_TENSOR(binary_scalar(op, T(a), s)) }
ct_tensor ct_rsub_scalar(double s, ct_tensor a) { CT_TENSOR(at::rsub(T(a), s)) }
ct_tensor ct_rdiv_scalar(double s, ct_tensor a) { CT_TENSOR(at::reciprocal(T(a)) * s) }
ct_tensor ct_add_scaled(ct_tensor a, ct_tensor b, double alpha) { CT_TENSOR(at::add(T(a), T(b), alpha)) }
int ct_binary_(ct_binary_op op, ct_tensor a, ct_tensor b) {
  CT_STATUS(auto &x = T(a); const auto &y = T(b); switch (op) {
    case CT_BINARY_ADD: x.add_(y); break;
    case CT_BINARY_SUB: x.sub_(y); break;
    case CT_BINARY_MUL: x.mul_(y); break;
    case CT_BINARY_DIV: x.div_(y); break;
    default: throw std::invalid_argument("unsupported in-place op " + std::to_string(op));
  })
}
int ct_binary_scalar_(ct_binary_op op, ct_tensor a, double s) {
  // In place, the result keeps x's dtype: an integral tensor takes a whole number as an integer
  // scalar (counter += 1), as Python's `t += 1` does; a double scalar would not cast back to Long.
  CT_STATUS(auto &x = T(a);
            const bool integral = at::isIntegralType(x.scalar_type(), /*includeBool=*/false) &&
                                  std::nearbyint(s) == s && std::fabs(s) < 9.007199254740992e15;
            const at::Scalar scalar = integral ? at::Scalar(static_cast<int64_t>(s)) : at::Scalar(s);
            switch (op) {
    case CT_BINARY_ADD: x.add_(scalar); break;
    case CT_BINARY_SUB: x.sub_(scalar); break;
    case CT_BINARY_MUL: x.mul_(scalar); break;
    case CT_BINARY_DIV: x.div_(scalar); break;
    case CT_BINARY_POW: x.pow_(scalar); break;
    default: throw std::invalid_argument("unsupported in-place op " + std::to_string(op));
  })
}
ct_tensor ct_where(ct_tensor cond, ct_tensor a, ct_tensor b) { CT_TENSOR(at::where(T(cond), T(a), T(b))) }
ct_tensor ct_masked_fill(ct_tensor t, ct_tensor mask, double value) { CT_TENSOR(T(t).masked_fill(T(mask), value)) }

static at::Tensor unary(ct_unary_op op, const at::Tensor &t) {
  switch (op) {
    case CT_UNARY_NEG: return -t;
    case CT_UNARY_SQRT: return t.sqrt();
    case CT_UNARY_EXP: return t.exp();
    case CT_UNARY_LOG: return t.log();
    case CT_UNARY_ABS: return t.abs();
    case CT_UNARY_TANH: return t.tanh();
    case CT_UNARY_SIGMOID: return t.sigmoid();
    case CT_UNARY_RELU: return at::relu(t);
    case CT_UNARY_SIGN: return t.sign();
    case CT_UNARY_FLOOR: return t.floor();
    case CT_UNARY_CEIL: return t.ceil();
    case CT_UNARY_ROUND: return t.round();
    case CT_UNARY_RSQRT: return t.rsqrt();
    case CT_UNARY_SQUARE: return t.square();
    case CT_UNARY_SIN: return t.sin();
    case CT_UNARY_COS: return t.cos();
    case CT_UNARY_LOG1P: return t.log1p();
    case CT_UNARY_ISNAN: return t.isnan();
    case CT_UNARY_ISINF: return t.isinf();
    case CT_UNARY_LOGICAL_NOT: return t.logical_not();
  }
  throw std::invalid_argument("unknown unary op " + std::to_string(op));
}
ct_tensor ct_unary(ct_unary_op op, ct_tensor t) { CT_TENSOR(unary(op, T(t))) }
int ct_unary_(ct_unary_op op, ct_tensor t) {
  CT_STATUS(auto &x = T(t); switch (op) {
    case CT_UNARY_NEG: x.neg_(); break;
    case CT_UNARY_SQRT: x.sqrt_(); break;
    case CT_UNARY_EXP: x.exp_(); break;
    case CT_UNARY_TANH: x.tanh_(); break;
    case CT_UNARY_SIGMOID: x.sigmoid_(); break;
    case CT_UNARY_RELU: x.relu_(); break;
    default: throw std::invalid_argument("unsupported in-place unary op " + std::to_string(op));
  })
}
ct_tensor ct_leaky_relu(ct_tensor t, double slope) { CT_TENSOR(at::leaky_relu(T(t), slope)) }
ct_tensor ct_clamp(ct_tensor t, double lo, double hi, bool has_lo, bool has_hi) {
  CT_TENSOR(at::clamp(T(t), has_lo ? c10::optional<at::Scalar>(lo) : c10::nullopt,
                      has_hi ? c10::optional<at::Scalar>(hi) : c10::nullopt))
}
ct_tensor ct_softmax(ct_tensor t, int64_t dim) { CT_TENSOR(at::softmax(T(t), dim)) }
ct_tensor ct_log_softmax(ct_tensor t, int64_t dim) { CT_TENSOR(at::log_softmax(T(t), dim)) }
// torch.nn.functional.normalize: x / max(||x||_p, eps).
ct_tensor ct_normalize(ct_tensor t, double p, int64_t dim, double eps) {
  CT_TENSOR(T(t) / at::clamp_min(at::norm(T(t), p, {dim}, true), eps).expand_as(T(t)))
}

ct_tensor ct_matmul(ct_tensor a, ct_tensor b) { CT_TENSOR(at::matmul(T(a), T(b))) }
ct_tensor ct_bmm(ct_tensor a, ct_tensor b) { CT_TENSOR(at::bmm(T(a), T(b))) }
ct_tensor ct_linalg_eigh(ct_tensor t, ct_tensor *eigenvectors) {
  CT_TRY(nullptr, auto r = at::linalg_eigh(T(t)); *eigenvectors = wrap(std::get<1>(r)); return wrap(std::get<0>(r));)
}
ct_tensor ct_linalg_svdvals(ct_tensor t) { CT_TENSOR(at::linalg_svdvals(T(t))) }

// Every dimension of t, for reductions over all of them that keep the dimensions (an empty dim
// list means "all" in some libtorch versions and "none" in others, so it is never passed).
static std::vector<int64_t> all_dims(const at::Tensor &t) {
  std::vector<int64_t> v(static_cast<size_t>(t.dim()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int64_t>(i);
  return v;
}
ct_tensor ct_sum(ct_tensor t, const int64_t *dims, int ndims, bool keepdim) {
  CT_TENSOR(ndims == 0 ? (keepdim ? T(t).sum(all_dims(T(t)), true) : T(t).sum()) : T(t).sum(::dims(dims, ndims), keepdim))
}
ct_tensor ct_mean(ct_tensor t, const int64_t *dims, int ndims, bool keepdim) {
  CT_TENSOR(ndims == 0 ? (keepdim ? T(t).mean(all_dims(T(t)), true) : T(t).mean()) : T(t).mean(::dims(dims, ndims), keepdim))
}
ct_tensor ct_var(ct_tensor t, const int64_t *dims, int ndims, bool unbiased, bool keepdim) {
  CT_TENSOR(ndims == 0 ? (keepdim ? T(t).var(all_dims(T(t)), unbiased, true) : T(t).var(unbiased))
                   : T(t).var(::dims(dims, ndims), unbiased, keepdim))
}
ct_tensor ct_norm(ct_tensor t, double p, const int64_t *dims, int ndims, bool keepdim) {
  CT_TENSOR(ndims == 0 ? at::norm(T(t), p) : at::norm(T(t), p, ::dims(dims, ndims), keepdim))
}
ct_tensor ct_max_all(ct_tensor t) { CT_TENSOR(T(t).max()) }
ct_tensor ct_min_all(ct_tensor t) { CT_TENSOR(T(t).min()) }
ct_tensor ct_max_dim(ct_tensor t, int64_t dim, bool keepdim, ct_tensor *indices) {
  CT_TRY(nullptr, auto r = T(t).max(dim, keepdim); *indices = wrap(std::get<1>(r)); return wrap(std::get<0>(r));)
}
ct_tensor ct_min_dim(ct_tensor t, int64_t dim, bool keepdim, ct_tensor *indices) {
  CT_TRY(nullptr, auto r = T(t).min(dim, keepdim); *indices = wrap(std::get<1>(r)); return wrap(std::get<0>(r));)
}
ct_tensor ct_argmax(ct_tensor t, int64_t dim, bool keepdim) { CT_TENSOR(T(t).argmax(dim, keepdim)) }
ct_tensor ct_argmin(ct_tensor t, int64_t dim, bool keepdim) { CT_TENSOR(T(t).argmin(dim, keepdim)) }
ct_tensor ct_topk(ct_tensor t, int64_t k, int64_t dim, bool largest, ct_tensor *indices) {
  CT_TRY(nullptr, auto r = T(t).topk(k, dim, largest); *indices = wrap(std::get<1>(r)); return wrap(std::get<0>(r));)
}
ct_tensor ct_cumsum(ct_tensor t, int64_t dim) { CT_TENSOR(T(t).cumsum(dim)) }

ct_tensor ct_conv2d(ct_tensor x, ct_tensor w, ct_tensor b, const int64_t *stride, const int64_t *padding,
                    const int64_t *dilation, int64_t groups) {
  CT_TENSOR(at::conv2d(T(x), T(w), opt(b), dims(stride, 2), dims(padding, 2), dims(dilation, 2), groups))
}
ct_tensor ct_conv_transpose2d(ct_tensor x, ct_tensor w, ct_tensor b, const int64_t *stride, const int64_t *padding,
                              const int64_t *output_padding, int64_t groups, const int64_t *dilation) {
  CT_TENSOR(at::conv_transpose2d(T(x), T(w), opt(b), dims(stride, 2), dims(padding, 2), dims(output_padding, 2), groups,
                                 dims(dilation, 2)))
}
ct_tensor ct_linear(ct_tensor x, ct_tensor w, ct_tensor b) { CT_TENSOR(at::linear(T(x), T(w), opt(b))) }
ct_tensor ct_embedding(ct_tensor weight, ct_tensor indices) { CT_TENSOR(at::embedding(T(weight), T(indices))) }
ct_tensor ct_batch_norm(ct_tensor x, ct_tensor w, ct_tensor b, ct_tensor running_mean, ct_tensor running_var,
                        bool training, double momentum, double eps) {
  CT_TENSOR(at::batch_norm(T(x), opt(w), opt(b), opt(running_mean), opt(running_var), training, momentum, eps,
                           /*cudnn_enabled=*/true))
}
ct_tensor ct_avg_pool2d(ct_tensor x, const int64_t *kernel, const int64_t *stride, const int64_t *padding,
                        bool ceil_mode, bool count_include_pad) {
  CT_TENSOR(at::avg_pool2d(T(x), dims(kernel, 2), dims(stride, 2), dims(padding, 2), ceil_mode, count_include_pad))
}
ct_tensor ct_max_pool2d(ct_tensor x, const int64_t *kernel, const int64_t *stride, const int64_t *padding,
                        const int64_t *dilation, bool ceil_mode) {
  CT_TENSOR(at::max_pool2d(T(x), dims(kernel, 2), dims(stride, 2), dims(padding, 2), dims(dilation, 2), ceil_mode))
}
ct_tensor ct_adaptive_avg_pool2d(ct_tensor x, const int64_t *output_size) {
  CT_TENSOR(at::adaptive_avg_pool2d(T(x), dims(output_size, 2)))
}
ct_tensor ct_upsample_nearest2d(ct_tensor x, const int64_t *output_size) {
  CT_TENSOR(at::upsample_nearest2d(T(x), dims(output_size, 2), c10::nullopt, c10::nullopt))
}
ct_tensor ct_upsample_bilinear2d(ct_tensor x, const int64_t *output_size, bool align_corners) {
  CT_TENSOR(at::upsample_bilinear2d(T(x), dims(output_size, 2), align_corners, c10::nullopt, c10::nullopt))
}
ct_tensor ct_upsample_bicubic2d(ct_tensor x, const int64_t *output_size, bool align_corners) {
  CT_TENSOR(at::upsample_bicubic2d(T(x), dims(output_size, 2), align_corners, c10::nullopt, c10::nullopt))
}
ct_tensor ct_dropout(ct_tensor x, double p, bool training) { CT_TENSOR(at::dropout(T(x), p, training)) }
ct_tensor ct_pad(ct_tensor x, const int64_t *pads, int npads, ct_pad_mode mode, double value) {
  CT_TRY(nullptr, {
    switch (mode) {
      case CT_PAD_CONSTANT: return wrap(at::constant_pad_nd(T(x), dims(pads, npads), value));
      case CT_PAD_REFLECT:
        if (npads == 2) return wrap(at::reflection_pad1d(T(x), dims(pads, npads)));
        if (npads == 4) return wrap(at::reflection_pad2d(T(x), dims(pads, npads)));
        break;
      case CT_PAD_REPLICATE:
        if (npads == 2) return wrap(at::replication_pad1d(T(x), dims(pads, npads)));
        if (npads == 4) return wrap(at::replication_pad2d(T(x), dims(pads, npads)));
        break;
    }
    throw std::invalid_argument("unsupported pad mode " + std::to_string(static_cast<int>(mode)) + " with " + std::to_string(npads) + " pads");
  })
}
ct_tensor ct_one_hot(ct_tensor indices, int64_t num_classes) { CT_TENSOR(at::one_hot(T(indices), num_classes)) }

ct_tensor ct_mse_loss(ct_tensor a, ct_tensor b, ct_reduction reduction) { CT_TENSOR(at::mse_loss(T(a), T(b), reduction_of(reduction))) }
ct_tensor ct_l1_loss(ct_tensor a, ct_tensor b, ct_reduction reduction) { CT_TENSOR(at::l1_loss(T(a), T(b), reduction_of(reduction))) }
ct_tensor ct_cross_entropy(ct_tensor logits, ct_tensor targets, ct_reduction reduction, double label_smoothing) {
  CT_TENSOR(at::cross_entropy_loss(T(logits), T(targets), c10::nullopt, reduction_of(reduction), -100, label_smoothing))
}
ct_tensor ct_bce_with_logits(ct_tensor logits, ct_tensor targets, ct_reduction reduction) {
  CT_TENSOR(at::binary_cross_entropy_with_logits(T(logits), T(targets), c10::nullopt, c10::nullopt, reduction_of(reduction)))
}

int ct_backward(ct_tensor t, ct_tensor grad, bool retain_graph, bool create_graph) {
  CT_STATUS(T(t).backward(grad ? T(grad) : at::Tensor(), retain_graph, create_graph);)
}
ct_tensor ct_grad(ct_tensor t) {
  CT_TRY(nullptr, const auto &g = T(t).grad(); if (!g.defined()) return nullptr; return wrap(g);)
}
int ct_zero_grad(ct_tensor t, bool set_to_none) {
  CT_STATUS(auto &g = T(t).mutable_grad(); if (g.defined()) {
    if (set_to_none) g.reset();
    else { g = g.detach(); g.zero_(); }
  })
}
int ct_set_grad(ct_tensor t, ct_tensor grad) {
  CT_STATUS(if (grad) T(t).mutable_grad() = T(grad); else T(t).mutable_grad().reset();)
}
int ct_autograd_grad(const ct_tensor *outputs, int n_outputs, const ct_tensor *grad_outputs, const ct_tensor *inputs,
                     int n_inputs, bool retain_graph, bool create_graph, bool allow_unused, ct_tensor *out) {
  CT_STATUS({
    std::vector<at::Tensor> gos;
    if (grad_outputs) gos = tensors(grad_outputs, n_outputs);
    auto r = torch::autograd::grad(tensors(outputs, n_outputs), tensors(inputs, n_inputs), gos, retain_graph,
                                   create_graph, allow_unused);
    for (size_t i = 0; i < r.size(); ++i) out[i] = r[i].defined() ? wrap(r[i]) : nullptr;
  })
}

int ct_adam_step(const ct_tensor *params, const ct_tensor *exp_avg, const ct_tensor *exp_avg_sq, int n, int64_t step,
                 double lr, double beta1, double beta2, double eps, double weight_decay, bool amsgrad,
                 const ct_tensor *max_exp_avg_sq) {
  CT_STATUS({
    at::NoGradGuard guard;
    const double bias_correction1 = 1.0 - std::pow(beta1, static_cast<double>(step));
    const double bias_correction2_sqrt = std::sqrt(1.0 - std::pow(beta2, static_cast<double>(step)));
    const double step_size = lr / bias_correction1;
    for (int i = 0; i < n; ++i) {
      auto &p = T(params[i]);
      at::Tensor grad = p.grad();
      if (!grad.defined()) continue;
      if (weight_decay != 0) grad = grad.add(p, weight_decay);
      auto &m = T(exp_avg[i]);
      auto &v = T(exp_avg_sq[i]);
      m.mul_(beta1).add_(grad, 1.0 - beta1);
      v.mul_(beta2).addcmul_(grad, grad, 1.0 - beta2);
      at::Tensor denom;
      if (amsgrad) {
        auto &vmax = T(max_exp_avg_sq[i]);
        at::maximum_out(vmax, vmax, v);
        denom = (vmax.sqrt() / bias_correction2_sqrt).add_(eps);
      } else {
        denom = (v.sqrt() / bias_correction2_sqrt).add_(eps);
      }
      p.addcdiv_(m, denom, -step_size);
    }
  })
}
int ct_sgd_step(const ct_tensor *params, const ct_tensor *momentum_buffers, int n, double lr, double momentum,
                double dampening, double weight_decay, bool nesterov, bool first_step) {
  CT_STATUS({
    at::NoGradGuard guard;
    for (int i = 0; i < n; ++i) {
      auto &p = T(params[i]);
      at::Tensor d_p = p.grad();
      if (!d_p.defined()) continue;
      if (weight_decay != 0) d_p = d_p.add(p, weight_decay);
      if (momentum != 0) {
        auto &buf = T(momentum_buffers[i]);
        if (first_step) buf.copy_(d_p);
        else buf.mul_(momentum).add_(d_p, 1.0 - dampening);
        d_p = nesterov ? d_p.add(buf, momentum) : buf;
      }
      p.add_(d_p, -lr);
    }
  })
}

// ---- Inference support ----
#if (TORCH_VERSION_MAJOR > 2) || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
#define CT_HAS_FUSED_SDPA 1  // CPU flash kernel and the `scale` argument arrived in 2.1
#else
#define CT_HAS_FUSED_SDPA 0
#endif

int ct_mutation_stamp(ct_tensor t, int64_t *version, uint64_t *storage) {
  CT_STATUS({
    const auto &x = T(t);
    *version = static_cast<int64_t>(x._version());
    *storage = reinterpret_cast<uint64_t>(x.storage().unsafeGetStorageImpl());
  })
}

int ct_has_fused_attention(void) { return CT_HAS_FUSED_SDPA; }

namespace {
std::unique_ptr<torch::autograd::profiler::RecordProfile> active_profile;
}
int ct_profile_begin(const char *path) {
  CT_STATUS({
    if (path == nullptr) throw std::invalid_argument("no profile path");
    if (active_profile) throw std::runtime_error("a profile is already being recorded");
    active_profile = std::make_unique<torch::autograd::profiler::RecordProfile>(std::string(path));
  })
}
int ct_profile_end(void) {
  CT_STATUS({
    if (!active_profile) throw std::runtime_error("no profile is being recorded");
    active_profile.reset();  // writes the trace
  })
}

ct_tensor ct_attention_core(ct_tensor theta, ct_tensor phi, ct_tensor g, bool fused) {
  CT_TRY(nullptr, {
    const auto &t = T(theta), &p = T(phi), &v = T(g);
#if CT_HAS_FUSED_SDPA
    if (fused) {
      // [n, 1, L, ck] x [n, 1, M, ck] x [n, 1, M, cv] -> [n, 1, L, cv] -> [n, cv, L]
      auto q = t.transpose(1, 2).unsqueeze(1).contiguous();
      auto k = p.transpose(1, 2).unsqueeze(1).contiguous();
      auto val = v.transpose(1, 2).unsqueeze(1).contiguous();
      auto out = at::scaled_dot_product_attention(q, k, val, {}, 0.0, false, 1.0);
      return wrap(out.squeeze(1).transpose(1, 2).contiguous());
    }
#else
    (void)fused;
#endif
    auto beta = at::softmax(at::bmm(t.transpose(1, 2), p), -1);
    return wrap(at::bmm(v, beta.transpose(1, 2)));
  })
}

// ---- s18 (issue #18): prepacked convolution weights for inference ----
int ct_has_conv_prepack(void) { CT_TRY(-1, return at::hasMKLDNN() ? 1 : 0;) }

ct_tensor ct_conv2d_prepack(ct_tensor w, const int64_t *stride, const int64_t *padding, const int64_t *dilation,
                            int64_t groups) {
  CT_TRY(nullptr, {
    const auto &weight = T(w);
    if (!weight.device().is_cpu() || weight.scalar_type() != at::kFloat || weight.dim() != 4 || weight.is_mkldnn())
      throw std::invalid_argument("conv2d prepack needs a dense 4-d CPU float32 weight");
    at::NoGradGuard no_grad;
    auto plain = weight.detach().contiguous().to_mkldnn();
    return wrap(at::mkldnn_reorder_conv2d_weight(plain, dims(padding, 2), dims(stride, 2), dims(dilation, 2), groups));
  })
}

ct_tensor ct_conv2d_prepacked(ct_tensor x, ct_tensor packed, ct_tensor b, const int64_t *stride,
                              const int64_t *padding, const int64_t *dilation, int64_t groups) {
  CT_TRY(nullptr, {
    const auto &input = T(x), &weight = T(packed);
    if (!weight.is_mkldnn()) throw std::invalid_argument("conv2d_prepacked needs a weight from ct_conv2d_prepack");
    if (!input.device().is_cpu() || input.scalar_type() != at::kFloat || input.dim() != 4 || input.is_mkldnn())
      throw std::invalid_argument("conv2d_prepacked needs a dense 4-d CPU float32 input");
    at::NoGradGuard no_grad;
    return wrap(at::mkldnn_convolution(input.contiguous(), weight, opt(b), dims(padding, 2), dims(stride, 2),
                                       dims(dilation, 2), groups));
  })
}

// ---- Mixed precision and CUDA queries (issue #12, p12) ----
// libtorch 2.4 replaced the per-device autocast setters of 1.x (set_enabled / set_cpu_enabled,
// set_autocast_gpu_dtype / set_autocast_cpu_dtype) by set_autocast_enabled(device_type, ...) and
// set_autocast_dtype(device_type, ...).
#if (TORCH_VERSION_MAJOR > 2) || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define CT_AUTOCAST_BY_DEVICE_TYPE 1
#else
#define CT_AUTOCAST_BY_DEVICE_TYPE 0
#endif

namespace {
at::DeviceType autocast_device(int device_type) {
  if (device_type == 0) return at::kCPU;
  if (device_type == 1) return at::kCUDA;
  throw std::invalid_argument("unknown device type " + std::to_string(device_type));
}
bool autocast_enabled(at::DeviceType d) {
#if CT_AUTOCAST_BY_DEVICE_TYPE
  return at::autocast::is_autocast_enabled(d);
#else
  return d == at::kCPU ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled();
#endif
}
void autocast_set_enabled(at::DeviceType d, bool enabled) {
#if CT_AUTOCAST_BY_DEVICE_TYPE
  at::autocast::set_autocast_enabled(d, enabled);
#else
  if (d == at::kCPU) at::autocast::set_cpu_enabled(enabled);
  else at::autocast::set_enabled(enabled);
#endif
}
at::ScalarType autocast_dtype(at::DeviceType d) {
#if CT_AUTOCAST_BY_DEVICE_TYPE
  return at::autocast::get_autocast_dtype(d);
#else
  return d == at::kCPU ? at::autocast::get_autocast_cpu_dtype() : at::autocast::get_autocast_gpu_dtype();
#endif
}
void autocast_set_dtype(at::DeviceType d, at::ScalarType dtype) {
#if CT_AUTOCAST_BY_DEVICE_TYPE
  at::autocast::set_autocast_dtype(d, dtype);
#else
  if (d == at::kCPU) at::autocast::set_autocast_cpu_dtype(dtype);
  else at::autocast::set_autocast_gpu_dtype(dtype);
#endif
}
}  // namespace

int ct_autocast_is_enabled(int device_type) {
  CT_TRY(-1, return autocast_enabled(autocast_device(device_type)) ? 1 : 0;)
}
int ct_autocast_set_enabled(int device_type, bool enabled) {
  CT_TRY(-1, auto d = autocast_device(device_type); bool previous = autocast_enabled(d);
         autocast_set_enabled(d, enabled); return previous ? 1 : 0;)
}
int ct_autocast_get_dtype(int device_type) {
  CT_TRY(-1, return static_cast<int>(autocast_dtype(autocast_device(device_type)));)
}
int ct_autocast_set_dtype(int device_type, int dtype) {
  CT_TRY(-1, {
    auto d = autocast_device(device_type);
    auto type = static_cast<at::ScalarType>(dtype);
    if (type != at::kBFloat16 && type != at::kHalf && type != at::kFloat)
      throw std::invalid_argument("autocast dtype must be bfloat16, float16 or float32");
    auto previous = autocast_dtype(d);
    autocast_set_dtype(d, type);
    return static_cast<int>(previous);
  })
}
int ct_autocast_enter(void) { CT_TRY(-1, return at::autocast::increment_nesting();) }
int ct_autocast_exit(void) {
  CT_TRY(-1, int depth = at::autocast::decrement_nesting(); if (depth == 0) at::autocast::clear_cache(); return depth;)
}
int ct_cuda_is_built(void) {
#ifdef CT_WITH_CUDA
  return 1;
#else
  return 0;
#endif
}

}  // extern "C"

// ---- Data parallel (issue #12, d12): libtorch's c10d ----
// TCPStore + ProcessGroupGloo (and ProcessGroupNCCL where the libtorch has it) behind opaque handles.
// In 1.13 the backends derive from c10d::ProcessGroup, in 2.x from c10d::Backend; both declare the
// collectives used here with the same signatures.
#include <torch/csrc/autograd/custom_function.h>
// The c10d headers declare each backend only under the macro its libtorch was built with.
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#if defined(CT_WITH_CUDA) && defined(__has_include)
#if __has_include(<nccl.h>)
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL 1
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#define CT_HAS_NCCL 1
#endif
#endif
#ifndef CT_HAS_NCCL
#define CT_HAS_NCCL 0
#endif

namespace {
#if TORCH_VERSION_MAJOR >= 2
using CollectiveBackend = c10d::Backend;
#else
using CollectiveBackend = c10d::ProcessGroup;
#endif

struct StoreHandle {
  c10::intrusive_ptr<c10d::Store> store;
};
struct GroupHandle {
  c10::intrusive_ptr<CollectiveBackend> backend;
  int world_size;
};
inline StoreHandle &S(ct_store s) {
  if (s == nullptr) throw std::invalid_argument("null store handle");
  return *reinterpret_cast<StoreHandle *>(s);
}
inline GroupHandle &PG(ct_process_group g) {
  if (g == nullptr) throw std::invalid_argument("null process group handle");
  return *reinterpret_cast<GroupHandle *>(g);
}

void wait_work(const c10::intrusive_ptr<c10d::Work> &work, int64_t timeout_ms, const char *what) {
  try {
    work->wait(std::chrono::milliseconds(timeout_ms));
  } catch (const std::exception &e) {
    throw std::runtime_error(std::string(what) + ": " + e.what());
  }
}

// Bucketed in-place all-reduce: consecutive tensors of one dtype and device share a flat bucket of at
// most bucket_bytes (a larger tensor gets its own); every bucket's collective is launched before the
// first is waited for, so the communication of one overlaps the packing of the next.
void all_reduce_buckets(GroupHandle &group, std::vector<at::Tensor> tensors, bool average, int64_t bucket_bytes,
                        int64_t timeout_ms) {
  struct Bucket {
    std::vector<size_t> members;
    int64_t bytes = 0;
    std::vector<at::Tensor> flat;
    c10::intrusive_ptr<c10d::Work> work;
  };
  std::vector<Bucket> buckets;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const auto &t = tensors[i];
    int64_t bytes = t.numel() * static_cast<int64_t>(t.element_size());
    bool fresh = buckets.empty();
    if (!fresh) {
      const auto &first = tensors[buckets.back().members.front()];
      fresh = first.scalar_type() != t.scalar_type() || first.device() != t.device() ||
              buckets.back().bytes + bytes > bucket_bytes;
    }
    if (fresh) buckets.emplace_back();
    buckets.back().members.push_back(i);
    buckets.back().bytes += bytes;
  }
  for (auto &b : buckets) {
    std::vector<at::Tensor> parts;
    for (auto i : b.members) parts.push_back(tensors[i].detach().reshape({-1}));
    b.flat = {parts.size() == 1 ? parts[0].clone() : at::cat(parts)};
    c10d::AllreduceOptions opts;
    opts.reduceOp = c10d::ReduceOp::SUM;
    opts.timeout = std::chrono::milliseconds(timeout_ms);
    b.work = group.backend->allreduce(b.flat, opts);
  }
  at::NoGradGuard no_grad;
  for (auto &b : buckets) {
    wait_work(b.work, timeout_ms, "all-reduce");
    auto &flat = b.flat[0];
    if (average) flat.div_(group.world_size);
    int64_t offset = 0;
    for (auto i : b.members) {
      auto &t = tensors[i];
      t.copy_(flat.narrow(0, offset, t.numel()).view_as(t));
      offset += t.numel();
    }
  }
}

// Sum over ranks whose backward sums the incoming gradient over ranks (cross-replica batch norm).
struct AllReduceSum : public torch::autograd::Function<AllReduceSum> {
  static at::Tensor forward(torch::autograd::AutogradContext *ctx, at::Tensor x, int64_t group, int64_t timeout_ms) {
    ctx->saved_data["group"] = group;
    ctx->saved_data["timeout"] = timeout_ms;
    auto y = x.detach().clone().contiguous();
    all_reduce_buckets(*reinterpret_cast<GroupHandle *>(group), {y}, false, INT64_MAX, timeout_ms);
    return y;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                 torch::autograd::variable_list grads) {
    auto g = grads[0].detach().clone().contiguous();
    all_reduce_buckets(*reinterpret_cast<GroupHandle *>(ctx->saved_data["group"].toInt()), {g}, false, INT64_MAX,
                       ctx->saved_data["timeout"].toInt());
    return {g, at::Tensor(), at::Tensor()};
  }
};
}  // namespace

extern "C" {

ct_store ct_store_new(const char *host, int port, bool is_server, int world_size, int64_t timeout_ms) {
  CT_TRY(nullptr, {
    if (host == nullptr) throw std::invalid_argument("no store host");
    if (port <= 0 || port > 65535) throw std::invalid_argument("port " + std::to_string(port) + " is out of range");
    c10d::TCPStoreOptions opts;
    opts.port = static_cast<std::uint16_t>(port);
    opts.isServer = is_server;
    opts.numWorkers = static_cast<std::size_t>(world_size);
    opts.waitWorkers = false;  // the caller's start-up check waits for every rank, with its own message
    opts.timeout = std::chrono::milliseconds(timeout_ms);
    // Under torchrun the store is the agent's, shared with its own keys: ours live under a prefix.
    auto tcp = c10::make_intrusive<c10d::TCPStore>(std::string(host), opts);
    c10::intrusive_ptr<c10d::Store> store = c10::make_intrusive<c10d::PrefixStore>("deepi2i", tcp);
    return reinterpret_cast<ct_store>(new StoreHandle{store});
  })
}
void ct_store_free(ct_store store) { delete reinterpret_cast<StoreHandle *>(store); }
int ct_store_set(ct_store store, const char *key, const void *data, size_t length) {
  CT_STATUS({
    auto bytes = static_cast<const uint8_t *>(data);
    S(store).store->set(std::string(key), std::vector<uint8_t>(bytes, bytes + length));
  })
}
char *ct_store_get(ct_store store, const char *key, int64_t timeout_ms, size_t *length) {
  CT_TRY(nullptr, {
    auto &s = *S(store).store;
    s.wait({std::string(key)}, std::chrono::milliseconds(timeout_ms));
    auto value = s.get(std::string(key));
    char *out = static_cast<char *>(std::malloc(value.size() + 1));
    if (out == nullptr) throw std::bad_alloc();
    std::memcpy(out, value.data(), value.size());
    out[value.size()] = 0;
    *length = value.size();
    return out;
  })
}
int ct_store_check(ct_store store, const char *key) { CT_TRY(-1, return S(store).store->check({std::string(key)}) ? 1 : 0;) }

ct_process_group ct_process_group_new(ct_store store, int rank, int world_size, int backend, const char *interface_name,
                                      int64_t timeout_ms) {
  CT_TRY(nullptr, {
    auto timeout = std::chrono::milliseconds(timeout_ms);
    if (backend == 0) {
      auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
      std::string iface = interface_name ? interface_name : "";
      if (iface.empty()) {
        opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      } else if (iface.find('.') != std::string::npos || iface.find(':') != std::string::npos) {
        opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(iface));  // an address
      } else {
        opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(iface));
      }
      auto group = c10::make_intrusive<c10d::ProcessGroupGloo>(S(store).store, rank, world_size, opts);
      return reinterpret_cast<ct_process_group>(new GroupHandle{group, world_size});
    }
    if (backend == 1) {
#if CT_HAS_NCCL
      auto opts = c10d::ProcessGroupNCCL::Options::create();
      opts->timeout = timeout;
      auto group = c10::make_intrusive<c10d::ProcessGroupNCCL>(S(store).store, rank, world_size, opts);
      return reinterpret_cast<ct_process_group>(new GroupHandle{group, world_size});
#else
      throw std::runtime_error("this libtorch build has no NCCL backend");
#endif
    }
    throw std::invalid_argument("unknown backend " + std::to_string(backend));
  })
}
void ct_process_group_free(ct_process_group group) { delete reinterpret_cast<GroupHandle *>(group); }
int ct_dist_has_nccl(void) { return CT_HAS_NCCL; }

int ct_dist_broadcast(ct_process_group group, const ct_tensor *tensors, int n, int root, int64_t timeout_ms) {
  CT_STATUS({
    auto &g = PG(group);
    at::NoGradGuard no_grad;
    for (int i = 0; i < n; ++i) {
      auto &t = T(tensors[i]);
      std::vector<at::Tensor> v{t.is_contiguous() ? t.detach() : t.detach().contiguous()};
      c10d::BroadcastOptions opts;
      opts.rootRank = root;
      opts.timeout = std::chrono::milliseconds(timeout_ms);
      wait_work(g.backend->broadcast(v, opts), timeout_ms, "broadcast");
      if (!t.is_contiguous()) t.copy_(v[0]);
    }
  })
}
int ct_dist_all_reduce(ct_process_group group, const ct_tensor *tensors, int n, bool average, int64_t bucket_bytes,
                       int64_t timeout_ms) {
  CT_STATUS(all_reduce_buckets(PG(group), ::tensors(tensors, n), average, bucket_bytes, timeout_ms);)
}
int ct_dist_barrier(ct_process_group group, int64_t timeout_ms) {
  CT_STATUS({
    c10d::BarrierOptions opts;
    opts.timeout = std::chrono::milliseconds(timeout_ms);
    wait_work(PG(group).backend->barrier(opts), timeout_ms, "barrier");
  })
}
ct_tensor ct_dist_all_reduce_autograd(ct_process_group group, ct_tensor t, int64_t timeout_ms) {
  CT_TENSOR(AllReduceSum::apply(T(t), static_cast<int64_t>(reinterpret_cast<intptr_t>(&PG(group))), timeout_ms))
}

}  // extern "C"

// ---- h12 (issue #12): gradient reducer overlapped with backward ----
// See ctorch.h. The hooks are post-hooks of the parameters' AccumulateGrad nodes (as c10d::Reducer's):
// they run right after a parameter's .grad was updated in a backward pass, on the autograd thread of
// its device. The shim holds the accumulators, so the same node (and hook) serves every backward.
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/variable.h>

#include <atomic>
#include <memory>
#include <mutex>

namespace {
std::atomic<bool> reducer_communication{true};

struct ReducerState {
  GroupHandle *group;
  int64_t timeout_ms;
  std::vector<at::Tensor> params;
  struct Bucket {
    std::vector<size_t> members;  // parameter indices, in the order backward reaches them
    at::Tensor flat;              // in flight: member gradients then one "has a gradient" flag per member
    c10::intrusive_ptr<c10d::Work> work;
    bool launched = false;
  };
  std::vector<Bucket> buckets;
  std::vector<size_t> bucket_of;
  std::vector<char> ready;  // per parameter: its gradient arrived in this accumulation
  std::vector<size_t> ready_count;
  size_t next = 0;  // the lowest bucket not yet launched (launches go strictly in order)
  std::atomic<bool> armed{false};
  bool repeated = false;
  std::string error;  // a failure inside a hook, reported by finalize
  int64_t launched_in_backward = 0, launched_at_finalize = 0, relaunched = 0;
  std::mutex mutex;

  void launch(Bucket &b) {
    at::NoGradGuard no_grad;
    std::vector<at::Tensor> parts;
    std::vector<double> used;
    for (auto i : b.members) {
      const auto &p = params[i];
      at::Tensor g = p.grad();
      used.push_back(g.defined() ? 1.0 : 0.0);
      parts.push_back(g.defined() ? g.detach().reshape({-1}) : at::zeros({p.numel()}, p.options()));
    }
    const auto &first = params[b.members.front()];
    parts.push_back(at::tensor(used, at::TensorOptions().dtype(at::kDouble)).to(first.options()));
    b.flat = at::cat(parts);
    std::vector<at::Tensor> v{b.flat};
    c10d::AllreduceOptions opts;
    opts.reduceOp = c10d::ReduceOp::SUM;
    opts.timeout = std::chrono::milliseconds(timeout_ms);
    b.work = group->backend->allreduce(v, opts);
    b.launched = true;
  }

  // Launches every bucket from `next` on whose parameters are all ready (none when one is not).
  void launch_ready() {
    while (next < buckets.size() && ready_count[next] == buckets[next].members.size()) {
      launch(buckets[next]);
      ++launched_in_backward;
      ++next;
    }
  }

  void on_gradient(size_t i) {
    if (!armed || !reducer_communication.load()) return;
    std::lock_guard<std::mutex> lock(mutex);
    if (!armed || repeated || !error.empty()) return;
    try {
      size_t b = bucket_of[i];
      if (buckets[b].launched) {  // another backward in the same accumulation: finalize starts over
        repeated = true;
        return;
      }
      if (!ready[i]) {
        ready[i] = 1;
        ++ready_count[b];
      }
      launch_ready();
    } catch (const c10::Error &e) {
      error = e.what_without_backtrace();
    } catch (const std::exception &e) {
      error = e.what();
    }
  }

  void wait_all(bool write_back) {
    at::NoGradGuard no_grad;
    std::string failure;
    for (auto &b : buckets) {
      if (!b.launched) continue;
      try {
        wait_work(b.work, timeout_ms, "gradient all-reduce");
      } catch (const std::exception &e) {
        if (failure.empty()) failure = e.what();
      }
    }
    if (!failure.empty()) throw std::runtime_error(failure);
    if (!write_back) return;
    for (auto &b : buckets) {
      auto &flat = b.flat;
      int64_t total = flat.numel(), m = static_cast<int64_t>(b.members.size());
      auto used = flat.narrow(0, total - m, m).to(at::kDouble).cpu();
      flat.div_(group->world_size);
      int64_t offset = 0;
      for (int64_t k = 0; k < m; ++k) {
        auto &p = params[b.members[static_cast<size_t>(k)]];
        auto avg = flat.narrow(0, offset, p.numel()).view(p.sizes());
        offset += p.numel();
        if (used.data_ptr<double>()[k] <= 0) continue;  // no rank had a gradient: keep none
        at::Tensor &grad = p.mutable_grad();
        if (grad.defined() && !grad.requires_grad()) {
          grad.copy_(avg);
        } else {
          grad = avg.clone();  // none here, or one with a graph (create_graph): the plain average
        }
      }
    }
  }

  void reset() {
    for (auto &b : buckets) {
      b.launched = false;
      b.work.reset();
      b.flat = at::Tensor();
    }
    std::fill(ready.begin(), ready.end(), 0);
    std::fill(ready_count.begin(), ready_count.end(), 0);
    next = 0;
    repeated = false;
    error.clear();
  }
};

struct ReadyHook : public torch::autograd::FunctionPostHook {
  std::weak_ptr<ReducerState> state;
  size_t index;
  ReadyHook(std::weak_ptr<ReducerState> s, size_t i) : state(std::move(s)), index(i) {}
  torch::autograd::variable_list operator()(const torch::autograd::variable_list &outputs,
                                            const torch::autograd::variable_list & /*inputs*/) override {
    if (auto s = state.lock()) s->on_gradient(index);
    return outputs;
  }
};

using GradAccumulator = decltype(torch::autograd::impl::grad_accumulator(std::declval<const at::Tensor &>()));

struct ReducerHandle {
  std::shared_ptr<ReducerState> state;
  std::vector<std::pair<GradAccumulator, uintptr_t>> hooks;
  ~ReducerHandle() {
    for (auto &h : hooks) h.first->del_post_hook(h.second);
  }
};
inline ReducerHandle &RD(ct_reducer r) {
  if (r == nullptr) throw std::invalid_argument("null reducer handle");
  return *reinterpret_cast<ReducerHandle *>(r);
}
}  // namespace

extern "C" {

ct_reducer ct_reducer_new(ct_process_group group, const ct_tensor *params, int n, int64_t bucket_bytes,
                          int64_t timeout_ms) {
  CT_TRY(nullptr, {
    auto state = std::make_shared<ReducerState>();
    state->group = &PG(group);
    state->timeout_ms = timeout_ms;
    state->params = ::tensors(params, n);
    for (auto &p : state->params) {
      if (!p.is_leaf()) throw std::invalid_argument("a reducer's parameters must be leaf tensors");
    }
    // Buckets in reverse parameter order, as DDP: the last layers' gradients arrive first.
    for (size_t k = state->params.size(); k-- > 0;) {
      const auto &t = state->params[k];
      int64_t bytes = t.numel() * static_cast<int64_t>(t.element_size());
      bool fresh = state->buckets.empty();
      if (!fresh) {
        auto &b = state->buckets.back();
        int64_t have = 0;
        for (auto i : b.members) have += state->params[i].numel() * static_cast<int64_t>(state->params[i].element_size());
        const auto &first = state->params[b.members.front()];
        fresh = first.scalar_type() != t.scalar_type() || first.device() != t.device() || have + bytes > bucket_bytes;
      }
      if (fresh) state->buckets.emplace_back();
      state->buckets.back().members.push_back(k);
    }
    state->bucket_of.assign(state->params.size(), 0);
    for (size_t b = 0; b < state->buckets.size(); ++b)
      for (auto i : state->buckets[b].members) state->bucket_of[i] = b;
    state->ready.assign(state->params.size(), 0);
    state->ready_count.assign(state->buckets.size(), 0);
    auto handle = std::make_unique<ReducerHandle>();
    handle->state = state;
    for (size_t i = 0; i < state->params.size(); ++i) {
      auto &p = state->params[i];
      // A frozen parameter (requires_grad off right now) has no accumulator yet: make it, then restore.
      bool trainable = p.requires_grad();
      if (!trainable) p.set_requires_grad(true);
      auto acc = torch::autograd::impl::grad_accumulator(p);
      if (!trainable) p.set_requires_grad(false);
      if (!acc) throw std::runtime_error("no gradient accumulator for parameter " + std::to_string(i));
      auto key = acc->add_post_hook(std::make_unique<ReadyHook>(state, i));
      handle->hooks.emplace_back(acc, key);
    }
    return reinterpret_cast<ct_reducer>(handle.release());
  })
}
void ct_reducer_free(ct_reducer reducer) { delete reinterpret_cast<ReducerHandle *>(reducer); }

int ct_reducer_prepare(ct_reducer reducer) {
  CT_STATUS({
    auto &s = *RD(reducer).state;
    std::lock_guard<std::mutex> lock(s.mutex);
    s.armed = false;
    // Buckets launched in an accumulation that never reached its step: every rank launched them, so they
    // complete; wait, then forget them.
    bool pending = false;
    for (auto &b : s.buckets) pending = pending || b.launched;
    if (pending) {
      try {
        s.wait_all(false);
      } catch (...) {
        s.reset();
        throw;
      }
    }
    s.reset();
    s.armed = true;
  })
}

int ct_reducer_finalize(ct_reducer reducer) {
  CT_STATUS({
    auto &s = *RD(reducer).state;
    std::lock_guard<std::mutex> lock(s.mutex);
    s.armed = false;
    try {
      if (!s.error.empty()) throw std::runtime_error("launching a gradient bucket failed: " + s.error);
      if (s.repeated) {
        s.wait_all(false);
        for (auto &b : s.buckets) {
          if (b.launched) ++s.relaunched;
          b.launched = false;
        }
        s.next = 0;
      }
      for (; s.next < s.buckets.size(); ++s.next) {
        s.launch(s.buckets[s.next]);
        ++s.launched_at_finalize;
      }
      s.wait_all(true);
    } catch (...) {
      s.reset();
      throw;
    }
    s.reset();
  })
}

int ct_reducer_set_communication(bool enabled) { return reducer_communication.exchange(enabled) ? 1 : 0; }

int ct_reducer_stats(ct_reducer reducer, int64_t *stats) {
  CT_STATUS({
    auto &s = *RD(reducer).state;
    std::lock_guard<std::mutex> lock(s.mutex);
    stats[0] = static_cast<int64_t>(s.buckets.size());
    stats[1] = s.launched_in_backward;
    stats[2] = s.launched_at_finalize;
    stats[3] = s.relaunched;
  })
}

}  // extern "C"

// ---- w18 (issue #18): Winograd 3x3 convolution for inference ----
// Y = A^T [(G g G^T) . (B^T d B)] A per output tile of m x m (Lavin & Gray 2016), with the (m + 2)^2
// elementwise products over channels done as one batched sgemm: V [a^2, in, tiles] (input transform),
// M = U V [a^2, out, tiles], then the output transform writes NCHW directly. Both transforms run the
// two 1-D transforms as loops over whole tile rows (contiguous, so the compiler vectorises them).
namespace {
struct WinogradMatrices {
  int m, a;
  const double *bt;  // B^T [a x a]
  const double *g;   // G [a x 3]
  const double *at;  // A^T [m x a]
};

WinogradMatrices winograd_matrices(int64_t m) {
  static const double bt2[16] = {1, 0, -1, 0, 0, 1, 1, 0, 0, -1, 1, 0, 0, 1, 0, -1};
  static const double g2[12] = {1, 0, 0, .5, .5, .5, .5, -.5, .5, 0, 0, 1};
  static const double at2[8] = {1, 1, 1, 0, 0, 1, -1, -1};
  static const double bt4[36] = {4, 0, -5, 0, 1, 0, 0, -4, -4, 1, 1, 0, 0, 4, -4, -1, 1, 0,
                                 0, -2, -1, 2, 1, 0, 0, 2, -1, -2, 1, 0, 0, 4, 0, -5, 0, 1};
  static const double g4[18] = {1. / 4, 0, 0, -1. / 6, -1. / 6, -1. / 6, -1. / 6, 1. / 6, -1. / 6,
                                1. / 24, 1. / 12, 1. / 6, 1. / 24, -1. / 12, 1. / 6, 0, 0, 1};
  static const double at4[24] = {1, 1, 1, 1, 1, 0, 0, 1, -1, 2, -2, 0, 0, 1, 1, 4, 4, 0, 0, 1, -1, 8, -8, 1};
  if (m == 2) return {2, 4, bt2, g2, at2};
  if (m == 4) return {4, 6, bt4, g4, at4};
  throw std::invalid_argument("Winograd tile size m must be 2 or 4, got " + std::to_string(m));
}

// The transform matrices as compile-time constants, so that the unrolled loops fold the zeros and ones.
template <int M> struct Wino;
template <> struct Wino<2> {
  static constexpr float bt[4][4] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
  static constexpr float at[2][4] = {{1, 1, 1, 0}, {0, 1, -1, -1}};
};
template <> struct Wino<4> {
  static constexpr float bt[6][6] = {{4, 0, -5, 0, 1, 0}, {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
                                     {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
  static constexpr float at[4][6] = {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};
};

// One input plane x[ni][ci] -> V[k][ci][p] for k = i * a + j, p = (ni * th + ty) * tw + tx: B^T d B of the
// a x a tile at (ty * m - 1, tx * m - 1), zero outside x. Each padded input row is split into its m phases
// (ph[r][q] = row[q * m + r]), so that both 1-D transforms read contiguous memory: element tx * m + l of
// a row is ph[l % m][tx + l / m]. ph and col hold a * m * (tw + 1) floats.
// One output plane y[ni][oi] from M[k][oi][p]: A^T M_tile A + bias, cropped to h x w. s holds a * m * tw
// floats, z m * tw.
// Defined twice below: for AVX2 + FMA (chosen at run time where the CPU has them) and the baseline ISA.
#define CT_WINOGRAD_PLANES(NS, ATTR)                                                                             \
  namespace NS {                                                                                               \
  template <int M>                                                                                             \
  ATTR void input_plane(const float *src, float *v, int64_t h, int64_t w, int64_t th, int64_t tw, int64_t c,     \
                        int64_t ci, int64_t tiles, int64_t pbase, float *ph, float *col) {                     \
    constexpr int A = M + 2;                                                                                   \
    const int64_t len = tw + 1, block = M * len;                                                               \
    for (int64_t ty = 0; ty < th; ++ty) {                                                                      \
      for (int r = 0; r < A; ++r) {                                                                            \
        float *dst = ph + r * block;                                                                           \
        const int64_t y = ty * M - 1 + r;                                                                      \
        if (y < 0 || y >= h) {                                                                                 \
          std::fill(dst, dst + block, 0.f);                                                                    \
          continue;                                                                                            \
        }                                                                                                      \
        const float *row = src + y * w;                                                                        \
        for (int k = 0; k < M; ++k)                                                                            \
          for (int64_t q = 0; q < len; ++q) {                                                                  \
            const int64_t xx = q * M + k - 1;                                                                  \
            dst[k * len + q] = (xx >= 0 && xx < w) ? row[xx] : 0.f;                                            \
          }                                                                                                    \
      }                                                                                                        \
      for (int i = 0; i < A; ++i) {                                                                            \
        float *out = col + i * block;                                                                          \
        for (int64_t q = 0; q < block; ++q) {                                                                  \
          float acc = 0.f;                                                                                     \
          for (int r = 0; r < A; ++r)                                                                          \
            if (Wino<M>::bt[i][r] != 0.f) acc += Wino<M>::bt[i][r] * ph[r * block + q];                        \
          out[q] = acc;                                                                                        \
        }                                                                                                      \
      }                                                                                                        \
      const int64_t p0 = pbase + ty * tw;                                                                      \
      for (int i = 0; i < A; ++i) {                                                                            \
        const float *in = col + i * block;                                                                     \
        for (int j = 0; j < A; ++j) {                                                                          \
          float *dst = v + ((static_cast<int64_t>(i * A + j) * c + ci) * tiles) + p0;                          \
          for (int64_t tx = 0; tx < tw; ++tx) {                                                                \
            float acc = 0.f;                                                                                   \
            for (int l = 0; l < A; ++l)                                                                        \
              if (Wino<M>::bt[j][l] != 0.f) acc += Wino<M>::bt[j][l] * in[(l % M) * len + tx + l / M];         \
            dst[tx] = acc;                                                                                     \
          }                                                                                                    \
        }                                                                                                      \
      }                                                                                                        \
    }                                                                                                          \
  }                                                                                                            \
  template <int M>                                                                                             \
  ATTR void output_plane(const float *mm, float bias, float *dst, int64_t h, int64_t w, int64_t th, int64_t tw,  \
                         int64_t o, int64_t oi, int64_t tiles, int64_t pbase, float *s, float *z) {             \
    constexpr int A = M + 2;                                                                                   \
    for (int64_t ty = 0; ty < th; ++ty) {                                                                      \
      const int64_t p0 = pbase + ty * tw;                                                                      \
      const float *src[A * A];                                                                                 \
      for (int k = 0; k < A * A; ++k) src[k] = mm + (static_cast<int64_t>(k) * o + oi) * tiles + p0;           \
      for (int i = 0; i < A; ++i)                                                                              \
        for (int lx = 0; lx < M; ++lx) {                                                                       \
          float *out = s + (i * M + lx) * tw;                                                                  \
          for (int64_t tx = 0; tx < tw; ++tx) {                                                                \
            float acc = 0.f;                                                                                   \
            for (int j = 0; j < A; ++j)                                                                        \
              if (Wino<M>::at[lx][j] != 0.f) acc += Wino<M>::at[lx][j] * src[i * A + j][tx];                   \
            out[tx] = acc;                                                                                     \
          }                                                                                                    \
        }                                                                                                      \
      for (int ly = 0; ly < M; ++ly) {                                                                         \
        const int64_t yy = ty * M + ly;                                                                        \
        if (yy >= h) break;                                                                                    \
        for (int lx = 0; lx < M; ++lx) {                                                                       \
          float *out = z + lx * tw;                                                                            \
          for (int64_t tx = 0; tx < tw; ++tx) {                                                                \
            float acc = bias;                                                                                  \
            for (int i = 0; i < A; ++i)                                                                        \
              if (Wino<M>::at[ly][i] != 0.f) acc += Wino<M>::at[ly][i] * s[(i * M + lx) * tw + tx];            \
            out[tx] = acc;                                                                                     \
          }                                                                                                    \
        }                                                                                                      \
        float *row = dst + yy * w;                                                                             \
        for (int64_t tx = 0; tx < tw; ++tx)                                                                    \
          for (int lx = 0; lx < M; ++lx) {                                                                     \
            const int64_t xx = tx * M + lx;                                                                    \
            if (xx < w) row[xx] = z[lx * tw + tx];                                                             \
          }                                                                                                    \
      }                                                                                                        \
    }                                                                                                          \
  }                                                                                                            \
  }

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define CT_WINOGRAD_AVX2 1
CT_WINOGRAD_PLANES(wino_avx2, __attribute__((target("avx2,fma"))))
#else
#define CT_WINOGRAD_AVX2 0
#endif
CT_WINOGRAD_PLANES(wino_base, )

bool winograd_use_avx2() {
#if CT_WINOGRAD_AVX2
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
#else
  return false;
#endif
}

template <int M>
void winograd_input(const float *x, float *v, int64_t n, int64_t c, int64_t h, int64_t w, int64_t th, int64_t tw) {
  const int64_t tiles = n * th * tw;
  const bool avx2 = winograd_use_avx2();
  at::parallel_for(0, n * c, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> ph((M + 2) * M * (tw + 1)), col((M + 2) * M * (tw + 1));
    for (int64_t plane = begin; plane < end; ++plane) {
      const int64_t ni = plane / c, ci = plane % c;
      const float *src = x + plane * h * w;
#if CT_WINOGRAD_AVX2
      if (avx2) {
        wino_avx2::input_plane<M>(src, v, h, w, th, tw, c, ci, tiles, ni * th * tw, ph.data(), col.data());
        continue;
      }
#endif
      (void)avx2;
      wino_base::input_plane<M>(src, v, h, w, th, tw, c, ci, tiles, ni * th * tw, ph.data(), col.data());
    }
  });
}

template <int M>
void winograd_output(const float *mm, const float *bias, float *y, int64_t n, int64_t o, int64_t h, int64_t w,
                     int64_t th, int64_t tw) {
  const int64_t tiles = n * th * tw;
  const bool avx2 = winograd_use_avx2();
  at::parallel_for(0, n * o, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> s((M + 2) * M * tw), z(M * tw);
    for (int64_t plane = begin; plane < end; ++plane) {
      const int64_t ni = plane / o, oi = plane % o;
      const float b = bias ? bias[oi] : 0.f;
#if CT_WINOGRAD_AVX2
      if (avx2) {
        wino_avx2::output_plane<M>(mm, b, y + plane * h * w, h, w, th, tw, o, oi, tiles, ni * th * tw, s.data(), z.data());
        continue;
      }
#endif
      (void)avx2;
      wino_base::output_plane<M>(mm, b, y + plane * h * w, h, w, th, tw, o, oi, tiles, ni * th * tw, s.data(), z.data());
    }
  });
}
}  // namespace

extern "C" {

ct_tensor ct_winograd_weight(ct_tensor w, int64_t m) {
  CT_TRY(nullptr, {
    const auto &weight = T(w);
    const auto mats = winograd_matrices(m);
    if (weight.dim() != 4 || weight.size(2) != 3 || weight.size(3) != 3 || !weight.device().is_cpu() ||
        weight.scalar_type() != at::kFloat)
      throw std::invalid_argument("Winograd weight needs a CPU float32 [out, in, 3, 3] weight");
    at::NoGradGuard no_grad;
    const int64_t o = weight.size(0), c = weight.size(1), a = mats.a;
    auto dbl = at::TensorOptions().dtype(at::kDouble);
    auto g = at::from_blob(const_cast<double *>(mats.g), {a, 3}, dbl);
    auto wd = weight.detach().to(at::kDouble).reshape({o * c, 3, 3});
    auto u = at::matmul(at::matmul(g, wd), g.t());  // [o * c, a, a]
    return wrap(u.reshape({o, c, a * a}).permute({2, 0, 1}).contiguous().to(at::kFloat));
  })
}

ct_tensor ct_conv2d_winograd(ct_tensor x, ct_tensor u, ct_tensor b, int64_t m) {
  CT_TRY(nullptr, {
    const auto mats = winograd_matrices(m);
    const auto &input = T(x), &weight = T(u);
    if (!input.device().is_cpu() || input.scalar_type() != at::kFloat || input.dim() != 4 || input.is_mkldnn())
      throw std::invalid_argument("Winograd conv2d needs a dense 4-d CPU float32 input");
    const int64_t a = mats.a, n = input.size(0), c = input.size(1), h = input.size(2), wd = input.size(3);
    if (weight.dim() != 3 || weight.size(0) != a * a || weight.size(2) != c || weight.scalar_type() != at::kFloat ||
        !weight.is_contiguous())
      throw std::invalid_argument("Winograd conv2d: the weight is not from ct_winograd_weight(w, " + std::to_string(m) +
                                  ") for " + std::to_string(c) + " input channels");
    const int64_t o = weight.size(1);
    at::Tensor bias;
    if (b) {
      bias = T(b).contiguous();
      if (bias.numel() != o || bias.scalar_type() != at::kFloat) throw std::invalid_argument("Winograd conv2d: bad bias");
    }
    at::NoGradGuard no_grad;
    auto xc = input.contiguous();
    const int64_t th = (h + m - 1) / m, tw = (wd + m - 1) / m, tiles = n * th * tw;
    auto v = at::empty({a * a, c, tiles}, xc.options());
    if (m == 2) winograd_input<2>(xc.data_ptr<float>(), v.data_ptr<float>(), n, c, h, wd, th, tw);
    else winograd_input<4>(xc.data_ptr<float>(), v.data_ptr<float>(), n, c, h, wd, th, tw);
    auto prod = at::bmm(weight, v);  // [a^2, o, tiles]
    v.reset();
    auto y = at::empty({n, o, h, wd}, xc.options());
    const float *bp = bias.defined() ? bias.data_ptr<float>() : nullptr;
    if (m == 2) winograd_output<2>(prod.data_ptr<float>(), bp, y.data_ptr<float>(), n, o, h, wd, th, tw);
    else winograd_output<4>(prod.data_ptr<float>(), bp, y.data_ptr<float>(), n, o, h, wd, th, tw);
    return wrap(y);
  })
}

}  // extern "C"
