// Runs `rivetctl bench`: reads the flags, resolves the URL, builds the TLS client, then either
// drives the load (one or more event loops) or waits for a starting server's first answer.
#include "BenchCommand.hpp"

#include "BenchLoop.hpp"
#include "BenchOptions.hpp"
#include "BenchReport.hpp"
#include "BenchTlsClient.hpp"

#include <netdb.h>
#include <signal.h>

#include <cstring>
#include <exception>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

namespace rivet::ctl {

namespace {

BenchTarget resolve(const BenchOptions& o) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(o.host.c_str(), o.port.c_str(), &hints, &res);
  if (rc != 0 || !res)
    throw std::runtime_error("cannot resolve '" + o.host + ":" + o.port + "': " + gai_strerror(rc) +
                             "; check the host in --url");
  BenchTarget t;
  std::memcpy(&t.addr, res->ai_addr, res->ai_addrlen);
  t.addrLen = res->ai_addrlen;
  freeaddrinfo(res);
  return t;
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
  std::vector<std::unique_ptr<BenchLoop>> loops;
  for (unsigned i = 0; i < o.threads; ++i) {
    unsigned share = o.concurrency / o.threads + (i < o.concurrency % o.threads ? 1 : 0);
    loops.push_back(std::make_unique<BenchLoop>(o, tls, target, request, schedule, share));
  }
  std::vector<std::exception_ptr> failures(loops.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < loops.size(); ++i)
    threads.emplace_back([&, i] {
      try {
        loops[i]->run();
      } catch (...) {
        failures[i] = std::current_exception();
      }
    });
  try {
    loops[0]->run();
  } catch (...) {
    failures[0] = std::current_exception();
  }
  for (auto& t : threads)
    t.join();
  for (auto& f : failures)
    if (f)
      std::rethrow_exception(f);
  BenchStats total;
  total.end = schedule.measureStart;
  for (auto& l : loops)
    total.merge(l->stats());
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
    BenchTarget target = resolve(o);
    BenchTlsClient tls(o);
    if (o.waitReady)
      return waitReady(o, tls, target);
    return runLoad(o, tls, target, buildRequest(o));
  } catch (const std::exception& e) {
    std::cerr << "rivetctl bench: " << e.what() << "\n";
    return 2;
  }
}

} // namespace rivet::ctl
