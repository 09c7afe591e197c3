// A caching CPU allocator for libtorch (see ctorch.h, "CPU caching allocator").
//
// Why: libtorch's default CPU allocator hands every tensor to glibc malloc and back. Blocks over
// malloc's mmap threshold (32 MiB at most), and any large block malloc'd on a thread other than the
// main one (its arenas are 64 MiB heaps), are mmap'ed on allocation and munmap'ed on free, so the kernel
// zero-fills every page again on each use. A training step allocates the same large activations every
// iteration (a 64 px self-attention map of batch 32 is 512 MiB), and a 64 px GAN step spent over half
// of its time in the kernel's clear_page. Keeping freed large blocks for reuse, as PyTorch's CUDA
// caching allocator does on the GPU, removes that.
#include "ctorch.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <torch/version.h>

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#if (TORCH_VERSION_MAJOR > 2) || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
#define CT_ALLOCATE_CONST
#define CT_ALLOCATOR_HAS_COPY_DATA 1
#else
#define CT_ALLOCATE_CONST const
#define CT_ALLOCATOR_HAS_COPY_DATA 0
#endif

namespace {

constexpr size_t kAlignment = 64;         // libtorch's CPU alignment (c10::gAlignment)
constexpr size_t kMinCached = 1u << 20;   // smaller blocks stay in malloc's arenas, which reuse them well

// Size classes: 1/8 steps between powers of two (at most 12.5% padding), so that a batch of another
// size still finds a block.
size_t size_class(size_t n) {
  size_t p = 1;
  while (p < n) p <<= 1;
  const size_t step = p / 8;
  return (n + step - 1) / step * step;
}

size_t default_limit() {
  if (const char *mib = std::getenv("DEEPI2I_CPU_CACHE_MIB")) {
    char *end = nullptr;
    const unsigned long long v = std::strtoull(mib, &end, 10);
    if (end != mib && *end == '\0') return static_cast<size_t>(v) << 20;
  }
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) return static_cast<size_t>(pages) * static_cast<size_t>(page) / 2;
  return size_t(4) << 30;
}

class CachingCPUAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t n) CT_ALLOCATE_CONST override {
    void *p = shared().take(n);  // const in libtorch 1.13: the state lives in the one shared instance
    return {p, p, &release, c10::Device(c10::DeviceType::CPU)};
  }
  c10::DeleterFnPtr raw_deleter() const override { return &release; }
#if CT_ALLOCATOR_HAS_COPY_DATA
  void copy_data(void *dest, const void *src, std::size_t count) const override {
    default_copy_data(dest, src, count);
  }
#endif

  static CachingCPUAllocator &shared() {
    static auto *a = new CachingCPUAllocator();  // never destroyed: tensors may outlive static destructors
    return *a;
  }

  void *take(size_t n) {
    if (n == 0) return nullptr;
    if (n < kMinCached) return aligned(n);
    const size_t cls = size_class(n);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = free_.find(cls);
      if (it != free_.end() && !it->second.empty()) {
        void *p = it->second.back();
        it->second.pop_back();
        cached_bytes_ -= cls;
        live_[p] = cls;
        ++hits_;
        return p;
      }
      ++misses_;
    }
    void *p = aligned_or_null(cls);
    if (!p) {  // out of memory: give the idle blocks back and try once more
      empty();
      p = aligned(cls);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    live_[p] = cls;
    return p;
  }

  void give(void *p) {
    if (!p) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = live_.find(p);
      if (it != live_.end()) {
        const size_t cls = it->second;
        live_.erase(it);
        if (cached_bytes_ + cls <= limit_) {
          free_[cls].push_back(p);
          cached_bytes_ += cls;
          return;
        }
      }
    }
    std::free(p);  // a small block, or the cache is full
  }

  void empty() {
    std::vector<void *> blocks;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto &entry : free_) blocks.insert(blocks.end(), entry.second.begin(), entry.second.end());
      free_.clear();
      cached_bytes_ = 0;
    }
    for (void *p : blocks) std::free(p);
  }

  void stats(int64_t *out) {
    std::lock_guard<std::mutex> lock(mutex_);
    size_t live = 0;
    for (auto &entry : live_) live += entry.second;
    out[0] = static_cast<int64_t>(hits_);
    out[1] = static_cast<int64_t>(misses_);
    out[2] = static_cast<int64_t>(cached_bytes_);
    out[3] = static_cast<int64_t>(live);
    out[4] = static_cast<int64_t>(limit_);
  }

  void set_limit(size_t bytes) {
    std::vector<void *> dropped;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      limit_ = bytes;
      for (auto it = free_.begin(); it != free_.end() && cached_bytes_ > limit_;) {
        auto &list = it->second;
        while (!list.empty() && cached_bytes_ > limit_) {
          dropped.push_back(list.back());
          list.pop_back();
          cached_bytes_ -= it->first;
        }
        it = list.empty() ? free_.erase(it) : std::next(it);
      }
    }
    for (void *p : dropped) std::free(p);
  }

 private:
  CachingCPUAllocator() : limit_(default_limit()) {}

  static void release(void *p) { shared().give(p); }
  static void *aligned_or_null(size_t n) {
    void *p = nullptr;
    return posix_memalign(&p, kAlignment, n) == 0 ? p : nullptr;
  }
  static void *aligned(size_t n) {
    void *p = aligned_or_null(n);
    if (!p) throw std::bad_alloc();  // libtorch turns this into an error that the shim reports
    return p;
  }

  std::mutex mutex_;
  std::unordered_map<size_t, std::vector<void *>> free_;  // size class -> idle blocks
  std::unordered_map<void *, size_t> live_;               // cached-size blocks in use -> size class
  size_t cached_bytes_ = 0, hits_ = 0, misses_ = 0, limit_;
};

bool enabled_by_environment() {
  const char *v = std::getenv("DEEPI2I_CPU_CACHE");
  return !(v && (std::strcmp(v, "0") == 0 || std::strcmp(v, "off") == 0 || std::strcmp(v, "false") == 0));
}

bool g_installed = false;

bool install() {
  // Priority 1 outranks the default allocator's registration (priority 0).
  c10::SetAllocator(c10::DeviceType::CPU, &CachingCPUAllocator::shared(), 1);
  g_installed = c10::GetAllocator(c10::DeviceType::CPU) == &CachingCPUAllocator::shared();
  return g_installed;
}

// Installed when the shim loads, before any tensor exists (tensors made earlier would be fine too:
// each DataPtr carries its own deleter).
[[maybe_unused]] const bool g_install_at_load = enabled_by_environment() && install();

}  // namespace

extern "C" {

int ct_cpu_cache_enabled(void) { return g_installed ? 1 : 0; }

int ct_cpu_cache_stats(int64_t *out) {
  if (!g_installed) {
    for (int i = 0; i < 5; ++i) out[i] = 0;
    return 0;
  }
  CachingCPUAllocator::shared().stats(out);
  return 0;
}

int ct_cpu_cache_empty(void) {
  if (g_installed) CachingCPUAllocator::shared().empty();
  return 0;
}

int ct_cpu_cache_set_limit(uint64_t bytes) {
  if (g_installed) CachingCPUAllocator::shared().set_limit(static_cast<size_t>(bytes));
  return 0;
}

}  // extern "C"
