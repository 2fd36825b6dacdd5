// The plugin loader: file and ELF checks on a private copy, a probe process, then dlopen with
// immediate binding, the entry call and the descriptor checks.
#include "plugin/PluginLoader.hpp"

#include "plugin/ElfCheck.hpp"
#include "plugin/PluginProbe.hpp"
#include "plugin/PrivateCopies.hpp"

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rivet::plugin {
namespace {

std::string quoted(const std::string& path) {
  return "'" + path + "'";
}

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", v);
  return buf;
}

// Opens the file as found (following a symlink) without blocking on a FIFO; fstat decides.
int openSource(const std::string& path, uint64_t& size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    throw LoadError("could not load " + quoted(path) + ": " + std::strerror(errno) +
                    "; check the path in plugins.dir / plugins.agents_dir");
  struct stat st {};
  std::string problem;
  if (::fstat(fd, &st) != 0)
    problem = std::strerror(errno);
  else if (S_ISDIR(st.st_mode))
    problem = "it is a directory, not a plugin file";
  else if (S_ISFIFO(st.st_mode))
    problem = "it is a FIFO, not a plugin file";
  else if (!S_ISREG(st.st_mode))
    problem = "not a regular file";
  else if (static_cast<uint64_t>(st.st_size) > kMaxPluginBytes)
    problem = "the file has " + std::to_string(st.st_size) + " bytes, more than the " +
              std::to_string(kMaxPluginBytes >> 20) + " MiB a plugin may have";
  if (!problem.empty()) {
    ::close(fd);
    throw LoadError("could not load " + quoted(path) + ": " + problem);
  }
  size = static_cast<uint64_t>(st.st_size);
  return fd;
}

// dlerror() names the file dlopen was given, our private copy; the user knows the original.
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); !from.empty() && at != std::string::npos;
       at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

void* openLibrary(const std::string& path, const std::string& file) {
  dlerror();
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle)
    return handle;
  const char* err = dlerror();
  std::string reason = replaced(err ? err : "unknown dlopen error", file, path);
  if (reason.find("undefined symbol") != std::string::npos)
    throw LoadError("could not load " + quoted(path) + ": " + reason +
                    "; the plugin uses a symbol that neither this rivetd nor its linked libraries "
                    "provide: link it against every library it uses (rivet_add_plugin links "
                    "with -z defs to catch this at build time)");
  throw LoadError("could not load " + quoted(path) + ": " + reason);
}

const rivet_plugin_descriptor* callEntry(const std::string& path, void* handle) {
  dlerror();
  void* sym = dlsym(handle, RIVET_ENTRY_SYMBOL);
  if (!sym)
    throw LoadError(quoted(path) + " has no entry point '" RIVET_ENTRY_SYMBOL
                                   "': it is not a rivet-mesh plugin (define it with "
                                   "RIVET_PLUGIN() from rivet/sdk/plugin.hpp)");
  auto entry = reinterpret_cast<rivet_plugin_entry_fn>(sym);
  const rivet_plugin_descriptor* d = nullptr;
  try {
    d = entry(RIVET_ABI_MAJOR, RIVET_ABI_MINOR);
  } catch (const std::exception& e) {
    throw LoadError(quoted(path) + " threw a C++ exception out of " RIVET_ENTRY_SYMBOL ": " +
                    e.what() + "; plugins must not let exceptions cross the ABI");
  } catch (...) {
    throw LoadError(quoted(path) + " threw an exception out of " RIVET_ENTRY_SYMBOL
                                   "; plugins must not let exceptions cross the ABI");
  }
  if (!d)
    throw LoadError(quoted(path) +
                    ": " RIVET_ENTRY_SYMBOL " returned no descriptor for plugin ABI " +
                    hostAbiRange() + " (the plugin refused this rivetd)");
  return d;
}

// Magic, then version (both in the first 12 bytes of every descriptor ever built), then size.
void checkDescriptor(const std::string& path, const rivet_plugin_descriptor* d) {
  if (d->magic != RIVET_PLUGIN_MAGIC)
    throw LoadError(quoted(path) + " returned a descriptor with bad magic " + hex(d->magic) +
                    " (expected " + hex(RIVET_PLUGIN_MAGIC) +
                    "): it is not a rivet-mesh plugin descriptor");
  if (d->struct_size < offsetof(rivet_plugin_descriptor, kind))
    throw LoadError(quoted(path) + " has a descriptor of " + std::to_string(d->struct_size) +
                    " bytes, too small to hold even its ABI version: rebuild it against this "
                    "rivetd's SDK");
  std::string built = std::to_string(d->abi_major) + "." + std::to_string(d->abi_minor);
  if (d->abi_major != RIVET_ABI_MAJOR || d->abi_minor > RIVET_ABI_MINOR)
    throw LoadError(quoted(path) + " was built for plugin ABI " + built +
                    "; this rivetd supports " + hostAbiRange() +
                    ": rebuild the plugin against this rivetd's SDK or upgrade rivetd");
  constexpr size_t kMinSize = offsetof(rivet_plugin_descriptor, ops) + sizeof(void*);
  if (d->struct_size < kMinSize)
    throw LoadError(quoted(path) + " has a descriptor of " + std::to_string(d->struct_size) +
                    " bytes; plugin ABI 1.0 needs at least " + std::to_string(kMinSize) +
                    ": rebuild it against this rivetd's SDK");
  if (kindName(d->kind) == "unknown")
    throw LoadError(quoted(path) + " declares unknown plugin kind " + std::to_string(d->kind) +
                    " (expected transport=1, discovery=2 or agent=3)");
  std::string name = d->name ? d->name : "";
  if (!isValidPluginName(name))
    throw LoadError(quoted(path) + " declares invalid plugin name '" + name +
                    "': names must match [a-z0-9-]+");
  if (!d->create || !d->start || !d->stop || !d->destroy)
    throw LoadError(quoted(path) + " (" + name +
                    ") lacks create, start, stop or destroy in its descriptor");
  size_t need = 0;
  switch (d->kind) {
  case RIVET_KIND_AGENT:
    need = offsetof(rivet_agent_ops, handle) + sizeof(void*);
    break;
  case RIVET_KIND_TRANSPORT:
    need = offsetof(rivet_transport_ops, reload) + sizeof(void*);
    break;
  default:
    need = offsetof(rivet_discovery_ops, self_changed) + sizeof(void*);
  }
  auto opsSize = d->ops ? *static_cast<const uint32_t*>(d->ops) : 0u;
  if (opsSize < need)
    throw LoadError(quoted(path) + " (" + name + ") has " +
                    (d->ops ? "an operations table of " + std::to_string(opsSize) + " bytes"
                            : "no operations table") +
                    "; a " + kindName(d->kind) + " plugin of ABI 1.0 needs " +
                    std::to_string(need));
}

} // namespace

std::string LoadedPlugin::abiVersion() const {
  return std::to_string(descriptor->abi_major) + "." + std::to_string(descriptor->abi_minor);
}

std::string kindName(uint32_t kind) {
  switch (kind) {
  case RIVET_KIND_TRANSPORT:
    return "transport";
  case RIVET_KIND_DISCOVERY:
    return "discovery";
  case RIVET_KIND_AGENT:
    return "agent";
  default:
    return "unknown";
  }
}

std::string hostAbiRange() {
  return std::to_string(RIVET_ABI_MAJOR) + ".0–" + std::to_string(RIVET_ABI_MAJOR) + "." +
         std::to_string(RIVET_ABI_MINOR);
}

bool isValidPluginName(const std::string& name) {
  if (name.empty() || name.size() > 64)
    return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      return false;
  return true;
}

void unloadRefused(const LoadedPlugin& plugin) {
  if (plugin.handle)
    dlclose(plugin.handle);
}

const rivet_plugin_descriptor* openPluginFile(const std::string& shownPath, const std::string& file,
                                              void** handle) {
  *handle = openLibrary(shownPath, file);
  try {
    const rivet_plugin_descriptor* d = callEntry(shownPath, *handle);
    checkDescriptor(shownPath, d);
    return d;
  } catch (...) {
    // Nothing of a refused plugin was created, so unloading it is safe.
    dlclose(*handle);
    *handle = nullptr;
    throw;
  }
}

std::shared_ptr<const LoadedPlugin> loadPlugin(const std::string& path, PrivateCopies& copies) {
  uint64_t size = 0;
  int source = openSource(path, size);
  std::string copy;
  try {
    copy = copies.copy(path, source, size);
  } catch (...) {
    ::close(source);
    throw;
  }
  ::close(source);
  try {
    int fd = ::open(copy.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
      throw LoadError("could not load " + quoted(path) + ": its private copy " + copy + ": " +
                      std::strerror(errno));
    try {
      checkElfFile(path, fd, size);
    } catch (...) {
      ::close(fd);
      throw;
    }
    ::close(fd);
    probePlugin(path, copy); // a file that crashes dlopen crashes the probe, not this process
    auto p = std::make_shared<LoadedPlugin>();
    p->path = path;
    p->mappedPath = copy;
    p->descriptor = openPluginFile(path, copy, &p->handle);
    return p;
  } catch (...) {
    copies.discard(copy);
    throw;
  }
}

std::shared_ptr<const LoadedPlugin> loadPlugin(const std::string& path) {
  static PrivateCopies copies; // removed by its destructor at exit
  return loadPlugin(path, copies);
}

} // namespace rivet::plugin
