// CPU memory reuse for libtorch (see ctorch.h, "CPU memory").
//
// Why: libtorch's CPU allocator hands every tensor to glibc malloc and back. malloc maps blocks over
// its mmap threshold, and a worker thread's arena maps any block too large for its 64 MiB heap, then
// unmaps them on free, so the kernel zero-fills every page of them again on the next use. A training step
// allocates the same large activations every iteration (a 64 px self-attention map at batch 32 is
// 512 MiB), and a 64 px GAN step spent over half of its time in the kernel's clear_page. With one arena
// (the main heap, which grows with brk), no mmap and a high trim threshold, freed blocks stay in the heap
// and are reused, coalesced with their neighbours, so the peak memory stays what it was. A size-class
// cache in front of libtorch (tried first) was as fast but held 1.6x the peak memory, because blocks of
// one size could not serve another.
#include "ctorch.h"

#include <malloc.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace {

size_t default_limit() {
  if (const char *mib = std::getenv("DEEPI2I_CPU_CACHE_MIB")) {
    char *end = nullptr;
    const unsigned long long v = std::strtoull(mib, &end, 10);
    if (end != mib && *end == '\0') return static_cast<size_t>(v) << 20;
  }
  return SIZE_MAX;  // keep all of it: the heap holds the process's peak, as it held it at the peak
}

bool enabled_by_environment() {
  const char *v = std::getenv("DEEPI2I_CPU_CACHE");
  return !(v && (std::strcmp(v, "0") == 0 || std::strcmp(v, "off") == 0 || std::strcmp(v, "false") == 0));
}

size_t g_limit = 0;
bool g_enabled = false;

// mallopt takes an int; glibc reads it as a size_t, so -1 is "never trim" for limits past 2 GiB.
int trim_threshold(size_t bytes) { return bytes > size_t(0x7fffffff) ? -1 : static_cast<int>(bytes); }

bool tune() {
  g_limit = default_limit();
  // Before any worker thread takes an arena of its own: every thread shares the main heap.
  return mallopt(M_ARENA_MAX, 1) == 1 && mallopt(M_MMAP_MAX, 0) == 1 &&
         mallopt(M_TRIM_THRESHOLD, trim_threshold(g_limit)) == 1;
}

// When the shim loads, before the program's threads start.
[[maybe_unused]] const bool g_tuned_at_load = (g_enabled = enabled_by_environment() && tune());

}  // namespace

extern "C" {

int ct_cpu_cache_enabled(void) { return g_enabled ? 1 : 0; }

int ct_cpu_cache_stats(int64_t *out) {
  const struct mallinfo2 info = mallinfo2();
  out[0] = static_cast<int64_t>(info.arena);     // the heap (brk) bytes
  out[1] = static_cast<int64_t>(info.hblkhd);    // bytes in mmap'ed blocks
  out[2] = static_cast<int64_t>(info.uordblks);  // heap bytes in use
  out[3] = static_cast<int64_t>(info.fordblks);  // heap bytes free for reuse
  out[4] = !g_enabled ? 0 : trim_threshold(g_limit) < 0 ? -1 : static_cast<int64_t>(g_limit);
  return 0;
}

int ct_cpu_cache_empty(void) {
  malloc_trim(0);
  return 0;
}

int ct_cpu_cache_set_limit(uint64_t bytes) {
  if (!g_enabled) return 0;
  g_limit = static_cast<size_t>(bytes);
  mallopt(M_TRIM_THRESHOLD, trim_threshold(g_limit));
  return 0;
}

}  // extern "C"
