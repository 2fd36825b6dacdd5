// plugin::HostGate: calls pass while it is open, close() waits for the calls in progress (from
// any thread, nested or not) and refuses every later one.
#include "plugin/HostGate.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using rivet::plugin::HostGate;

TEST(HostGate, CloseWaitsForTheCallsInProgressAndRefusesLaterOnes) {
  HostGate gate;
  ASSERT_TRUE(gate.enter());
  ASSERT_TRUE(gate.enter()); // nested: counted
  std::atomic<bool> closed{false};
  std::thread closer([&] {
    gate.close();
    closed = true;
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(closed) << "close() returned with two calls in progress";
  EXPECT_FALSE(gate.enter()) << "a call entered a closing gate";
  gate.leave();
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(closed) << "close() returned with a call in progress";
  gate.leave();
  closer.join();
  EXPECT_TRUE(closed);
  EXPECT_FALSE(gate.enter());
  gate.close(); // again: nothing in progress, returns at once
}

TEST(HostGate, ManyThreadsPassingWhileItClosesNeverRunPastClose) {
  HostGate gate;
  std::atomic<bool> isClosed{false};
  std::atomic<int> afterClose{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t)
    callers.emplace_back([&] {
      while (!stop) {
        if (!gate.enter())
          continue;
        if (isClosed) // close() returned while this call was inside
          ++afterClose;
        gate.leave();
      }
    });
  std::this_thread::sleep_for(50ms);
  gate.close();
  isClosed = true;
  std::this_thread::sleep_for(50ms);
  stop = true;
  for (auto& c : callers)
    c.join();
  EXPECT_EQ(afterClose, 0);
}
