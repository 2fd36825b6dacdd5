// `rivetctl send --follow`: a submitted task watched through its event stream until it ends,
// with progress shown live, reconnecting without loss, and Ctrl-C cancelling it.
#pragma once

#include "LocalNode.hpp"

#include <string>

namespace rivet::ctl {

// Follows task `task` (the object the submit answered) on `node`; returns the exit code.
int followTask(LocalNode& node, const sdk::json::Value& task);

} // namespace rivet::ctl
