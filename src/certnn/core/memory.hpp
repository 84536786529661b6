// Process-wide allocator settings for programs built on certnn (the CLI, the benchmarks).
#pragma once

namespace certnn {

// Serves large temporaries from memory the process keeps, not from fresh pages. Batched passes
// allocate matrices of hundreds of kilobytes per layer and step; glibc maps each above 128 KiB
// anew and returns it on free, so every step page-faults its memory in again (a quarter of a
// batched PGD run, measured). A no-op where the C library has no such settings.
void reuse_freed_memory();

}  // namespace certnn
