// The node of --config as rivetctl's send and task commands reach it: its address, the name its
// certificate carries, the transport loaded with its certificate, and one call to its API that
// sorts failures into rivetctl's exit codes.
#pragma once

#include "TransportClient.hpp"
#include "config/ConfigLoader.hpp"

#include "rivet/sdk/json.hpp"

#include <memory>
#include <string>

namespace rivet::ctl {

// rivetctl's exit codes for the task commands (docs/cli.md).
enum Exit : int {
  kExitOk = 0,
  kExitFailed = 1, // the task failed, was rejected, canceled or timed out; the node said no
  kExitUsage = 2,
  kExitUnreachable = 3, // no answer from the node: refused, TLS, timed out, connection lost
  kExitInterrupted = 130,
};

struct LocalNode {
  config::Config config;
  std::string host; // 127.0.0.1 when the node listens on every address
  int port = 0;
  std::string verifyName; // <node>.mesh
  std::string where;      // "node NAME at HOST:PORT", for messages
  std::unique_ptr<TransportClient> client;
};

// The configuration file rivetctl uses: `given` (--config) when set, else $RIVET_CONFIG, else
// ./config/rivet.yaml, else /etc/rivet/rivet.yaml (the first that exists). Empty when none
// exists; `tried` then lists what was looked at, for the message.
std::string findConfigPath(const std::string& given, std::string& tried);
// Finds (findConfigPath) and loads the configuration. Prints why it could not to stderr and
// returns false (exit 1).
bool loadConfig(const std::string& configPath, config::LoadResult& out);

// Prints "rivetctl COMMAND: WHY; see rivetctl COMMAND --help" to stderr; returns kExitUsage.
int usageError(const std::string& command, const std::string& why);

// Reads --config (see findConfigPath) and loads the transport. Prints why it could not to stderr
// and returns false (exit 1).
bool openLocalNode(const std::string& configPath, LocalNode& out);

struct ApiAnswer {
  int exit = kExitOk; // kExitOk: a JSON object arrived (any status)
  int status = 0;
  std::string body;
  sdk::json::Value json;
};

// One request to the node's API. When it fails, `exit` is kExitUnreachable (no answer) or
// kExitFailed (not a JSON object), and the reason is printed to stderr ("rivetctl: ... <where>
// ...") when `report`.
ApiAnswer callNode(LocalNode& node, const std::string& method, const std::string& path,
                   const std::string& body, int64_t timeoutMs, bool report = true);
// The node's "error" text of a refused request, or the body's beginning.
std::string refusal(const ApiAnswer& a);

// `s` made safe for a terminal: control characters (but tab, and newline when `keepNewlines`)
// become '?', invalid UTF-8 becomes U+FFFD, so a node cannot send escape sequences.
std::string printable(std::string_view s, bool keepNewlines = false);
// A string field of a JSON object, made printable; `fallback` when missing or not a string.
std::string field(const sdk::json::Value& v, std::string_view key,
                  const std::string& fallback = "");

} // namespace rivet::ctl
