// One chat-completions call over HTTP or HTTPS with Poco, under a deadline and the host's
// cancellation flag. Thread-safe: every call opens its own session; the TLS context is shared.
#pragma once

#include "ChatCodec.hpp"
#include "OpenAiSettings.hpp"

#include <rivet/sdk/plugin.hpp>

#include <Poco/Net/Context.h>
#include <Poco/URI.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace Poco::Net {
class HTTPClientSession;
}

namespace rivet::openai {

class ChatClient {
public:
  /// Builds the TLS context for an https base_url (VERIFY_STRICT, TLS 1.2+, ca_path or the
  /// system's CAs). Throws sdk::PluginError when ca_path cannot be loaded.
  explicit ChatClient(const OpenAiSettings& settings);

  /// Sends one request and turns the outcome into a task result: completed with the answer,
  /// failed with the provider's message or the connection error (naming the URL), timeout
  /// when `budget` runs out. `cancelled` is polled while waiting for the answer.
  sdk::TaskResult complete(const ChatRequest& request, std::chrono::milliseconds budget,
                           const std::string& budgetSource,
                           const std::function<bool()>& cancelled) const;

  /// `<base_url>/chat/completions`.
  const std::string& endpoint() const { return endpoint_; }

private:
  std::unique_ptr<Poco::Net::HTTPClientSession> openSession() const;
  std::string tlsHint(const std::string& error) const;

  OpenAiSettings settings_;
  Poco::URI uri_;
  std::string target_;   // path and query of the endpoint
  std::string endpoint_; // the endpoint as a URL, for messages
  Poco::Net::Context::Ptr tls_;
};

} // namespace rivet::openai
