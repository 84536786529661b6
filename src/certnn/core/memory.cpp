#include "certnn/core/memory.hpp"

#if __has_include(<malloc.h>)
#include <malloc.h>
#endif

namespace certnn {

void reuse_freed_memory() {
#if defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
  // Blocks below 32 MiB (glibc's largest threshold on 64-bit systems) come from the heap and go
  // back to it; the heap is trimmed only when 64 MiB lie free at its top.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
}

void reuse_freed_memory_across_threads() {
#if defined(M_ARENA_MAX) && defined(M_TRIM_THRESHOLD)
  reuse_freed_memory();
  mallopt(M_ARENA_MAX, 1);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

}  // namespace certnn
