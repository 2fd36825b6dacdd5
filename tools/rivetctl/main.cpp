// rivetctl: the operator's command line. Subcommands: plugin check.
#include "PluginCommand.hpp"

#include "rivet/sdk/abi.h"

#include <cstring>
#include <iostream>
#include <string>
#include <vector>

namespace {

const char* kUsage = R"(usage: rivetctl [--config FILE] <command> [args]

commands:
  plugin check FILE    load FILE with rivetd's plugin loader and print its descriptor
  --version            print the version
  --help               show this help

exit status: 0 success, 1 the command failed, 2 usage error
)";

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::cout << "rivetctl " << RIVET_VERSION << " (plugin ABI " << RIVET_ABI_MAJOR << "."
              << RIVET_ABI_MINOR << ")\n";
    return 0;
  }
  if (args[0] == "plugin")
    return rivet::ctl::pluginCommand({args.begin() + 1, args.end()});
  std::cerr << "rivetctl: unknown command '" << args[0] << "'; see rivetctl --help\n";
  return 2;
}
