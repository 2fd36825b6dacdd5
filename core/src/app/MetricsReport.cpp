// Collecting a Node's figures for /metrics, /health, /ready and /api/status.
#include "app/MetricsReport.hpp"

#include "app/Node.hpp"
#include "ca/CertInfo.hpp"
#include "metrics/Prometheus.hpp"
#include "util/JsonText.hpp"

#include <openssl/crypto.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <map>

namespace rivet::app {
namespace {

using metrics::Labels;
using metrics::TextWriter;

int64_t epochMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string clip(const std::string& s, size_t chars = 200) {
  return std::string(util::utf8Prefix(s, chars));
}

// Whole-number members of one object of the transport's JSON, at most `limit` (the rest summed
// as "(other)").
std::vector<std::pair<std::string, uint64_t>> countsOf(const rapidjson::Value& doc, const char* key,
                                                       size_t limit) {
  std::vector<std::pair<std::string, uint64_t>> out;
  auto it = doc.FindMember(key);
  if (it == doc.MemberEnd() || !it->value.IsObject())
    return out;
  uint64_t other = 0;
  bool folded = false;
  for (const auto& m : it->value.GetObject()) {
    if (!m.value.IsUint64())
      continue;
    if (out.size() < limit) {
      out.emplace_back(clip(m.name.GetString(), 64), m.value.GetUint64());
    } else {
      other += m.value.GetUint64();
      folded = true;
    }
  }
  if (folded)
    out.emplace_back(metrics::kOtherLabel, other);
  return out;
}

std::optional<uint64_t> countOf(const rapidjson::Value& doc, const char* key) {
  auto it = doc.FindMember(key);
  if (it == doc.MemberEnd() || !it->value.IsUint64())
    return std::nullopt;
  return it->value.GetUint64();
}

void appendStrings(std::string& out, const std::vector<std::string>& items, size_t limit) {
  out += '[';
  for (size_t i = 0; i < items.size() && i < limit; ++i) {
    if (i)
      out += ',';
    util::appendJsonString(out, clip(items[i]));
  }
  out += ']';
}

} // namespace

MetricsReport::MetricsReport(Node& node) : node_(node) {}

std::string MetricsReport::transportJson() {
  std::shared_lock<std::shared_mutex> lock(node_.transportMutex_);
  if (!node_.transport_)
    return {};
  auto ops = static_cast<const rivet_transport_ops*>(node_.transport_->plugin().ops());
  if (ops->struct_size < offsetof(rivet_transport_ops, metrics) + sizeof(void*) || !ops->metrics)
    return {}; // a transport built for ABI 1.3
  std::string out;
  rivet_writer w{&out, [](void* ctx, const char* d, size_t n) {
                   auto* s = static_cast<std::string*>(ctx);
                   if (s->size() + n <= 64 * 1024) // a transport's counters are a few hundred bytes
                     s->append(d, n);
                 }};
  ops->metrics(node_.transport_->instance(), &w);
  return out;
}

std::optional<int64_t> MetricsReport::certSecondsLeft() {
  const auto& mesh = node_.config_.mesh;
  if (!mesh.tlsConfigured || mesh.tls.certPath.empty())
    return std::nullopt;
  std::lock_guard<std::mutex> lock(certMutex_);
  auto now = std::chrono::steady_clock::now();
  if (certReadAt_ == std::chrono::steady_clock::time_point{} ||
      now - certReadAt_ > std::chrono::minutes(1)) {
    certReadAt_ = now;
    try {
      certNotAfter_ = ca::readCertificate(mesh.tls.certPath).notAfter;
    } catch (const std::exception&) {
      certNotAfter_.reset();
    }
    // OpenSSL keeps an error state per thread, freed only when a thread it knows ends: the
    // listener's pooled threads outlive the node, so give it back now (once a minute at most).
    OPENSSL_thread_stop();
  }
  if (!certNotAfter_)
    return std::nullopt;
  return *certNotAfter_ - epochMs() / 1000;
}

MetricsSource::Verdict MetricsReport::health() {
  switch (node_.phase_.load(std::memory_order_acquire)) {
  case Node::Phase::Starting:
    return {false, "starting"};
  case Node::Phase::Stopping:
    return {false, "stopping"};
  case Node::Phase::Stopped:
    return {false, "stopped"};
  default:
    break;
  }
  if (node_.config_.mesh.enabled && !node_.transportUp_.load())
    return {false, "the agent channel is not listening"};
  return {true, node_.config_.mesh.enabled ? "serving; the agent channel is listening"
                                           : "serving local agents (mesh disabled)"};
}

MetricsSource::Verdict MetricsReport::readiness() {
  Verdict h = health();
  if (!h.ok)
    return h;
  const auto& mesh = node_.config_.mesh;
  if (!mesh.enabled)
    return {true, "started; mesh disabled, so no registry or discovery to wait for"};
  try {
    std::string failure;
    auto reg = node_.membership_->registry(failure);
    if (!failure.empty())
      return {false, "cannot read the registry: " + failure};
    auto self = reg ? reg->find(mesh.nodeName) : std::nullopt;
    if (!self)
      return {false, "not registered: no entry for " + mesh.nodeName + " in " +
                         node_.membership_->store().path()};
    if (self->status() != "online")
      return {false, "registered in " + node_.membership_->store().path() + " but its status is " +
                         clip(self->status(), 40)};
  } catch (const std::exception& e) {
    return {false, std::string("cannot read the registry: ") + e.what()};
  }
  if (!mesh.discovery.mode.empty() && !node_.discoveryUp_.load())
    return {false, "discovery (" + mesh.discovery.mode + ") is not running"};
  return {true, "started, registered in mesh.json" +
                    std::string(mesh.discovery.mode.empty() ? "" : ", discovery running")};
}

std::string MetricsReport::metricsText() {
  TextWriter w;
  Verdict h = health();
  w.family("rivet_build_info", "The running rivetd's version", "gauge");
  w.sample("rivet_build_info", {{"version", RIVET_VERSION}, {"node", node_.config_.mesh.nodeName}},
           uint64_t{1});
  w.family("rivet_node_serving", "1 when /health answers 200 (started, agent channel listening)",
           "gauge");
  w.sample("rivet_node_serving", {}, uint64_t{h.ok ? 1u : 0u});
  node_.metrics_.write(w);

  const bool serving = node_.phase_.load(std::memory_order_acquire) >= Node::Phase::Serving;
  w.family("rivet_worker_pool_threads", "Threads a worker pool may run at most", "gauge");
  w.sample("rivet_worker_pool_threads", {{"pool", "agents"}},
           uint64_t(node_.engine_.workers().size()));
  if (serving && node_.dispatchPool_)
    w.sample("rivet_worker_pool_threads", {{"pool", "requests"}},
             uint64_t(node_.dispatchPool_->size()));
  w.family("rivet_worker_pool_busy", "Workers running a task or request now", "gauge");
  w.sample("rivet_worker_pool_busy", {{"pool", "agents"}},
           uint64_t(node_.engine_.workers().busy()));
  if (serving && node_.dispatchPool_)
    w.sample("rivet_worker_pool_busy", {{"pool", "requests"}},
             uint64_t(node_.dispatchPool_->busy()));
  w.family("rivet_worker_pool_queued",
           "Work handed to a pool that no worker has taken yet (the pools never queue more)",
           "gauge");
  w.sample("rivet_worker_pool_queued", {{"pool", "agents"}},
           uint64_t(node_.engine_.workers().queued()));
  if (serving && node_.dispatchPool_)
    w.sample("rivet_worker_pool_queued", {{"pool", "requests"}},
             uint64_t(node_.dispatchPool_->queued()));
  w.family("rivet_tasks_in_flight", "Tasks this node's agents are running now", "gauge");
  w.sample("rivet_tasks_in_flight", {}, uint64_t(node_.engine_.liveTasks().size()));

  w.family("rivet_policy_refusals_total",
           "Tasks the policy refused (audit: would have refused, ran) by kind", "counter");
  const std::pair<policy::Refusal, const char*> kinds[] = {
      {policy::Refusal::Deny, "deny"},
      {policy::Refusal::NotAllowed, "not-allowed"},
      {policy::Refusal::AuditDeny, "audit"},
      {policy::Refusal::QueueFull, "queue-full"},
      {policy::Refusal::RateLimit, "rate-limit"}};
  for (const auto& [kind, name] : kinds)
    w.sample("rivet_policy_refusals_total", {{"kind", name}}, node_.policy_.refusals(kind));
  w.family("rivet_circuit_breaker_state",
           "1 for the current state of each peer's circuit breaker (closed, open, half_open)",
           "gauge");
  auto states = node_.engine_.breaker().states();
  for (size_t i = 0; i < states.size() && i < metrics::NodeMetrics::kMaxPeers; ++i)
    for (const char* s : {"closed", "open", "half_open"})
      w.sample("rivet_circuit_breaker_state", {{"peer", states[i].first}, {"state", s}},
               uint64_t{states[i].second == s ? 1u : 0u});

  std::string tj = transportJson();
  rapidjson::Document doc;
  if (!tj.empty() && !doc.Parse(tj.data(), tj.size()).HasParseError() && doc.IsObject()) {
    auto gauge = [&](const char* key, const char* name, const char* help, const char* type) {
      if (auto v = countOf(doc, key)) {
        w.family(name, help, type);
        w.sample(name, {}, *v);
      }
    };
    gauge("connections_open", "rivet_connections_open", "Agent channel connections open now",
          "gauge");
    gauge("connections_accepted", "rivet_connections_accepted_total",
          "Agent channel connections accepted", "counter");
    gauge("requests_in_progress", "rivet_channel_requests_in_progress",
          "Agent channel requests being read or served now", "gauge");
    gauge("framing_errors", "rivet_channel_framing_errors_total",
          "Malformed or oversized agent channel requests", "counter");
    auto labelled = [&](const char* key, const char* name, const char* label, const char* help) {
      auto counts = countsOf(doc, key, kMaxTransportLabels);
      w.family(name, help, "counter");
      for (const auto& [l, n] : counts)
        w.sample(name, {{label, l}}, n);
    };
    labelled("handshake_failures", "rivet_handshake_failures_total", "reason",
             "Failed TLS handshakes on the agent channel, by reason");
    labelled("refused", "rivet_connections_refused_total", "reason",
             "Agent channel connections refused before the handshake, by limit");
    labelled("timeouts", "rivet_connection_timeouts_total", "phase",
             "Agent channel connections closed at a deadline, by phase");
    gauge("io_loops_active", "rivet_io_loops_active",
          "I/O loops of the channel that take connections now", "gauge");
    gauge("io_loop_moves", "rivet_io_loop_moves_total",
          "Idle connections handed from one I/O loop to another", "counter");
    if (auto perLoop = countsOf(doc, "io_loop_connections", kMaxTransportLabels);
        !perLoop.empty()) {
      w.family("rivet_io_loop_connections", "Connections each I/O loop serves now", "gauge");
      for (const auto& [loop, n] : perLoop)
        w.sample("rivet_io_loop_connections", {{"loop", loop}}, n);
    }
    if (doc.HasMember("a2a_connections_open")) { // the A2A listener (ABI 1.5, docs/a2a.md)
      gauge("a2a_connections_open", "rivet_a2a_connections_open",
            "A2A listener connections open now", "gauge");
      gauge("a2a_connections_accepted", "rivet_a2a_connections_accepted_total",
            "A2A listener connections accepted", "counter");
      gauge("a2a_requests_in_progress", "rivet_a2a_requests_in_progress",
            "A2A listener requests being read or served now", "gauge");
      gauge("a2a_framing_errors", "rivet_a2a_framing_errors_total",
            "Malformed or oversized A2A listener requests", "counter");
      labelled("a2a_handshake_failures", "rivet_a2a_handshake_failures_total", "reason",
               "Failed TLS handshakes on the A2A listener, by reason");
      labelled("a2a_refused", "rivet_a2a_connections_refused_total", "reason",
               "A2A listener connections refused before the handshake, by limit");
      labelled("a2a_timeouts", "rivet_a2a_connection_timeouts_total", "phase",
               "A2A listener connections closed at a deadline, by phase");
    }
  }

  if (auto left = certSecondsLeft()) {
    w.family("rivet_certificate_expiry_seconds",
             "Seconds until this node's certificate expires (negative: expired)", "gauge");
    w.sample("rivet_certificate_expiry_seconds", {}, static_cast<double>(*left));
  }

  if (serving && node_.membership_) {
    try {
      std::string failure; // null reg then: missing gauges, /ready says why
      auto reg = node_.membership_->registry(failure);
      int64_t now = node_.membership_->store().now();
      std::map<std::string, uint64_t> byStatus;
      w.family("rivet_node_heartbeat_age_seconds",
               "Seconds since each node's lastSeen in mesh.json (first 64 nodes in file order)",
               "gauge");
      size_t shown = 0;
      for (const auto& n : reg ? reg->nodes() : std::vector<registry::NodeRecord>{}) {
        ++byStatus[clip(n.status(), 20)];
        if (shown < kMaxNodes && n.lastSeen() > 0) {
          ++shown;
          w.sample("rivet_node_heartbeat_age_seconds",
                   {{"node", clip(n.name().empty() ? n.id() : n.name())}},
                   static_cast<double>(now - n.lastSeen()) / 1000.0);
        }
      }
      w.family("rivet_mesh_nodes", "Nodes in mesh.json by status", "gauge");
      size_t statuses = 0;
      for (const auto& [status, n] : byStatus)
        if (statuses++ < 8)
          w.sample("rivet_mesh_nodes", {{"status", status}}, n);
    } catch (const std::exception&) {
      // an unreadable registry shows as missing gauges; /ready says why
    }
  }
  return w.text();
}

std::string MetricsReport::statusJson() {
  const auto& mesh = node_.config_.mesh;
  const auto phase = node_.phase_.load(std::memory_order_acquire);
  static const char* const kPhases[] = {"starting", "serving", "stopping", "stopped"};
  std::string o = "{\"node\":{\"name\":";
  util::appendJsonString(o, mesh.nodeName);
  o += ",\"version\":";
  util::appendJsonString(o, RIVET_VERSION);
  o += ",\"state\":\"";
  o += kPhases[static_cast<int>(phase)];
  o += "\",\"channel\":";
  if (mesh.enabled)
    util::appendJsonString(o, mesh.listenHost + ":" + std::to_string(mesh.agentChannelPort));
  else
    o += "null";
  o += ",\"agents\":";
  appendStrings(o, node_.agents_.ids(), kMaxAgentsShown);
  o += ",\"uptime_ms\":" + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::steady_clock::now() - node_.startedAt_)
                                              .count());
  o += ",\"cert_days_left\":";
  auto left = certSecondsLeft();
  o += left ? std::to_string(*left / 86400) : "null";
  o += "},\"mesh\":";
  o += mesh.enabled ? "true" : "false";

  o += ",\"nodes\":[";
  size_t omitted = 0;
  if (phase >= Node::Phase::Serving && node_.membership_) {
    try {
      std::string failure; // null reg then: no nodes listed, /ready says why
      auto reg = node_.membership_->registry(failure);
      int64_t now = node_.membership_->store().now();
      size_t shown = 0;
      for (const auto& n : reg ? reg->nodes() : std::vector<registry::NodeRecord>{}) {
        if (shown == kMaxNodes) {
          ++omitted;
          continue;
        }
        o += shown++ ? ",{" : "{";
        o += "\"name\":";
        util::appendJsonString(o, clip(n.name().empty() ? n.id() : n.name()));
        o += ",\"status\":";
        bool stale = n.lastSeen() > 0 && now - n.lastSeen() > mesh.staleThresholdMs;
        util::appendJsonString(o, stale && n.status() == "online" ? "stale" : clip(n.status(), 20));
        o += ",\"address\":";
        util::appendJsonString(o, clip(n.host()) + ":" + std::to_string(n.port()));
        o += ",\"agents\":";
        appendStrings(o, n.agents(), kMaxAgentsShown);
        o += ",\"heartbeat_age_ms\":";
        o += n.lastSeen() > 0 ? std::to_string(now - n.lastSeen()) : "null";
        o += "}";
      }
    } catch (const std::exception&) {
    }
  }
  o += "],\"nodes_omitted\":" + std::to_string(omitted);

  o += ",\"tasks\":[";
  auto running = node_.engine_.liveTasks().running();
  auto nowClock = std::chrono::steady_clock::now();
  size_t shownTasks = 0;
  for (const auto& t : running) {
    if (shownTasks == 100)
      break;
    o += shownTasks++ ? ",{" : "{";
    o += "\"agent\":";
    util::appendJsonString(o, clip(t->agentId));
    o += ",\"from_agent\":";
    util::appendJsonString(o, clip(t->fromAgent));
    o += ",\"from_node\":";
    util::appendJsonString(o, clip(t->fromNode));
    o += ",\"task_id\":";
    util::appendJsonString(o, clip(t->taskId));
    auto started = t->deadline - std::chrono::milliseconds(t->timeoutMs);
    o += ",\"running_ms\":" +
         std::to_string(
             std::chrono::duration_cast<std::chrono::milliseconds>(nowClock - started).count());
    o += ",\"depth\":" + std::to_string(t->depth) + "}";
  }
  o += "],\"recent\":[";
  bool first = true;
  for (const auto& e : node_.metrics_.recent()) {
    o += first ? "{" : ",{";
    first = false;
    o += "\"at_ms\":" + std::to_string(e.atMs) + ",\"kind\":";
    util::appendJsonString(o, e.kind);
    o += ",\"agent\":";
    util::appendJsonString(o, clip(e.agent));
    o += ",\"peer\":";
    util::appendJsonString(o, clip(e.peer));
    o += ",\"result\":";
    util::appendJsonString(o, e.result);
    o += ",\"duration_ms\":" + std::to_string(e.durationMs) + "}";
  }
  o += "]}";
  return o;
}

} // namespace rivet::app
