// `mesh.channel`: whole numbers in their ranges (FieldReader), unknown keys with a suggestion,
// and the one cross-key rule of the section, per-address handshakes within the total.
#include "config/ChannelSection.hpp"

#include <string>
#include <vector>

namespace rivet::config {
namespace {

std::vector<std::string> channelKeys() {
  std::vector<std::string> keys;
  const Channel defaults;
  forEachChannelKey(defaults,
                    [&](const char* key, int64_t, int64_t, const auto&) { keys.push_back(key); });
  return keys;
}

void checkHandshakeCaps(const Channel& c, const FieldReader& r) {
  if (c.maxHandshakesPerAddress <= c.maxHandshakes)
    return;
  const char* at = r.has("mesh.channel.max_handshakes_per_address")
                       ? "mesh.channel.max_handshakes_per_address"
                       : "mesh.channel.max_handshakes";
  r.fail(r.markOf(at), "mesh.channel.max_handshakes_per_address",
         std::to_string(c.maxHandshakesPerAddress) +
             " is greater than mesh.channel.max_handshakes (" + std::to_string(c.maxHandshakes) +
             "), so it could never apply",
         "Lower max_handshakes_per_address to at most max_handshakes, or raise max_handshakes");
}

} // namespace

Channel readChannel(const YAML::Node& node, FieldReader& r) {
  static const std::vector<std::string> kChannelKeys = channelKeys();
  Channel c;
  if (node.IsNull())
    return c;
  r.requireMap(node, "mesh.channel",
               "Write channel: with indented keys such as idle_timeout_ms: 10000");
  r.forEachEntry(
      node, "mesh.channel", kChannelKeys, [&](const std::string& key, const YAML::Node& v) {
        forEachChannelKey(c, [&](const char* name, int64_t min, int64_t max, auto& field) {
          if (key == name)
            r.readInt(v, "mesh.channel." + key, min, max, field);
        });
      });
  checkHandshakeCaps(c, r);
  return c;
}

} // namespace rivet::config
