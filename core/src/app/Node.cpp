// Node start-up and shutdown, and the host services offered to plugins.
#include "app/Node.hpp"

#include "delegation/RemoteCall.hpp"

#include "app/ChannelReply.hpp"
#include "app/PluginPlan.hpp"

#include "config/ConfigLoader.hpp"
#include "config/MetricsSection.hpp"

#include "log/Log.hpp"
#include "plugin/AgentFactory.hpp"
#include "plugin/NodeInfo.hpp"
#include "plugin/PluginPaths.hpp"

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

namespace rivet::app {
namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items)
    out += (out.empty() ? "" : ", ") + i;
  return out;
}

void writeError(rivet_peer_response& response, const std::string& text) {
  if (response.error.write)
    response.error.write(response.error.ctx, text.data(), text.size());
}

// The transport waits up to 10 s for requests in progress; tasks still running after this are
// cancelled so that the wait ends in time (a command's process group gets its kill grace).
constexpr auto kCancelAfter = std::chrono::seconds(7);

// Runs `action` once after `delay` unless destroyed first.
class ShutdownTimer {
public:
  ShutdownTimer(std::chrono::milliseconds delay, std::function<void()> action)
      : thread_([this, delay, action = std::move(action)] {
          std::unique_lock<std::mutex> lock(mutex_);
          if (!wake_.wait_for(lock, delay, [this] { return done_; }))
            action();
        }) {}
  ~ShutdownTimer() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread thread_;
};

// Counts the status of a task endpoint's one answer (abi.h: one respond, or begin ... end),
// which may come from any thread long after dispatchAsync returned, and passes every call on.
// It frees itself with the answer; one never answered (dropped at shutdown) is freed with the
// node, which keeps the list of those outstanding.
struct CountingResponder {
  rivet_async_responder inner;
  metrics::NodeMetrics* counts;
  metrics::Endpoint endpoint;
  Node::OpenAnswers* open;

  static CountingResponder* of(void* ctx) { return static_cast<CountingResponder*>(ctx); }
  static void release(CountingResponder* self) {
    {
      std::lock_guard<std::mutex> lock(self->open->mutex);
      self->open->items.erase(self);
    }
    delete self;
  }
  static void respond(void* ctx, int status, const rivet_header* h, size_t n, rivet_str body) {
    auto* self = of(ctx);
    self->counts->request(self->endpoint, status);
    rivet_async_responder inner = self->inner;
    release(self);
    inner.respond(inner.ctx, status, h, n, body);
  }
  static int begin(void* ctx, int status, const rivet_header* h, size_t n) {
    auto* self = of(ctx);
    self->counts->request(self->endpoint, status);
    return self->inner.begin(self->inner.ctx, status, h, n);
  }
  static int chunk(void* ctx, rivet_str data) {
    auto* self = of(ctx);
    return self->inner.chunk(self->inner.ctx, data);
  }
  static void end(void* ctx) {
    rivet_async_responder inner = of(ctx)->inner;
    release(of(ctx));
    inner.end(inner.ctx);
  }
};

} // namespace

Node::Node(config::Config config)
    : config_(std::move(config)), policy_(config_.policy, config_.mesh.nodeName),
      engine_({config_.mesh.nodeName, config_.mesh.maxChainDepth, config_.mesh.agentWorkers, 5000},
              agents_, nullptr,
              [this](const rivet_peer_request& req, rivet_peer_response& resp) {
                return request(req, resp);
              }),
      channel_(config_.mesh.nodeName, agents_, engine_),
      agentServices_(engine_, config_.mesh.nodeName) {
  pluginDir_ = config_.plugins.dir.empty() ? plugin::defaultPluginDir() : config_.plugins.dir;
  agentsDir_ = config_.plugins.agentsDir.empty() ? pluginDir_ : config_.plugins.agentsDir;
  nodeInfo_ = plugin::nodeInfoJson(config_);
  catalog_.useStateDir(config_.mesh.stateDir); // private copies of plugins go there
  catalog_.setShippedDir(pluginDir_);
  dropped_ = std::make_unique<plugin::DroppedAgents>(config_.mesh.stateDir);
  engine_.setMetrics(&metrics_);
  engine_.setPolicy(&policy_);
  engine_.setAsyncCaller(
      [this](const rivet_peer_request& req, std::function<void(delegation::PeerAnswer)> done) {
        return requestAsync(req, std::move(done));
      });
}

Node::~Node() {
  stop();
  if (metricsServer_) // start() failed: stop() had nothing to do
    metricsServer_->stop();
  gate()->close(); // a plugin thread still running gets an error from the host API from now on
  // No answer can come any more (the transport is gone): free those that never came.
  std::lock_guard<std::mutex> lock(openAnswers_.mutex);
  for (void* p : openAnswers_.items)
    delete static_cast<CountingResponder*>(p);
  openAnswers_.items.clear();
}

void Node::loadPlugins() {
  auto logger = log::get("Plugins");
  logger->info("Loading plugins from {}{}", pluginDir_,
               agentsDir_ == pluginDir_ ? "" : " and " + agentsDir_);
  loadConfiguredPlugins(catalog_, config_, pluginDir_, agentsDir_);
  for (auto kind : {RIVET_KIND_TRANSPORT, RIVET_KIND_DISCOVERY, RIVET_KIND_AGENT})
    for (const auto& p : catalog_.ofKind(kind))
      logger->debug("Found {} plugin {} {} (ABI {}) at {}", plugin::kindName(kind), p->name(),
                    p->version(), p->abiVersion(), p->path);
}

std::unique_ptr<plugin::PluginInstance> Node::startRequired(const std::string& name,
                                                            rivet_kind kind, const std::string& key,
                                                            const std::string& component,
                                                            const std::string& settingsJson) {
  auto p = catalog_.find(name);
  if (!p)
    throw StartupError(key + " needs plugin '" + name +
                       "': " + catalog_.missingMessage(name, pluginDir_));
  if (p->kind() != kind)
    throw StartupError(key + ": plugin '" + name + "' (" + p->path + ") is a " +
                       plugin::kindName(p->kind()) + " plugin, not a " + plugin::kindName(kind) +
                       " plugin");
  auto instance = std::make_unique<plugin::PluginInstance>(p, *this, name, component, settingsJson);
  try {
    instance->create();
    instance->start();
  } catch (const plugin::InstanceError& e) {
    throw StartupError(key + ": " + e.what());
  }
  log::get("Plugins")->info("Started {} plugin {} {} from {}", plugin::kindName(kind), name,
                            p->version(), p->path);
  return instance;
}

void Node::start() {
  auto logger = log::get("Node");
  logger->info("Starting node {} (config {})", config_.mesh.nodeName, config_.sourcePath);
  // What the agents folder holds now is loaded (or not) by start-up; anything copied in from
  // here on is a hot-drop, even while the node is still starting.
  dropWatcher_ = std::make_unique<plugin::DropWatcher>(
      agentsDir_, [this](const std::string& path) { hotDrop(path); });
  try {
    instanceLock_ = std::make_unique<InstanceLock>(config_.mesh.stateDir, config_.mesh.nodeName,
                                                   config_.mesh.agentChannelPort);
  } catch (const std::exception& e) {
    throw StartupError(e.what());
  }
  startMetrics(); // answers 503 on /health until the node serves
  dropWatcher_->snapshot();
  agentServices_.startSocket(config_.mesh.stateDir); // before any agent can run a task
  loadPlugins();
  try {
    plugin::createConfiguredAgents(
        config_, catalog_,
        agentsDir_ == pluginDir_ ? pluginDir_ : pluginDir_ + " and " + agentsDir_, *this, agents_);
  } catch (const plugin::InstanceError& e) {
    throw StartupError(e.what());
  }
  restartDroppedAgents();
  if (config_.mesh.enabled) {
    // Everything a request may touch is in place before the transport accepts the first one.
    membership_ = std::make_unique<Membership>(config_.mesh, agents_);
    membership_->setPolicy(&policy_); // its summary goes into this node's record
    membership_->store().setTimers(&metrics_.registryRead(), &metrics_.registryWrite());
    engine_.setDirectory(membership_.get());
    channel_.setRegistry(membership_.get());
    dispatchPool_ =
        std::make_unique<delegation::WorkerPool>(std::max(64, 2 * config_.mesh.agentWorkers));
    try {
      tasks_ = std::make_unique<TaskHosting>(config_, engine_);
    } catch (const std::exception& e) {
      throw StartupError(e.what());
    }
    auto transport =
        startRequired("transport-" + config_.mesh.transport, RIVET_KIND_TRANSPORT, "mesh.transport",
                      "AgentChannel", channelSettingsJson(config_.mesh));
    {
      // The metrics listener (started above) reads the transport under this lock.
      std::unique_lock<std::shared_mutex> lock(transportMutex_);
      transport_ = std::move(transport);
    }
    transportUp_ = true;
    engine_.useAsyncCaller(transportForwardsOnLoop());
    if (config_.a2a.enabled && transport_->plugin().descriptor->abi_minor < 5)
      throw StartupError("a2a.enabled: the transport plugin " + transport_->plugin().name() +
                         " speaks ABI " + transport_->plugin().abiVersion() +
                         ", which opens no A2A listener (that needs ABI 1.5); install the "
                         "transport-mtls of this release, or set a2a.enabled: false");
    try {
      membership_->start(); // registers once the channel listens
    } catch (const std::exception& e) {
      throw StartupError(e.what());
    }
    if (!config_.mesh.discovery.mode.empty())
      startDiscovery();
  } else {
    logger->info("Mesh disabled (mesh.enabled: false): serving local agents only, no agent "
                 "channel");
  }
  dropWatcher_->onRemoved([this](const std::string& path) { droppedFileRemoved(path); });
  dropWatcher_->start();
  started_ = true;
  phase_.store(Phase::Serving, std::memory_order_release);
  auto ids = agents_.ids();
  logger->info("Node {} ready: {} agent{} ({})", config_.mesh.nodeName, ids.size(),
               ids.size() == 1 ? "" : "s", ids.empty() ? "none" : joined(ids));
}

void Node::stop() {
  if (!started_)
    return;
  started_ = false;
  phase_.store(Phase::Stopping, std::memory_order_release); // /health answers 503 from now on
  auto logger = log::get("Node");
  logger->info("Stopping node {}", config_.mesh.nodeName);
  dropWatcher_.reset();
  if (tasks_) // first, while requests still go out: what they started elsewhere is cancelled
    tasks_->stopAll();
  {
    // Requests in progress may finish within the transport's grace; the tasks still running
    // shortly before it ends are cancelled, so that their requests end with it too.
    ShutdownTimer cancelLate(kCancelAfter, [this] { engine_.cancelRunning(); });
    if (tasks_)
      tasks_->closeStreams(); // an event stream would hold the transport's stop to its grace
    if (transport_) {         // first: no new requests; those in progress finish
      transportUp_ = false;
      engine_.useAsyncCaller(false); // workers forward what still comes during the grace
      transport_->stop();
      logger->info("Agent channel stopped");
    }
  }
  // Remote tasks of cancelled parents send their cancels (each within 5 s, tried twice).
  if (!engine_.shutdown(std::chrono::seconds(3), std::chrono::seconds(11)))
    logger->warn("an agent was still running 3 s after it was cancelled; stopping anyway (its "
                 "plugin is not stopped while it runs)");
  if (tasks_)
    tasks_->drain(std::chrono::seconds(3)); // tasks record how they ended
  agentServices_.stopSocket();
  if (membership_)
    membership_->stop(); // marks this node offline
  if (discovery_) {
    discoveryUp_ = false;
    discovery_->stop(); // withdraws mDNS
    logger->info("Discovery stopped");
  }
  if (verifier_)
    verifier_->stop();
  agents_.stopAll();
  logger->info("Agents stopped");
  if (dispatchPool_ && !dispatchPool_->drain(std::chrono::seconds(3)))
    logger->warn("a request to this node was still being served 3 s after the agents stopped; "
                 "its answer is dropped");
  replyGate_->close(); // no answer reaches the transport from now on
  discovery_.reset();
  {
    std::unique_lock<std::shared_mutex> lock(transportMutex_); // waits for requests under way
    transport_.reset();
  }
  phase_.store(Phase::Stopped, std::memory_order_release);
  if (metricsServer_) {
    metricsServer_->stop(); // last: /health said 503 while the node stopped
    logger->info("Metrics listener stopped");
  }
}

std::string Node::nodeInfoJson() const {
  return nodeInfo_;
}

rivet_net_result Node::request(const rivet_peer_request& request, rivet_peer_response& response) {
  std::shared_lock<std::shared_mutex> lock(transportMutex_); // stop() resets it under the lock
  if (!transport_) {
    writeError(response, "no transport is loaded on this node (mesh.enabled is false)");
    return RIVET_NET_UNAVAILABLE;
  }
  auto ops = static_cast<const rivet_transport_ops*>(transport_->plugin().ops());
  return ops->request(transport_->instance(), &request, &response);
}

bool Node::transportForwardsOnLoop() const {
  auto ops = static_cast<const rivet_transport_ops*>(transport_->plugin().ops());
  return ops->struct_size >= offsetof(rivet_transport_ops, request_async) + sizeof(void*) &&
         ops->request_async;
}

namespace {

// request_async's `done` (abi.h 1.6): the answer as the engine reads it.
void answerArrived(void* ctx, rivet_net_result result, int status, rivet_str body,
                   rivet_str error) {
  std::unique_ptr<std::function<void(delegation::PeerAnswer)>> done(
      static_cast<std::function<void(delegation::PeerAnswer)>*>(ctx));
  try { // nothing may cross the plugin boundary (abi.h), nor end the transport's I/O thread
    delegation::PeerAnswer a;
    a.net = result;
    a.status = status;
    a.body.assign(body.data ? body.data : "", body.len);
    a.error.assign(error.data ? error.data : "", error.len);
    (*done)(std::move(a));
  } catch (const std::exception& e) {
    log::get("MeshDelegation")->error("Handling a peer's answer failed: {}", e.what());
  } catch (...) {
    log::get("MeshDelegation")->error("Handling a peer's answer failed");
  }
}

} // namespace

bool Node::requestAsync(const rivet_peer_request& request,
                        std::function<void(delegation::PeerAnswer)> done) {
  // transportUp_ first: stop() resets the transport under the lock, and an answer that arrives
  // then (a request the transport ends as it goes) must not wait for that lock.
  if (!transportUp_.load())
    return false;
  std::shared_lock<std::shared_mutex> lock(transportMutex_);
  if (!transport_)
    return false;
  auto ops = static_cast<const rivet_transport_ops*>(transport_->plugin().ops());
  auto ctx = std::make_unique<std::function<void(delegation::PeerAnswer)>>(std::move(done));
  if (ops->request_async(transport_->instance(), &request, ctx.get(), &answerArrived) != RIVET_OK)
    return false;
  ctx.release(); // answerArrived owns it now
  return true;
}

void Node::peersSeen(std::string_view peersJson) {
  log::get("Discovery")->debug("Peers reported: {}", peersJson);
  if (verifier_)
    verifier_->seen(peersJson);
}

void Node::peerLost(std::string_view name) {
  log::get("Discovery")->info("Peer lost: {}", name);
  if (verifier_)
    verifier_->lost(name);
}

void Node::startDiscovery() {
  const auto& mesh = config_.mesh;
  verifier_ = std::make_unique<discovery::PeerVerifier>(
      discovery::VerifierSettings{mesh.nodeName, mesh.heartbeatIntervalMs, 3}, membership_->store(),
      [this](const rivet_peer_request& req, rivet_peer_response& resp) {
        return request(req, resp);
      });
  verifier_->start();
  discovery_ = startRequired("discovery-" + mesh.discovery.mode, RIVET_KIND_DISCOVERY,
                             "mesh.discovery.mode", "Discovery", discoverySettingsJson(mesh));
  discoveryUp_ = true;
  announceSelf();
}

void Node::announceSelf() {
  if (!discovery_ || !membership_)
    return;
  std::string self = membership_->selfJson();
  auto ops = static_cast<const rivet_discovery_ops*>(discovery_->plugin().ops());
  ops->self_changed(discovery_->instance(), {self.data(), self.size()});
}

namespace {

channel::ChannelRequest channelRequest(const rivet_inbound_request& request) {
  auto view = [](rivet_str s) { return std::string_view(s.data ? s.data : "", s.len); };
  channel::ChannelRequest r{view(request.method), view(request.path), view(request.body),
                            view(request.peer_cn), view(request.peer_address)};
  if (request.struct_size >= offsetof(rivet_inbound_request, header_count) + sizeof(size_t)) {
    r.headers = request.headers; // ABI 1.3
    r.headerCount = request.headers ? request.header_count : 0;
  }
  return r;
}

// ABI 1.5: a request that came in on the A2A listener, whose clients need not be mesh nodes.
bool fromA2aListener(const rivet_inbound_request& request) {
  if (request.struct_size < offsetof(rivet_inbound_request, listener) + sizeof(rivet_str))
    return false;
  return std::string_view(request.listener.data ? request.listener.data : "",
                          request.listener.len) == "a2a";
}

} // namespace

void Node::servePooled(const rivet_async_responder& original, metrics::Endpoint endpoint,
                       PooledServe serve) {
  auto* counting = new CountingResponder{original, &metrics_, endpoint, &openAnswers_};
  {
    std::lock_guard<std::mutex> lock(openAnswers_.mutex);
    openAnswers_.items.insert(counting);
  }
  const rivet_async_responder responder{sizeof(rivet_async_responder), counting,
                                        &CountingResponder::respond,   &CountingResponder::begin,
                                        &CountingResponder::chunk,     &CountingResponder::end};
  bool started = dispatchPool_->trySubmit(
      [serve = std::move(serve), responder, gate = replyGate_] { serve(responder, gate); });
  if (!started) {
    std::string busy = "{\"error\":\"Node busy: all " + std::to_string(dispatchPool_->size()) +
                       " request threads are in use\"}";
    if (replyGate_->enter()) {
      respondWith(responder.ctx, responder.respond, {503, busy, 5});
      replyGate_->leave();
    }
  }
}

void Node::dispatchA2a(const channel::ChannelRequest& r, const rivet_async_responder& original) {
  if (!tasks_ || !tasks_->servesA2a()) { // a transport that opened the listener on its own
    const std::string body = R"j({"error":"This node serves no A2A (rivet.yaml a2a.enabled)"})j";
    if (replyGate_->enter()) {
      original.respond(original.ctx, 404, nullptr, 0, {body.data(), body.size()});
      replyGate_->leave();
    }
    return;
  }
  servePooled(
      original, metrics::Endpoint::A2a,
      [this, r](const rivet_async_responder& responder,
                const std::shared_ptr<plugin::HostGate>& g) { tasks_->serveA2a(r, responder, g); });
}

void Node::dispatch(const rivet_inbound_request& request, rivet_responder& responder) {
  if (fromA2aListener(request)) { // only dispatch_async serves A2A (abi.h 1.5)
    const std::string body = R"({"error":"A2A requests need the transport's dispatch_async"})";
    responder.respond(responder.ctx, 503, nullptr, 0, {body.data(), body.size()});
    return;
  }
  channel::ChannelRequest r = channelRequest(request);
  channel::ChannelResponse out = channel_.handle(r);
  metrics_.request(metrics::endpointOf(r.path), out.status);
  respondWith(responder.ctx, responder.respond, out);
}

void Node::dispatchAsync(const rivet_inbound_request& request,
                         const rivet_async_responder& original) {
  channel::ChannelRequest r = channelRequest(request); // valid until the answer (abi.h)
  if (fromA2aListener(request))
    return dispatchA2a(r, original);
  const metrics::Endpoint endpoint = metrics::endpointOf(r.path);
  auto reply = [this, gate = replyGate_, original, endpoint](const channel::ChannelResponse& out) {
    if (!gate->enter())
      return; // the transport is going away
    metrics_.request(endpoint, out.status);
    respondWith(original.ctx, original.respond, out);
    gate->leave();
  };
  if (tasks_ && tasks::TaskEndpoints::handles(r.path)) // reads and writes the journal
    return servePooled(
        original, endpoint,
        [this, r](const rivet_async_responder& responder,
                  const std::shared_ptr<plugin::HostGate>& g) { tasks_->serve(r, responder, g); });
  try {
    if (channel_.answerOnLoop(r, reply))
      return;
  } catch (const std::exception& e) {
    log::get("AgentChannel")
        ->error("Agent channel request failed {} {}: {}", r.method, r.path, e.what());
    return reply({500, R"({"error":"Internal error"})", 0});
  }
  bool started = dispatchPool_ && dispatchPool_->trySubmit([this, r, reply, gate = gate()] {
    channel::ChannelResponse out{503, R"({"error":"Node is stopping"})", 0};
    if (gate->enter()) { // the node outlives this call
      try {
        out = channel_.handle(r);
      } catch (...) {
        out = {500, R"({"error":"Internal error"})", 0};
      }
      gate->leave();
    }
    reply(out);
  });
  if (!started)
    reply({503,
           "{\"error\":\"Node busy: all " +
               std::to_string(dispatchPool_ ? dispatchPool_->size() : 0) +
               " request threads are in use\"}",
           5});
}

bool Node::reload() {
  reloadPolicy();
  if (!transport_) {
    log::get("rivetd")->info("SIGHUP: nothing to reload (no transport loaded)");
    return true;
  }
  auto ops = static_cast<const rivet_transport_ops*>(transport_->plugin().ops());
  std::string error;
  rivet_writer w{&error, [](void* ctx, const char* d, size_t n) {
                   static_cast<std::string*>(ctx)->append(d, n);
                 }};
  return ops->reload(transport_->instance(), &w) == RIVET_OK;
}

void Node::reloadPolicy() {
  auto log = log::get("rivetd");
  if (config_.sourcePath.empty())
    return;
  config::LoadResult loaded;
  try {
    loaded = config::loadConfigFile(config_.sourcePath);
  } catch (const std::exception& e) {
    log->error("SIGHUP: the policy stays as it was: {}", e.what());
    return;
  }
  for (const auto& w : loaded.warnings)
    log->warn("SIGHUP: {}", w);
  if (tasks_)
    tasks_->reloadA2aTokens();
  const std::string before = policy_.rules()->revision();
  policy_.update(loaded.config.policy);
  const std::string after = policy_.rules()->revision();
  if (before == after) {
    log->info("SIGHUP: policy reloaded, its rules unchanged (revision {})", after);
    return;
  }
  log->info("SIGHUP: policy reloaded: {} entries, revision {} (was {})",
            loaded.config.policy.agents.size(), after, before);
  if (membership_)
    membership_->agentsChanged(); // other nodes' rosters follow within a heartbeat
}

void Node::startMetrics() {
  const auto& m = config_.metrics;
  if (!m.enabled)
    return;
  metricsReport_ = std::make_unique<MetricsReport>(*this);
  metricsServer_ = std::make_unique<MetricsServer>(m, *metricsReport_);
  try {
    metricsServer_->start();
  } catch (const std::exception& e) {
    metricsServer_.reset();
    throw StartupError(std::string("metrics: ") + e.what());
  }
  auto logger = log::get("Metrics");
  if (!config::isLoopbackAddress(m.address))
    logger->warn("the metrics listener at {} is reachable from other machines (metrics."
                 "allow_remote: true); it has no authentication: let only your Prometheus reach "
                 "it (firewall)",
                 metricsServer_->url());
  logger->info("Metrics listening on {} (/metrics, /health, /ready, status page at /)",
               metricsServer_->url());
}

rivet_task_status Node::delegate(std::string_view caller, const rivet_task* current,
                                 std::string_view requestJson, std::string& resultJson) {
  return agentServices_.delegate(caller, current, requestJson, resultJson);
}

std::string Node::roster(std::string_view caller, const rivet_task* current) {
  return agentServices_.roster(caller, current);
}

bool Node::taskCredential(std::string_view caller, const rivet_task* current, std::string& out) {
  return agentServices_.taskCredential(caller, current, out);
}

bool Node::progress(std::string_view, const rivet_task* current, std::string_view kind,
                    std::string_view text) {
  return agentServices_.progress(current, kind, text);
}

} // namespace rivet::app
