// Process-wide allocator settings for programs built on certnn (the CLI, the benchmarks).
#pragma once

namespace certnn {

// Serves large temporaries from memory the process keeps, not from fresh pages. Batched passes
// allocate matrices of hundreds of kilobytes per layer and step; glibc maps each above 128 KiB
// anew and returns it on free, so every step page-faults its memory in again (a quarter of a
// batched PGD run, measured). A no-op where the C library has no such settings.
void reuse_freed_memory();

// For programs whose threads each allocate hundreds of megabytes per step (network training):
// one heap for all threads, kept up to 1 GiB free. glibc gives each thread its own arena of
// 64 MiB heaps and unmaps a heap as soon as it is empty, whatever the trim threshold, so every
// step faulted its pages in again, and the faults of two threads serialise on the kernel's lock
// (IBP training of cnn-small: 365 ms per step on two threads before, 134 ms after). The
// allocations are few and large, so sharing one arena costs no measurable lock contention.
void reuse_freed_memory_across_threads();

}  // namespace certnn
