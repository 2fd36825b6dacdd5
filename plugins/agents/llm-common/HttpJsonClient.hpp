// One JSON POST to an LLM provider over HTTP or HTTPS with Poco: a session per call, the task's
// budget on every blocking step, cancellation polled while the model thinks, a 16 MiB answer cap.
#pragma once

#include "Budget.hpp"

#include <rivet/sdk/plugin.hpp>

#include <Poco/Net/Context.h>
#include <Poco/URI.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace Poco::Net {
class HTTPClientSession;
}

namespace rivet::llm {

using Headers = std::vector<std::pair<std::string, std::string>>;

/// A complete HTTP answer (any status).
struct HttpAnswer {
  int status = 0;
  std::string reason;
  std::string body; // empty when streamed
  Headers headers;
  bool streamed = false; // the body went to post()'s stream sink as text/event-stream
  /// The first header named `name` (case-insensitive), or empty.
  std::string header(const std::string& name) const;
};

/// Either an answer, or the task result that ends the task (timeout, cancelled, unreachable).
struct PostOutcome {
  std::optional<HttpAnswer> answer;
  sdk::TaskResult failure;
};

class HttpJsonClient {
public:
  /// The largest answer read whole, and the largest line or event of a stream.
  static constexpr size_t kMaxAnswerBytes = 16 * 1024 * 1024;
  /// Gets the body of a streamed answer piece by piece as it arrives.
  using BodySink = std::function<void(const char* data, size_t size)>;

  /// `baseUrl` + `path` is the endpoint. Builds the TLS context for an https URL (VERIFY_STRICT,
  /// TLS 1.2+, `caPath` or the system's CAs); throws sdk::PluginError when it cannot be loaded.
  HttpJsonClient(const std::string& baseUrl, const std::string& path, const std::string& caPath,
                 std::string userAgent);

  /// POSTs `body` with `headers` (Content-Type and Accept are set). Thread-safe. With `stream`,
  /// a 2xx text/event-stream answer goes to `*stream` as it arrives (the answer's `streamed`);
  /// any other answer is read whole. What `*stream` throws ends the request and propagates.
  PostOutcome post(const std::string& body, const Headers& headers, const Budget& budget,
                   const std::function<bool()>& cancelled, const BodySink* stream = nullptr) const;

  const std::string& endpoint() const { return endpoint_; }
  const std::string& baseUrl() const { return baseUrl_; }

  /// "cancelled by the host while waiting for <endpoint>".
  sdk::TaskResult cancelledResult() const;

private:
  std::unique_ptr<Poco::Net::HTTPClientSession> openSession() const;
  std::string tlsHint(const std::string& error) const;

  std::string baseUrl_;
  std::string caPath_;
  std::string userAgent_;
  Poco::URI uri_;
  std::string target_;   // path and query of the endpoint
  std::string endpoint_; // the endpoint as a URL, for messages
  Poco::Net::Context::Ptr tls_;
};

} // namespace rivet::llm
