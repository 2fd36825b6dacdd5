// The settings of one `rivetctl bench` run, read from its command line.
// Parsing throws BenchUsageError with a message that names the flag and what to pass instead.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace rivet::ctl {

struct BenchUsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct BenchOptions {
  std::string host;       // from --url: a name or an IP literal (IPv6 without brackets)
  std::string port;       // from --url, "443" when absent
  std::string path = "/"; // from --url, with the query string
  std::string name;       // --name: SNI and the name the server certificate must carry
  std::string certFile, keyFile, caFile;
  std::string method = "GET";
  std::string body;           // --body STRING or the contents of --body @FILE
  unsigned concurrency = 1;   // connections, each with one request in flight
  unsigned threads = 1;       // event loops sharing the connections
  double durationSeconds = 0; // 0: none (then --requests must bound the run)
  std::uint64_t requests = 0; // 0: no limit (then --duration bounds the run)
  double warmupSeconds = 0;   // traffic before the measurement, not counted
  double timeoutSeconds = 5;  // per request; with --wait-ready, the whole wait
  bool newConnection = false; // a new TCP + TLS connection for every request
  bool resume = false;        // with --new-connection: resume the previous TLS session
  bool json = false;          // one JSON object on stdout instead of the text report
  bool waitReady = false;     // poll until one request succeeds, then report when
  bool printResponse = false; // copy the first response to stderr (for checking a server)

  // Held connections (--hold N): each sends one request, then stays open and idle.
  unsigned hold = 0;
  // Slow-loris connections (--slowloris N): each trickles its TLS handshake or request head.
  unsigned slowloris = 0;
  bool trickleHead = false;         // --trickle head (after a full handshake); default: handshake
  double trickleSeconds = 0.5;      // --trickle-ms: one byte per connection this often
  unsigned openWindow = 64;         // --open-window: connections being opened at once
  double openSeconds = 60;          // --open-seconds: no new connection after this long
  double holdSeconds = 60;          // --hold-seconds: then the held connections close
  std::string readyFile;            // --ready-file: written once the opening is over
  std::vector<std::string> sources; // --source A[-B]: IPv4 addresses to bind, in turn
};

// The usage text printed by `rivetctl bench --help` and after a usage error.
extern const char* const kBenchUsage;

// Reads `args` (the words after "bench"). Returns false when --help was asked for.
bool parseBenchOptions(const std::vector<std::string>& args, BenchOptions& out);

} // namespace rivet::ctl
