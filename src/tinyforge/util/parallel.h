// util/parallel: one worker pool shape for the whole tool — indices taken in order by a few threads.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace tinyforge {

// fn(i) for every i in [0, n), on up to `workers` threads (the caller's included), indices taken in order.
// The first exception fn throws stops the handing out of indices and is rethrown here once every thread
// has returned; work already begun finishes.
template <class Fn>
void parallel_for(size_t n, int workers, Fn fn) {
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&] {
    for (size_t i = next++; i < n; i = next++) {
      try {
        fn(i);
      } catch (...) {
        const std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
        next = n;
      }
    }
  };
  const size_t threads =
      std::clamp<size_t>(static_cast<size_t>(std::max(1, workers)), 1, std::max<size_t>(1, n));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace tinyforge
