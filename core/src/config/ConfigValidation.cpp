// Cross-key configuration rules. Messages quote RivetOS where it has one (mesh.enabled
// without tls), so that users of both see the same words.
#include "config/ConfigValidation.hpp"

#include <algorithm>

namespace rivet::config {
namespace {

void checkTlsWhenEnabled(const Mesh& mesh, const FieldReader& r) {
  if (mesh.enabled && !mesh.tlsConfigured) {
    r.fail(
        r.markOf(r.has("mesh.tls") ? "mesh.tls" : "mesh.enabled"), "mesh.enabled",
        "mesh.enabled requires tls configuration. TLS is mandatory when mesh is enabled — no "
        "plaintext fallback is allowed. Set tls: true (uses conventional /rivet-shared/rivet-ca/ "
        "paths) or provide a MeshTlsConfig object.",
        "");
  }
}

void checkTimers(const Mesh& mesh, const FieldReader& r) {
  if (mesh.staleThresholdMs > mesh.heartbeatIntervalMs)
    return;
  const char* at =
      r.has("mesh.stale_threshold_ms") ? "mesh.stale_threshold_ms" : "mesh.heartbeat_interval_ms";
  r.fail(r.markOf(at), "mesh.stale_threshold_ms",
         std::to_string(mesh.staleThresholdMs) +
             " must be greater than mesh.heartbeat_interval_ms (" +
             std::to_string(mesh.heartbeatIntervalMs) +
             "), or every node would be marked offline between two heartbeats",
         "Set stale_threshold_ms to about three heartbeat intervals");
}

void checkDiscovery(const Mesh& mesh, const FieldReader& r) {
  const auto modeMark = r.markOf("mesh.discovery.mode");
  if (mesh.discovery.mode == "seed" && mesh.discovery.seedHost.empty()) {
    r.fail(modeMark, "mesh.discovery.seed_host", "required when mesh.discovery.mode is seed",
           "Set seed_host to the address of a running node, e.g. seed_host: node-a.mesh");
  }
  if (mesh.discovery.mode == "static" && mesh.peers.empty()) {
    r.fail(r.has("mesh.peers") ? r.markOf("mesh.peers") : modeMark, "mesh.peers",
           "discovery mode static needs at least one peer in mesh.peers",
           "Add peers as '- {name: node-b, host: 10.0.0.2, port: 3000}', or use mode seed or mdns");
  }
}

void checkDefaultAgent(const Config& c, const FieldReader& r) {
  const std::string& wanted = c.mesh.defaultAgent;
  if (wanted.empty() || !c.agentsSectionPresent)
    return;
  auto found = std::find_if(c.agents.begin(), c.agents.end(),
                            [&](const AgentSpec& a) { return a.id == wanted; });
  if (found != c.agents.end())
    return;
  std::string ids;
  for (const auto& a : c.agents)
    ids += (ids.empty() ? "" : ", ") + a.id;
  r.failAt("mesh.default_agent",
           r.quote(wanted) + " is not one of the agents configured under agents: (" +
               (ids.empty() ? "none" : ids) + ")",
           "Set it to one of those ids, or remove it to use the first agent");
}

} // namespace

void validateConfig(const Config& config, const FieldReader& reader) {
  checkTlsWhenEnabled(config.mesh, reader);
  checkTimers(config.mesh, reader);
  checkDiscovery(config.mesh, reader);
  checkDefaultAgent(config, reader);
}

} // namespace rivet::config
