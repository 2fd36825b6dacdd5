// The test chat-completions server: Poco's HTTPServer on an ephemeral loopback port, a request
// log, scripted answers, and delays that end at once when the server stops.
#include "ChatCompletionsServer.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

#include <csignal>
#include <sstream>
#include <stdexcept>

namespace rivet::test {

using Poco::JSON::Array;
using Poco::JSON::Object;

Object::Ptr RecordedRequest::json() const {
  Poco::JSON::Parser parser;
  return parser.parse(body).extract<Object::Ptr>();
}

class ChatCompletionsServer::Handler : public Poco::Net::HTTPRequestHandler {
public:
  explicit Handler(ChatCompletionsServer& server) : server_(server) {}
  void handleRequest(Poco::Net::HTTPServerRequest& req,
                     Poco::Net::HTTPServerResponse& resp) override {
    RecordedRequest r;
    r.method = req.getMethod();
    r.uri = req.getURI();
    r.contentType = req.getContentType();
    r.authorization = req.get("Authorization", "");
    Poco::StreamCopier::copyToString(req.stream(), r.body);
    ScriptedAnswer answer;
    server_.serve(r, answer);
    resp.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(answer.status));
    resp.setContentType(answer.contentType);
    resp.setContentLength(static_cast<std::streamsize>(answer.body.size()));
    resp.sendBuffer(answer.body.data(), answer.body.size());
  }

private:
  ChatCompletionsServer& server_;
};

class ChatCompletionsServer::Factory : public Poco::Net::HTTPRequestHandlerFactory {
public:
  explicit Factory(ChatCompletionsServer& server) : server_(server) {}
  Poco::Net::HTTPRequestHandler*
  createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new Handler(server_);
  }

private:
  ChatCompletionsServer& server_;
};

ChatCompletionsServer::ChatCompletionsServer(Poco::Net::Context::Ptr tls) : https_(!tls.isNull()) {
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

ChatCompletionsServer::~ChatCompletionsServer() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  stopped_.notify_all();
  server_->stop();
  pool_.joinAll();
}

std::string ChatCompletionsServer::baseUrl() const {
  return std::string(https_ ? "https" : "http") +
         "://127.0.0.1:" + std::to_string(server_->port()) + "/v1";
}

void ChatCompletionsServer::script(ScriptedAnswer answer) {
  std::lock_guard<std::mutex> lock(mutex_);
  script_.push_back(std::move(answer));
}

std::vector<RecordedRequest> ChatCompletionsServer::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

void ChatCompletionsServer::serve(const RecordedRequest& request, ScriptedAnswer& answer) {
  bool scripted = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(request);
    if (!script_.empty()) {
      answer = std::move(script_.front());
      script_.pop_front();
      scripted = true;
    }
  }
  if (!scripted)
    answer = chatAnswer(request);
  pause(answer.delay);
}

void ChatCompletionsServer::pause(std::chrono::milliseconds delay) {
  std::unique_lock<std::mutex> lock(mutex_);
  stopped_.wait_for(lock, delay, [this] { return stopping_; });
}

// What a chat-completions server answers: 404 for other paths, 400 for a bad body.
ScriptedAnswer ChatCompletionsServer::chatAnswer(const RecordedRequest& request) const {
  if (request.method != "POST" || request.uri != "/v1/chat/completions")
    return {404, errorBody("Unknown request URL: " + request.method + " " + request.uri,
                           "invalid_request_error")};
  Object::Ptr body;
  try {
    body = request.json();
  } catch (const std::exception&) {
  }
  if (!body)
    return {400, errorBody("We could not parse the JSON body of your request.",
                           "invalid_request_error")};
  if (!body->has("model") || !body->get("model").isString())
    return {400, errorBody("you must provide a model parameter", "invalid_request_error")};
  Array::Ptr messages = body->getArray("messages");
  if (!messages || messages->size() == 0)
    return {400,
            errorBody("'messages' must contain at least one message", "invalid_request_error")};
  Object::Ptr last = messages->getObject(static_cast<unsigned>(messages->size() - 1));
  std::string model = body->getValue<std::string>("model");
  std::string text = last ? last->optValue<std::string>("content", "") : "";
  return {200, completionBody(model, "[" + model + "] " + text)};
}

std::string ChatCompletionsServer::completionBody(const std::string& model,
                                                  const std::string& content) {
  Object::Ptr message = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  message->set("role", "assistant");
  message->set("content", content);
  Object::Ptr choice = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  choice->set("index", 0);
  choice->set("message", message);
  choice->set("finish_reason", "stop");
  Array::Ptr choices = new Array;
  choices->add(choice);
  Object::Ptr usage = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  usage->set("prompt_tokens", 9);
  usage->set("completion_tokens", 12);
  usage->set("total_tokens", 21);
  Object root(Poco::JSON_PRESERVE_KEY_ORDER);
  root.set("id", "chatcmpl-test");
  root.set("object", "chat.completion");
  root.set("created", 1700000000);
  root.set("model", model);
  root.set("choices", choices);
  root.set("usage", usage);
  std::ostringstream out;
  root.stringify(out);
  return out.str();
}

std::string ChatCompletionsServer::errorBody(const std::string& message, const std::string& type) {
  Object::Ptr error = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  error->set("message", message);
  error->set("type", type);
  error->set("param", Poco::Dynamic::Var());
  error->set("code", Poco::Dynamic::Var());
  Object root;
  root.set("error", error);
  std::ostringstream out;
  root.stringify(out);
  return out.str();
}

} // namespace rivet::test
