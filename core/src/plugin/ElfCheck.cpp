// ELF sanity checks with <elf.h>: what dlopen would otherwise discover by faulting (SIGBUS on a
// truncated file) is refused here with the reason and the byte offsets involved.
#include "plugin/ElfCheck.hpp"

#include "plugin/PluginLoader.hpp"

#include <cstring>
#include <elf.h>
#include <link.h>
#include <unistd.h>
#include <vector>

namespace rivet::plugin {
namespace {

#if defined(__x86_64__)
constexpr unsigned kHostMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr unsigned kHostMachine = EM_AARCH64;
#elif defined(__i386__)
constexpr unsigned kHostMachine = EM_386;
#elif defined(__arm__)
constexpr unsigned kHostMachine = EM_ARM;
#elif defined(__riscv)
constexpr unsigned kHostMachine = EM_RISCV;
#elif defined(__powerpc64__)
constexpr unsigned kHostMachine = EM_PPC64;
#elif defined(__s390x__)
constexpr unsigned kHostMachine = EM_S390;
#else
#error "add this machine's EM_ constant"
#endif
constexpr unsigned char kHostClass = sizeof(void*) == 8 ? ELFCLASS64 : ELFCLASS32;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
constexpr unsigned char kHostData = ELFDATA2LSB;
#else
constexpr unsigned char kHostData = ELFDATA2MSB;
#endif

using Ehdr = ElfW(Ehdr);
using Phdr = ElfW(Phdr);
using Shdr = ElfW(Shdr);

std::string quoted(const std::string& path) {
  return "'" + path + "'";
}

[[noreturn]] void truncated(const std::string& path, const std::string& what, uint64_t end,
                            uint64_t size) {
  throw LoadError(quoted(path) + " is truncated: " + what + " ends at byte " + std::to_string(end) +
                  " but the file has " + std::to_string(size) +
                  " bytes; copy the complete file again");
}

// Reads exactly `len` bytes at `offset`; the caller has checked the range against the size.
void readAt(const std::string& path, int fd, void* out, size_t len, uint64_t offset) {
  auto* p = static_cast<char*>(out);
  while (len > 0) {
    ssize_t n = ::pread(fd, p, len, static_cast<off_t>(offset));
    if (n <= 0)
      throw LoadError("could not read " + quoted(path) + ": " +
                      (n == 0 ? std::string("the file shrank while being read") : strerror(errno)));
    p += n;
    len -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
}

// `offset + count * entry` without overflow, or UINT64_MAX.
uint64_t tableEnd(uint64_t offset, uint64_t count, uint64_t entry) {
  if (entry != 0 && count > (UINT64_MAX - offset) / entry)
    return UINT64_MAX;
  return offset + count * entry;
}

void checkHeader(const std::string& path, const Ehdr& eh) {
  if (eh.e_ident[EI_CLASS] != kHostClass)
    throw LoadError(quoted(path) + " is a " +
                    (eh.e_ident[EI_CLASS] == ELFCLASS32 ? "32-bit" : "non-64-bit") +
                    " ELF file; this rivetd is " + (kHostClass == ELFCLASS64 ? "64" : "32") +
                    "-bit " + elfMachineName(kHostMachine) + ": build the plugin for this machine");
  if (eh.e_ident[EI_DATA] != kHostData)
    throw LoadError(quoted(path) + " has the other byte order than this machine (" +
                    elfMachineName(kHostMachine) + "): build the plugin for this machine");
  if (eh.e_ident[EI_VERSION] != EV_CURRENT || eh.e_version != EV_CURRENT)
    throw LoadError(quoted(path) + " has an unknown ELF version: the file is damaged");
  if (eh.e_machine != kHostMachine)
    throw LoadError(quoted(path) + " was built for " + elfMachineName(eh.e_machine) +
                    "; this rivetd runs on " + elfMachineName(kHostMachine) +
                    ": build the plugin for this machine");
  if (eh.e_type != ET_DYN)
    throw LoadError(quoted(path) + " is an ELF " +
                    (eh.e_type == ET_EXEC  ? "executable"
                     : eh.e_type == ET_REL ? "object file (.o)"
                                           : "file of type " + std::to_string(eh.e_type)) +
                    ", not a shared object; build plugins with rivet_add_plugin() from the "
                    "rivet-mesh SDK");
  if (eh.e_ehsize != sizeof(Ehdr) || eh.e_phentsize != sizeof(Phdr) || eh.e_phnum == 0 ||
      eh.e_phnum == PN_XNUM)
    throw LoadError(quoted(path) + " has a malformed ELF header (header " +
                    std::to_string(eh.e_ehsize) + " bytes, " + std::to_string(eh.e_phnum) +
                    " program headers of " + std::to_string(eh.e_phentsize) +
                    " bytes): the file is damaged");
}

void checkSegments(const std::string& path, int fd, const Ehdr& eh, uint64_t size) {
  uint64_t end = tableEnd(eh.e_phoff, eh.e_phnum, sizeof(Phdr));
  if (end > size)
    truncated(path, "its program header table", end, size);
  std::vector<Phdr> phdrs(eh.e_phnum);
  readAt(path, fd, phdrs.data(), phdrs.size() * sizeof(Phdr), eh.e_phoff);
  bool loadable = false;
  bool dynamic = false;
  for (size_t i = 0; i < phdrs.size(); ++i) {
    const Phdr& ph = phdrs[i];
    if (ph.p_type == PT_NULL || ph.p_type == PT_GNU_STACK || ph.p_filesz == 0)
      continue;
    std::string what = "segment " + std::to_string(i) + (ph.p_type == PT_LOAD ? " (LOAD)" : "");
    end = tableEnd(ph.p_offset, 1, ph.p_filesz);
    if (end > size)
      truncated(path, what, end, size);
    if (ph.p_type == PT_LOAD) {
      loadable = true;
      if (ph.p_filesz > ph.p_memsz)
        throw LoadError(quoted(path) + " has a malformed " + what + " (" +
                        std::to_string(ph.p_filesz) + " bytes in the file but " +
                        std::to_string(ph.p_memsz) + " in memory): the file is damaged");
    }
    dynamic = dynamic || ph.p_type == PT_DYNAMIC;
  }
  if (!loadable || !dynamic)
    throw LoadError(quoted(path) + " has no " +
                    (loadable ? "dynamic section" : "loadable segment") +
                    ": it is not a shared object a plugin can be; build plugins with "
                    "rivet_add_plugin() from the rivet-mesh SDK");
}

// Section headers sit at the end of what a linker writes, so this catches a file cut short
// even where no segment was cut.
void checkSections(const std::string& path, int fd, const Ehdr& eh, uint64_t size) {
  if (eh.e_shoff == 0 || eh.e_shnum == 0)
    return; // stripped of section headers: allowed
  if (eh.e_shentsize != sizeof(Shdr))
    throw LoadError(quoted(path) + " has section headers of " + std::to_string(eh.e_shentsize) +
                    " bytes: the file is damaged");
  uint64_t end = tableEnd(eh.e_shoff, eh.e_shnum, sizeof(Shdr));
  if (end > size)
    truncated(path, "its section header table", end, size);
  std::vector<Shdr> shdrs(eh.e_shnum);
  readAt(path, fd, shdrs.data(), shdrs.size() * sizeof(Shdr), eh.e_shoff);
  for (size_t i = 0; i < shdrs.size(); ++i) {
    const Shdr& sh = shdrs[i];
    if (sh.sh_type == SHT_NOBITS || sh.sh_type == SHT_NULL)
      continue;
    end = tableEnd(sh.sh_offset, 1, sh.sh_size);
    if (end > size)
      truncated(path, "section " + std::to_string(i), end, size);
  }
}

} // namespace

std::string elfMachineName(unsigned machine) {
  switch (machine) {
  case EM_X86_64:
    return "x86-64";
  case EM_386:
    return "i386";
  case EM_AARCH64:
    return "AArch64";
  case EM_ARM:
    return "ARM";
  case EM_RISCV:
    return "RISC-V";
  case EM_PPC64:
    return "PowerPC64";
  case EM_S390:
    return "s390x";
  default:
    return "machine " + std::to_string(machine);
  }
}

void checkElfFile(const std::string& shownPath, int fd, uint64_t size) {
  unsigned char ident[EI_NIDENT] = {};
  if (size >= SELFMAG)
    readAt(shownPath, fd, ident, SELFMAG, 0);
  if (size < SELFMAG || std::memcmp(ident, ELFMAG, SELFMAG) != 0)
    throw LoadError(quoted(shownPath) +
                    (size == 0 ? " is empty (0 bytes), not a shared object"
                               : " is not a shared object (no ELF header)") +
                    "; build plugins with rivet_add_plugin() from the rivet-mesh SDK");
  if (size < sizeof(Ehdr))
    truncated(shownPath, "the ELF header", sizeof(Ehdr), size);
  Ehdr eh{};
  readAt(shownPath, fd, &eh, sizeof eh, 0);
  checkHeader(shownPath, eh);
  checkSegments(shownPath, fd, eh, size);
  checkSections(shownPath, fd, eh, size);
}

} // namespace rivet::plugin
