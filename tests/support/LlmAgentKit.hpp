// Helpers for the LLM agent plugin tests (openai, anthropic): one started agent on the SDK's fake
// host, roster JSON, progress read back, a task cancelled from another thread, the streaming
// checks both APIs share, and a rendezvous that proves delegations run at the same time.
#pragma once

#include "ScriptedLlmServer.hpp"

#include <rivet/sdk/json.hpp>
#include <rivet/sdk/testing/fake_host.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace rivet::test {

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// A string member, or "<no key>" so that a failed comparison shows what was missing.
inline std::string str(const sdk::json::Value& object, const std::string& key) {
  return object.getString(key).value_or("<no " + key + ">");
}

/// The "messages" of a recorded request body (both APIs).
inline std::vector<sdk::json::Value> messagesOf(const RecordedRequest& request) {
  const sdk::json::Value body = request.json();
  const sdk::json::Value* messages = body.find("messages");
  return messages ? messages->items() : std::vector<sdk::json::Value>{};
}

/// One created and started agent of the plugin compiled into the test.
struct StartedAgent {
  StartedAgent(const std::string& name, const std::string& settings)
      : host(name, settings), agent(&rivet_plugin_entry, host) {
    agent.create();
    agent.start();
  }
  sdk::testing::FakeHost host;
  sdk::testing::PluginHarness agent;
};

/// The refusal create() gives for `settings` (empty when they were accepted).
inline std::string refusalFor(const std::string& settings) {
  sdk::testing::FakeHost host("agent", settings);
  sdk::testing::PluginHarness agent(&rivet_plugin_entry, host);
  try {
    agent.create();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

/// The texts of the progress events of `kind` the agent reported so far, in order.
inline std::vector<std::string> progressOf(const sdk::testing::FakeHost& host,
                                           const std::string& kind) {
  std::vector<std::string> out;
  for (const auto& e : host.progressSoFar())
    if (e.kind == kind)
      out.push_back(e.text);
  return out;
}

/// How a task cancelled from another thread ended.
struct CancelledRun {
  rivet_task_status status = RIVET_TASK_COMPLETED;
  std::string text;
  bool cancelled = false;                  // cancelWhen() came true before handle() returned
  std::chrono::milliseconds afterCancel{}; // how long handle() ran on after the cancellation
};

/// Runs one task `message` (timeout 60 s) on a fresh instance of the plugin compiled into the
/// test, on `host`; another thread polls `cancelWhen` every 10 ms (for at most `limit`) and
/// then cancels the task the way rivetd does (is_cancelled turns true).
inline CancelledRun runAndCancel(sdk::testing::FakeHost& host, const std::string& message,
                                 const std::function<bool()>& cancelWhen,
                                 std::chrono::milliseconds limit) {
  using Clock = std::chrono::steady_clock;
  const rivet_plugin_descriptor* d = rivet_plugin_entry(RIVET_ABI_MAJOR, RIVET_ABI_MINOR);
  void* instance = nullptr;
  if (d->create(host.api(), &instance, nullptr) != RIVET_OK)
    throw std::runtime_error("the plugin refused its settings");
  std::atomic<bool> cancelled{false};
  std::atomic<bool> returned{false};
  rivet_task task{};
  task.struct_size = sizeof task;
  task.agent_id = {host.instanceName.data(), host.instanceName.size()};
  task.message = {message.data(), message.size()};
  task.timeout_ms = 60000;
  task.host_data = &cancelled;
  task.is_cancelled = [](const rivet_task* t) -> int {
    return static_cast<std::atomic<bool>*>(t->host_data)->load() ? 1 : 0;
  };
  Clock::time_point cancelledAt{};
  std::thread host_gives_up([&] {
    const auto end = Clock::now() + limit;
    while (!returned && Clock::now() < end && !cancelWhen())
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (returned)
      return;
    cancelledAt = Clock::now();
    cancelled = true;
  });
  CancelledRun run;
  rivet_writer out{&run.text, [](void* ctx, const char* data, size_t len) {
                     static_cast<std::string*>(ctx)->append(data, len);
                   }};
  run.status = static_cast<const rivet_agent_ops*>(d->ops)->handle(instance, &task, &out);
  const auto end = Clock::now();
  returned = true;
  host_gives_up.join();
  d->destroy(instance);
  run.cancelled = cancelled;
  if (run.cancelled)
    run.afterCancel = std::chrono::duration_cast<std::chrono::milliseconds>(end - cancelledAt);
  return run;
}

/// `reply` (a stream) stalling right after the event that holds `text`.
inline ScriptedReply stallingAfter(ScriptedReply reply, const std::string& text) {
  reply.stallAfter = reply.body.find("\n\n", reply.body.find(text)) + 2;
  return reply;
}

/// `agent` answers `sse` (the stream of a text answer made of `pieces`), sent at each pace, with
/// the pieces joined, and reports each piece as "text" progress, in order.
inline void expectPiecesReportedInOrder(StartedAgent& agent, ScriptedLlmServer& server,
                                        const std::string& sse,
                                        const std::vector<std::string>& pieces) {
  for (auto pace : {ScriptedReply::Pace::ByEvent, ScriptedReply::Pace::ByteAtATime}) {
    const size_t before = progressOf(agent.host, "text").size();
    server.script(eventStream(sse, pace));
    auto result = agent.agent.handle("hi");
    EXPECT_EQ(result.status, RIVET_TASK_COMPLETED) << result.text;
    std::string joined;
    for (const auto& piece : pieces)
      joined += piece;
    EXPECT_EQ(result.text, joined);
    auto texts = progressOf(agent.host, "text");
    EXPECT_EQ(std::vector<std::string>(texts.begin() + static_cast<long>(before), texts.end()),
              pieces);
  }
}

/// `agent` fails a task answered with `sse`, saying the provider, its URL and `problem`.
inline void expectBrokenStream(StartedAgent& agent, ScriptedLlmServer& server,
                               const std::string& sse, const std::string& problem) {
  server.script(eventStream(sse));
  auto result = agent.agent.handle("hi");
  EXPECT_EQ(result.status, RIVET_TASK_FAILED) << problem;
  EXPECT_TRUE(contains(result.text, "provider " + server.baseUrl() +
                                        " streamed an answer that cannot be used: " + problem))
      << result.text.substr(0, 400);
}

/// `agent` (timeout_ms 500) times out a stream of `sse` that stalls after the event holding
/// "thinking", naming `endpoint`, within 2 s, with that text reported.
inline void expectStallEndsAtTheDeadline(StartedAgent& agent, ScriptedLlmServer& server,
                                         const std::string& sse, const std::string& endpoint) {
  server.script(stallingAfter(eventStream(sse), "thinking"));
  auto start = std::chrono::steady_clock::now();
  auto result = agent.agent.handle("hi");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2000));
  EXPECT_EQ(result.status, RIVET_TASK_TIMEOUT);
  EXPECT_TRUE(contains(result.text,
                       "the stream from " + endpoint + " had not ended after 500 ms (timeout_ms)"))
      << result.text;
  EXPECT_EQ(progressOf(agent.host, "text"), std::vector<std::string>{"thinking"});
}

/// A task on `host` whose answer stalls after its first text: cancelled once that text was
/// reported, handle() returns within a second, failed, saying it was cancelled.
inline void expectPromptCancelAfterTheFirstText(sdk::testing::FakeHost& host) {
  auto run = runAndCancel(
      host, "hi", [&host] { return !progressOf(host, "text").empty(); },
      std::chrono::milliseconds(10000));
  ASSERT_TRUE(run.cancelled) << run.text;
  EXPECT_EQ(run.status, RIVET_TASK_FAILED);
  EXPECT_LT(run.afterCancel, std::chrono::milliseconds(1000));
  EXPECT_TRUE(contains(run.text, "cancelled by the host")) << run.text;
}

struct RosterEntry {
  std::string id;
  std::string node;
  std::string provider;
  std::string model;
  bool local = false;
};

/// The host's roster JSON (see abi.h) with `agents`.
inline std::string rosterJson(const std::vector<RosterEntry>& agents, bool canDelegate = true,
                              const std::string& refusal = "") {
  namespace json = sdk::json;
  json::Value list = json::Value::array();
  for (const auto& a : agents) {
    json::Value e = json::Value::object();
    e.set("id", json::Value::string(a.id));
    e.set("node", json::Value::string(a.node));
    e.set("provider", json::Value::string(a.provider));
    e.set("model", json::Value::string(a.model));
    e.set("local", json::Value::boolean(a.local));
    list.push(std::move(e));
  }
  json::Value r = json::Value::object();
  r.set("chainDepth", json::Value::number(1));
  r.set("maxChainDepth", json::Value::number(3));
  r.set("canDelegate", json::Value::boolean(canDelegate));
  r.set("refusal", json::Value::string(refusal));
  r.set("agents", std::move(list));
  return r.dump();
}

/// The usual roster of these tests: grok on node beta, echo on this node.
inline std::string twoAgents() {
  return rosterJson(
      {{"grok", "beta", "xai", "grok-4", false}, {"echo", "alpha", "echo", "", true}});
}

/// A delegate() answer JSON.
inline sdk::testing::FakeDelegation delegation(rivet_task_status status,
                                               const std::string& response) {
  namespace json = sdk::json;
  static const char* names[] = {"completed", "failed", "timeout", "rejected"};
  json::Value r = json::Value::object();
  r.set("status", json::Value::string(names[status]));
  r.set("response", json::Value::string(response));
  r.set("agent", json::Value::string("grok"));
  r.set("durationMs", json::Value::number(5));
  return {status, r.dump()};
}

/// `count` threads meet here; each waits at most `limit` for the others (false: they did not
/// all arrive, so the calls did not run at the same time).
class Rendezvous {
public:
  explicit Rendezvous(size_t count) : count_(count) {}
  bool arriveAndWait(std::chrono::milliseconds limit) {
    std::unique_lock<std::mutex> lock(mutex_);
    ++arrived_;
    all_.notify_all();
    return all_.wait_for(lock, limit, [this] { return arrived_ >= count_; });
  }

private:
  size_t count_;
  size_t arrived_ = 0;
  std::mutex mutex_;
  std::condition_variable all_;
};

} // namespace rivet::test
