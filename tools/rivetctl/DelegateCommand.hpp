// `rivetctl delegate AGENT "task"`: run inside a task of a command agent, it delegates as part
// of that task through the node's delegation socket (RIVET_DELEGATE_SOCKET, RIVET_TASK_TOKEN),
// so depth, path, asker and the remaining deadline carry over. `--roster` lists who can be asked.
#pragma once

#include <string>
#include <vector>

namespace rivet::ctl {

int delegateCommand(const std::vector<std::string>& args);

} // namespace rivet::ctl
