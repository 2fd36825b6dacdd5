// The a2a agent's settings (its `agents:` entry), read and checked once at create time: a mistake
// refuses the agent with a message naming agents.<id>.<key> instead of failing every task.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace rivet::a2a {

struct A2aSettings {
  std::string cardUrl;    // the Agent Card's URL, as configured
  bool allowHttp = false; // plain http for card_url and the endpoint (tests, a local agent)
  std::string caFile;     // empty: the system's trusted CAs
  std::string clientCert; // with clientKey: the certificate presented to the remote (mTLS)
  std::string clientKey;
  bool useNodeCertificate = false; // clientCert/clientKey came from the node's mesh certificate
  std::string tokenFile;           // empty: no Authorization header
  int64_t cardRefreshS = 300;
  std::optional<int64_t> timeoutMs;
  int64_t pollIntervalMs = 500; // GetTask polling when the remote does not stream

  /// Reads settings from a JSON object text; `nodeInfoJson` is the host's node_info (for
  /// use_node_certificate). Throws sdk::PluginError "agents.<id>.<key> ..."; reports unknown
  /// keys through `warn`.
  static A2aSettings fromJson(const std::string& id, const std::string& json,
                              const std::string& nodeInfoJson,
                              const std::function<void(const std::string&)>& warn);
};

/// The bearer token in `path`: a regular file readable only by its owner (no group or other
/// permission bits), at most 16 KiB, one line without control characters. Throws
/// sdk::PluginError saying what is wrong with it and what to do.
std::string readTokenFile(const std::string& path);

} // namespace rivet::a2a
