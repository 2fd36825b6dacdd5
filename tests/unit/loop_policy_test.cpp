// How many I/O loops take connections (plugins/transport-mtls/LoopPolicy.hpp): decisions from
// samples of the loops' load and the machine's idle cores.
#include "LoopPolicy.hpp"

#include <gtest/gtest.h>

#include <vector>

using rivet::mtls::LoopPolicy;

namespace {

size_t feed(LoopPolicy& p, std::vector<double> busy, double idle, int samples) {
  size_t active = p.active();
  for (int i = 0; i < samples; ++i)
    active = p.next(busy.data(), idle);
  return active;
}

TEST(LoopPolicy, StartsWithOneLoop) {
  LoopPolicy p(4);
  EXPECT_EQ(p.active(), 1u);
  EXPECT_EQ(feed(p, {0.1, 0, 0, 0}, 3.5, 10), 1u);
}

TEST(LoopPolicy, TakesMoreLoopsWhenTheOneInUseIsBusyAndCoresAreIdle) {
  LoopPolicy p(4);
  EXPECT_EQ(feed(p, {0.95, 0, 0, 0}, 2.9, 1), 1u) << "one hot sample is not enough";
  EXPECT_EQ(feed(p, {0.95, 0, 0, 0}, 2.9, 1), 2u) << "as many more as idle cores, at most double";
  EXPECT_EQ(feed(p, {0.9, 0.9, 0, 0}, 1.8, 2), 4u);
  EXPECT_EQ(feed(p, {1, 1, 1, 1}, 3, 10), 4u) << "never more loops than there are";
}

TEST(LoopPolicy, GrowsByTheIdleCores) {
  LoopPolicy p(8);
  feed(p, {0.9, 0, 0, 0, 0, 0, 0, 0}, 2, 2);
  EXPECT_EQ(p.active(), 2u);
  EXPECT_EQ(feed(p, {0.9, 0.9, 0, 0, 0, 0, 0, 0}, 1.0, 2), 3u) << "one idle core: one more loop";
}

TEST(LoopPolicy, StaysOnOneLoopWhenNoCoreIsSpare) {
  // The load generator (or anything else) holds the other core: a second loop would only add
  // a context switch per request.
  LoopPolicy p(2);
  EXPECT_EQ(feed(p, {0.99, 0}, 0.3, 20), 1u);
  EXPECT_EQ(feed(p, {0.99, 0}, 0.59, 20), 1u);
  EXPECT_EQ(feed(p, {0.99, 0}, 0.7, 2), 2u);
}

TEST(LoopPolicy, AHotSampleInterruptedStartsOver) {
  LoopPolicy p(2);
  feed(p, {0.9, 0}, 1, 1);
  feed(p, {0.5, 0}, 1, 1);
  EXPECT_EQ(feed(p, {0.9, 0}, 1, 1), 1u);
  EXPECT_EQ(feed(p, {0.9, 0}, 1, 1), 2u);
}

TEST(LoopPolicy, UnknownIdleTimeCountsAsSpare) {
  LoopPolicy p(3);
  EXPECT_EQ(feed(p, {0.9, 0, 0}, -1, 2), 2u);
}

TEST(LoopPolicy, GivesLoopsBackWhenTheLoadFitsInFewer) {
  LoopPolicy p(4);
  feed(p, {0.9, 0, 0, 0}, 3, 2);
  feed(p, {0.9, 0.9, 0, 0}, 2, 2);
  ASSERT_EQ(p.active(), 4u);
  EXPECT_EQ(feed(p, {0.4, 0.4, 0.4, 0.4}, 2.4, 6), 4u) << "1.6 cores: more than 3 x 0.5";
  EXPECT_EQ(feed(p, {0.3, 0.3, 0.3, 0.3}, 2.5, 3), 4u) << "three cold samples are not enough";
  EXPECT_EQ(feed(p, {0.3, 0.3, 0.3, 0.3}, 2.5, 1), 3u);
  EXPECT_EQ(feed(p, {0.05, 0.05, 0.05, 0}, 3.8, 4), 2u) << "one loop fewer at a time";
  EXPECT_EQ(feed(p, {0.05, 0.05, 0, 0}, 3.8, 4), 1u);
  EXPECT_EQ(feed(p, {0, 0, 0, 0}, 4, 10), 1u) << "never fewer than one";
}

TEST(LoopPolicy, NoLoopsMeansOne) {
  LoopPolicy p(0);
  EXPECT_EQ(feed(p, {1}, 1, 4), 1u);
}

} // namespace
