// Request checks and routing of the metrics listener, on Poco's HTTPServer.
#include "app/MetricsServer.hpp"

#include "app/StatusPage.hpp"
#include "log/Log.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <thread>

namespace rivet::app {
namespace {

using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

bool allDigits(const std::string& s) {
  return !s.empty() && s.size() <= 5 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

void send(HTTPServerRequest& req, HTTPServerResponse& resp, int status, const std::string& type,
          const std::string& body) {
  resp.setStatusAndReason(static_cast<HTTPResponse::HTTPStatus>(status));
  resp.setContentType(type);
  resp.set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
  resp.set("X-Content-Type-Options", "nosniff");
  resp.set("X-Frame-Options", "DENY");
  resp.set("Referrer-Policy", "no-referrer");
  resp.set("Cache-Control", "no-store");
  resp.setKeepAlive(false);
  resp.setContentLength(static_cast<std::streamsize>(body.size()));
  auto& out = resp.send();
  if (req.getMethod() != "HEAD")
    out << body;
}

void sendText(HTTPServerRequest& req, HTTPServerResponse& resp, int status,
              const std::string& text) {
  send(req, resp, status, "text/plain; charset=utf-8", text + "\n");
}

std::string jsonVerdict(bool ok, const std::string& reason) {
  std::string escaped;
  for (char c : reason) {
    if (c == '"' || c == '\\')
      escaped += '\\';
    if (static_cast<unsigned char>(c) >= 0x20)
      escaped += c;
  }
  return std::string("{\"status\":\"") + (ok ? "ok" : "unavailable") + "\",\"reason\":\"" +
         escaped + "\"}\n";
}

class Handler : public Poco::Net::HTTPRequestHandler {
public:
  Handler(const config::MetricsConfig& config, MetricsSource& source)
      : config_(config), source_(source) {}

  void handleRequest(HTTPServerRequest& req, HTTPServerResponse& resp) override {
    try {
      serve(req, resp);
    } catch (const std::exception& e) {
      log::get("Metrics")->warn("metrics listener: {} {} failed: {}", req.getMethod(),
                                req.getURI().substr(0, 200), e.what());
      if (!resp.sent())
        sendText(req, resp, 500, "internal error");
    }
  }

private:
  void serve(HTTPServerRequest& req, HTTPServerResponse& resp) {
    const std::string& method = req.getMethod();
    if (method != "GET" && method != "HEAD") {
      resp.set("Allow", "GET, HEAD");
      return sendText(req, resp, 405, "method not allowed: this listener is read-only");
    }
    if (req.getURI().size() > MetricsServer::kMaxTarget)
      return sendText(req, resp, 414, "request target too long");
    if (req.hasContentLength() ? req.getContentLength() != 0 : req.getChunkedTransferEncoding())
      return sendText(req, resp, 413, "a request body is not accepted here");
    if (!req.has("Host"))
      return sendText(req, resp, 400, "missing Host header");
    if (!hostHeaderAllowed(req.get("Host"), config_.allowedHosts))
      return sendText(req, resp, 403,
                      "Host header not allowed: use an IP address or localhost, or add the name "
                      "to metrics.allowed_hosts");
    std::string path = req.getURI().substr(0, req.getURI().find('?'));
    if (path == "/metrics")
      return send(req, resp, 200, "text/plain; version=0.0.4; charset=utf-8",
                  source_.metricsText());
    if (path == "/health" || path == "/ready") {
      auto v = path == "/health" ? source_.health() : source_.readiness();
      return send(req, resp, v.ok ? 200 : 503, "application/json", jsonVerdict(v.ok, v.reason));
    }
    if (path == "/api/status")
      return send(req, resp, 200, "application/json", source_.statusJson());
    if (path == "/" || path == "/index.html")
      return send(req, resp, 200, "text/html; charset=utf-8", statusPageHtml());
    if (path == "/status.js")
      return send(req, resp, 200, "text/javascript; charset=utf-8", statusPageScript());
    if (path == "/status.css")
      return send(req, resp, 200, "text/css; charset=utf-8", statusPageStyle());
    if (path == "/favicon.ico") // browsers ask for it; the page has none
      return send(req, resp, 204, "image/x-icon", "");
    sendText(req, resp, 404,
             "not found: this listener serves /, /metrics, /health, /ready and /api/status");
  }

  const config::MetricsConfig& config_;
  MetricsSource& source_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
public:
  Factory(const config::MetricsConfig& config, MetricsSource& source)
      : config_(config), source_(source) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
    return new Handler(config_, source_);
  }

private:
  const config::MetricsConfig& config_;
  MetricsSource& source_;
};

Poco::ThreadPool& pool() {
  // One pool for the process: a rivetd runs one node. Threads are made on demand.
  static Poco::ThreadPool threads("metrics", 1, MetricsServer::kThreads, 60);
  return threads;
}

} // namespace

bool hostHeaderAllowed(const std::string& host, const std::vector<std::string>& allowed) {
  std::string name = host;
  std::string port;
  if (!name.empty() && name.front() == '[') {
    auto close = name.find(']');
    if (close == std::string::npos)
      return false;
    std::string rest = name.substr(close + 1);
    name = name.substr(1, close - 1);
    if (!rest.empty()) {
      if (rest[0] != ':' || !allDigits(rest.substr(1)))
        return false;
    }
    unsigned char v6[16];
    return inet_pton(AF_INET6, name.c_str(), v6) == 1;
  }
  auto colon = name.find(':');
  if (colon != std::string::npos) {
    if (!allDigits(name.substr(colon + 1)))
      return false;
    name = name.substr(0, colon);
  }
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!name.empty() && name.back() == '.')
    name.pop_back();
  unsigned char v4[4];
  if (inet_pton(AF_INET, name.c_str(), v4) == 1)
    return true;
  if (name == "localhost")
    return true;
  return std::find(allowed.begin(), allowed.end(), name) != allowed.end();
}

MetricsServer::MetricsServer(const config::MetricsConfig& config, MetricsSource& source)
    : config_(config), source_(source) {}

MetricsServer::~MetricsServer() {
  stop();
}

std::string MetricsServer::url() const {
  bool v6 = config_.address.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + config_.address + "]" : config_.address) + ":" +
         std::to_string(config_.port) + "/";
}

void MetricsServer::start() {
  Poco::Net::ServerSocket socket;
  try {
    // No SO_REUSEPORT: a second rivetd on the same port must fail, not share it.
    socket.bind(Poco::Net::SocketAddress(config_.address, static_cast<uint16_t>(config_.port)),
                true, false);
    socket.listen(kQueued);
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("cannot open the metrics listener on " + url() + ": " +
                             e.displayText() +
                             "; choose a free metrics.port or set metrics.enabled: false");
  }
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(kThreads);
  params->setMaxQueued(kQueued);
  params->setTimeout(Poco::Timespan(kTimeoutSeconds, 0));
  params->setKeepAlive(false);
  params->setServerName("rivetd");
  params->setSoftwareVersion("rivetd");
  server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(config_, source_), pool(), socket,
                                                    params);
  server_->start();
}

void MetricsServer::stop() {
  if (!server_)
    return;
  server_->stopAll(true);
  // Requests being answered still use the source (the node): wait for them, within the
  // socket timeout plus a margin.
  for (int i = 0; i < (kTimeoutSeconds + 2) * 100 && server_->currentThreads() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  server_.reset();
}

} // namespace rivet::app
