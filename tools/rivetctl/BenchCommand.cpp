// Runs `rivetctl bench`: reads the flags, resolves the URL, builds the TLS client, then either
// drives the load (one or more event loops), holds connections (--hold, --slowloris) or waits
// for a starting server's first answer.
#include "BenchCommand.hpp"

#include "BenchHold.hpp"
#include "BenchLoop.hpp"
#include "BenchOptions.hpp"
#include "BenchReport.hpp"
#include "BenchSocket.hpp"
#include "BenchThreads.hpp"
#include "BenchTlsClient.hpp"

#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <exception>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace rivet::ctl {

namespace {

// Raises the open-file limit to the hard limit; throws when that is still short of what the
// run needs (its connections and a margin for the process's own files).
void raiseFileLimit(const BenchOptions& o) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
    return;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  rlim_t needed = static_cast<rlim_t>(std::max({o.concurrency, o.hold, o.slowloris})) + 100;
  if (rl.rlim_cur < needed)
    throw std::runtime_error("needs " + std::to_string(needed) +
                             " open files but the hard limit is " + std::to_string(rl.rlim_max) +
                             "; raise it (ulimit -Hn, limits.conf, systemd LimitNOFILE) or "
                             "ask for fewer connections");
}

std::string buildRequest(const BenchOptions& o) {
  bool v6 = o.host.find(':') != std::string::npos;
  std::string host = o.name != o.host ? o.name : (v6 ? "[" + o.host + "]" : o.host);
  std::string r = o.method + " " + o.path + " HTTP/1.1\r\nHost: " + host + ":" + o.port +
                  "\r\nUser-Agent: rivetctl-bench\r\nAccept: application/json\r\n";
  if (o.newConnection)
    r += "Connection: close\r\n";
  if (o.method == "POST" || !o.body.empty())
    r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(o.body.size()) +
         "\r\n";
  return r + "\r\n" + o.body;
}

double secondsBetween(BenchClock::time_point a, BenchClock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

BenchClock::duration toDuration(double seconds) {
  return std::chrono::duration_cast<BenchClock::duration>(std::chrono::duration<double>(seconds));
}

int runLoad(const BenchOptions& o, const BenchTlsClient& tls, const BenchTarget& target,
            const std::string& request) {
  BenchSchedule schedule;
  schedule.measureStart = BenchClock::now() + toDuration(o.warmupSeconds);
  if (o.durationSeconds > 0)
    schedule.measureEnd = schedule.measureStart + toDuration(o.durationSeconds);
  schedule.limit = o.requests;
  auto loops = makeBenchLoops(o, tls, target, request, schedule, o.concurrency);
  BenchStats total = runBenchLoops(loops, schedule, [](const std::atomic<bool>&) {});
  if (o.printResponse)
    std::cerr << "--- first response ---\n" << loops[0]->firstResponse() << "\n---\n";
  printBenchReport(std::cout, o, total,
                   std::max(0.0, secondsBetween(schedule.measureStart, total.end)));
  return total.errorCount() == 0 && !total.latenciesNs.empty() ? 0 : 1;
}

// Polls with single requests (a new connection each) until one gets a 2xx answer or the
// --timeout runs out. Reports the wall-clock time of that answer, so a caller that noted when
// it started the server can compute the start-up time.
int waitReady(BenchOptions o, const BenchTlsClient& tls, const BenchTarget& target) {
  o.newConnection = true;
  o.resume = false;
  const std::string request = buildRequest(o);
  const double totalTimeout = o.timeoutSeconds;
  const auto start = BenchClock::now();
  const auto deadline = start + toDuration(totalTimeout);
  std::uint64_t attempts = 0;
  std::string lastError;
  for (auto now = start; now < deadline; now = BenchClock::now()) {
    ++attempts;
    o.timeoutSeconds = secondsBetween(now, deadline);
    BenchSchedule schedule;
    schedule.measureStart = now;
    schedule.limit = 1;
    BenchLoop loop(o, tls, target, request, schedule, 1);
    loop.run();
    if (!loop.stats().latenciesNs.empty()) {
      auto unixUs = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
      double waitedMs = secondsBetween(start, BenchClock::now()) * 1e3;
      if (o.printResponse)
        std::cerr << loop.firstResponse() << "\n";
      if (o.json)
        std::cout << "{\"ready\":true,\"ready_unix_us\":" << unixUs << std::fixed
                  << std::setprecision(1) << ",\"waited_ms\":" << waitedMs
                  << ",\"attempts\":" << attempts << "}\n";
      else
        std::cout << "ready: answered after " << std::fixed << std::setprecision(1) << waitedMs
                  << " ms of waiting (" << attempts << " attempts)\n";
      return 0;
    }
    lastError = loop.stats().firstError;
  }
  if (o.json)
    std::cout << "{\"ready\":false,\"attempts\":" << attempts
              << ",\"last_error\":" << jsonString(lastError) << "}\n";
  else
    std::cout << "not ready after " << totalTimeout << " s (" << attempts
              << " attempts); last error: " << lastError << "\n";
  return 1;
}

} // namespace

int benchCommand(const std::vector<std::string>& args) {
  BenchOptions o;
  try {
    if (!parseBenchOptions(args, o)) {
      std::cout << kBenchUsage;
      return 0;
    }
  } catch (const BenchUsageError& e) {
    std::cerr << "rivetctl bench: " << e.what() << "\n";
    return 2;
  }
  signal(SIGPIPE, SIG_IGN); // a server closing mid-write is an error to count, not a crash
  try {
    raiseFileLimit(o);
    BenchTarget target = resolveBenchTarget(o);
    BenchTlsClient tls(o);
    if (o.waitReady)
      return waitReady(o, tls, target);
    if (o.hold)
      return runHold(o, tls, target, buildRequest(o));
    if (o.slowloris)
      return runSlowLoris(o, tls, target);
    return runLoad(o, tls, target, buildRequest(o));
  } catch (const std::exception& e) {
    std::cerr << "rivetctl bench: " << e.what() << "\n";
    return 2;
  }
}

} // namespace rivet::ctl
