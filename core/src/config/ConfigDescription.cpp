// describeEffective(): the settings rivetd will run with, every key and its value, printed as
// YAML (comments say where a value is a default) for `rivetd --check-config`.
#include "config/ConfigLoader.hpp"

#include "config/ChannelSection.hpp"
#include "config/TasksSection.hpp"
#include "config/YamlJson.hpp"
#include "util/JsonText.hpp"

#include <algorithm>
#include <sstream>

namespace rivet::config {
namespace {

// A string as a YAML scalar: plain when unambiguous, else double-quoted (JSON escapes are
// valid YAML escapes).
std::string scalar(const std::string& s) {
  static const char* const kReserved[] = {"true", "false", "null", "~", "yes", "no", "on", "off"};
  bool quote = s.empty() || s.front() == ' ' || s.back() == ' ';
  for (const char* r : kReserved)
    quote = quote || s == r;
  const std::string specials = ":#{}[],&*!|>'\"%@`\\";
  for (char c : s)
    quote = quote || specials.find(c) != std::string::npos || static_cast<unsigned char>(c) < 0x20;
  if (!s.empty() && (s[0] == '-' || s[0] == '?'))
    quote = true;
  // Would read back as a number (3000, 1.5, 1e3); an address like 10.0.0.1 reads as a string.
  bool numeric = s.find_first_not_of("0123456789.+-eE_") == std::string::npos &&
                 s.find_first_of("0123456789") != std::string::npos &&
                 std::count(s.begin(), s.end(), '.') <= 1;
  quote = quote || numeric;
  return quote ? util::jsonString(s) : s;
}

const char* boolText(bool b) {
  return b ? "true" : "false";
}

void describeMesh(std::ostringstream& o, const Mesh& m) {
  o << "mesh:\n"
    << "  enabled: " << boolText(m.enabled) << "\n"
    << "  node_name: " << scalar(m.nodeName) << "\n"
    << "  advertise_host: " << scalar(m.advertiseHost) << "\n"
    << "  listen_host: " << scalar(m.listenHost) << "\n";
  if (m.tlsConfigured) {
    o << "  tls:\n"
      << "    ca_path: " << scalar(m.tls.caPath) << "\n"
      << "    cert_path: " << scalar(m.tls.certPath) << "\n"
      << "    key_path: " << scalar(m.tls.keyPath) << "\n"
      << "    crl_path: " << scalar(m.tls.crlPath)
      << (m.tls.crlPath.empty() ? "  # no revocation list" : "") << "\n";
  } else {
    o << "  tls: false  # not configured\n";
  }
  o << "  agent_channel_port: " << m.agentChannelPort << "\n"
    << "  storage_dir: " << scalar(m.storageDir) << "\n"
    << "  state_dir: " << scalar(m.stateDir)
    << (m.stateDir.empty() ? "  # a private folder made at start" : "") << "\n"
    << "  registry_max_bytes: " << m.registryMaxBytes << "\n"
    << "  heartbeat_interval_ms: " << m.heartbeatIntervalMs << "\n"
    << "  stale_threshold_ms: " << m.staleThresholdMs << "\n"
    << "  max_chain_depth: " << m.maxChainDepth << "\n"
    << "  transport: " << scalar(m.transport) << "  # plugin transport-" << m.transport << "\n"
    << "  default_agent: " << scalar(m.defaultAgent)
    << (m.defaultAgent.empty() ? "  # the first agent" : "") << "\n"
    << "  agent_workers: " << m.agentWorkers << "\n"
    << "  delegation_transport: " << scalar(m.delegationTransport) << "\n"
    << "  channel:\n";
  forEachChannelKey(m.channel, [&](const char* key, int64_t, int64_t, const auto& value) {
    o << "    " << key << ": " << value << "\n";
  });
  if (m.discovery.mode.empty()) {
    o << "  discovery: null  # none: nodes meet through the shared mesh.json\n";
  } else {
    o << "  discovery:\n"
      << "    mode: " << scalar(m.discovery.mode) << "  # plugin discovery-" << m.discovery.mode
      << "\n"
      << "    seed_host: " << scalar(m.discovery.seedHost) << "\n"
      << "    seed_port: " << m.discovery.seedPort << "\n"
      << "    mdns_service: " << scalar(m.discovery.mdnsService) << "\n";
  }
  if (m.peers.empty())
    o << "  peers: []\n";
  else
    o << "  peers:\n";
  for (const auto& p : m.peers)
    o << "    - {name: " << scalar(p.name) << ", host: " << scalar(p.host) << ", port: " << p.port
      << "}\n";
}

void describeTasks(std::ostringstream& o, const Config& c) {
  const std::string journal = c.mesh.stateDir.empty() ? "tasks.db in the private state folder"
                                                      : c.mesh.stateDir + "/tasks.db";
  o << "tasks:  # the task API; journal " << journal << "\n";
  forEachTasksKey(c.tasks,
                  [&](const char* key, int64_t, int64_t, const auto& value, const char* what) {
                    o << "  " << key << ": " << value << "  # " << what << "\n";
                  });
}

void describeMetrics(std::ostringstream& o, const MetricsConfig& m) {
  o << "metrics:" << (m.enabled ? "  # http://" : "  # listener closed")
    << (m.enabled ? (m.address.find(':') != std::string::npos ? "[" + m.address + "]" : m.address) +
                        ":" + std::to_string(m.port) + "/"
                  : "")
    << "\n"
    << "  enabled: " << boolText(m.enabled) << "\n"
    << "  address: " << scalar(m.address) << "\n"
    << "  port: " << m.port << "\n"
    << "  allow_remote: " << boolText(m.allowRemote) << "\n";
  if (m.allowedHosts.empty()) {
    o << "  allowed_hosts: []  # IP literals and localhost only\n";
  } else {
    o << "  allowed_hosts:\n";
    for (const auto& h : m.allowedHosts)
      o << "    - " << scalar(h) << "\n";
  }
}

void describeList(std::ostringstream& o, const char* key, const std::vector<std::string>& items) {
  o << key << ": [";
  for (size_t i = 0; i < items.size(); ++i)
    o << (i ? ", " : "") << scalar(items[i]);
  o << "]";
}

void describePolicy(std::ostringstream& o, const PolicyConfig& p) {
  o << "policy:" << (p.agents.empty() ? "  # no rules: every caller may run every agent" : "")
    << "\n"
    << "  mode: " << p.mode << "\n  ";
  describeList(o, "forwarders", p.forwarders);
  o << (p.forwarders.empty() ? "  # forwarded callers are not believed" : "") << "\n";
  if (p.ratePerMinute > 0)
    o << "  rate_limit: {per_minute: " << p.ratePerMinute << ", burst: " << p.rateBurst
      << "}  # per caller node\n";
  else
    o << "  rate_limit: null  # no rate limit\n";
  if (p.agents.empty())
    return;
  o << "  agents:\n";
  for (const auto& e : p.agents) {
    o << "    " << scalar(e.agent) << ":\n      ";
    describeList(o, "allow", e.allow);
    o << "\n      ";
    describeList(o, "deny", e.deny);
    o << "\n      mode: " << (e.mode.empty() ? "null  # the node's" : e.mode) << "\n";
    if (e.maxConcurrent > 0)
      o << "      max_concurrent: " << e.maxConcurrent << "\n      queue: " << e.queue << "\n";
  }
}

} // namespace

std::string describeEffective(const Config& c) {
  std::ostringstream o;
  o << "# effective configuration"
    << (c.sourcePath.empty() ? std::string() : " from " + c.sourcePath) << "\n";
  describeMesh(o, c.mesh);
  o << "plugins:\n"
    << "  dir: " << scalar(c.plugins.dir)
    << (c.plugins.dir.empty() ? "  # <prefix>/lib/rivet/plugins, next to rivetd" : "") << "\n"
    << "  agents_dir: " << scalar(c.plugins.agentsDir)
    << (c.plugins.agentsDir.empty() ? "  # same as dir" : "") << "\n";
  if (!c.agentsSectionPresent) {
    o << "agents: null  # no agents: section: one agent per agent plugin, named after it\n";
  } else if (c.agents.empty()) {
    o << "agents: {}  # none\n";
  } else {
    o << "agents:\n";
    for (const auto& a : c.agents) {
      o << "  " << scalar(a.id) << ":\n"
        << "    plugin: " << scalar(a.plugin) << "\n"
        << "    settings: " << a.settingsJson << "\n";
    }
  }
  describeTasks(o, c);
  describeMetrics(o, c.metrics);
  describePolicy(o, c.policy);
  o << "log:\n"
    << "  level: " << scalar(c.log.level) << "\n"
    << "  format: " << scalar(c.log.format) << "\n"
    << "  file: " << scalar(c.log.file) << (c.log.file.empty() ? "  # stderr" : "") << "\n"
    << "  task_text: " << (c.log.taskText ? "true" : "false") << "\n";
  return o.str();
}

} // namespace rivet::config
