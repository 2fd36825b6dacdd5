// The node's task layer: the journal in mesh.state_dir (or a private folder), the TaskService
// and its endpoints, and the adapter that answers them through the transport's asynchronous
// responder (abi.h), streams included.
#pragma once

#include "a2a/A2aService.hpp"
#include "config/Config.hpp"
#include "delegation/DelegationEngine.hpp"
#include "plugin/HostGate.hpp"
#include "tasks/TaskEndpoints.hpp"
#include "tasks/TaskService.hpp"
#include "tasks/TaskStore.hpp"

#include "rivet/sdk/abi.h"

#include <memory>
#include <string>

namespace rivet::app {

class TaskHosting {
public:
  // Opens the journal and fails the tasks a previous run left running; throws
  // std::runtime_error naming the journal when it cannot be used.
  TaskHosting(const config::Config& config, delegation::DelegationEngine& engine);
  ~TaskHosting();
  TaskHosting(const TaskHosting&) = delete;
  TaskHosting& operator=(const TaskHosting&) = delete;

  // On a host thread: answers `request` (a task endpoint) through `responder`.
  void serve(const channel::ChannelRequest& request, const rivet_async_responder& responder,
             const std::shared_ptr<plugin::HostGate>& gate);
  // A2A (docs/a2a.md): whether this node serves it, and the answer to a request from the A2A
  // listener, on a host thread.
  bool servesA2a() const { return a2a_ != nullptr; }
  void serveA2a(const channel::ChannelRequest& request, const rivet_async_responder& responder,
                const std::shared_ptr<plugin::HostGate>& gate);
  // SIGHUP: a2a.tokens_file is read again.
  void reloadA2aTokens() {
    if (a2a_)
      a2a_->reloadTokens();
  }
  // Before the transport stops: every event stream ends.
  void closeStreams() { service_->closeStreams(); }
  void stopAll() { service_->stopAll(); }
  void drain(std::chrono::milliseconds grace) { service_->drain(grace); }

private:
  std::string privateFolder_; // removed at destruction; empty with mesh.state_dir
  std::unique_ptr<tasks::TaskStore> store_;
  std::unique_ptr<tasks::TaskService> service_;
  std::unique_ptr<tasks::TaskEndpoints> endpoints_;
  std::unique_ptr<a2a::A2aService> a2a_;
};

} // namespace rivet::app
