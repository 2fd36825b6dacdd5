// Runs rivetd's plugin loader on one file and prints what it declares.
#include "PluginCommand.hpp"

#include "plugin/PluginLoader.hpp"

#include <iostream>

namespace rivet::ctl {

int pluginCommand(const std::vector<std::string>& args) {
  if (args.size() != 2 || args[0] != "check") {
    std::cerr << "usage: rivetctl plugin check FILE\n";
    return 2;
  }
  try {
    auto p = plugin::loadPlugin(args[1]);
    std::cout << "file:        " << p->path << "\n"
              << "name:        " << p->name() << "\n"
              << "kind:        " << plugin::kindName(p->kind()) << "\n"
              << "version:     " << p->version() << "\n"
              << "abi:         " << p->abiVersion() << " (this rivetd supports "
              << plugin::hostAbiRange() << ")\n"
              << "description: " << p->description() << "\n";
    if (p->kind() == RIVET_KIND_AGENT) {
      auto ops = static_cast<const rivet_agent_ops*>(p->ops());
      std::cout << "runs:        "
                << ((ops->flags & RIVET_AGENT_INLINE) ? "inline (non-blocking)" : "worker pool")
                << "\n";
    }
    std::cout << "OK\n";
    return 0;
  } catch (const plugin::LoadError& e) {
    std::cerr << "rivetctl: " << e.what() << "\n";
    return 1;
  }
}

} // namespace rivet::ctl
