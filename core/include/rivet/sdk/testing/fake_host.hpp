// A fake host for plugin unit tests: a rivet_host_api whose answers the test sets, and a driver
// that runs a plugin's descriptor (compiled into the test) through create/start/handle/stop.
// This is the one sanctioned stand-in for rivetd; integration tests use the real daemon.
#pragma once

#include "rivet/sdk/abi.h"

#include <cstdint>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace rivet::sdk::testing {

struct LogLine {
  rivet_log_level level;
  std::string component;
  std::string message;
};

/// What the fake host's delegate() answers: the status and the result JSON (see abi.h).
struct FakeDelegation {
  rivet_task_status status = RIVET_TASK_COMPLETED;
  std::string resultJson;
};

/// One progress() call an agent made.
struct ProgressEvent {
  std::string kind;
  std::string text;
};

struct FakeReply {
  rivet_net_result result = RIVET_NET_OK;
  int status = 200;
  std::string body;
  std::string error;
};

/// The host side. Set the public fields before create(); read logs and calls afterwards.
/// Drive it from one thread, except delegate() and roster(), which an agent may call from
/// several threads at once (parallel tool calls): `onDelegate` must then be thread-safe.
class FakeHost {
public:
  explicit FakeHost(std::string instanceName = "test", std::string configJson = "{}")
      : instanceName(std::move(instanceName)), configJson(std::move(configJson)) {
    api_.struct_size = sizeof(rivet_host_api);
    api_.abi_major = RIVET_ABI_MAJOR;
    api_.abi_minor = RIVET_ABI_MINOR;
    api_.host = this;
    api_.log = [](void* h, rivet_log_level level, rivet_str component, rivet_str message) {
      std::lock_guard<std::mutex> lock(self(h).mutex_); // plugins log from any thread
      self(h).logs.push_back({level, text(component), text(message)});
    };
    api_.config = [](void* h, rivet_writer* out) { write(out, self(h).configJson); };
    api_.instance_name = [](void* h) -> rivet_str {
      return {self(h).instanceName.data(), self(h).instanceName.size()};
    };
    api_.now_ms = [](void* h) -> int64_t { return self(h).nowMs; };
    api_.node_info = [](void* h, rivet_writer* out) { write(out, self(h).nodeInfoJson); };
    api_.request = [](void* h, const rivet_peer_request* req, rivet_peer_response* resp) {
      FakeReply r = self(h).onRequest ? self(h).onRequest(*req) : FakeReply{};
      resp->status = r.status;
      write(&resp->body, r.body);
      write(&resp->error, r.error);
      return r.result;
    };
    api_.peers_seen = [](void* h, rivet_str json) { self(h).peersSeen.push_back(text(json)); };
    api_.peer_lost = [](void* h, rivet_str name) { self(h).peersLost.push_back(text(name)); };
    api_.dispatch = [](void*, const rivet_inbound_request*, rivet_responder* responder) {
      static const char body[] = "{\"error\":\"Not found\"}";
      responder->respond(responder->ctx, 404, nullptr, 0, {body, sizeof body - 1});
    };
    api_.delegate = [](void* h, const rivet_task*, rivet_str json,
                       rivet_writer* out) -> rivet_task_status {
      FakeHost& fake = self(h);
      std::function<FakeDelegation(const std::string&)> script;
      {
        std::lock_guard<std::mutex> lock(fake.mutex_);
        fake.delegated.push_back(text(json));
        script = fake.onDelegate;
      }
      FakeDelegation d = script ? script(text(json))
                                : FakeDelegation{fake.delegateStatus, fake.delegateResultJson};
      write(out, d.resultJson);
      return d.status;
    };
    api_.roster = [](void* h, const rivet_task*, rivet_writer* out) {
      std::lock_guard<std::mutex> lock(self(h).mutex_);
      ++self(h).rosterCalls;
      write(out, self(h).rosterJson);
    };
    api_.task_credential = [](void* h, const rivet_task*, rivet_writer* out) -> int {
      write(out, self(h).credentialJson);
      return self(h).credentialOk ? RIVET_OK : RIVET_ERROR;
    };
    api_.progress = [](void* h, const rivet_task*, rivet_str kind, rivet_str text) -> int {
      std::lock_guard<std::mutex> lock(self(h).mutex_); // from any thread
      std::string k = FakeHost::text(kind);
      if (k != "text" && k != "tool" && k != "status")
        return RIVET_ERROR;
      self(h).progress.push_back({k, FakeHost::text(text)});
      return RIVET_OK;
    };
  }
  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;

  const rivet_host_api* api() const { return &api_; }

  std::string instanceName;
  std::string configJson;
  int64_t nowMs = 1700000000000;
  std::string nodeInfoJson = "{\"node_name\":\"test-node\",\"advertise_host\":\"127.0.0.1\","
                             "\"listen_host\":\"127.0.0.1\",\"port\":3000,\"version\":\"test\","
                             "\"mesh_enabled\":false,\"heartbeat_interval_ms\":30000,\"tls\":{}}";
  std::function<FakeReply(const rivet_peer_request&)> onRequest;
  rivet_task_status delegateStatus = RIVET_TASK_COMPLETED;
  std::string delegateResultJson = "{\"status\":\"completed\",\"response\":\"\"}";
  /// When set, answers each delegate() call from its request JSON (any thread).
  std::function<FakeDelegation(const std::string& requestJson)> onDelegate;
  /// What roster() answers (see abi.h).
  std::string rosterJson = "{\"chainDepth\":0,\"maxChainDepth\":3,\"canDelegate\":true,"
                           "\"refusal\":\"\",\"agents\":[]}";
  int rosterCalls = 0;
  /// What task_credential() answers.
  bool credentialOk = false;
  std::string credentialJson = "this fake host has no delegation socket";

  std::vector<LogLine> logs;
  std::vector<std::string> peersSeen;
  std::vector<std::string> peersLost;
  std::vector<std::string> delegated;
  /// progress() calls, in order (read with progressSoFar() while an agent runs).
  std::vector<ProgressEvent> progress;

  static std::string text(rivet_str s) { return std::string(s.data ? s.data : "", s.len); }

  /// delegate() requests so far (safe while an agent still runs).
  std::vector<std::string> delegatedSoFar() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return delegated;
  }
  std::vector<ProgressEvent> progressSoFar() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return progress;
  }

private:
  mutable std::mutex mutex_;
  static FakeHost& self(void* h) { return *static_cast<FakeHost*>(h); }
  static void write(rivet_writer* out, const std::string& s) {
    if (out && out->write && !s.empty())
      out->write(out->ctx, s.data(), s.size());
  }
  rivet_host_api api_{};
};

/// One task for PluginHarness::handle(); every field has a usable default.
struct TaskSpec {
  std::string message;
  std::string fromAgent = "tester";
  std::string model;
  int64_t timeoutMs = 120000;
  const bool* cancelled = nullptr;
  uint32_t chainDepth = 0;
  std::string pathJson = "[]";
  std::string fromNode;
  int64_t deadlineMs = 0;
  std::string taskId;
  std::string traceId;
};

struct AgentReply {
  rivet_task_status status;
  std::string text;
};

/// Drives one plugin instance through its descriptor. Errors become std::runtime_error with
/// the plugin's own message.
class PluginHarness {
public:
  PluginHarness(rivet_plugin_entry_fn entry, FakeHost& host)
      : descriptor_(entry(RIVET_ABI_MAJOR, RIVET_ABI_MINOR)), host_(host) {
    if (!descriptor_)
      throw std::runtime_error("rivet_plugin_entry returned no descriptor");
  }
  ~PluginHarness() {
    if (started_)
      descriptor_->stop(instance_);
    if (instance_)
      descriptor_->destroy(instance_);
  }
  PluginHarness(const PluginHarness&) = delete;
  PluginHarness& operator=(const PluginHarness&) = delete;

  const rivet_plugin_descriptor& descriptor() const { return *descriptor_; }

  void create() {
    std::string err;
    rivet_writer w = writer(err);
    if (descriptor_->create(host_.api(), &instance_, &w) != RIVET_OK)
      throw std::runtime_error(err);
  }
  void start() {
    std::string err;
    rivet_writer w = writer(err);
    if (descriptor_->start(instance_, &w) != RIVET_OK)
      throw std::runtime_error(err);
    started_ = true;
  }
  void stop() {
    if (started_)
      descriptor_->stop(instance_);
    started_ = false;
  }

  /// Agents: describe() as JSON.
  std::string describe() const {
    std::string json;
    rivet_writer w = writer(json);
    agentOps()->describe(instance_, &w);
    return json;
  }

  /// Agents: run one task; `cancelled` is what the agent's is_cancelled() returns.
  AgentReply handle(const std::string& message, const std::string& fromAgent = "tester",
                    const std::string& model = "", int64_t timeoutMs = 120000,
                    const bool* cancelled = nullptr) {
    TaskSpec spec;
    spec.message = message;
    spec.fromAgent = fromAgent;
    spec.model = model;
    spec.timeoutMs = timeoutMs;
    spec.cancelled = cancelled;
    return handle(spec);
  }

  /// Agents: run one task described in full.
  AgentReply handle(const TaskSpec& spec) {
    rivet_task task{};
    task.struct_size = sizeof task;
    task.agent_id = {host_.instanceName.data(), host_.instanceName.size()};
    task.from_agent = {spec.fromAgent.data(), spec.fromAgent.size()};
    task.message = {spec.message.data(), spec.message.size()};
    task.model = {spec.model.data(), spec.model.size()};
    task.chain_depth = spec.chainDepth;
    task.timeout_ms = spec.timeoutMs;
    task.path_json = {spec.pathJson.data(), spec.pathJson.size()};
    task.from_node = {spec.fromNode.data(), spec.fromNode.size()};
    task.deadline_ms = spec.deadlineMs ? spec.deadlineMs : host_.nowMs + spec.timeoutMs;
    task.task_id = {spec.taskId.data(), spec.taskId.size()};
    task.trace_id = {spec.traceId.data(), spec.traceId.size()};
    task.host_data = const_cast<bool*>(spec.cancelled);
    task.is_cancelled = [](const rivet_task* t) -> int {
      return t->host_data && *static_cast<const bool*>(t->host_data) ? 1 : 0;
    };
    AgentReply reply{RIVET_TASK_FAILED, {}};
    rivet_writer w = writer(reply.text);
    reply.status = agentOps()->handle(instance_, &task, &w);
    return reply;
  }

private:
  const rivet_agent_ops* agentOps() const {
    if (descriptor_->kind != RIVET_KIND_AGENT)
      throw std::logic_error("not an agent plugin");
    return static_cast<const rivet_agent_ops*>(descriptor_->ops);
  }
  static rivet_writer writer(std::string& s) {
    return {&s, [](void* ctx, const char* d, size_t n) {
              static_cast<std::string*>(ctx)->append(d, n);
            }};
  }

  const rivet_plugin_descriptor* descriptor_;
  FakeHost& host_;
  void* instance_ = nullptr;
  bool started_ = false;
};

} // namespace rivet::sdk::testing

extern "C" const rivet_plugin_descriptor* rivet_plugin_entry(uint16_t, uint16_t);
