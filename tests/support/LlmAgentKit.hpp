// Helpers for the LLM agent plugin tests (openai, anthropic): one started agent on the SDK's fake
// host, roster JSON, and a rendezvous that proves delegations run at the same time.
#pragma once

#include "ScriptedLlmServer.hpp"

#include <rivet/sdk/json.hpp>
#include <rivet/sdk/testing/fake_host.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
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
