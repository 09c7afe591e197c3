// C interface over libtorch for Swift. Every function catches C++ exceptions: on failure it returns
// NULL (or -1) and leaves a message for ct_last_error(). Handles are opaque and owned by the caller,
// who frees each with ct_free / ct_generator_free.
#ifndef CTORCH_H
#define CTORCH_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ct_tensor_opaque *ct_tensor;
typedef struct ct_generator_opaque *ct_generator;

// Errors: thread-local; NULL when the last call on this thread succeeded.
const char *ct_last_error(void);
void ct_clear_error(void);

// Runtime.
const char *ct_version(void);
int ct_set_num_threads(int n);
int ct_get_num_threads(void);
int ct_manual_seed(uint64_t seed);
int ct_cuda_device_count(void);
int ct_set_grad_enabled(bool enabled); // returns the previous state (0/1), -1 on error
int ct_is_grad_enabled(void);
int ct_cuda_synchronize(int device);

// CPU memory (cpu_memory.cpp): unless DEEPI2I_CPU_CACHE=0, the shim sets glibc malloc up when it loads
// so that freed tensor memory stays in the process for reuse instead of going back to the kernel and
// being zero-filled again on the next use: one arena for all threads (the main heap), no mmap'ed blocks,
// and free memory at the heap's top returned only above DEEPI2I_CPU_CACHE_MIB (default: never).
int ct_cpu_cache_enabled(void);
// out[0] heap bytes, [1] bytes in mmap'ed blocks, [2] heap bytes in use, [3] heap bytes free for reuse,
// [4] the trim limit in bytes (-1: never, which every limit past 2 GiB means; 0 when off).
int ct_cpu_cache_stats(int64_t *out);
// Returns the heap's free memory to the kernel (malloc_trim).
int ct_cpu_cache_empty(void);
// Sets the trim limit: free memory at the heap's top above it goes back to the kernel.
int ct_cpu_cache_set_limit(uint64_t bytes);

// Generators (CPU). State is a uint8 tensor, so it can be saved with the weights.
ct_generator ct_generator_new(uint64_t seed);
void ct_generator_free(ct_generator g);
ct_tensor ct_generator_get_state(ct_generator g); // NULL g: the default CPU generator
int ct_generator_set_state(ct_generator g, ct_tensor state);

// Lifetime and properties.
void ct_free(ct_tensor t);
ct_tensor ct_alias(ct_tensor t); // a new handle to the same tensor (shares data and autograd)
int ct_dim(ct_tensor t);
int ct_shape(ct_tensor t, int64_t *out); // out has room for ct_dim entries
int ct_strides(ct_tensor t, int64_t *out);
int ct_dtype(ct_tensor t);
int ct_device(ct_tensor t, int *type, int *index); // type: 0 cpu, 1 cuda
int64_t ct_numel(ct_tensor t);
int ct_defined(ct_tensor t);
int ct_requires_grad(ct_tensor t);
int ct_is_contiguous(ct_tensor t);
int ct_set_requires_grad(ct_tensor t, bool requires_grad);
double ct_item_double(ct_tensor t); // check ct_last_error on NaN
int64_t ct_item_int64(ct_tensor t);
char *ct_to_string(ct_tensor t); // free with ct_free_string
void ct_free_string(char *s);

// Creation. dtype values are c10::ScalarType; device_type 0 cpu, 1 cuda.
ct_tensor ct_from_data(const void *data, const int64_t *shape, int ndim, int dtype, int device_type, int device_index);
int ct_copy_to_host(ct_tensor t, void *dst, size_t nbytes); // contiguous copy of t's data
ct_tensor ct_empty(const int64_t *shape, int ndim, int dtype, int device_type, int device_index);
ct_tensor ct_zeros(const int64_t *shape, int ndim, int dtype, int device_type, int device_index);
ct_tensor ct_ones(const int64_t *shape, int ndim, int dtype, int device_type, int device_index);
ct_tensor ct_full(const int64_t *shape, int ndim, double value, int dtype, int device_type, int device_index);
ct_tensor ct_arange(double start, double end, double step, int dtype, int device_type, int device_index);
ct_tensor ct_rand(const int64_t *shape, int ndim, ct_generator g, int dtype, int device_type, int device_index);
ct_tensor ct_randn(const int64_t *shape, int ndim, ct_generator g, int dtype, int device_type, int device_index);
ct_tensor ct_randint(int64_t low, int64_t high, const int64_t *shape, int ndim, ct_generator g, int device_type, int device_index);
ct_tensor ct_randperm(int64_t n, ct_generator g);
ct_tensor ct_normal_(ct_tensor t, double mean, double std, ct_generator g); // in place, returns alias
ct_tensor ct_uniform_(ct_tensor t, double from, double to, ct_generator g);
ct_tensor ct_orthogonal_(ct_tensor t, double gain, ct_generator g);

// Conversion and copies.
ct_tensor ct_to(ct_tensor t, int device_type, int device_index, int dtype, bool copy);
ct_tensor ct_clone(ct_tensor t);
ct_tensor ct_detach(ct_tensor t);
int ct_copy_(ct_tensor dst, ct_tensor src);    // no autograd recording
int ct_set_data(ct_tensor t, ct_tensor src);   // replaces t's data keeping its identity (device moves)
int ct_fill_(ct_tensor t, double value);
int ct_zero_(ct_tensor t);

// Shape.
ct_tensor ct_view(ct_tensor t, const int64_t *shape, int ndim);
ct_tensor ct_reshape(ct_tensor t, const int64_t *shape, int ndim);
ct_tensor ct_permute(ct_tensor t, const int64_t *dims, int ndim);
ct_tensor ct_transpose(ct_tensor t, int64_t d0, int64_t d1);
ct_tensor ct_contiguous(ct_tensor t);
ct_tensor ct_cat(const ct_tensor *ts, int n, int64_t dim);
ct_tensor ct_stack(const ct_tensor *ts, int n, int64_t dim);
int ct_split(ct_tensor t, int64_t size, int64_t dim, ct_tensor *out, int max_out);   // returns count
int ct_chunk(ct_tensor t, int64_t chunks, int64_t dim, ct_tensor *out, int max_out); // returns count
ct_tensor ct_narrow(ct_tensor t, int64_t dim, int64_t start, int64_t length);
ct_tensor ct_slice(ct_tensor t, int64_t dim, int64_t start, int64_t end, int64_t step);
ct_tensor ct_select(ct_tensor t, int64_t dim, int64_t index);
ct_tensor ct_index_select(ct_tensor t, int64_t dim, ct_tensor index);
ct_tensor ct_gather(ct_tensor t, int64_t dim, ct_tensor index);
ct_tensor ct_expand(ct_tensor t, const int64_t *shape, int ndim);
ct_tensor ct_squeeze(ct_tensor t);
ct_tensor ct_squeeze_dim(ct_tensor t, int64_t dim);
ct_tensor ct_unsqueeze(ct_tensor t, int64_t dim);
ct_tensor ct_flatten(ct_tensor t, int64_t start, int64_t end);
ct_tensor ct_repeat(ct_tensor t, const int64_t *repeats, int n);
ct_tensor ct_flip(ct_tensor t, const int64_t *dims, int n);

// Elementwise binary operations (with a scalar, MAXIMUM/MINIMUM clamp). Swift imports these names.
typedef enum ct_binary_op {
  CT_BINARY_ADD = 0,
  CT_BINARY_SUB = 1,
  CT_BINARY_MUL = 2,
  CT_BINARY_DIV = 3,
  CT_BINARY_POW = 4,
  CT_BINARY_MAXIMUM = 5,
  CT_BINARY_MINIMUM = 6,
  CT_BINARY_EQ = 7,
  CT_BINARY_NE = 8,
  CT_BINARY_LT = 9,
  CT_BINARY_LE = 10,
  CT_BINARY_GT = 11,
  CT_BINARY_GE = 12,
  CT_BINARY_REMAINDER = 13
} ct_binary_op;
// Elementwise binary with broadcasting.
ct_tensor ct_binary(ct_binary_op op, ct_tensor a, ct_tensor b);
ct_tensor ct_binary_scalar(ct_binary_op op, ct_tensor a, double s);
ct_tensor ct_rsub_scalar(double s, ct_tensor a); // s - a
ct_tensor ct_rdiv_scalar(double s, ct_tensor a); // s / a
ct_tensor ct_add_scaled(ct_tensor a, ct_tensor b, double alpha); // a + alpha * b
// In place: a op= b (no autograd recording when a requires grad is an error by libtorch's rules).
// In place: ADD, SUB, MUL, DIV (and POW with a scalar).
int ct_binary_(ct_binary_op op, ct_tensor a, ct_tensor b);
int ct_binary_scalar_(ct_binary_op op, ct_tensor a, double s);
ct_tensor ct_where(ct_tensor cond, ct_tensor a, ct_tensor b);
ct_tensor ct_masked_fill(ct_tensor t, ct_tensor mask, double value);

// Elementwise unary operations. Swift imports these names.
typedef enum ct_unary_op {
  CT_UNARY_NEG = 0,
  CT_UNARY_SQRT = 1,
  CT_UNARY_EXP = 2,
  CT_UNARY_LOG = 3,
  CT_UNARY_ABS = 4,
  CT_UNARY_TANH = 5,
  CT_UNARY_SIGMOID = 6,
  CT_UNARY_RELU = 7,
  CT_UNARY_SIGN = 8,
  CT_UNARY_FLOOR = 9,
  CT_UNARY_CEIL = 10,
  CT_UNARY_ROUND = 11,
  CT_UNARY_RSQRT = 12,
  CT_UNARY_SQUARE = 13,
  CT_UNARY_SIN = 14,
  CT_UNARY_COS = 15,
  CT_UNARY_LOG1P = 16,
  CT_UNARY_ISNAN = 17,
  CT_UNARY_ISINF = 18,
  CT_UNARY_LOGICAL_NOT = 19
} ct_unary_op;
ct_tensor ct_unary(ct_unary_op op, ct_tensor t);
// In place: NEG, SQRT, EXP, TANH, SIGMOID, RELU.
int ct_unary_(ct_unary_op op, ct_tensor t);
ct_tensor ct_leaky_relu(ct_tensor t, double slope);
ct_tensor ct_clamp(ct_tensor t, double lo, double hi, bool has_lo, bool has_hi);
ct_tensor ct_softmax(ct_tensor t, int64_t dim);
ct_tensor ct_log_softmax(ct_tensor t, int64_t dim);
ct_tensor ct_normalize(ct_tensor t, double p, int64_t dim, double eps);

// Linear algebra.
ct_tensor ct_matmul(ct_tensor a, ct_tensor b);
ct_tensor ct_bmm(ct_tensor a, ct_tensor b);
ct_tensor ct_linalg_eigh(ct_tensor t, ct_tensor *eigenvectors); // returns eigenvalues
ct_tensor ct_linalg_svdvals(ct_tensor t);

// Reductions. ndims == 0 reduces over everything.
ct_tensor ct_sum(ct_tensor t, const int64_t *dims, int ndims, bool keepdim);
ct_tensor ct_mean(ct_tensor t, const int64_t *dims, int ndims, bool keepdim);
ct_tensor ct_var(ct_tensor t, const int64_t *dims, int ndims, bool unbiased, bool keepdim);
ct_tensor ct_norm(ct_tensor t, double p, const int64_t *dims, int ndims, bool keepdim);
ct_tensor ct_max_all(ct_tensor t);
ct_tensor ct_min_all(ct_tensor t);
ct_tensor ct_max_dim(ct_tensor t, int64_t dim, bool keepdim, ct_tensor *indices);
ct_tensor ct_min_dim(ct_tensor t, int64_t dim, bool keepdim, ct_tensor *indices);
ct_tensor ct_argmax(ct_tensor t, int64_t dim, bool keepdim);
ct_tensor ct_argmin(ct_tensor t, int64_t dim, bool keepdim);
ct_tensor ct_topk(ct_tensor t, int64_t k, int64_t dim, bool largest, ct_tensor *indices);
ct_tensor ct_cumsum(ct_tensor t, int64_t dim);

// Neural-network functions. Optional tensors may be NULL.
ct_tensor ct_conv2d(ct_tensor x, ct_tensor w, ct_tensor b, const int64_t *stride, const int64_t *padding,
                    const int64_t *dilation, int64_t groups);
ct_tensor ct_conv_transpose2d(ct_tensor x, ct_tensor w, ct_tensor b, const int64_t *stride, const int64_t *padding,
                              const int64_t *output_padding, int64_t groups, const int64_t *dilation);
ct_tensor ct_linear(ct_tensor x, ct_tensor w, ct_tensor b);
ct_tensor ct_embedding(ct_tensor weight, ct_tensor indices);
ct_tensor ct_batch_norm(ct_tensor x, ct_tensor w, ct_tensor b, ct_tensor running_mean, ct_tensor running_var,
                        bool training, double momentum, double eps);
ct_tensor ct_avg_pool2d(ct_tensor x, const int64_t *kernel, const int64_t *stride, const int64_t *padding,
                        bool ceil_mode, bool count_include_pad);
ct_tensor ct_max_pool2d(ct_tensor x, const int64_t *kernel, const int64_t *stride, const int64_t *padding,
                        const int64_t *dilation, bool ceil_mode);
ct_tensor ct_adaptive_avg_pool2d(ct_tensor x, const int64_t *output_size);
ct_tensor ct_upsample_nearest2d(ct_tensor x, const int64_t *output_size);
ct_tensor ct_upsample_bilinear2d(ct_tensor x, const int64_t *output_size, bool align_corners);
ct_tensor ct_upsample_bicubic2d(ct_tensor x, const int64_t *output_size, bool align_corners);
ct_tensor ct_dropout(ct_tensor x, double p, bool training);
// mode: 0 constant, 1 reflect, 2 replicate. pads as in torch.nn.functional.pad (last dim first).
// Padding modes of ct_pad (REFLECT and REPLICATE take 2 or 4 pads).
typedef enum ct_pad_mode {
  CT_PAD_CONSTANT = 0,
  CT_PAD_REFLECT = 1,
  CT_PAD_REPLICATE = 2
} ct_pad_mode;
ct_tensor ct_pad(ct_tensor x, const int64_t *pads, int npads, ct_pad_mode mode, double value);
ct_tensor ct_one_hot(ct_tensor indices, int64_t num_classes);

// Losses. reduction: 0 none, 1 mean, 2 sum.
// Loss reductions.
typedef enum ct_reduction {
  CT_REDUCTION_NONE = 0,
  CT_REDUCTION_MEAN = 1,
  CT_REDUCTION_SUM = 2
} ct_reduction;
ct_tensor ct_mse_loss(ct_tensor a, ct_tensor b, ct_reduction reduction);
ct_tensor ct_l1_loss(ct_tensor a, ct_tensor b, ct_reduction reduction);
ct_tensor ct_cross_entropy(ct_tensor logits, ct_tensor targets, ct_reduction reduction, double label_smoothing);
ct_tensor ct_bce_with_logits(ct_tensor logits, ct_tensor targets, ct_reduction reduction);

// Autograd.
int ct_backward(ct_tensor t, ct_tensor grad, bool retain_graph, bool create_graph);
ct_tensor ct_grad(ct_tensor t);        // NULL without error when t has no gradient
int ct_zero_grad(ct_tensor t, bool set_to_none);
int ct_set_grad(ct_tensor t, ct_tensor grad); // NULL grad clears it
// autograd.grad: gradients of outputs w.r.t. inputs; out must hold n_inputs handles.
int ct_autograd_grad(const ct_tensor *outputs, int n_outputs, const ct_tensor *grad_outputs,
                     const ct_tensor *inputs, int n_inputs, bool retain_graph, bool create_graph,
                     bool allow_unused, ct_tensor *out);

// Optimizer steps on lists of parameters, in place and without autograd recording, exactly as
// torch.optim.Adam / torch.optim.SGD (non-foreach) compute them. Parameters without a gradient are skipped.
int ct_adam_step(const ct_tensor *params, const ct_tensor *exp_avg, const ct_tensor *exp_avg_sq, int n,
                 int64_t step, double lr, double beta1, double beta2, double eps, double weight_decay,
                 bool amsgrad, const ct_tensor *max_exp_avg_sq);
int ct_sgd_step(const ct_tensor *params, const ct_tensor *momentum_buffers, int n, double lr, double momentum,
                double dampening, double weight_decay, bool nesterov, bool first_step);

// Inference support (standalone entry points, no op codes).
// The tensor's mutation stamp: its version counter (bumped by every in-place change, including copy_,
// optimizer steps and in-place initialisers; shared with its views) and its storage's data pointer
// (changed by set_data). Returns -1 for a tensor without a version counter (inference tensors).
int ct_mutation_stamp(ct_tensor t, int64_t *version, uint64_t *storage);
// SAGAN attention core in BigGAN's channel-first layout: theta [n, ck, L], phi [n, ck, M], g [n, cv, M]
// -> g softmax(theta^T phi)^T as [n, cv, L] (no 1/sqrt(d) scale). fused: use libtorch's fused
// scaled_dot_product_attention where it has a CPU kernel (>= 2.1); otherwise, and when fused is false,
// bmm + softmax + bmm exactly as the unfused code computes it.
ct_tensor ct_attention_core(ct_tensor theta, ct_tensor phi, ct_tensor g, bool fused);
int ct_has_fused_attention(void); // 1 when ct_attention_core can fuse with this libtorch
// Operator profile (libtorch's legacy profiler): every ATen op this thread runs between begin and end is
// written to `path` as a Chrome trace (JSON) at end. One recording at a time.
int ct_profile_begin(const char *path);
int ct_profile_end(void);


// ---- Data parallel (issue #12, d12): libtorch's c10d ----
// A TCP key-value store (rank 0 hosts it) and a process group over it: Gloo on CPU (any libtorch),
// NCCL where the libtorch was built with it (ct_dist_has_nccl). Timeouts are in milliseconds; a
// collective that does not finish within its timeout (a peer died or stalls) fails with an error.
typedef struct ct_store_opaque *ct_store;
typedef struct ct_process_group_opaque *ct_process_group;
// is_server: this process hosts the store (rank 0; not under torchrun, whose agent hosts it). Keys live
// under the prefix "deepi2i/". Fails when the host cannot be reached within timeout_ms.
ct_store ct_store_new(const char *host, int port, bool is_server, int world_size, int64_t timeout_ms);
void ct_store_free(ct_store store);
int ct_store_set(ct_store store, const char *key, const void *data, size_t length);
// Waits up to timeout_ms for key; returns its value (free with ct_free_string) and its length in *length.
char *ct_store_get(ct_store store, const char *key, int64_t timeout_ms, size_t *length);
int ct_store_check(ct_store store, const char *key); // 1 when key is set, 0 when not, -1 on error
// backend: 0 Gloo (interface: a network interface name such as "lo", or NULL for the host's address),
// 1 NCCL (CUDA tensors).
ct_process_group ct_process_group_new(ct_store store, int rank, int world_size, int backend, const char *interface_name,
                                      int64_t timeout_ms);
void ct_process_group_free(ct_process_group group);
int ct_dist_has_nccl(void);
int ct_dist_broadcast(ct_process_group group, const ct_tensor *tensors, int n, int root, int64_t timeout_ms);
// All-reduce (sum, then divided by the world size when average) of n tensors in place: flattened into
// buckets of at most bucket_bytes (one dtype and device each), all launched at once, then waited for.
int ct_dist_all_reduce(ct_process_group group, const ct_tensor *tensors, int n, bool average, int64_t bucket_bytes,
                       int64_t timeout_ms);
int ct_dist_barrier(ct_process_group group, int64_t timeout_ms);
// Sum over all ranks as an autograd function: its backward sums the gradient over all ranks (the
// collective of cross-replica batch norm's statistics).
ct_tensor ct_dist_all_reduce_autograd(ct_process_group group, ct_tensor t, int64_t timeout_ms);

// ---- Mixed precision and CUDA queries (issue #12, p12) ----
// Autocast state of this thread for one device type (0 cpu, 1 cuda), as torch.autocast sets it.
// set_enabled returns the previous state (0/1); set_dtype the previous dtype code; -1 on error.
int ct_autocast_is_enabled(int device_type);
int ct_autocast_set_enabled(int device_type, bool enabled);
int ct_autocast_get_dtype(int device_type);
int ct_autocast_set_dtype(int device_type, int dtype);
// Nesting of autocast scopes (torch.autocast's __enter__/__exit__): leaving the outermost scope clears
// the cache of lower-precision weight copies, so an optimizer step is seen by the next forward.
int ct_autocast_enter(void);
int ct_autocast_exit(void);
// 1 when this shim was built against a libtorch with CUDA (libtorch_cuda linked), else 0.
int ct_cuda_is_built(void);

// ---- s18 (issue #18): prepacked convolution weights for inference ----
// 1 when ct_conv2d_prepack / ct_conv2d_prepacked work with this libtorch (built with oneDNN/mkldnn).
int ct_has_conv_prepack(void);
// A CPU float32 conv weight [out, in/groups, kh, kw] reordered once into oneDNN's blocked layout for a
// convolution with these parameters: an opaque (mkldnn) tensor that only ct_conv2d_prepacked reads. No
// autograd. libtorch's conv2d reorders the plain weight at every call; for the wide layers at 4x4 and
// 8x8 that costs as much as the convolution.
ct_tensor ct_conv2d_prepack(ct_tensor w, const int64_t *stride, const int64_t *padding, const int64_t *dilation,
                            int64_t groups);
// conv2d of a dense CPU float32 x with a weight from ct_conv2d_prepack (bias optional, dense): the oneDNN
// kernel at::conv2d runs for such inputs, minus the weight reorder. No autograd.
ct_tensor ct_conv2d_prepacked(ct_tensor x, ct_tensor packed, ct_tensor b, const int64_t *stride,
                              const int64_t *padding, const int64_t *dilation, int64_t groups);

// ---- h12 (issue #12): gradient reducer overlapped with backward ----
// DDP's Reducer, minimal: the gradients of n parameters are averaged over the group's ranks in flat
// buckets of at most bucket_bytes (one dtype and device each), formed in reverse parameter order (the
// order backward produces them). A hook on every parameter's gradient accumulator marks it ready; once
// all of a bucket's parameters are ready its async all-reduce is launched while backward goes on,
// buckets strictly in index order on every rank (a bucket waits for the ones before it). Hooks act only
// between ct_reducer_prepare (a new accumulation, after zero_grad) and ct_reducer_finalize (before the
// optimizer step), and not while communication is turned off (all but the last micro-batch of an
// accumulation). Each parameter's .grad keeps its local value until finalize, which launches the buckets
// that were not (parameters without a gradient count as zeros), waits for all (timeout_ms) and writes
// the averages back; a parameter no rank produced a gradient for keeps none. A parameter whose bucket
// was already launched getting another gradient in the same accumulation makes finalize discard the
// launched results and all-reduce every bucket again (correct, not overlapped).
typedef struct ct_reducer_opaque *ct_reducer;
ct_reducer ct_reducer_new(ct_process_group group, const ct_tensor *params, int n, int64_t bucket_bytes,
                          int64_t timeout_ms);
void ct_reducer_free(ct_reducer reducer);
int ct_reducer_prepare(ct_reducer reducer);
int ct_reducer_finalize(ct_reducer reducer);
// Process-wide: whether hooks launch buckets (true by default); returns the previous setting (0/1).
int ct_reducer_set_communication(bool enabled);
// stats[0] buckets, [1] launched by hooks during backward, [2] launched by finalize, [3] re-launched after a
// repeated gradient (cumulative since creation).
int ct_reducer_stats(ct_reducer reducer, int64_t *stats);

// ---- w18 (issue #18): Winograd 3x3 convolution for inference ----
// F(m x m, 3 x 3) Winograd convolution (m = 2 or 4; tiles of (m + 2)^2) for a stride-1, pad-1, 3x3
// convolution of CPU float32 tensors, no autograd. The (m + 2)^2 per-position products are one batched
// sgemm (at::bmm); the input and output transforms are single passes over the data. m = 2 needs 2.25x
// fewer multiplies than direct convolution, m = 4 needs 4x fewer with larger rounding error.
// The transformed weight of w [out, in, 3, 3]: [(m + 2)^2, out, in], computed in float64, stored float32.
ct_tensor ct_winograd_weight(ct_tensor w, int64_t m);
// conv2d(x, w, b, stride 1, padding 1) of a dense CPU float32 x [n, in, h, w] with u from
// ct_winograd_weight(w, m) (bias optional, [out]).
ct_tensor ct_conv2d_winograd(ct_tensor x, ct_tensor u, ct_tensor b, int64_t m);

#ifdef __cplusplus
}
#endif
#endif
