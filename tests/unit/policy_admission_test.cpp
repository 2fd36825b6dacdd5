// Admission (docs/policy.md): an agent's places run in arrival order, a full queue refuses at
// once, a waiter gives up at its deadline or when told to stop; the rate limit per caller.
#include "policy/AgentSlots.hpp"
#include "policy/CallerRates.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

using namespace rivet::policy;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(AgentSlots, RunsMaxConcurrentQueuesTheNextAndRefusesBeyondBoth) {
  auto slots = std::make_shared<AgentSlots>(2, 1);
  auto a = slots->reserve(), b = slots->reserve(), c = slots->reserve();
  ASSERT_TRUE(a && b && c);
  EXPECT_TRUE(a->running() && b->running());
  EXPECT_FALSE(c->running());
  EXPECT_EQ(slots->reserve(), nullptr); // both full
  EXPECT_EQ(slots->running(), 2);
  EXPECT_EQ(slots->waiting(), 1);
  a.reset(); // one ends: the waiter takes its place
  EXPECT_TRUE(c->waitTurn(Clock::now() + 1s, nullptr));
  EXPECT_EQ(slots->waiting(), 0);
  auto d = slots->reserve();
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->running());
}

TEST(AgentSlots, WaitersRunInArrivalOrder) {
  auto slots = std::make_shared<AgentSlots>(1, 8);
  auto first = slots->reserve();
  std::vector<std::unique_ptr<Slot>> queued;
  for (int i = 0; i < 5; ++i)
    queued.push_back(slots->reserve());
  std::mutex m;
  std::vector<int> order;
  std::vector<std::thread> threads;
  for (int i = 4; i >= 0; --i) // started in reverse: the tickets decide, not the threads
    threads.emplace_back([&, i] {
      ASSERT_TRUE(queued[i]->waitTurn(Clock::now() + 5s, nullptr));
      {
        std::lock_guard<std::mutex> lock(m);
        order.push_back(i);
      }
      queued[i].reset();
    });
  std::this_thread::sleep_for(50ms);
  first.reset();
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(AgentSlots, AWaiterGivesUpAtItsDeadlineOrWhenStoppedAndFreesItsPlace) {
  auto slots = std::make_shared<AgentSlots>(1, 2);
  auto busy = slots->reserve();
  auto late = slots->reserve();
  auto t0 = Clock::now();
  EXPECT_FALSE(late->waitTurn(t0 + 120ms, nullptr));
  EXPECT_GE(Clock::now() - t0, 120ms);
  auto stopped = slots->reserve();
  std::atomic<bool> stop{false};
  std::thread s([&] {
    std::this_thread::sleep_for(60ms);
    stop = true;
  });
  t0 = Clock::now();
  EXPECT_FALSE(stopped->waitTurn(t0 + 10s, [&] { return stop.load(); }));
  EXPECT_LT(Clock::now() - t0, 2s);
  s.join();
  EXPECT_EQ(slots->reserve(), nullptr); // both waiters still hold their places
  late.reset();
  stopped.reset();
  EXPECT_EQ(slots->waiting(), 0);
  busy.reset();
  auto next = slots->reserve();
  ASSERT_TRUE(next);
  EXPECT_TRUE(next->running()); // the gone waiters left nothing in the line
}

TEST(CallerRates, ABurstThenOneTokenPerIntervalPerCaller) {
  CallerRates rates(2.0, 3); // 2 a second, burst 3
  auto t = Clock::now();
  EXPECT_EQ(rates.take("node-b", t), 0);
  EXPECT_EQ(rates.take("node-b", t), 0);
  EXPECT_EQ(rates.take("node-b", t), 0);
  EXPECT_EQ(rates.take("node-b", t), 1); // retry after 1 s (0.5 s rounded up)
  EXPECT_EQ(rates.take("node-c", t), 0); // another caller has its own bucket
  EXPECT_EQ(rates.take("node-b", t + 500ms), 0);
  EXPECT_EQ(rates.take("node-b", t + 500ms), 1);
  EXPECT_EQ(rates.take("node-b", t + 10s), 0); // refilled, never beyond the burst
  EXPECT_EQ(rates.take("node-b", t + 10s), 0);
  EXPECT_EQ(rates.take("node-b", t + 10s), 0);
  EXPECT_EQ(rates.take("node-b", t + 10s), 1);
}

TEST(CallerRates, SlowRatesGiveLongRetryAfterAndManyCallersStayBounded) {
  CallerRates slow(1.0 / 60, 1); // one a minute
  auto t = Clock::now();
  EXPECT_EQ(slow.take("x", t), 0);
  EXPECT_EQ(slow.take("x", t), 60);
  CallerRates rates(1.0, 1);
  for (size_t i = 0; i < CallerRates::kMaxCallers; ++i)
    EXPECT_EQ(rates.take("n" + std::to_string(i), t), 0);
  // The table is full of callers still counting: a newcomer waits instead of growing it.
  EXPECT_GT(rates.take("newcomer", t), 0);
  // A second later every bucket is full again, so they are forgotten and the newcomer is in.
  EXPECT_EQ(rates.take("newcomer", t + 2s), 0);
}
