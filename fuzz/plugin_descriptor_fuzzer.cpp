// libFuzzer target: the plugin checks that run before or without dlopen. With ElfCheck (the
// header check every plugin file passes before it is mapped) the input is a plugin file;
// the name rule and kind names get the same bytes as descriptor strings and numbers.
// The descriptor checks proper live inside PluginLoader.cpp and need a loaded library.
#include "plugin/PluginLoader.hpp"
#if __has_include("plugin/ElfCheck.hpp")
#include "plugin/ElfCheck.hpp"
#define RIVET_FUZZ_ELF_CHECK 1
#include <sys/mman.h>
#include <unistd.h>
#endif

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {
#ifdef RIVET_FUZZ_ELF_CHECK
int fileOf(const uint8_t* data, size_t size) {
  static int fd = memfd_create("plugin.so", 0);
  if (fd < 0 || ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size))
    std::abort();
  return fd;
}
#endif
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
#ifdef RIVET_FUZZ_ELF_CHECK
  try {
    rivet::plugin::checkElfFile("/fuzz/plugin.so", fileOf(data, size), size);
  } catch (const rivet::plugin::LoadError&) {
  }
  if (size >= 20) {
    uint16_t machine = 0;
    std::memcpy(&machine, data + 18, sizeof machine);
    (void)rivet::plugin::elfMachineName(machine);
  }
#endif
  std::string name(reinterpret_cast<const char*>(data), size < 80 ? size : 80);
  if (rivet::plugin::isValidPluginName(name) &&
      (name.empty() || name.find('\0') != std::string::npos || name.find('/') != std::string::npos))
    std::abort(); // a valid name is never empty and never a path
  uint32_t kind = 0;
  std::memcpy(&kind, data, size < sizeof kind ? size : sizeof kind);
  if (rivet::plugin::kindName(kind).empty())
    std::abort();
  return 0;
}
