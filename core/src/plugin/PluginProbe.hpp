// Loads a plugin file in a throw-away child process first (this executable, run again as a
// probe), so that a file that crashes or hangs dlopen takes down the probe, never the caller.
#pragma once

#include <chrono>
#include <string>

namespace rivet::plugin {

// How long a probe may take before it is killed and the file refused.
constexpr std::chrono::milliseconds kProbeTimeout{10000};

// Starts the probe process now (it takes a few ms to exec) so the first probe does not wait.
void startProbeServer();

// dlopen + rivet_plugin_entry + the descriptor checks on `file` (a private copy) in a child;
// throws LoadError naming `shownPath` when the child refuses the file, crashes or hangs.
void probePlugin(const std::string& shownPath, const std::string& file);

// As probePlugin, then create() and destroy() of one instance named `instanceName` with
// `settingsJson`, in the child. Returns the plugin's refusal, or "" when it created.
std::string probeCreate(const std::string& shownPath, const std::string& file,
                        const std::string& instanceName, const std::string& settingsJson);

} // namespace rivet::plugin
