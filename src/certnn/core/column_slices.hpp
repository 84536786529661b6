// A batch's columns split into contiguous slices, one thread each: the data parallelism of the
// trainers, whose slices are independent (each builds its own expression graph or attack batch).
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <exception>
#include <thread>
#include <vector>

namespace certnn {

// The number of slices for_each_column_slice makes.
inline Eigen::Index column_slice_count(Eigen::Index columns, int threads) {
  return std::clamp<Eigen::Index>(threads, 1, std::max<Eigen::Index>(columns, 1));
}

// Calls body(slice, first, count) for `slices` = min(threads, columns) (at least 1) contiguous
// ranges covering [0, columns), slice 0 on the calling thread; rethrows the first slice's error
// after all have finished. Slice k covers [columns·k/slices, columns·(k+1)/slices).
template <class Body>
void for_each_column_slice(Eigen::Index columns, int threads, Body&& body) {
  const Eigen::Index slices = column_slice_count(columns, threads);
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(slices));
  const auto run = [&](Eigen::Index k) {
    const Eigen::Index first = columns * k / slices, last = columns * (k + 1) / slices;
    try {
      body(k, first, last - first);
    } catch (...) {
      errors[static_cast<std::size_t>(k)] = std::current_exception();
    }
  };
  std::vector<std::thread> workers;
  for (Eigen::Index k = 1; k < slices; ++k) workers.emplace_back(run, k);
  run(0);
  for (std::thread& worker : workers) worker.join();
  for (const std::exception_ptr& error : errors)
    if (error) std::rethrow_exception(error);
}

}  // namespace certnn
