// Runs --hold and --slowloris under one control: the loops on their own threads, this thread
// waiting for the opening to end, announcing it in --ready-file, holding, then stopping them.
#include "BenchHold.hpp"

#include "BenchReport.hpp"
#include "BenchSlowLoris.hpp"
#include "BenchThreads.hpp"

#include <signal.h>

#include <csignal>
#include <cstdio>
#include <exception>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace rivet::ctl {

namespace {

volatile std::sig_atomic_t stopSignal = 0;

extern "C" void onStopSignal(int) {
  stopSignal = 1;
}

void installStopSignals() {
  struct sigaction sa {};
  sa.sa_handler = onStopSignal;
  sigemptyset(&sa.sa_mask);
  for (int s : {SIGUSR1, SIGINT, SIGTERM})
    sigaction(s, &sa, nullptr);
}

// Written whole (a temporary file renamed), so that a harness polling for it never reads half.
void writeReadyFile(const std::string& path, const std::string& line) {
  if (path.empty())
    return;
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << line;
    if (!out)
      throw std::runtime_error("cannot write --ready-file '" + tmp + "'");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw std::runtime_error("cannot rename '" + tmp + "' to --ready-file '" + path + "'");
}

// Waits until `opened()` (or a stop signal, or `!alive()`), writes the ready file with
// `count()` under `what`, then holds for --hold-seconds (or until a signal or `!alive()`).
// Returns the opening's length in seconds.
double openAndHold(const BenchOptions& o, const std::function<bool()>& opened,
                   const std::function<unsigned()>& count, const std::function<bool()>& alive,
                   const char* what) {
  using namespace std::chrono_literals;
  const auto start = BenchClock::now();
  while (!opened() && !stopSignal && alive())
    std::this_thread::sleep_for(10ms);
  const double openSeconds = std::chrono::duration<double>(BenchClock::now() - start).count();
  std::ostringstream line;
  line << std::fixed << std::setprecision(3) << "{\"ready\":true,\"" << what << "\":" << count()
       << ",\"open_s\":" << openSeconds << "}\n";
  writeReadyFile(o.readyFile, line.str());
  const auto holdEnd = BenchClock::now() + std::chrono::duration_cast<BenchClock::duration>(
                                               std::chrono::duration<double>(o.holdSeconds));
  while (!stopSignal && alive() && BenchClock::now() < holdEnd)
    std::this_thread::sleep_for(10ms);
  return openSeconds;
}

} // namespace

int runHold(const BenchOptions& o, const BenchTlsClient& tls, const BenchTarget& target,
            const std::string& request) {
  installStopSignals();
  BenchSchedule schedule;
  schedule.measureStart = BenchClock::now();
  auto loops = makeBenchLoops(o, tls, target, request, schedule, o.hold);
  double openSeconds = 0;
  BenchStats total = runBenchLoops(loops, schedule, [&](const std::atomic<bool>& failed) {
    auto opened = [&] {
      for (auto& l : loops)
        if (!l->openingDone())
          return false;
      return true;
    };
    auto held = [&] {
      unsigned n = 0;
      for (auto& l : loops)
        n += l->heldNow();
      return n;
    };
    openSeconds = openAndHold(
        o, opened, held, [&] { return !failed; }, "held");
  });
  total.openSeconds = openSeconds;
  bool ok = total.errorCount() == 0 && total.held == o.hold;
  printBenchReport(std::cout, o, total, openSeconds);
  return ok ? 0 : 1;
}

int runSlowLoris(const BenchOptions& o, const BenchTlsClient& tls, const BenchTarget& target) {
  installStopSignals();
  BenchSlowLoris loris(o, tls, target);
  std::atomic<bool> stop{false}, failed{false};
  std::exception_ptr failure;
  std::thread thread([&] {
    try {
      loris.run(stop);
    } catch (...) {
      failure = std::current_exception();
      failed = true;
    }
  });
  double openSeconds = 0;
  try {
    openSeconds = openAndHold(
        o, [&] { return loris.openingDone(); }, [&] { return loris.trickling(); },
        [&] { return !failed; }, "trickling");
  } catch (...) {
    stop = true;
    thread.join();
    throw;
  }
  stop = true;
  thread.join();
  if (failure)
    std::rethrow_exception(failure);
  return loris.report(std::cout, openSeconds) ? 0 : 1;
}

} // namespace rivet::ctl
