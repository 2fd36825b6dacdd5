// The settings of the static discovery plugin: this node's name and the `mesh.peers` list,
// read and checked once at create time so that a typo stops start-up with the key to fix.
#pragma once

#include <string>
#include <vector>

namespace rivet::discovery_static {

struct StaticPeer {
  std::string name;
  std::string host;
  int port = 3000;
};

struct StaticPeers {
  std::string nodeName;
  std::vector<StaticPeer> peers; // as configured, this node's own entry included

  /// Reads the plugin settings JSON. Throws sdk::PluginError naming `mesh.peers` (or the
  /// offending entry) when the list is missing, empty or has an entry without name or host.
  static StaticPeers parse(const std::string& json);

  /// The peers other than this node, as a JSON array of hints {"name","host","port"}.
  std::string hintsJson() const;
  /// How many peers hintsJson() holds.
  size_t otherCount() const;
};

} // namespace rivet::discovery_static
