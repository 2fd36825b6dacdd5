// Makes a 256-bit token, hashes it, and writes the tokens file line (see A2aCommand.hpp).
#include "A2aCommand.hpp"

#include "a2a/A2aTokens.hpp"
#include "util/RandomHex.hpp"
#include "util/RegularFile.hpp"
#include "util/Sha256.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <sys/stat.h>
#include <unistd.h>

namespace rivet::ctl {
namespace {

const char* kUsage = R"(usage: rivetctl a2a token NAME [--agents AGENT,AGENT...] [--file FILE]

Makes a bearer token for an A2A client outside the mesh (docs/a2a.md "Bearer tokens") and prints
it on stdout, once: the node keeps only its SHA-256. The line for a2a.tokens_file goes to
stderr, or with --file is appended to FILE (created with mode 0600 when missing; refused when
FILE does not read as a tokens file or already has NAME). Then `rivetctl reload` (SIGHUP) makes
the node read it.

  NAME             the caller's name: token:NAME in logs, tasks and policy rules
                   (1 to 64 letters, digits, '_', '.', '-')
  --agents LIST    the agents the token may reach, comma separated (default: every agent, *)
  --file FILE      append the line to FILE (the node's a2a.tokens_file)
  --help           show this help

exit status: 0 token made, 1 FILE could not be written, 2 usage error
)";

int usage(const std::string& why) {
  std::cerr << "rivetctl a2a: " << why << "\n" << kUsage;
  return 2;
}

// Appends `line` to `path` after checking what the file would then hold; "" or what went wrong.
std::string append(const std::string& path, const std::string& line) {
  std::string text;
  util::RegularFileRead r = util::readRegularFile(path, 1 << 20, true);
  if (r.outcome != util::RegularFileRead::Outcome::Missing) {
    try {
      a2a::readTokensFile(path); // what it is, its mode, its lines
    } catch (const std::exception& e) {
      return e.what();
    }
    text = std::move(r.content);
  }
  const std::string sep = text.empty() || text.back() == '\n' ? "" : "\n";
  try {
    a2a::parseTokens(text + sep + line, "a2a.tokens_file " + path); // a name or token twice
  } catch (const std::exception& e) {
    return e.what();
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return path + ": cannot open for writing: " + std::strerror(errno);
  const std::string out = sep + line;
  bool ok = ::write(fd, out.data(), out.size()) == static_cast<ssize_t>(out.size());
  const int err = errno;
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  return ok ? "" : path + ": cannot write: " + std::strerror(err);
}

} // namespace

int a2aCommand(const std::vector<std::string>& args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << kUsage;
    return 0;
  }
  if (args.empty() || args[0] != "token")
    return usage(args.empty() ? "no subcommand (token)" : "unknown subcommand '" + args[0] + "'");
  std::string name, agents = "*", file;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if ((a == "--agents" || a == "--file") && i + 1 < args.size())
      (a == "--agents" ? agents : file) = args[++i];
    else if (a.rfind("--", 0) == 0)
      return usage("unknown option or missing value: " + a);
    else if (name.empty())
      name = a;
    else
      return usage("one NAME only (found " + name + " and " + a + ")");
  }
  if (name.empty())
    return usage("NAME is required: who the token is for");
  const std::string token = util::randomHex128("an A2A token") + util::randomHex128("an A2A token");
  const std::string line = name + " " + agents + " sha256:" + util::sha256Hex(token) + "\n";
  if (name.find_first_of(" \t\r\n#") != std::string::npos ||
      agents.find_first_of(" \t\r\n#") != std::string::npos)
    return usage("NAME and --agents take no spaces: NAME is letters, digits, '_', '.', '-', and "
                 "--agents a comma list such as opus,reviewer");
  try {
    a2a::parseTokens(line, "NAME and --agents:");
  } catch (const std::exception& e) {
    return usage(e.what());
  }
  if (!file.empty()) {
    std::string error = append(file, line);
    if (!error.empty()) {
      std::cerr << "rivetctl a2a token: " << error << "\n";
      return 1;
    }
    std::cerr << "Added token:" << name << " (agents " << agents << ") to " << file
              << "; run rivetctl reload so that the node reads it\n";
  } else {
    std::cerr << "Add this line to the node's a2a.tokens_file, then run rivetctl reload:\n" << line;
  }
  std::cout << token << "\n";
  return 0;
}

} // namespace rivet::ctl
