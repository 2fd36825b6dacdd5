// HTTP(S) to a remote A2A agent with Poco: one TLS context for the card and the endpoint (the
// configured trust, and the client certificate for mTLS), a session per call, the task's budget
// on every blocking step, the host's cancellation seen within 100 ms, every answer bounded.
// llm-common's HttpJsonClient does the same for LLM providers but offers neither GET nor a
// client certificate, so this client reuses its pieces (Budget, CancelWatch, HttpAnswer).
#pragma once

#include "Budget.hpp"
#include "HttpJsonClient.hpp"

#include <rivet/sdk/plugin.hpp>

#include <Poco/Net/Context.h>
#include <Poco/URI.h>

#include <cstddef>
#include <functional>
#include <string>

namespace rivet::a2a {

struct TlsFiles {
  std::string caFile; // empty: the system's CAs
  std::string certFile;
  std::string keyFile;
};

class RemoteHttp {
public:
  using BodySink = llm::HttpJsonClient::BodySink;

  /// Builds the TLS context (VERIFY_STRICT, TLS 1.2+); throws sdk::PluginError naming the file
  /// that cannot be loaded.
  RemoteHttp(const TlsFiles& tls, std::string userAgent);

  /// GETs `url`; an answer longer than `maxBytes` is refused.
  llm::PostOutcome get(const Poco::URI& url, const llm::Headers& headers, size_t maxBytes,
                       const llm::Budget& budget, const std::function<bool()>& cancelled) const;
  /// POSTs JSON `body` to `url`. With `stream`, a 2xx text/event-stream answer goes to `*stream`
  /// as it arrives (what it throws ends the request and propagates); any other answer is read
  /// whole, up to `maxBytes`.
  llm::PostOutcome post(const Poco::URI& url, const std::string& body, const llm::Headers& headers,
                        size_t maxBytes, const llm::Budget& budget,
                        const std::function<bool()>& cancelled,
                        const BodySink* stream = nullptr) const;

  /// "cancelled by the host while waiting for <url>".
  static sdk::TaskResult cancelledResult(const Poco::URI& url);

private:
  llm::PostOutcome exchange(const std::string& method, const Poco::URI& url,
                            const std::string& body, const llm::Headers& headers, size_t maxBytes,
                            const llm::Budget& budget, const std::function<bool()>& cancelled,
                            const BodySink* stream) const;
  std::string tlsHint(const std::string& error) const;

  TlsFiles files_;
  std::string userAgent_;
  Poco::Net::Context::Ptr tls_;
};

} // namespace rivet::a2a
