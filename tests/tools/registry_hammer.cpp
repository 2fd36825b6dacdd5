// Test helper: one node that registers in <dir>/mesh.json, then heartbeats its own entry <count>
// times, each a locked write that also adds 1 to the entry's `hammerCount`. Usage:
//   registry_hammer <storage-dir> <node-id> <count>
#include "log/Log.hpp"
#include "registry/JsonMembers.hpp"
#include "registry/RegistryError.hpp"
#include "registry/RegistryRules.hpp"
#include "registry/RegistryStore.hpp"

#include <cstdlib>
#include <iostream>

using namespace rivet::registry;

int main(int argc, char** argv) {
  if (argc != 4 || std::atoi(argv[3]) < 0) {
    std::cerr << "usage: registry_hammer <storage-dir> <node-id> <count>\n";
    return 2;
  }
  rivet::log::configure({"warn", "pretty", ""});
  std::string id = argv[2];
  int count = std::atoi(argv[3]);
  try {
    RegistryStore store(argv[1]);
    NodeFields fields;
    fields.id = fields.name = id;
    fields.agents = {"echo"};
    fields.host = "127.0.0.1";
    NodeRecord self = NodeRecord::fromFields(fields);
    store.registerSelf(self);
    for (int i = 0; i < count; ++i) {
      store.update([&](Registry& r) {
        applyHeartbeat(r, self, store.now());
        rapidjson::Value& entry = *r.entry(id);
        int64_t done = json::integer(entry, "hammerCount").value_or(0);
        json::setInteger(entry, "hammerCount", done + 1, r.allocator());
        return true;
      });
    }
  } catch (const RegistryError& e) {
    std::cerr << "registry_hammer " << id << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}
