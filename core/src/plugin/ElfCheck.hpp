// Checks that a plugin file is a complete shared object for this machine before anything maps
// it: ELF header, program headers, segments and section headers against the file's size.
#pragma once

#include <cstdint>
#include <string>

namespace rivet::plugin {

// Reads the headers of the open file `fd` of `size` bytes; throws LoadError naming `shownPath`
// when it is not an ELF shared object built for this machine or is cut short.
void checkElfFile(const std::string& shownPath, int fd, uint64_t size);

// "x86-64", "AArch64", ... or "machine N".
std::string elfMachineName(unsigned machine);

} // namespace rivet::plugin
