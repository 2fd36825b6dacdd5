// Turns merged load-generator counts into figures: requests/s, p50/p90/p99/max latency (nearest
// rank over every measured request), errors by kind, connections and resumed handshakes.
#include "BenchReport.hpp"

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <sstream>

namespace rivet::ctl {

namespace {

struct Percentiles {
  double p50 = 0, p90 = 0, p99 = 0, max = 0, mean = 0; // microseconds
};

Percentiles percentiles(std::vector<std::uint64_t>& ns) {
  Percentiles p;
  if (ns.empty())
    return p;
  std::sort(ns.begin(), ns.end());
  auto rank = [&](double q) {
    std::size_t i = static_cast<std::size_t>(q * static_cast<double>(ns.size()) + 0.999999);
    return static_cast<double>(ns[std::min(ns.size(), std::max<std::size_t>(i, 1)) - 1]) / 1e3;
  };
  p.p50 = rank(0.50);
  p.p90 = rank(0.90);
  p.p99 = rank(0.99);
  p.max = static_cast<double>(ns.back()) / 1e3;
  long double sum = 0;
  for (auto v : ns)
    sum += v;
  p.mean = static_cast<double>(sum / ns.size()) / 1e3;
  return p;
}

const char* modeName(const BenchOptions& o) {
  if (o.hold)
    return "hold";
  return !o.newConnection ? "keep-alive" : o.resume ? "resume" : "new-connection";
}

std::string url(const BenchOptions& o) {
  bool v6 = o.host.find(':') != std::string::npos;
  return "https://" + (v6 ? "[" + o.host + "]" : o.host) + ":" + o.port + o.path;
}

} // namespace

std::string jsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

void printBenchReport(std::ostream& out, const BenchOptions& o, BenchStats& s, double seconds) {
  const std::uint64_t answered = s.latenciesNs.size();
  const Percentiles p = percentiles(s.latenciesNs);
  const double rps = seconds > 0 ? static_cast<double>(answered) / seconds : 0;
  const double bodyAvg = answered ? static_cast<double>(s.bodyBytes) / answered : 0;
  std::ostringstream text;
  text << std::fixed << std::setprecision(1);
  if (o.json) {
    text << "{\"method\":" << jsonString(o.method) << ",\"url\":" << jsonString(url(o))
         << ",\"name\":" << jsonString(o.name) << ",\"mode\":\"" << modeName(o)
         << "\",\"concurrency\":" << o.concurrency << ",\"threads\":" << o.threads
         << std::setprecision(3) << ",\"duration_s\":" << seconds << ",\"requests\":" << answered
         << ",\"errors\":" << s.errorCount() << ",\"errors_by_kind\":{";
    for (std::size_t i = 0; i < kBenchErrorKinds; ++i)
      text << (i ? "," : "") << '"' << benchErrorName(static_cast<BenchError>(i))
           << "\":" << s.errors[i];
    text << "},\"first_error\":" << jsonString(s.firstError) << std::setprecision(1)
         << ",\"rps\":" << rps << ",\"p50_us\":" << p.p50 << ",\"p90_us\":" << p.p90
         << ",\"p99_us\":" << p.p99 << ",\"max_us\":" << p.max << ",\"mean_us\":" << p.mean
         << ",\"connections\":" << s.connections << ",\"handshakes\":" << s.handshakes
         << ",\"resumed\":" << s.resumed << ",\"answered_total\":" << s.answeredTotal
         << ",\"unfinished\":" << s.unfinished
         << ",\"oldest_unfinished_ms\":" << static_cast<double>(s.oldestUnfinishedNs) / 1e6
         << ",\"body_bytes_avg\":" << bodyAvg;
    if (o.hold)
      text << ",\"hold\":" << o.hold << ",\"held\":" << s.held
           << ",\"closed_by_server\":" << s.closedByServer << ",\"not_started\":" << s.notStarted
           << std::setprecision(3) << ",\"open_s\":" << s.openSeconds;
    text << "}\n";
    out << text.str();
    return;
  }
  text << o.method << " " << url(o) << " (server name " << o.name << "), " << o.concurrency
       << " connection" << (o.concurrency == 1 ? "" : "s") << ", " << modeName(o) << "\n"
       << "requests     " << answered << " in " << std::setprecision(3) << seconds
       << " s = " << std::setprecision(1) << rps << " requests/s, body " << bodyAvg
       << " bytes avg\n"
       << "latency us   p50 " << p.p50 << "  p90 " << p.p90 << "  p99 " << p.p99 << "  max "
       << p.max << "  mean " << p.mean << "\n"
       << "connections  " << s.connections << " opened, " << s.handshakes << " TLS handshakes ("
       << s.resumed << " resumed)\n"
       << "errors       " << s.errorCount();
  if (s.errorCount()) {
    text << " (";
    bool first = true;
    for (std::size_t i = 0; i < kBenchErrorKinds; ++i)
      if (s.errors[i]) {
        text << (first ? "" : ", ") << benchErrorName(static_cast<BenchError>(i)) << " "
             << s.errors[i];
        first = false;
      }
    text << ")";
  }
  if (!s.firstError.empty())
    text << "\nfirst error  " << s.firstError;
  if (o.hold)
    text << "\nheld         " << s.held << " of " << o.hold << " open at the end ("
         << s.closedByServer << " closed by the server while idle, " << s.notStarted
         << " never opened); opening took " << std::setprecision(3) << s.openSeconds << " s";
  if (s.unfinished)
    text << "\nunfinished   " << s.unfinished
         << " requests still unanswered at the end, the oldest "
         << "after " << static_cast<double>(s.oldestUnfinishedNs) / 1e6 << " ms";
  out << text.str() << "\n";
}

} // namespace rivet::ctl
