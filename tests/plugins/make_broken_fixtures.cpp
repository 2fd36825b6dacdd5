// Writes the damaged copies of a good plugin (c-upper.so) that the loader tests use: truncated,
// flipped relocation bytes (dlopen segfaults on it), zero-length, and one for another machine.
#include <elf.h>
#include <link.h>

#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

namespace {

void writeFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out)
    throw std::runtime_error("cannot write " + path);
}

// Byte 5 of every r_offset in .rela.dyn flipped: the headers stay sane, but the dynamic linker
// writes its relocations far outside the mapped object.
std::string flipRelocations(std::string elf) {
  ElfW(Ehdr) eh;
  std::memcpy(&eh, elf.data(), sizeof eh);
  auto section = [&](size_t i) {
    ElfW(Shdr) sh;
    std::memcpy(&sh, elf.data() + eh.e_shoff + i * sizeof sh, sizeof sh);
    return sh;
  };
  const ElfW(Shdr) names = section(eh.e_shstrndx);
  for (size_t i = 0; i < eh.e_shnum; ++i) {
    ElfW(Shdr) sh = section(i);
    if (std::string(elf.data() + names.sh_offset + sh.sh_name) != ".rela.dyn")
      continue;
    for (size_t at = sh.sh_offset; at + sizeof(ElfW(Rela)) <= sh.sh_offset + sh.sh_size;
         at += sizeof(ElfW(Rela)))
      elf[at + offsetof(ElfW(Rela), r_offset) + 5] ^= static_cast<char>(0xff);
    return elf;
  }
  throw std::runtime_error("no .rela.dyn section to damage");
}

std::string otherMachine(std::string elf) {
  ElfW(Half) machine = 0;
  std::memcpy(&machine, elf.data() + offsetof(ElfW(Ehdr), e_machine), sizeof machine);
  machine = machine == EM_AARCH64 ? EM_X86_64 : EM_AARCH64;
  std::memcpy(elf.data() + offsetof(ElfW(Ehdr), e_machine), &machine, sizeof machine);
  return elf;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: make_broken_fixtures GOOD.so OUTPUT_DIR\n";
    return 2;
  }
  try {
    std::ifstream in(argv[1], std::ios::binary);
    std::string good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (good.size() < 4096)
      throw std::runtime_error(std::string(argv[1]) + " is too small to damage");
    const std::string dir = argv[2];
    writeFile(dir + "/truncated.so", good.substr(0, good.size() / 4));
    writeFile(dir + "/flipped-bytes.so", flipRelocations(good));
    writeFile(dir + "/zero-length.so", "");
    writeFile(dir + "/other-arch.so", otherMachine(good));
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "make_broken_fixtures: " << e.what() << "\n";
    return 1;
  }
}
