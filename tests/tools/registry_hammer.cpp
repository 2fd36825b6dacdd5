// Test helper: one node that registers in <dir>/mesh.json, then heartbeats its own entry <count>
// times, each a locked write that also adds 1 to the entry's `hammerCount`; or one other program.
//   registry_hammer <storage-dir> <node-id> <count>
//   registry_hammer --read <storage-dir> <max-bytes>     prints "nodes=<n>" (a tolerant read)
//   registry_hammer --in-place <storage-dir> <node-id>   adds the node as RivetOS does: no lock,
//                                                        the file rewritten in place
#include "log/Log.hpp"
#include "registry/JsonMembers.hpp"
#include "registry/RegistryError.hpp"
#include "registry/RegistryFile.hpp"
#include "registry/RegistryRules.hpp"
#include "registry/RegistryStore.hpp"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

using namespace rivet::registry;

namespace {

NodeRecord nodeNamed(const std::string& id) {
  NodeFields fields;
  fields.id = fields.name = id;
  fields.agents = {"echo"};
  fields.host = "127.0.0.1";
  return NodeRecord::fromFields(fields);
}

int readOnce(const std::string& dir, const std::string& maxBytes) {
  RegistryStore store(dir, {}, std::atoll(maxBytes.c_str()));
  std::cout << "nodes=" << store.snapshot()->size() << std::endl;
  return 0;
}

// fs.writeFileSync(path, JSON.stringify(data, null, 2)): truncate and write the same inode.
int writeInPlace(const std::string& dir, const std::string& id) {
  std::string path = dir + "/mesh.json";
  std::ostringstream text;
  text << std::ifstream(path).rdbuf();
  Registry r = RegistryFile::parse(text.str(), path);
  r.put(nodeNamed(id).setLastSeen(1));
  std::ofstream(path, std::ios::trunc) << RegistryFile::serialize(r);
  return 0;
}

int hammer(const std::string& dir, const std::string& id, int count) {
  RegistryStore store(dir);
  NodeRecord self = nodeNamed(id);
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
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 4 || (argv[1][0] != '-' && std::atoi(argv[3]) < 0)) {
    std::cerr << "usage: registry_hammer <storage-dir> <node-id> <count>\n"
                 "       registry_hammer --read <storage-dir> <max-bytes>\n"
                 "       registry_hammer --in-place <storage-dir> <node-id>\n";
    return 2;
  }
  rivet::log::configure({"warn", "pretty", ""});
  std::string mode = argv[1];
  try {
    if (mode == "--read")
      return readOnce(argv[2], argv[3]);
    if (mode == "--in-place")
      return writeInPlace(argv[2], argv[3]);
    return hammer(argv[1], argv[2], std::atoi(argv[3]));
  } catch (const RegistryError& e) {
    std::cerr << "registry_hammer " << argv[2] << ": " << e.what() << "\n";
    return 1;
  }
}
