// Turns how a command run ended into the task's result: its answer, or a reason a user can act
// on (exit status and stderr tail, signal, deadline).
#pragma once

#include "CommandRun.hpp"

#include <rivet/sdk/plugin.hpp>

#include <string>

namespace rivet::command {

/// `argv0` names the command in messages; `deadlineMs` is the deadline the run had.
sdk::TaskResult reportOutcome(RunOutcome outcome, const std::string& argv0, int64_t deadlineMs,
                              size_t maxOutputBytes);

} // namespace rivet::command
