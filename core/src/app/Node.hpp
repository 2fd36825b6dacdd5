// One rivetd node: plugins, agents and (later) registry and channel, started and stopped in the
// order of ARCHITECTURE.md "Threads". Implements the host services plugins call.
#pragma once

#include "app/AgentServices.hpp"
#include "app/InstanceLock.hpp"
#include "app/Membership.hpp"
#include "app/MetricsReport.hpp"
#include "app/MetricsServer.hpp"
#include "app/TaskHosting.hpp"
#include "channel/AgentChannel.hpp"
#include "config/Config.hpp"
#include "delegation/DelegationEngine.hpp"
#include "discovery/PeerVerifier.hpp"
#include "metrics/NodeMetrics.hpp"
#include "plugin/AgentSet.hpp"
#include "plugin/DropWatcher.hpp"
#include "plugin/DroppedAgents.hpp"
#include "plugin/HostServices.hpp"
#include "plugin/PluginCatalog.hpp"
#include "plugin/PluginInstance.hpp"
#include "policy/Gate.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <unordered_set>

namespace rivet::app {

// A start-up failure caused by configuration or a required plugin (exit 78).
class StartupError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Node : public plugin::HostServices {
public:
  explicit Node(config::Config config);
  ~Node() override;

  void start(); // throws StartupError
  void stop();  // idempotent
  // SIGHUP: re-read reloadable material (the transport's certificates, the policy). False on
  // refusal.
  bool reload();
  const policy::Gate& policy() const { return policy_; }

  const plugin::AgentSet& agents() const { return agents_; }

  // The task endpoints' answers not given yet (their counting wrappers, freed with the node).
  struct OpenAnswers {
    std::mutex mutex;
    std::unordered_set<void*> items;
  };

  // HostServices
  std::string nodeInfoJson() const override;
  rivet_net_result request(const rivet_peer_request& request,
                           rivet_peer_response& response) override;
  void peersSeen(std::string_view peersJson) override;
  // The transport's request_async (abi.h 1.6); false when it did not take the request.
  bool requestAsync(const rivet_peer_request& request,
                    std::function<void(delegation::PeerAnswer)> done);
  void peerLost(std::string_view name) override;
  void dispatch(const rivet_inbound_request& request, rivet_responder& responder) override;
  void dispatchAsync(const rivet_inbound_request& request,
                     const rivet_async_responder& responder) override;
  // Runs `serve` on a request thread with a responder that counts the answer's status under
  // `endpoint`; answers 503 at once when every request thread is busy.
  using PooledServe =
      std::function<void(const rivet_async_responder&, const std::shared_ptr<plugin::HostGate>&)>;
  void servePooled(const rivet_async_responder& original, metrics::Endpoint endpoint,
                   PooledServe serve);
  // A request from the A2A listener (ABI 1.5): the A2A service, never the agent channel.
  void dispatchA2a(const channel::ChannelRequest& r, const rivet_async_responder& original);
  rivet_task_status delegate(std::string_view caller, const rivet_task* current,
                             std::string_view requestJson, std::string& resultJson) override;
  std::string roster(std::string_view caller, const rivet_task* current) override;
  bool taskCredential(std::string_view caller, const rivet_task* current,
                      std::string& out) override;
  bool progress(std::string_view caller, const rivet_task* current, std::string_view kind,
                std::string_view text) override;

private:
  bool transportForwardsOnLoop() const; // its table has request_async
  friend class MetricsReport;           // reads the parts below for the metrics listener

  enum class Phase { Starting, Serving, Stopping, Stopped };

  void loadPlugins();
  void startMetrics();
  // Dropped plugins (NodeDrops.cpp, rules in docs/agents.md): a file copied into
  // plugins.agents_dir while running; one removed from it; at start-up, the agents hot-dropped
  // before that are started again while their files are there.
  void hotDrop(const std::string& path);
  void droppedFileRemoved(const std::string& path);
  void restartDroppedAgents();
  bool startDroppedAgent(const std::string& path, bool atStartUp);
  std::unique_ptr<plugin::PluginInstance> startRequired(const std::string& name, rivet_kind kind,
                                                        const std::string& key,
                                                        const std::string& component,
                                                        const std::string& settingsJson = "{}");
  void startDiscovery();
  // Tells the discovery plugin this node's current record (announced over mDNS, joined to a seed).
  void announceSelf();
  // The policy of the configuration file as it is now; a broken file keeps the old one.
  void reloadPolicy();

  config::Config config_;
  std::unique_ptr<InstanceLock> instanceLock_; // held from start() to destruction
  std::string pluginDir_;
  std::string agentsDir_;
  std::string nodeInfo_;
  plugin::PluginCatalog catalog_;
  plugin::AgentSet agents_;
  policy::Gate policy_; // before engine_, which enforces it
  delegation::DelegationEngine engine_;
  channel::AgentChannel channel_;
  AgentServices agentServices_;
  std::unique_ptr<TaskHosting> tasks_; // the task API (mesh enabled only)
  std::unique_ptr<plugin::PluginInstance> transport_;
  std::shared_mutex transportMutex_; // request() shares it; stop() resets transport_ alone
  std::unique_ptr<plugin::PluginInstance> discovery_;
  std::unique_ptr<plugin::DropWatcher> dropWatcher_;
  std::unique_ptr<plugin::DroppedAgents> dropped_; // the record of hot-dropped agents
  std::unique_ptr<Membership> membership_;
  std::unique_ptr<discovery::PeerVerifier> verifier_;
  // Threads for inbound requests that may block (agents on the worker pool, forwarding, the
  // registry's files); the transport's I/O threads never wait for them.
  std::unique_ptr<delegation::WorkerPool> dispatchPool_;
  // Closed before the transport is destroyed: answers after it are dropped (abi.h).
  std::shared_ptr<plugin::HostGate> replyGate_ = std::make_shared<plugin::HostGate>();
  bool started_ = false;
  // For the metrics listener, which reads them from its own threads.
  std::atomic<Phase> phase_{Phase::Starting};
  std::atomic<bool> transportUp_{false}; // the agent channel listens
  std::atomic<bool> discoveryUp_{false};
  std::chrono::steady_clock::time_point startedAt_ = std::chrono::steady_clock::now();
  metrics::NodeMetrics metrics_;
  std::unique_ptr<MetricsReport> metricsReport_;
  OpenAnswers openAnswers_;
  std::unique_ptr<MetricsServer> metricsServer_; // last: stopped before anything it reads
};

} // namespace rivet::app
