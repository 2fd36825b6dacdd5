// Resolves the default plugin folder from /proc/self/exe.
#include "plugin/PluginPaths.hpp"

#include <filesystem>

namespace rivet::plugin {

std::string executableDir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : exe.parent_path().string();
}

std::string defaultPluginDir() {
  return (std::filesystem::path(executableDir()) / ".." / "lib" / "rivet" / "plugins")
      .lexically_normal()
      .string();
}

} // namespace rivet::plugin
