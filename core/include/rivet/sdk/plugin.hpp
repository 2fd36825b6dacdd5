// The C++ SDK for rivet-mesh plugins: base classes over the C ABI (abi.h), typed helpers for the
// host API, and RIVET_PLUGIN(), which emits the entry point and keeps exceptions on this side.
#pragma once

#include "rivet/sdk/abi.h"

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace rivet::sdk {

/// Thrown by a plugin's constructor or start() to refuse, with a message for the user.
class PluginError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline std::string_view view(rivet_str s) {
  return {s.data ? s.data : "", s.len};
}
inline rivet_str str(std::string_view s) {
  return {s.data(), s.size()};
}

/// "completed", "failed", "timeout" or "rejected" (an unknown value reads as failed).
inline const char* statusName(rivet_task_status s) {
  switch (s) {
  case RIVET_TASK_COMPLETED:
    return "completed";
  case RIVET_TASK_TIMEOUT:
    return "timeout";
  case RIVET_TASK_REJECTED:
    return "rejected";
  default:
    return "failed";
  }
}

/// A rivet_writer that appends to a std::string. The string must outlive the writer's use.
inline rivet_writer stringWriter(std::string& target) {
  return {&target, [](void* ctx, const char* data, size_t len) {
            static_cast<std::string*>(ctx)->append(data, len);
          }};
}

/// Typed access to the host API table. Every method may be called from any thread.
class Host {
public:
  explicit Host(const rivet_host_api* api) : api_(api) {}

  void log(rivet_log_level level, std::string_view message, std::string_view component = {}) const {
    api_->log(api_->host, level, str(component), str(message));
  }
  void debug(std::string_view m) const { log(RIVET_LOG_DEBUG, m); }
  void info(std::string_view m) const { log(RIVET_LOG_INFO, m); }
  void warn(std::string_view m) const { log(RIVET_LOG_WARN, m); }
  void error(std::string_view m) const { log(RIVET_LOG_ERROR, m); }

  /// This instance's settings as a JSON object text.
  std::string configJson() const { return collect(api_->config); }
  /// The agent id (agents) or the plugin name (other kinds).
  std::string instanceName() const { return std::string(view(api_->instance_name(api_->host))); }
  int64_t nowMs() const { return api_->now_ms(api_->host); }
  /// Node identity, listen address and TLS paths as JSON (see abi.h).
  std::string nodeInfoJson() const { return collect(api_->node_info); }

  /// Delegate a task to another agent; returns the result JSON (see abi.h). Pass the task
  /// being handled (as handle() received it) so that depth, path and deadline carry over.
  rivet_task_status delegate(const rivet_task* current, std::string_view requestJson,
                             std::string& resultJson) const {
    rivet_writer out = stringWriter(resultJson);
    return api_->delegate(api_->host, current, str(requestJson), &out);
  }

  /// Who `current` may delegate to now, as JSON (see abi.h, roster). Any thread; cheap enough
  /// for every model turn. A host without roster() (never a host that loaded this plugin)
  /// answers that delegation is unavailable.
  std::string rosterJson(const rivet_task* current) const {
    if (!hasHostCall(offsetof(rivet_host_api, roster)) || !api_->roster)
      return R"({"chainDepth":0,"maxChainDepth":0,"canDelegate":false,)"
             R"("refusal":"this rivetd offers no roster","agents":[]})";
    std::string json;
    rivet_writer out = stringWriter(json);
    api_->roster(api_->host, current, &out);
    return json;
  }

  /// A credential with which a program this agent runs may delegate as part of `current`:
  /// true and {"socket","token"} in `json`, or false and the reason in `json`.
  bool taskCredential(const rivet_task* current, std::string& json) const {
    if (!hasHostCall(offsetof(rivet_host_api, task_credential)) || !api_->task_credential) {
      json = "this rivetd offers no task credentials";
      return false;
    }
    rivet_writer out = stringWriter(json);
    return api_->task_credential(api_->host, current, &out) == RIVET_OK;
  }

  /// ABI 1.3: reports progress of `current` (handle()'s task) to whoever watches it: `kind`
  /// "text" (a piece of the answer as it streams), "tool" (a tool call started) or "status"
  /// (a free-form line). Rate-limited by the host; cheap, never blocks. False when the host
  /// has no progress() or refused it (the task is not running, an unknown kind).
  bool progress(const rivet_task* current, std::string_view kind, std::string_view text) const {
    if (!hasHostCall(offsetof(rivet_host_api, progress)) || !api_->progress)
      return false;
    return api_->progress(api_->host, current, str(kind), str(text)) == RIVET_OK;
  }

  const rivet_host_api* raw() const { return api_; }

private:
  bool hasHostCall(size_t offset) const { return api_->struct_size >= offset + sizeof(void*); }
  std::string collect(void (*fn)(void*, rivet_writer*)) const {
    std::string s;
    rivet_writer w = stringWriter(s);
    fn(api_->host, &w);
    return s;
  }
  const rivet_host_api* api_;
};

/// Common base: every plugin instance is constructed with the host, then started and stopped.
class Plugin {
public:
  explicit Plugin(const Host& host) : host_(host) {}
  virtual ~Plugin() = default;
  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;

  /// Called once on the main thread after construction; throw PluginError to refuse.
  virtual void start() {}
  /// Called once on the main thread; no operation is called after it returns.
  virtual void stop() {}

protected:
  const Host& host() const { return host_; }

private:
  Host host_;
};

/// A task as the agent sees it (views are valid during handle()).
struct Task {
  const rivet_task* raw;
  std::string_view agentId() const { return view(raw->agent_id); }
  std::string_view fromAgent() const { return view(raw->from_agent); }
  std::string_view message() const { return view(raw->message); }
  std::string_view model() const { return view(raw->model); }
  uint32_t chainDepth() const { return raw->chain_depth; }
  int64_t timeoutMs() const { return raw->timeout_ms; }
  bool cancelled() const { return raw->is_cancelled && raw->is_cancelled(raw) != 0; }
  /// ABI 1.1: the agents the task passed through, JSON array of "agent@node" ("[]": a user's).
  std::string_view pathJson() const {
    return has(offsetof(rivet_task, path_json), sizeof raw->path_json) ? view(raw->path_json)
                                                                       : "[]";
  }
  /// ABI 1.1: epoch ms at which the host gives up on this task; 0 when not known.
  int64_t deadlineMs() const {
    return has(offsetof(rivet_task, deadline_ms), sizeof raw->deadline_ms) ? raw->deadline_ms : 0;
  }
  /// ABI 1.1: the node of fromAgent(); empty when not known.
  std::string_view fromNode() const {
    return has(offsetof(rivet_task, from_node), sizeof raw->from_node) ? view(raw->from_node) : "";
  }
  /// ABI 1.3: the task-journal id this work is part of; empty when none.
  std::string_view taskId() const {
    return has(offsetof(rivet_task, task_id), sizeof raw->task_id) ? view(raw->task_id) : "";
  }
  /// ABI 1.3: the W3C trace id of the work; empty when not known.
  std::string_view traceId() const {
    return has(offsetof(rivet_task, trace_id), sizeof raw->trace_id) ? view(raw->trace_id) : "";
  }

private:
  bool has(size_t offset, size_t size) const { return raw->struct_size >= offset + size; }
};

struct TaskResult {
  rivet_task_status status = RIVET_TASK_COMPLETED;
  std::string text;
  static TaskResult completed(std::string t) { return {RIVET_TASK_COMPLETED, std::move(t)}; }
  static TaskResult failed(std::string t) { return {RIVET_TASK_FAILED, std::move(t)}; }
  static TaskResult timeout(std::string t) { return {RIVET_TASK_TIMEOUT, std::move(t)}; }
  static TaskResult rejected(std::string t) { return {RIVET_TASK_REJECTED, std::move(t)}; }
};

struct AgentInfo {
  AgentInfo(std::string p = "", std::string m = "", std::string d = "")
      : provider(std::move(p)), model(std::move(m)), description(std::move(d)) {}
  std::string provider;
  std::string model;       // empty: none
  std::string description; // ABI 1.5: what the agent is for, for rosters and A2A cards; "" none
};

/// Base class for agent plugins. handle() may be called concurrently from host threads.
class Agent : public Plugin {
public:
  using Plugin::Plugin;
  static constexpr rivet_kind kKind = RIVET_KIND_AGENT;
  /// Shadow with RIVET_AGENT_FLAGS(RIVET_AGENT_INLINE) for a handle() that never blocks.
  static constexpr uint32_t kAgentFlags = 0;
  /// Provider and model reported in /api/agents and the registry.
  virtual AgentInfo describe() const = 0;
  /// Run one task. An exception becomes a `failed` result with its message.
  virtual TaskResult handle(const Task& task) = 0;
};

/// Base class for discovery plugins: report peers with host().raw()->peers_seen.
class Discovery : public Plugin {
public:
  using Plugin::Plugin;
  static constexpr rivet_kind kKind = RIVET_KIND_DISCOVERY;
  /// This node's registry record changed (JSON); republish if the plugin announces it.
  virtual void selfChanged(std::string_view /*selfJson*/) {}
};

/// Base class for transport plugins: serve in start(), hand requests to host().raw()->dispatch.
class Transport : public Plugin {
public:
  using Plugin::Plugin;
  static constexpr rivet_kind kKind = RIVET_KIND_TRANSPORT;
  virtual rivet_net_result request(const rivet_peer_request& request,
                                   rivet_peer_response& response) = 0;
  /// Re-read certificate material; throw PluginError to keep the old one.
  virtual void reload() {}
  /// ABI 1.4: one JSON object of counters for the node's /metrics (docs/plugin-guide.md);
  /// empty: none. Called from any thread, also while and after stop() runs; must not block.
  virtual std::string metricsJson() const { return {}; }
  /// ABI 1.6: the end of an asynchronous request: (result, HTTP status, body, error).
  using PeerDone = std::function<void(rivet_net_result, int, std::string_view, std::string_view)>;
  /// ABI 1.6: request() without blocking the caller. True: `done` is called once, later, from
  /// a thread of the transport, and must not block. False (the default): not taken, `done` is
  /// never called, and the host uses request().
  virtual bool requestAsync(const rivet_peer_request& /*request*/, PeerDone /*done*/) {
    return false;
  }
};

namespace detail {

inline void writeError(rivet_writer* w, std::string_view message) {
  if (w && w->write)
    w->write(w->ctx, message.data(), message.size());
}

inline std::string currentExceptionText() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

template <class T> struct Adapter {
  static int create(const rivet_host_api* api, void** instance, rivet_writer* error) {
    try {
      *instance = new T(Host(api));
      return RIVET_OK;
    } catch (...) {
      writeError(error, currentExceptionText());
      return RIVET_ERROR;
    }
  }
  static int start(void* instance, rivet_writer* error) {
    try {
      static_cast<T*>(instance)->start();
      return RIVET_OK;
    } catch (...) {
      writeError(error, currentExceptionText());
      return RIVET_ERROR;
    }
  }
  static void stop(void* instance) {
    try {
      static_cast<T*>(instance)->stop();
    } catch (...) {
    }
  }
  static void destroy(void* instance) {
    try {
      delete static_cast<T*>(instance);
    } catch (...) {
    }
  }
  // Agent operations
  static void describe(void* instance, rivet_writer* out) {
    std::string json;
    try {
      AgentInfo info = static_cast<T*>(instance)->describe();
      json = "{\"provider\":\"" + escape(info.provider) + "\"";
      if (!info.model.empty())
        json += ",\"model\":\"" + escape(info.model) + "\"";
      if (!info.description.empty())
        json += ",\"description\":\"" + escape(info.description) + "\"";
      json += "}";
    } catch (...) {
      json = "{\"provider\":\"unknown\"}";
    }
    out->write(out->ctx, json.data(), json.size());
  }
  static rivet_task_status handle(void* instance, const rivet_task* task, rivet_writer* out) {
    TaskResult r;
    try {
      r = static_cast<T*>(instance)->handle(Task{task});
    } catch (...) {
      r = TaskResult::failed("agent error: " + currentExceptionText());
    }
    out->write(out->ctx, r.text.data(), r.text.size());
    return r.status;
  }
  // Discovery operations
  static void selfChanged(void* instance, rivet_str json) {
    try {
      static_cast<T*>(instance)->selfChanged(view(json));
    } catch (...) {
    }
  }
  // Transport operations
  static rivet_net_result request(void* instance, const rivet_peer_request* req,
                                  rivet_peer_response* resp) {
    try {
      return static_cast<T*>(instance)->request(*req, *resp);
    } catch (...) {
      writeError(&resp->error, currentExceptionText());
      return RIVET_NET_NOT_DELIVERED;
    }
  }
  static int requestAsync(void* instance, const rivet_peer_request* req, void* ctx,
                          void (*done)(void*, rivet_net_result, int, rivet_str, rivet_str)) {
    if (!req || !done)
      return RIVET_ERROR;
    try {
      bool taken = static_cast<T*>(instance)->requestAsync(
          *req, [ctx, done](rivet_net_result r, int status, std::string_view body,
                            std::string_view error) {
            done(ctx, r, status, {body.data(), body.size()}, {error.data(), error.size()});
          });
      return taken ? RIVET_OK : RIVET_ERROR;
    } catch (...) {
      return RIVET_ERROR;
    }
  }
  static void metrics(void* instance, rivet_writer* out) {
    try {
      std::string json = static_cast<const T*>(instance)->metricsJson();
      if (!json.empty() && out && out->write)
        out->write(out->ctx, json.data(), json.size());
    } catch (...) {
    }
  }
  static int reload(void* instance, rivet_writer* error) {
    try {
      static_cast<T*>(instance)->reload();
      return RIVET_OK;
    } catch (...) {
      writeError(error, currentExceptionText());
      return RIVET_ERROR;
    }
  }

  static std::string escape(std::string_view s) {
    std::string o;
    for (char c : s) {
      if (c == '"' || c == '\\') {
        o += '\\';
        o += c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        static const char* hex = "0123456789abcdef";
        o += "\\u00";
        o += hex[(c >> 4) & 0xf];
        o += hex[c & 0xf];
      } else {
        o += c;
      }
    }
    return o;
  }

  static const void* ops() {
    if constexpr (T::kKind == RIVET_KIND_AGENT) {
      static const rivet_agent_ops table = {sizeof(rivet_agent_ops), T::kAgentFlags, &describe,
                                            &handle};
      return &table;
    } else if constexpr (T::kKind == RIVET_KIND_DISCOVERY) {
      static const rivet_discovery_ops table = {sizeof(rivet_discovery_ops), &selfChanged};
      return &table;
    } else {
      static const rivet_transport_ops table = {sizeof(rivet_transport_ops), &request, &reload,
                                                &metrics, &requestAsync};
      return &table;
    }
  }

  static const rivet_plugin_descriptor* descriptor(const char* name, const char* version,
                                                   const char* description) {
    static const rivet_plugin_descriptor d = {RIVET_PLUGIN_MAGIC,
                                              sizeof(rivet_plugin_descriptor),
                                              RIVET_ABI_MAJOR,
                                              RIVET_ABI_MINOR,
                                              static_cast<uint32_t>(T::kKind),
                                              name,
                                              version,
                                              description,
                                              &create,
                                              &start,
                                              &stop,
                                              &destroy,
                                              ops()};
    return &d;
  }
};

} // namespace detail
} // namespace rivet::sdk

/// Inside an Agent class: `RIVET_AGENT_FLAGS(RIVET_AGENT_INLINE);` for a handle() that never
/// blocks and returns quickly; without it the host runs handle() on its worker pool.
#define RIVET_AGENT_FLAGS(flags) static constexpr uint32_t kAgentFlags = (flags)

/// Emits `rivet_plugin_entry` for plugin class CLASS (derived from Agent, Discovery or
/// Transport). NAME must match [a-z0-9-]+.
#define RIVET_PLUGIN(CLASS, NAME, VERSION, DESCRIPTION)                                            \
  extern "C" __attribute__((visibility("default"))) const rivet_plugin_descriptor*                 \
  rivet_plugin_entry(uint16_t, uint16_t) {                                                         \
    try {                                                                                          \
      return ::rivet::sdk::detail::Adapter<CLASS>::descriptor(NAME, VERSION, DESCRIPTION);         \
    } catch (...) {                                                                                \
      return nullptr;                                                                              \
    }                                                                                              \
  }
