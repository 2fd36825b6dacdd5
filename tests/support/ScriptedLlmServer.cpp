// The scripted LLM server: Poco's HTTPServer on an ephemeral loopback port, a request log,
// scripted steps, delays that end at once when the server stops, and echoing default answers.
#include "ScriptedLlmServer.hpp"

#include "AnthropicReplies.hpp"
#include "OpenAiReplies.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>

#include <algorithm>
#include <csignal>

namespace rivet::test {

namespace json = sdk::json;

std::string RecordedRequest::header(const std::string& name) const {
  for (const auto& [key, value] : headers)
    if (Poco::icompare(key, name) == 0)
      return value;
  return "";
}

json::Value RecordedRequest::json() const {
  return json::parse(body);
}

class ScriptedLlmServer::Handler : public Poco::Net::HTTPRequestHandler {
public:
  explicit Handler(ScriptedLlmServer& server) : server_(server) {}
  void handleRequest(Poco::Net::HTTPServerRequest& req,
                     Poco::Net::HTTPServerResponse& resp) override {
    RecordedRequest r;
    r.method = req.getMethod();
    r.uri = req.getURI();
    for (const auto& [name, value] : req)
      r.headers.emplace_back(name, value);
    Poco::StreamCopier::copyToString(req.stream(), r.body);
    ScriptedReply reply = server_.serve(r);
    resp.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
    resp.setContentType(reply.contentType);
    for (const auto& [name, value] : reply.headers)
      resp.set(name, value);
    if (reply.pace == ScriptedReply::Pace::Whole && reply.stallAfter == std::string::npos) {
      resp.setContentLength(static_cast<std::streamsize>(reply.body.size()));
      resp.sendBuffer(reply.body.data(), reply.body.size());
      return;
    }
    // Each flush its own segment, so the client really reads the pieces one by one.
    dynamic_cast<Poco::Net::HTTPServerRequestImpl&>(req).socket().setNoDelay(true);
    resp.setChunkedTransferEncoding(true);
    server_.sendPaced(reply, resp.send());
  }

private:
  ScriptedLlmServer& server_;
};

class ScriptedLlmServer::Factory : public Poco::Net::HTTPRequestHandlerFactory {
public:
  explicit Factory(ScriptedLlmServer& server) : server_(server) {}
  Poco::Net::HTTPRequestHandler*
  createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new Handler(server_);
  }

private:
  ScriptedLlmServer& server_;
};

ScriptedLlmServer::ScriptedLlmServer(Poco::Net::Context::Ptr tls) : https_(!tls.isNull()) {
  // A client that gave up (timeout tests) must not kill the test process when we answer it.
  std::signal(SIGPIPE, SIG_IGN);
  Poco::Net::SocketAddress address("127.0.0.1", 0);
  Poco::Net::ServerSocket socket = https_ ? Poco::Net::SecureServerSocket(address, 64, tls)
                                          : Poco::Net::ServerSocket(address, 64);
  auto params = new Poco::Net::HTTPServerParams;
  params->setKeepAlive(false);
  params->setMaxThreads(16);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), pool_, socket, params);
  server_->start();
}

ScriptedLlmServer::~ScriptedLlmServer() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  server_->stop();
  pool_.joinAll();
}

std::string ScriptedLlmServer::baseUrl() const {
  return std::string(https_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port()) + "/v1";
}

int ScriptedLlmServer::port() const {
  return server_->port();
}

void ScriptedLlmServer::script(ScriptedReply reply) {
  script([reply](const RecordedRequest&) { return reply; });
}

void ScriptedLlmServer::script(ScriptStep step) {
  std::lock_guard<std::mutex> lock(mutex_);
  script_.push_back(std::move(step));
}

std::vector<RecordedRequest> ScriptedLlmServer::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

bool ScriptedLlmServer::waitForRequests(size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
}

ScriptedReply ScriptedLlmServer::serve(const RecordedRequest& request) {
  ScriptStep step;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(request);
    if (!script_.empty()) {
      step = std::move(script_.front());
      script_.pop_front();
    }
  }
  changed_.notify_all();
  ScriptedReply reply;
  if (step)
    reply = step(request);
  else if (request.method == "POST" && request.uri == "/v1/chat/completions")
    reply = openai_reply::echo(request);
  else if (request.method == "POST" && request.uri == "/v1/messages")
    reply = anthropic_reply::echo(request);
  else
    reply = {404, openai_reply::error("Unknown request URL: " + request.method + " " + request.uri,
                                      "invalid_request_error")};
  pause(reply.delay);
  return reply;
}

void ScriptedLlmServer::sendPaced(const ScriptedReply& reply, std::ostream& out) {
  const std::string& body = reply.body;
  if (reply.stallAfter == 0) {
    out.flush(); // the status line and headers, then nothing
    pause(reply.stall);
  }
  size_t sent = 0;
  while (sent < body.size() && out.good()) {
    size_t end = body.size();
    if (reply.pace == ScriptedReply::Pace::ByteAtATime)
      end = sent + 1;
    else if (reply.pace == ScriptedReply::Pace::ByEvent) {
      size_t blank = body.find("\n\n", sent);
      end = blank == std::string::npos ? body.size() : blank + 2;
    }
    if (reply.stallAfter > sent && reply.stallAfter < end)
      end = reply.stallAfter;
    out.write(body.data() + sent, static_cast<std::streamsize>(end - sent));
    out.flush();
    sent = end;
    if (sent == reply.stallAfter)
      pause(reply.stall);
  }
}

ScriptedReply eventStream(std::string sse, ScriptedReply::Pace pace) {
  ScriptedReply reply;
  reply.body = std::move(sse);
  reply.contentType = "text/event-stream";
  reply.headers = {{"Cache-Control", "no-cache"}};
  reply.pace = pace;
  return reply;
}

std::vector<std::string> splitText(const std::string& text, size_t count) {
  std::vector<std::string> pieces;
  size_t size = std::max<size_t>(1, text.size() / std::max<size_t>(1, count));
  for (size_t start = 0; start < text.size();) {
    size_t end = std::min(text.size(), start + size);
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
      ++end; // not inside a UTF-8 sequence
    pieces.push_back(text.substr(start, end - start));
    start = end;
  }
  return pieces;
}

void ScriptedLlmServer::pause(std::chrono::milliseconds delay) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, delay, [this] { return stopping_; });
}

} // namespace rivet::test
