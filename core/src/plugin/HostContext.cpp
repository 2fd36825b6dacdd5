// C callbacks of the host API, each forwarding to HostContext / HostServices.
#include "plugin/HostContext.hpp"

#include <cstddef>

#include "log/Log.hpp"

#include <chrono>

namespace rivet::plugin {
namespace {

std::string_view view(rivet_str s) {
  return {s.data ? s.data : "", s.len};
}

spdlog::level::level_enum toSpdlog(rivet_log_level l) {
  switch (l) {
  case RIVET_LOG_TRACE:
    return spdlog::level::trace;
  case RIVET_LOG_DEBUG:
    return spdlog::level::debug;
  case RIVET_LOG_INFO:
    return spdlog::level::info;
  case RIVET_LOG_WARN:
    return spdlog::level::warn;
  default:
    return spdlog::level::err;
  }
}

void writeAll(rivet_writer* out, const std::string& s) {
  if (out && out->write)
    out->write(out->ctx, s.data(), s.size());
}

} // namespace

template <class F> bool HostContext::guarded(void* host, F&& fn) {
  HostGate& gate = *self(host).gate_;
  if (!gate.enter()) {
    self(host).logger_->warn("plugin instance '{}' called the host after the node stopped; "
                             "the call is refused",
                             self(host).instanceName_);
    return false;
  }
  struct Leave {
    HostGate& g;
    ~Leave() { g.leave(); }
  } leave{gate};
  try {
    fn();
    return true;
  } catch (const std::exception& e) {
    self(host).logger_->error("host call from plugin instance '{}' failed: {}",
                              self(host).instanceName_, e.what());
  } catch (...) {
    self(host).logger_->error("host call from plugin instance '{}' failed",
                              self(host).instanceName_);
  }
  return false;
}

HostContext::HostContext(HostServices& services, std::string instanceName, std::string component,
                         std::string configJson)
    : services_(services), gate_(services.gate()), instanceName_(std::move(instanceName)),
      configJson_(configJson.empty() ? "{}" : std::move(configJson)), logger_(log::get(component)) {
  api_.struct_size = sizeof(rivet_host_api);
  api_.abi_major = RIVET_ABI_MAJOR;
  api_.abi_minor = RIVET_ABI_MINOR;
  api_.host = this;
  api_.log = [](void* host, rivet_log_level level, rivet_str component, rivet_str message) {
    auto logger = component.len ? log::get(std::string(view(component))) : self(host).logger_;
    logger->log(toSpdlog(level), "{}", view(message));
  };
  api_.config = [](void* host, rivet_writer* out) { writeAll(out, self(host).configJson_); };
  api_.instance_name = [](void* host) -> rivet_str {
    const std::string& n = self(host).instanceName_;
    return {n.data(), n.size()};
  };
  api_.now_ms = [](void*) -> int64_t {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  };
  // No exception may travel back into plugin code: each call that reaches the node is guarded.
  api_.node_info = [](void* host, rivet_writer* out) {
    guarded(host, [&] { writeAll(out, self(host).services_.nodeInfoJson()); });
  };
  // A struct a plugin passes in is read only as far as its struct_size says; one too small
  // for the fields this ABI always had is refused.
  api_.request = [](void* host, const rivet_peer_request* req, rivet_peer_response* resp) {
    if (!req || !resp || req->struct_size < offsetof(rivet_peer_request, headers) ||
        resp->struct_size < sizeof(rivet_peer_response)) {
      self(host).logger_->error("plugin instance '{}' called request() with a request or "
                                "response struct smaller than ABI 1.0's; rebuild it against "
                                "this rivetd's SDK",
                                self(host).instanceName_);
      return RIVET_NET_NOT_DELIVERED;
    }
    rivet_net_result r = RIVET_NET_NOT_DELIVERED;
    if (!guarded(host, [&] { r = self(host).services_.request(*req, *resp); }))
      writeAll(&resp->error, "internal error in the host while sending the request");
    return r;
  };
  api_.peers_seen = [](void* host, rivet_str json) {
    guarded(host, [&] { self(host).services_.peersSeen(view(json)); });
  };
  api_.peer_lost = [](void* host, rivet_str name) {
    guarded(host, [&] { self(host).services_.peerLost(view(name)); });
  };
  api_.dispatch = [](void* host, const rivet_inbound_request* req, rivet_responder* responder) {
    if (!req || !responder || req->struct_size < sizeof(rivet_inbound_request)) {
      static const char body[] = "{\"error\":\"Internal error\"}";
      self(host).logger_->error("plugin instance '{}' called dispatch() with a request struct "
                                "smaller than ABI 1.0's; rebuild it against this rivetd's SDK",
                                self(host).instanceName_);
      if (responder)
        responder->respond(responder->ctx, 500, nullptr, 0, {body, sizeof body - 1});
      return;
    }
    guarded(host, [&] { self(host).services_.dispatch(*req, *responder); });
  };
  api_.dispatch_async = [](void* host, const rivet_inbound_request* req,
                           const rivet_async_responder* responder) {
    if (!responder || responder->struct_size < sizeof(rivet_async_responder) ||
        !responder->respond) {
      self(host).logger_->error("plugin instance '{}' called dispatch_async() without a "
                                "complete ABI 1.2 responder; rebuild it against this rivetd's SDK",
                                self(host).instanceName_);
      return; // nothing to answer through: the transport's connection times out
    }
    auto refuse = [&](int status, const char* body, size_t len) {
      responder->respond(responder->ctx, status, nullptr, 0, {body, len});
    };
    if (!req || req->struct_size < sizeof(rivet_inbound_request)) {
      static const char body[] = "{\"error\":\"Internal error\"}";
      self(host).logger_->error("plugin instance '{}' called dispatch_async() with a request "
                                "struct smaller than ABI 1.0's; rebuild it against this "
                                "rivetd's SDK",
                                self(host).instanceName_);
      return refuse(500, body, sizeof body - 1);
    }
    // dispatchAsync does not throw: once it returns, the answer is on its way.
    if (!guarded(host, [&] { self(host).services_.dispatchAsync(*req, *responder); })) {
      static const char body[] = "{\"error\":\"Node is stopping\"}";
      refuse(503, body, sizeof body - 1);
    }
  };
  api_.delegate = [](void* host, const rivet_task* task, rivet_str json,
                     rivet_writer* out) -> rivet_task_status {
    std::string result;
    rivet_task_status status = RIVET_TASK_FAILED;
    if (!guarded(host, [&] {
          status =
              self(host).services_.delegate(self(host).instanceName_, task, view(json), result);
        }))
      result = "{\"status\":\"failed\",\"response\":\"internal error in the host\"}";
    writeAll(out, result);
    return status;
  };
  api_.roster = [](void* host, const rivet_task* task, rivet_writer* out) {
    std::string result;
    if (!guarded(host,
                 [&] { result = self(host).services_.roster(self(host).instanceName_, task); }))
      result = R"({"chainDepth":0,"maxChainDepth":0,"canDelegate":false,)"
               R"("refusal":"internal error in the host","agents":[]})";
    writeAll(out, result);
  };
  api_.task_credential = [](void* host, const rivet_task* task, rivet_writer* out) -> int {
    std::string result;
    bool ok = false;
    if (!guarded(host, [&] {
          ok = self(host).services_.taskCredential(self(host).instanceName_, task, result);
        }))
      result = "internal error in the host";
    writeAll(out, result);
    return ok ? RIVET_OK : RIVET_ERROR;
  };
  api_.progress = [](void* host, const rivet_task* task, rivet_str kind, rivet_str text) -> int {
    bool ok = false;
    guarded(host, [&] {
      ok = self(host).services_.progress(self(host).instanceName_, task, view(kind), view(text));
    });
    return ok ? RIVET_OK : RIVET_ERROR;
  };
}

} // namespace rivet::plugin
