// parallel_for: every index once, on the threads asked for; the first exception reaches the caller after
// every thread has returned, and no index is handed out after it.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "tinyforge/util/parallel.h"

using namespace tinyforge;

TEST(ParallelFor, EveryIndexOnce) {
  for (const int workers : {0, 1, 2, 7}) {
    std::vector<std::atomic<int>> seen(1000);
    parallel_for(seen.size(), workers, [&](size_t i) { ++seen[i]; });
    for (size_t i = 0; i < seen.size(); ++i)
      ASSERT_EQ(seen[i], 1) << "index " << i << ", workers " << workers;
  }
  parallel_for(0, 4, [](size_t) { FAIL() << "no index to hand out"; });
}

TEST(ParallelFor, FirstExceptionReachesTheCaller) {
  std::atomic<size_t> ran{0};
  try {
    parallel_for(10'000, 3, [&](size_t i) {
      ++ran;
      if (i == 10) throw std::runtime_error("index 10");
    });
    FAIL() << "the exception was lost";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "index 10");
  }
  EXPECT_LT(ran.load(), 10'000u) << "indices were still handed out after the exception";
}
