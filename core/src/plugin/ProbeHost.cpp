// Every host function answers as a node with no mesh would; requests and delegation are refused
// with a reason the plugin can log.
#include "plugin/ProbeHost.hpp"

#include <chrono>

namespace rivet::plugin {
namespace {

void write(rivet_writer* out, const std::string& text) {
  if (out && out->write)
    out->write(out->ctx, text.data(), text.size());
}

std::string view(rivet_str s) {
  return s.data ? std::string(s.data, s.len) : std::string();
}

} // namespace

ProbeHost::ProbeHost(std::string instanceName, std::string settingsJson)
    : instanceName_(std::move(instanceName)), settingsJson_(std::move(settingsJson)) {
  api_.struct_size = sizeof(rivet_host_api);
  api_.abi_major = RIVET_ABI_MAJOR;
  api_.abi_minor = RIVET_ABI_MINOR;
  api_.host = this;
  api_.log = [](void* host, rivet_log_level level, rivet_str, rivet_str message) {
    if (level >= RIVET_LOG_WARN)
      self(host).warnings_ += view(message) + "\n";
  };
  api_.config = [](void* host, rivet_writer* out) { write(out, self(host).settingsJson_); };
  api_.instance_name = [](void* host) -> rivet_str {
    const std::string& name = self(host).instanceName_;
    return {name.data(), name.size()};
  };
  api_.now_ms = [](void*) -> int64_t {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  };
  api_.node_info = [](void*, rivet_writer* out) {
    write(out, R"({"node_name":"plugin-check","mesh_enabled":false})");
  };
  api_.request = [](void*, const rivet_peer_request*, rivet_peer_response* response) {
    if (response)
      write(&response->error, "no transport while the plugin is being checked");
    return RIVET_NET_UNAVAILABLE;
  };
  api_.peers_seen = [](void*, rivet_str) {};
  api_.peer_lost = [](void*, rivet_str) {};
  api_.dispatch = [](void*, const rivet_inbound_request*, rivet_responder* responder) {
    if (responder && responder->respond)
      responder->respond(responder->ctx, 503, nullptr, 0, {"", 0});
  };
  api_.delegate = [](void*, const rivet_task*, rivet_str, rivet_writer* out) {
    write(out, R"({"status":"rejected","response":"no delegation while the plugin is checked"})");
    return RIVET_TASK_REJECTED;
  };
  api_.roster = [](void*, const rivet_task*, rivet_writer* out) {
    write(out, R"({"chainDepth":0,"maxChainDepth":0,"canDelegate":false,)"
               R"("refusal":"no delegation while the plugin is checked","agents":[]})");
  };
  api_.task_credential = [](void*, const rivet_task*, rivet_writer* out) {
    write(out, "no delegation socket while the plugin is checked");
    return RIVET_ERROR;
  };
}

} // namespace rivet::plugin
