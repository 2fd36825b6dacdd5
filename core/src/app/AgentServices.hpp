// What the node offers agents (abi.h delegate, roster, task_credential), and the same for
// programs that present a task credential on the delegation socket: every delegation is tied
// to the running task it is part of, so depth, path, asker and deadline carry over.
#pragma once

#include "app/DelegateSocket.hpp"
#include "delegation/DelegationEngine.hpp"

#include "rivet/sdk/abi.h"

#include <memory>
#include <string>
#include <string_view>

namespace rivet::app {

class AgentServices {
public:
  AgentServices(delegation::DelegationEngine& engine, std::string nodeName);

  rivet_task_status delegate(std::string_view caller, const rivet_task* current,
                             std::string_view requestJson, std::string& resultJson);
  std::string roster(std::string_view caller, const rivet_task* current);
  bool taskCredential(std::string_view caller, const rivet_task* current, std::string& out);
  // abi.h progress: hands it to the task's observer (none: taken and dropped).
  bool progress(const rivet_task* current, std::string_view kind, std::string_view text);

  // Starts the delegation socket in `stateDir`; on failure logs a WARN saying what does not
  // work without it, and the node runs on.
  void startSocket(const std::string& stateDir);
  void stopSocket();

  // A delegation as part of `parent` (null: a new task of `caller`), from abi.h's request JSON.
  rivet_task_status delegateAs(const std::string& caller,
                               const std::shared_ptr<plugin::TaskContext>& parent,
                               std::string_view requestJson, std::string& resultJson);

private:
  // The live task a plugin passed in; null with `problem` set when it is not one.
  std::shared_ptr<plugin::TaskContext> liveTask(const rivet_task* current, std::string& problem);

  delegation::DelegationEngine& engine_;
  std::string nodeName_;
  std::unique_ptr<DelegateSocket> socket_;
};

} // namespace rivet::app
