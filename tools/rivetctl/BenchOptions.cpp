// Command-line parsing for `rivetctl bench`: flags, the URL, the request body.
// Every rejection names the flag, the value given and what would be accepted.
#include "BenchOptions.hpp"

#include <arpa/inet.h>

#include <fstream>
#include <sstream>

namespace rivet::ctl {

const char* const kBenchUsage =
    R"(usage: rivetctl bench --url https://HOST:PORT/PATH --cert FILE --key FILE --ca FILE [options]

A closed-loop HTTPS load generator with a client certificate: N connections, each sending its
next request as soon as the previous answer is complete (HTTP/1.1 keep-alive by default).

required:
  --url URL            https://HOST[:PORT]/PATH (HOST may be an IP literal, IPv6 in brackets)
  --cert FILE          client certificate (PEM; may hold the chain after the leaf)
  --key FILE           the client certificate's private key (PEM)
  --ca FILE            CA bundle that must sign the server's certificate
options:
  --name NAME          server name for SNI and verification (default: HOST of --url)
  --method GET|POST    request method (default GET)
  --body STRING|@FILE  request body, sent as application/json (default: none)
  --concurrency N      connections, one request in flight on each (default 1)
  --threads N          event loops sharing the connections (default 1)
  --duration SECONDS   measure for this long (default 5 unless --requests is given)
  --requests N         stop after N requests (answered or failed)
  --warmup SECONDS     load before measuring, not counted (default 0)
  --timeout SECONDS    per-request limit; with --wait-ready the whole wait (default 5)
  --new-connection     a new TCP + TLS connection (full handshake) for every request
  --resume             with --new-connection: resume the previous TLS session (tickets)
  --wait-ready         send one GET every millisecond until one is answered with 2xx;
                       report when (for timing a server's start); exit 1 on timeout
  --print-response     copy the first response (head and body) to stderr
  --json               print one JSON object instead of the text report
  --source A[-B]       bind each connection to one of these IPv4 source addresses, in turn
                       (e.g. 127.0.0.2-127.0.0.11, so that per-address caps do not apply)
held and slow-loris connections (end after --hold-seconds, or at once on SIGUSR1/INT/TERM):
  --hold N             open N connections, one request each (answered with 2xx), then keep
                       them open and idle; reports how many stayed open
  --slowloris N        keep N connections open that trickle their TLS handshake (or, with
                       --trickle head, a request head after a full handshake) one byte per
                       --trickle-ms; reopens each one the server closes
  --trickle handshake|head   what --slowloris trickles (default handshake)
  --trickle-ms MS      one byte per connection every MS milliseconds (default 500)
  --open-window N      connections being opened (connect, handshake, first answer) at once
                       (default 64)
  --open-seconds S     stop opening new connections after S seconds (default 60)
  --hold-seconds S     keep them this long after the opening (default 60)
  --ready-file FILE    write one JSON line to FILE once the opening is over (for a harness)
  --help               show this help

exit status: 0 no request failed, 1 some failed (or not ready), 2 usage or setup error
)";

namespace {

double positiveNumber(const std::string& flag, const std::string& v, bool zeroOk) {
  try {
    size_t used = 0;
    double d = std::stod(v, &used);
    if (used == v.size() && (d > 0 || (zeroOk && d == 0)))
      return d;
  } catch (const std::exception&) {
  }
  throw BenchUsageError(flag + " '" + v + "': expected a " +
                        (zeroOk ? "non-negative" : "positive") +
                        " number of seconds, like 3 or 0.5");
}

std::uint64_t positiveCount(const std::string& flag, const std::string& v, std::uint64_t max) {
  try {
    size_t used = 0;
    unsigned long long n = std::stoull(v, &used);
    if (used == v.size() && n >= 1 && n <= max && v[0] != '-')
      return n;
  } catch (const std::exception&) {
  }
  throw BenchUsageError(flag + " '" + v + "': expected a whole number from 1 to " +
                        std::to_string(max));
}

void parseUrl(const std::string& url, BenchOptions& o) {
  const std::string scheme = "https://";
  if (url.compare(0, scheme.size(), scheme) != 0)
    throw BenchUsageError("--url '" + url + "': only https:// URLs are supported, like " +
                          "https://127.0.0.1:8443/api/mesh/ping");
  std::string rest = url.substr(scheme.size());
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  o.path = slash == std::string::npos ? "/" : rest.substr(slash);
  if (!authority.empty() && authority[0] == '[') { // [IPv6]:port
    size_t close = authority.find(']');
    if (close == std::string::npos)
      throw BenchUsageError("--url '" + url + "': missing ']' after the IPv6 address");
    o.host = authority.substr(1, close - 1);
    std::string after = authority.substr(close + 1);
    o.port = after.empty() ? "443" : after.substr(after[0] == ':' ? 1 : 0);
  } else {
    size_t colon = authority.rfind(':');
    o.host = authority.substr(0, colon);
    o.port = colon == std::string::npos ? "443" : authority.substr(colon + 1);
  }
  if (o.host.empty() || o.port.empty() ||
      o.port.find_first_not_of("0123456789") != std::string::npos)
    throw BenchUsageError("--url '" + url + "': expected https://HOST[:PORT]/PATH");
}

// "A" or "A-B" (IPv4, same first three octets not required; at most 256 addresses).
std::vector<std::string> parseSources(const std::string& v) {
  auto address = [&](const std::string& text) {
    in_addr a{};
    if (inet_pton(AF_INET, text.c_str(), &a) != 1)
      throw BenchUsageError("--source '" + v + "': '" + text +
                            "' is not an IPv4 address; pass A or A-B, like "
                            "127.0.0.2-127.0.0.11");
    return ntohl(a.s_addr);
  };
  size_t dash = v.find('-');
  std::uint32_t first = address(v.substr(0, dash));
  std::uint32_t last = dash == std::string::npos ? first : address(v.substr(dash + 1));
  if (last < first || last - first >= 256)
    throw BenchUsageError("--source '" + v +
                          "': expected a range of 1 to 256 addresses, "
                          "lowest first");
  std::vector<std::string> out;
  for (std::uint32_t a = first;; ++a) {
    in_addr n{htonl(a)};
    char text[INET_ADDRSTRLEN];
    out.emplace_back(inet_ntop(AF_INET, &n, text, sizeof text));
    if (a == last)
      break;
  }
  return out;
}

std::string readBody(const std::string& v) {
  if (v.empty() || v[0] != '@')
    return v;
  std::ifstream in(v.substr(1), std::ios::binary);
  if (!in)
    throw BenchUsageError("--body '" + v + "': cannot read file '" + v.substr(1) +
                          "'; pass @FILE with a readable file, or the body itself");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

} // namespace

bool parseBenchOptions(const std::vector<std::string>& args, BenchOptions& o) {
  std::string url;
  bool methodGiven = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size())
        throw BenchUsageError(a + " needs a value; see rivetctl bench --help");
      return args[++i];
    };
    if (a == "--help" || a == "-h")
      return false;
    else if (a == "--url")
      url = value();
    else if (a == "--cert")
      o.certFile = value();
    else if (a == "--key")
      o.keyFile = value();
    else if (a == "--ca")
      o.caFile = value();
    else if (a == "--name")
      o.name = value();
    else if (a == "--method") {
      o.method = value();
      methodGiven = true;
      if (o.method != "GET" && o.method != "POST")
        throw BenchUsageError("--method '" + o.method + "': expected GET or POST");
    } else if (a == "--body")
      o.body = readBody(value());
    else if (a == "--concurrency")
      o.concurrency = static_cast<unsigned>(positiveCount(a, value(), 10000));
    else if (a == "--threads")
      o.threads = static_cast<unsigned>(positiveCount(a, value(), 64));
    else if (a == "--duration")
      o.durationSeconds = positiveNumber(a, value(), false);
    else if (a == "--requests")
      o.requests = positiveCount(a, value(), 1000000000);
    else if (a == "--warmup")
      o.warmupSeconds = positiveNumber(a, value(), true);
    else if (a == "--timeout")
      o.timeoutSeconds = positiveNumber(a, value(), false);
    else if (a == "--new-connection")
      o.newConnection = true;
    else if (a == "--resume")
      o.resume = true;
    else if (a == "--json")
      o.json = true;
    else if (a == "--wait-ready")
      o.waitReady = true;
    else if (a == "--print-response")
      o.printResponse = true;
    else if (a == "--source")
      o.sources = parseSources(value());
    else if (a == "--hold")
      o.hold = static_cast<unsigned>(positiveCount(a, value(), 1000000));
    else if (a == "--slowloris")
      o.slowloris = static_cast<unsigned>(positiveCount(a, value(), 1000000));
    else if (a == "--trickle") {
      const std::string& t = value();
      if (t != "handshake" && t != "head")
        throw BenchUsageError("--trickle '" + t + "': expected handshake or head");
      o.trickleHead = t == "head";
    } else if (a == "--trickle-ms")
      o.trickleSeconds = static_cast<double>(positiveCount(a, value(), 600000)) / 1e3;
    else if (a == "--open-window")
      o.openWindow = static_cast<unsigned>(positiveCount(a, value(), 100000));
    else if (a == "--open-seconds")
      o.openSeconds = positiveNumber(a, value(), false);
    else if (a == "--hold-seconds")
      o.holdSeconds = positiveNumber(a, value(), false);
    else if (a == "--ready-file")
      o.readyFile = value();
    else
      throw BenchUsageError("unknown option '" + a + "'; see rivetctl bench --help");
  }
  if (url.empty() || o.certFile.empty() || o.keyFile.empty() || o.caFile.empty())
    throw BenchUsageError("--url, --cert, --key and --ca are required (the server's URL, the "
                          "client certificate and key it checks, the CA that signed the server)");
  parseUrl(url, o);
  if (o.name.empty())
    o.name = o.host;
  if (!methodGiven && !o.body.empty())
    o.method = "POST";
  if (o.resume && !o.newConnection)
    throw BenchUsageError("--resume needs --new-connection (keep-alive connections never "
                          "reconnect, so there is no session to resume)");
  if (o.hold && o.slowloris)
    throw BenchUsageError("--hold and --slowloris are two runs: pass one of them");
  if ((o.hold || o.slowloris) && (o.newConnection || o.waitReady))
    throw BenchUsageError("--hold and --slowloris keep their connections: they do not go with "
                          "--new-connection or --wait-ready");
  if (o.hold)
    o.concurrency = o.hold;
  if (o.threads > o.concurrency)
    o.threads = o.concurrency;
  if (o.durationSeconds == 0 && o.requests == 0)
    o.durationSeconds = 5;
  return true;
}

} // namespace rivet::ctl
