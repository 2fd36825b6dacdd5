// util::randomHex128: 32 lowercase hex digits, never the same twice, also across threads that
// each draw from their own pool (refilled every 32 ids).
#include "util/RandomHex.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <thread>
#include <vector>

TEST(RandomHex, IdsAreHexAndDistinctWithinAndAcrossThreads) {
  std::mutex m;
  std::set<std::string> seen;
  auto draw = [&] {
    for (int i = 0; i < 5000; ++i) {
      std::string id = rivet::util::randomHex128("a test id");
      ASSERT_EQ(id.size(), 32u);
      ASSERT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
      std::lock_guard<std::mutex> lock(m);
      ASSERT_TRUE(seen.insert(id).second) << "drawn twice: " << id;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back(draw);
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(seen.size(), 20000u);
}
