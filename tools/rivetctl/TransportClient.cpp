// Loading the transport plugin for rivetctl and making one request through it.
#include "TransportClient.hpp"

#include "plugin/NodeInfo.hpp"
#include "plugin/PluginLoader.hpp"
#include "plugin/PluginPaths.hpp"

#include <stdexcept>

namespace rivet::ctl {
namespace {

rivet_writer stringWriter(std::string& s) {
  return {&s,
          [](void* ctx, const char* d, size_t n) { static_cast<std::string*>(ctx)->append(d, n); }};
}

rivet_str str(const std::string& s) {
  return {s.data(), s.size()};
}

} // namespace

TransportClient::TransportClient(const config::Config& config)
    : nodeInfo_(plugin::nodeInfoJson(config)) {
  if (!config.mesh.tlsConfigured)
    throw std::runtime_error("mesh.tls is not configured in " + config.sourcePath +
                             ": rivetctl needs this node's certificate to reach nodes");
  std::string dir = config.plugins.dir.empty() ? plugin::defaultPluginDir() : config.plugins.dir;
  std::string name = "transport-" + config.mesh.transport;
  std::shared_ptr<const plugin::LoadedPlugin> loaded;
  try {
    loaded = plugin::loadPlugin(dir + "/" + name + ".so");
  } catch (const plugin::LoadError& e) {
    throw std::runtime_error(std::string("cannot load the transport for mesh.transport: ") +
                             e.what());
  }
  if (loaded->kind() != RIVET_KIND_TRANSPORT || loaded->name() != name)
    throw std::runtime_error(loaded->path + " is not the " + name + " transport plugin");
  transport_ = std::make_unique<plugin::PluginInstance>(loaded, *this, name, "rivetctl",
                                                        R"({"serve":false})");
  try {
    transport_->create();
  } catch (const plugin::InstanceError& e) {
    throw std::runtime_error(e.what());
  }
}

TransportClient::~TransportClient() = default;

PeerAnswer TransportClient::call(const std::string& host, int port, const std::string& verifyName,
                                 const std::string& method, const std::string& path,
                                 const std::string& body, int64_t timeoutMs) {
  PeerAnswer answer;
  rivet_peer_request req{sizeof(rivet_peer_request),
                         str(host),
                         static_cast<uint32_t>(port),
                         str(verifyName),
                         str(method),
                         str(path),
                         str(body),
                         timeoutMs,
                         nullptr,
                         0};
  rivet_peer_response resp{sizeof(rivet_peer_response), 0, stringWriter(answer.body),
                           stringWriter(answer.error)};
  auto ops = static_cast<const rivet_transport_ops*>(transport_->plugin().ops());
  answer.result = ops->request(transport_->instance(), &req, &resp);
  answer.status = resp.status;
  return answer;
}

void TransportClient::dispatch(const rivet_inbound_request&, rivet_responder& responder) {
  static const std::string body = R"({"error":"Not found"})";
  responder.respond(responder.ctx, 404, nullptr, 0, str(body));
}

rivet_task_status TransportClient::delegate(std::string_view, const rivet_task*, std::string_view,
                                            std::string& result) {
  result = R"({"status":"failed","response":"rivetctl hosts no agents"})";
  return RIVET_TASK_FAILED;
}

std::string TransportClient::roster(std::string_view, const rivet_task*) {
  return R"({"chainDepth":0,"maxChainDepth":0,"canDelegate":false,)"
         R"("refusal":"rivetctl hosts no agents","agents":[]})";
}

bool TransportClient::taskCredential(std::string_view, const rivet_task*, std::string& out) {
  out = "rivetctl hosts no agents";
  return false;
}

} // namespace rivet::ctl
