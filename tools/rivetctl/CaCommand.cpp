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

// `rivetctl ca COMMAND --help`: usage, what it does, options, exit status.
void printHelp(const std::string& sub, std::ostream& out) {
  const std::string dirOption = std::string("  --dir DIR        the shared CA folder (default "
                                            "$RIVET_CA_SHARED_DIR or ") +
                                rivet::ca::kDefaultCaDir + ")\n";
  const char* helpOption = "  --help           show this help\n";
  out << "usage: " << kUsages.at(sub) << "\n\n";
  if (sub == "init") {
    out << "Creates the mesh CA: the root CA (ECDSA P-256, 3650 days) in --root-dir, whose key\n"
           "never leaves it, and the intermediate CA (1825 days) that signs node certificates "
           "and\nCRLs in DIR/intermediate/, the chain bundle nodes trust "
           "(DIR/intermediate/ca-chain.pem,\nmesh.tls.ca_path), an empty index and an empty CRL "
           "(DIR/crl.pem). It refuses to run if\nany of these files exists, and names the file. "
           "Prints one path per file written. After\ninit the root key can go offline: issue, "
           "revoke and crl need only DIR.\n\noptions:\n"
        << dirOption << "  --root-dir DIR   the root key's folder (default $RIVET_CA_ROOT_DIR or "
        << rivet::ca::kDefaultCaRootDir << ")\n"
        << helpOption
        << "\nexit status: 0 created, 1 a file of a CA exists already or cannot be written, 2 "
           "usage error\n";
  } else if (sub == "issue") {
    out << "Issues a node certificate for NODE (mesh.node_name): CN=NODE, SAN DNS:NODE.mesh "
           "plus each\n--dns and --ip, extended key usage serverAuth and clientAuth, signed by "
           "the intermediate\nin DIR. Writes DIR/issued/NODE.crt and its key DIR/issued/NODE.key "
           "(mode 0600) and prints\nboth paths. Issuing a name again writes a new key and "
           "certificate over the old files (the\nold certificate stays valid until it expires: "
           "revoke it). Peers verify a node by\nNODE.mesh; --ip is for clients that dial an "
           "address (local probes, a seed given by IP).\n\noptions:\n"
           "  --ip ADDR        add an IP address SAN (repeatable)\n"
           "  --dns NAME       add a DNS name SAN (repeatable)\n"
           "  --days N         valid N days, 1 to "
        << kMaxDays
        << " (default 90)\n"
           "  --rsa            an RSA-2048 key instead of ECDSA P-256\n"
           "  --agent AGENT    an agent certificate instead: CN=AGENT@NODE, clientAuth only, "
           "in\n                   DIR/issued/AGENT@NODE.crt and .key\n"
        << dirOption << helpOption
        << "\nexit status: 0 issued, 1 no CA in DIR, an invalid name, or a file cannot be "
           "written,\n2 usage error\n";
  } else if (sub == "revoke") {
    out << "Revokes every certificate issued under NAME (a node name, or agent@node for an "
           "agent\ncertificate) and rewrites DIR/crl.pem, whose path it prints. Revoking twice "
           "does no harm.\nNodes refuse a revoked certificate once the new crl.pem is at their "
           "mesh.tls.crl_path\n(they reload it within a second).\n\noptions:\n"
        << dirOption << helpOption
        << "\nexit status: 0 revoked, 1 no CA in DIR, nothing was issued under NAME, or the CRL "
           "cannot be\nwritten, 2 usage error\n";
  } else if (sub == "crl") {
    out << "Writes a fresh DIR/crl.pem, signed by the intermediate and valid 30 days, listing "
           "every\nrevoked serial, and prints its path. Peers that check the CRL refuse every "
           "handshake once\nit is past its nextUpdate: run it at least weekly (cron), and copy "
           "it to mesh.tls.crl_path\nif that is not the shared file.\n\noptions:\n"
        << dirOption << helpOption
        << "\nexit status: 0 written, 1 no CA in DIR or the CRL cannot be written, 2 usage "
           "error\n";
  } else if (sub == "show") {
    out << "Prints a certificate's subject, issuer, key type, SANs, extended key usage, "
           "validity with\ndays left (or since expiry), serial and whether it is a CA. For a "
           "bundle, the first\ncertificate. Needs no CA folder.\n\noptions:\n"
        << helpOption
        << "\nexit status: 0 shown, 1 FILE cannot be read or holds no PEM certificate, 2 usage "
           "error\n";
  } else { // list
    out << "Every certificate the CA issued (DIR/index.json): name, CN, status (valid, "
           "revoked,\nexpired), not-after, days left, serial, and what issued/NAME.crt holds "
           "(ok, missing,\nreplaced by a later one, unreadable).\n\noptions:\n"
           "  --json           one JSON object {\"index\":PATH,\"certificates\":[...]}\n"
        << dirOption << helpOption
        << "\nexit status: 0 listed, 1 the index cannot be read or is invalid, 2 usage error\n";
  }
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
      printHelp(a.sub, std::cout);
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
