// Sharing connections among event loops and running the loops on threads.
#include "BenchThreads.hpp"

#include <exception>
#include <thread>

namespace rivet::ctl {

std::vector<std::unique_ptr<BenchLoop>>
makeBenchLoops(const BenchOptions& o, const BenchTlsClient& tls, const BenchTarget& target,
               const std::string& request, BenchSchedule& schedule, unsigned connections) {
  std::vector<std::unique_ptr<BenchLoop>> loops;
  for (unsigned i = 0; i < o.threads; ++i) {
    unsigned share = connections / o.threads + (i < connections % o.threads ? 1 : 0);
    loops.push_back(std::make_unique<BenchLoop>(o, tls, target, request, schedule, share));
  }
  return loops;
}

BenchStats runBenchLoops(std::vector<std::unique_ptr<BenchLoop>>& loops, BenchSchedule& schedule,
                         const std::function<void(const std::atomic<bool>& failed)>& control) {
  std::vector<std::exception_ptr> failures(loops.size());
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < loops.size(); ++i)
    threads.emplace_back([&, i] {
      try {
        loops[i]->run();
      } catch (...) {
        failures[i] = std::current_exception();
        failed = true;
      }
    });
  std::exception_ptr controlFailure;
  try {
    control(failed);
  } catch (...) {
    controlFailure = std::current_exception();
  }
  schedule.stop = true;
  for (auto& t : threads)
    t.join();
  if (controlFailure)
    std::rethrow_exception(controlFailure);
  for (auto& f : failures)
    if (f)
      std::rethrow_exception(f);
  BenchStats total;
  total.end = schedule.measureStart;
  for (auto& l : loops)
    total.merge(l->stats());
  return total;
}

} // namespace rivet::ctl
