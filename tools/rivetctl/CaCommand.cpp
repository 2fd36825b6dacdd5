// Parses `rivetctl ca` arguments, calls rivet::ca::CertificateAuthority and prints one path per
// file written (or, for `show`, the certificate's fields).
#include "CaCommand.hpp"

#include "CaList.hpp"

#include "ca/CertificateAuthority.hpp"

#include <cstdlib>
#include <ctime>
#include <iostream>
#include <map>
#include <optional>

namespace rivet::ctl {
namespace {

const std::map<std::string, std::string> kUsages = {
    {"init", "rivetctl ca init [--dir DIR] [--root-dir DIR]"},
    {"issue", "rivetctl ca issue NODE [--ip ADDR]... [--dns NAME]... [--days N] [--rsa] "
              "[--agent AGENT] [--dir DIR]"},
    {"revoke", "rivetctl ca revoke NAME [--dir DIR]"},
    {"crl", "rivetctl ca crl [--dir DIR]"},
    {"show", "rivetctl ca show FILE"},
    {"list", "rivetctl ca list [--json] [--dir DIR]"},
};
const char* kOrder[] = {"init", "issue", "revoke", "crl", "show", "list"};
constexpr int kMaxDays = 3650;

struct UsageError {
  std::string message;
};

struct CaArgs {
  std::string sub;
  std::vector<std::string> positional;
  std::string dir, rootDir, agent;
  std::vector<std::string> ips, dnsNames;
  std::optional<int> days;
  bool rsa = false;
  bool json = false;
  bool help = false;
};

std::string envOr(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

int parseDays(const std::string& text) {
  size_t used = 0;
  int days = 0;
  try {
    days = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || days < 1 || days > kMaxDays)
    throw UsageError{"--days needs a whole number from 1 to " + std::to_string(kMaxDays) +
                     ", got '" + text + "'"};
  return days;
}

CaArgs parse(const std::vector<std::string>& args) {
  CaArgs a;
  a.sub = args.at(0);
  a.dir = envOr("RIVET_CA_SHARED_DIR", rivet::ca::kDefaultCaDir);
  a.rootDir = envOr("RIVET_CA_ROOT_DIR", rivet::ca::kDefaultCaRootDir);
  bool isIssue = a.sub == "issue";
  for (size_t i = 1; i < args.size(); ++i) {
    std::string arg = args[i];
    std::optional<std::string> inlineValue;
    if (arg.rfind("--", 0) == 0 && arg.find('=') != std::string::npos) {
      inlineValue = arg.substr(arg.find('=') + 1);
      arg = arg.substr(0, arg.find('='));
    }
    auto value = [&]() -> std::string {
      if (inlineValue)
        return *inlineValue;
      if (i + 1 >= args.size())
        throw UsageError{arg + " needs a value"};
      return args[++i];
    };
    if (arg == "--help" || arg == "-h")
      a.help = true;
    else if (arg == "--dir")
      a.dir = value();
    else if (arg == "--root-dir")
      a.rootDir = value();
    else if (isIssue && arg == "--ip")
      a.ips.push_back(value());
    else if (isIssue && arg == "--dns")
      a.dnsNames.push_back(value());
    else if (isIssue && arg == "--days")
      a.days = parseDays(value());
    else if (isIssue && arg == "--agent")
      a.agent = value();
    else if (isIssue && arg == "--rsa" && !inlineValue)
      a.rsa = true;
    else if (a.sub == "list" && arg == "--json" && !inlineValue)
      a.json = true;
    else if (arg.size() > 1 && arg[0] == '-')
      throw UsageError{"unknown option '" + args[i] + "' for `ca " + a.sub + "`"};
    else
      a.positional.push_back(arg);
  }
  return a;
}

void expectPositional(const CaArgs& a, size_t count, const char* what) {
  if (a.positional.size() < count)
    throw UsageError{std::string("`ca ") + a.sub + "` needs " + what};
  if (a.positional.size() > count)
    throw UsageError{"unexpected argument '" + a.positional[count] + "' for `ca " + a.sub + "`"};
}

std::string utcTime(int64_t epoch) {
  std::time_t t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string joined(const std::vector<std::string>& items, const std::string& prefix) {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : ", ") + prefix + item;
  return out;
}

int show(const std::string& file) {
  auto info = rivet::ca::readCertificate(file);
  auto now = static_cast<int64_t>(std::time(nullptr));
  std::string sans = joined(info.dnsNames, "DNS:");
  std::string ips = joined(info.ips, "IP:");
  sans += (!sans.empty() && !ips.empty() ? ", " : "") + ips;
  std::string notBefore = utcTime(info.notBefore);
  if (info.notBefore > now)
    notBefore += " (not yet valid: starts in " +
                 std::to_string((info.notBefore - now + 86399) / 86400) + " days)";
  std::string notAfter = utcTime(info.notAfter);
  if (info.notAfter < now)
    notAfter += " (expired " + std::to_string((now - info.notAfter) / 86400) + " days ago)";
  else
    notAfter += " (" + std::to_string((info.notAfter - now) / 86400) + " days left)";
  std::cout << "file:        " << file << "\n"
            << "subject:     " << info.subject << "\n"
            << "issuer:      " << info.issuer << "\n"
            << "key:         " << info.keyType << "\n"
            << "SANs:        " << (sans.empty() ? "none" : sans) << "\n"
            << "EKU:         "
            << (info.extendedKeyUsage.empty() ? "none (any purpose)"
                                              : joined(info.extendedKeyUsage, ""))
            << "\n"
            << "not before:  " << notBefore << "\n"
            << "not after:   " << notAfter << "\n"
            << "serial:      " << info.serialHex << "\n"
            << "CA:          " << (info.isCa ? "yes" : "no") << "\n";
  return 0;
}

void checkPositionals(const CaArgs& a) {
  if (a.sub == "show")
    expectPositional(a, 1, "the certificate FILE to show");
  else if (a.sub == "issue")
    expectPositional(a, 1, "the NODE name");
  else if (a.sub == "revoke")
    expectPositional(a, 1, "the NAME of the certificate to revoke (node or agent@node)");
  else
    expectPositional(a, 0, "");
}

int runSubcommand(const CaArgs& a) {
  using rivet::ca::CertificateAuthority;
  if (a.sub == "show")
    return show(a.positional[0]);
  if (a.sub == "list")
    return caList(a.dir, a.rootDir, a.json);
  if (a.sub == "init") {
    auto ca = CertificateAuthority::init(a.dir, a.rootDir);
    const auto& l = ca.layout();
    for (const auto& path : {l.rootKey(), l.rootCert(), l.intermediateKey(), l.intermediateCert(),
                             l.chain(), l.chainAlias(), l.crl()})
      std::cout << path << "\n";
    return 0;
  }
  auto ca = CertificateAuthority::open(a.dir, a.rootDir);
  if (a.sub == "issue") {
    rivet::ca::IssueOptions o;
    o.ips = a.ips;
    o.dnsNames = a.dnsNames;
    o.days = a.days.value_or(o.days);
    o.rsa = a.rsa;
    auto files = a.agent.empty() ? ca.issueNode(a.positional[0], o)
                                 : ca.issueAgent(a.agent, a.positional[0], o);
    std::cout << files.certPath << "\n" << files.keyPath << "\n";
  } else if (a.sub == "revoke") {
    ca.revoke(a.positional[0]);
    std::cout << ca.crlPath() << "\n";
  } else {
    std::cout << ca.writeCrl() << "\n";
  }
  return 0;
}

void printAllUsages(std::ostream& out) {
  const char* lead = "usage: ";
  for (const char* sub : kOrder) {
    out << lead << kUsages.at(sub) << "\n";
    lead = "       ";
  }
  out << "every ca command takes --dir DIR (the shared CA folder, default $RIVET_CA_SHARED_DIR or "
      << rivet::ca::kDefaultCaDir << ")\nand --root-dir DIR (the root key's folder, default "
      << "$RIVET_CA_ROOT_DIR or " << rivet::ca::kDefaultCaRootDir << ")\n"
      << "\noptions of issue:\n"
         "  --ip ADDR      add an IP address SAN (repeatable)\n"
         "  --dns NAME     add a DNS name SAN (repeatable)\n"
         "  --days N       validity in days\n"
         "  --rsa          an RSA key instead of the default\n"
         "  --agent AGENT  an agent certificate of AGENT on NODE instead of a node certificate\n"
         "\nlist: every certificate the CA issued (DIR/index.json) with its CN, status (valid,\n"
         "revoked, expired), not-after, days left, serial and whether issued/NAME.crt holds it\n"
         "  --json         print them as one JSON object {\"index\":...,\"certificates\":[...]}\n"
         "\n  --help         show this help (rivetctl ca COMMAND --help: one command)\n"
         "\nexit status: 0 done, 1 the CA refused or failed (list: the index cannot be read),\n"
         "2 usage error\n";
}

} // namespace

int caCommand(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    printAllUsages(args.empty() ? std::cerr : std::cout);
    return args.empty() ? 2 : 0;
  }
  if (kUsages.count(args[0]) == 0) {
    std::cerr << "rivetctl: unknown ca command '" << args[0] << "'\n";
    printAllUsages(std::cerr);
    return 2;
  }
  try {
    CaArgs a = parse(args);
    if (a.help) {
      std::cout << "usage: " << kUsages.at(a.sub) << "\n";
      if (a.sub == "list")
        std::cout << "\nEvery certificate the CA issued (DIR/index.json): name, CN, status (valid, "
                     "revoked,\nexpired), not-after, days left, serial, and what issued/NAME.crt "
                     "holds (ok, missing,\nreplaced by a later one, unreadable).\n\noptions:\n"
                     "  --json      one JSON object {\"index\":PATH,\"certificates\":[...]}\n"
                     "  --dir DIR   the shared CA folder (default $RIVET_CA_SHARED_DIR or "
                  << rivet::ca::kDefaultCaDir
                  << ")\n  --help      show this help\n\nexit status: 0 listed, 1 the index "
                     "cannot be read or is invalid, 2 usage error\n";
      return 0;
    }
    checkPositionals(a);
    return runSubcommand(a);
  } catch (const UsageError& e) {
    std::cerr << "rivetctl: " << e.message << "\nusage: " << kUsages.at(args[0]) << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "rivetctl: " << e.what() << "\n";
    return 1;
  }
}

} // namespace rivet::ctl
