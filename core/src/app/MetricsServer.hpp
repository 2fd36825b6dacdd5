// The metrics listener (docs/operations-metrics.md): plain HTTP on its own address and port,
// serving /metrics, /health, /ready, /api/status and the status page. Read-only: only GET and
// HEAD are answered. Bounded: a few threads, a short queue, socket timeouts, no keep-alive, no
// request body, a short request target; the Host header must be an IP literal, localhost or a
// name of metrics.allowed_hosts (DNS rebinding).
#pragma once

#include "config/Config.hpp"

#include <memory>
#include <string>

namespace Poco::Net {
class HTTPServer;
}

namespace rivet::app {

// What the listener shows; every call may come from any of its threads.
class MetricsSource {
public:
  struct Verdict {
    bool ok = false;
    std::string reason; // why not (a sentence), or what is fine
  };
  virtual ~MetricsSource() = default;
  virtual std::string metricsText() = 0; // Prometheus text format
  virtual Verdict health() = 0;
  virtual Verdict readiness() = 0;
  virtual std::string statusJson() = 0; // for the status page
};

class MetricsServer {
public:
  static constexpr int kThreads = 4;
  static constexpr int kQueued = 16;
  static constexpr int kTimeoutSeconds = 5;
  static constexpr size_t kMaxTarget = 1024; // bytes of the request target

  MetricsServer(const config::MetricsConfig& config, MetricsSource& source);
  ~MetricsServer();
  // Binds and serves; throws std::runtime_error naming the address and the key to change.
  void start();
  void stop(); // idempotent
  std::string url() const;

private:
  const config::MetricsConfig& config_;
  MetricsSource& source_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

// Whether a Host header value names this listener: an IPv4 or [IPv6] literal, localhost, or one
// of `allowed` (lower case), each with an optional :port.
bool hostHeaderAllowed(const std::string& host, const std::vector<std::string>& allowed);

} // namespace rivet::app
