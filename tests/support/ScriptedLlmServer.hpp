// A scripted LLM server for tests, run inside the test process on 127.0.0.1 (HTTP, or HTTPS with
// a given context): it speaks OpenAI's chat completions (/v1/chat/completions) and Anthropic's
// Messages API (/v1/messages), records every request and answers scripted steps in order, whole
// or as a stream (an event or a byte at a time, with a stall where the script says).
#pragma once

#include <rivet/sdk/json.hpp>

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/ThreadPool.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace rivet::test {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct RecordedRequest {
  std::string method;
  std::string uri;
  HeaderList headers = {};
  std::string body;
  /// The first header named `name` (case-insensitive), or empty.
  std::string header(const std::string& name) const;
  /// The body parsed; throws sdk::json::ParseError when it is not JSON.
  sdk::json::Value json() const;
};

struct ScriptedReply {
  /// How the body goes out: Whole with a Content-Length; the others chunked, a flush (and a TCP
  /// segment) per SSE event ("\n\n") or per byte.
  enum class Pace { Whole, ByEvent, ByteAtATime };

  int status = 200;
  std::string body;
  std::string contentType = "application/json";
  HeaderList headers = {};
  std::chrono::milliseconds delay{0}; // before the status line is sent
  Pace pace = Pace::Whole;
  /// Stall mode: after this many bytes of the body (chunked), wait `stall` before the rest;
  /// the wait ends at once when the server stops.
  size_t stallAfter = std::string::npos;
  std::chrono::milliseconds stall{60000};
};

/// A 200 text/event-stream reply of `sse`, sent at `pace`.
ScriptedReply eventStream(std::string sse, ScriptedReply::Pace pace = ScriptedReply::Pace::ByEvent);

/// `text` cut into `count` pieces (fewer when it is shorter), on UTF-8 boundaries.
std::vector<std::string> splitText(const std::string& text, size_t count);

/// A step computed from the request it answers (e.g. a tool call about what the model saw).
using ScriptStep = std::function<ScriptedReply(const RecordedRequest&)>;

class ScriptedLlmServer {
public:
  /// Plain HTTP without `tls`, HTTPS with it (a TLS_SERVER_USE context).
  explicit ScriptedLlmServer(Poco::Net::Context::Ptr tls = nullptr);
  ~ScriptedLlmServer();
  ScriptedLlmServer(const ScriptedLlmServer&) = delete;
  ScriptedLlmServer& operator=(const ScriptedLlmServer&) = delete;

  /// `http://127.0.0.1:<port>/v1` (or https://): base_url for both plugins.
  std::string baseUrl() const;
  int port() const;

  /// Queues a reply for the next request. Without a queued step the server answers like a
  /// model that echoes: "[<model>] <last user text>" in the API the path names.
  void script(ScriptedReply reply);
  void script(ScriptStep step);

  std::vector<RecordedRequest> requests() const;
  /// Waits until at least `count` requests arrived; false when `timeout` passed first.
  bool waitForRequests(size_t count, std::chrono::milliseconds timeout) const;

private:
  class Handler;
  class Factory;
  ScriptedReply serve(const RecordedRequest& request);
  void pause(std::chrono::milliseconds delay);
  // Writes a chunked body at the reply's pace and stall.
  void sendPaced(const ScriptedReply& reply, std::ostream& out);

  bool https_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  bool stopping_ = false;
  std::deque<ScriptStep> script_;
  std::vector<RecordedRequest> requests_;
  Poco::ThreadPool pool_{2, 16};
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

} // namespace rivet::test
