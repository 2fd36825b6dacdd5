// An A2A Agent Card (protocol v1.0) as this plugin uses it: the JSON-RPC endpoint it picked from
// supportedInterfaces, whether the agent streams, and its name, description and skills for logs
// and describe(). Parsing never trusts the card: sizes, types and counts are all checked.
#pragma once

#include <Poco/URI.h>

#include <cstddef>
#include <stdexcept>
#include <string>

namespace rivet::a2a {

/// A card that cannot be used; what() says why and what to do.
class CardError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct AgentCard {
  static constexpr size_t kMaxBytes = 256 * 1024;

  std::string name;
  std::string description;
  std::string skills; // "name: description; ..." of the first skills, cut short
  Poco::URI endpoint; // the JSONRPC interface's URL, resolved against the card's URL
  std::string protocolVersion;
  bool streaming = false;

  /// Parses `json` fetched from `cardUrl`; plain-http endpoints only with `allowHttp`.
  /// Throws CardError.
  static AgentCard parse(const std::string& json, const Poco::URI& cardUrl, bool allowHttp);

  /// What tasks use: endpoint, streaming and protocol version (a change of name is no change).
  bool sameUse(const AgentCard& other) const;
  /// "'Name' at <endpoint> (A2A 1.0, streaming)".
  std::string summary() const;
};

} // namespace rivet::a2a
