// A small OpenAI-compatible chat-completions server for tests, run inside the test process on
// 127.0.0.1 (HTTP, or HTTPS with a given context). It records every request and answers
// scripted replies in order, or else like a real server: "[<model>] <last user message>".
#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/ThreadPool.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rivet::test {

struct RecordedRequest {
  std::string method;
  std::string uri;
  std::string contentType;
  std::string authorization; // empty when not sent
  std::string body;
  Poco::JSON::Object::Ptr json() const; // the body parsed; throws when it is not an object
};

struct ScriptedAnswer {
  int status = 200;
  std::string body;
  std::string contentType = "application/json";
  std::chrono::milliseconds delay{0}; // before the status line is sent
};

class ChatCompletionsServer {
public:
  /// Plain HTTP without `tls`, HTTPS with it (a TLS_SERVER_USE context).
  explicit ChatCompletionsServer(Poco::Net::Context::Ptr tls = nullptr);
  ~ChatCompletionsServer();
  ChatCompletionsServer(const ChatCompletionsServer&) = delete;
  ChatCompletionsServer& operator=(const ChatCompletionsServer&) = delete;

  /// `http://127.0.0.1:<port>/v1` (or https://).
  std::string baseUrl() const;
  /// Queues an answer for the next request; without one the server answers as a chat model.
  void script(ScriptedAnswer answer);
  std::vector<RecordedRequest> requests() const;

  /// A chat.completion object whose choices[0].message.content is `content`.
  static std::string completionBody(const std::string& model, const std::string& content);
  /// OpenAI's error shape: {"error":{"message":..,"type":..,"code":..}}.
  static std::string errorBody(const std::string& message, const std::string& type);

private:
  class Handler;
  class Factory;
  void serve(const RecordedRequest& request, ScriptedAnswer& answer);
  ScriptedAnswer chatAnswer(const RecordedRequest& request) const;
  void pause(std::chrono::milliseconds delay);

  bool https_;
  mutable std::mutex mutex_;
  std::condition_variable stopped_;
  bool stopping_ = false;
  std::deque<ScriptedAnswer> script_;
  std::vector<RecordedRequest> requests_;
  Poco::ThreadPool pool_{2, 16};
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

} // namespace rivet::test
