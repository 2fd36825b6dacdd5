// A node may be forgotten when it is offline or stale (not seen for mesh.stale_threshold_ms);
// an online, fresh one is refused, since it would only register again.
#include "ForgetCommand.hpp"

#include "ListCommand.hpp"
#include "LocalNode.hpp"
#include "TimeText.hpp"
#include "registry/RegistryStore.hpp"
#include "util/JsonText.hpp"

#include <charconv>
#include <iostream>

namespace rivet::ctl {
namespace {

const char* kForgetUsage = R"(usage: rivetctl [--config FILE] forget NODE [--json]
       rivetctl [--config FILE] forget --older-than DURATION [--json]

Removes nodes from the registry (mesh.json in mesh.storage_dir of the configuration) and prints
each one removed. NODE is a node's id or name. A node that is online and fresh (seen within
mesh.stale_threshold_ms) is refused: stop it first (rivetd marks itself offline), or wait until
it is stale. The file is changed under the registry's lock, so entries that running nodes write
at the same time are kept.

options:
  --older-than DURATION   forget every offline or stale node not seen for DURATION: a number
                          and a unit, s, m, h or d (e.g. 90s, 30m, 12h, 7d)
  --json                  print {"forgotten":[{"id","name","status","lastSeen"},...]}
  --help                  show this help

exit status: 0 forgotten (with --older-than, also when no node was that old), 1 refused, no
             such node, no configuration, or the registry is missing, unreadable or invalid,
             2 usage error
)";

// "7d" -> milliseconds; 0 when it is not a positive number with a unit s, m, h or d.
int64_t duration(const std::string& text) {
  if (text.size() < 2 || text.size() > 12)
    return 0;
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, n);
  if (ec != std::errc() || end != text.data() + text.size() - 1 || n <= 0)
    return 0;
  switch (text.back()) {
  case 's':
    return n * 1000;
  case 'm':
    return n * 60 * 1000;
  case 'h':
    return n * 3600 * 1000;
  case 'd':
    return n * 24 * 3600 * 1000;
  default:
    return 0;
  }
}

struct Forgotten {
  std::string id, name, status;
  int64_t lastSeen = 0;
};

} // namespace

int forgetCommand(const std::string& configPath, const std::vector<std::string>& args) {
  std::string target;
  int64_t olderThanMs = 0;
  bool json = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      std::cout << kForgetUsage;
      return kExitOk;
    }
    if (a == "--json") {
      json = true;
    } else if (a == "--older-than") {
      if (i + 1 >= args.size())
        return usageError("forget", "--older-than needs a duration, e.g. 7d");
      olderThanMs = duration(args[++i]);
      if (olderThanMs <= 0)
        return usageError("forget", "--older-than needs a number and a unit s, m, h or d (e.g. "
                                    "90s, 12h, 7d), not '" +
                                        printable(args[i]) + "'");
    } else if (a.rfind("-", 0) == 0) {
      return usageError("forget", "unknown option '" + printable(a) + "'");
    } else if (!target.empty()) {
      return usageError("forget", "one NODE only (use --older-than for many)");
    } else {
      target = a;
    }
  }
  if (target.empty() == (olderThanMs == 0))
    return usageError("forget", target.empty() ? "give a NODE or --older-than DURATION"
                                               : "give a NODE or --older-than, not both");

  config::LoadResult loaded;
  if (!loadConfig(configPath, loaded))
    return kExitFailed;
  const auto& mesh = loaded.config.mesh;
  std::vector<Forgotten> forgotten;
  std::string refusal;
  try {
    registry::RegistryStore store(mesh.storageDir, {}, mesh.registryMaxBytes);
    readRegistryStrictly(store.path(), mesh.registryMaxBytes); // missing or invalid: say so
    store.update([&](registry::Registry& r) {
      // Runs again on a fresh copy when another program wrote meanwhile: set, not accumulate.
      forgotten.clear();
      refusal.clear();
      int64_t now = store.now();
      for (const auto& n : r.nodes()) {
        bool match =
            olderThanMs ? now - n.lastSeen() > olderThanMs : n.id() == target || n.name() == target;
        if (!match)
          continue;
        if (n.status() != "offline" && !isStale(n, now, mesh.staleThresholdMs)) {
          if (!olderThanMs)
            refusal = "node " + printable(n.name()) + " (" + printable(n.id()) + ") is " +
                      printable(n.status()) + " and fresh: last seen " + age(now, n.lastSeen()) +
                      " (" + isoTime(n.lastSeen()) + "), within mesh.stale_threshold_ms (" +
                      std::to_string(mesh.staleThresholdMs) +
                      " ms); stop its rivetd first (it marks itself offline), or wait until it "
                      "is stale";
          continue;
        }
        forgotten.push_back({n.id(), n.name(), n.status(), n.lastSeen()});
        if (!olderThanMs)
          break; // an id and another node's name could both match: one node only
      }
      for (const auto& f : forgotten)
        r.nodesObject().EraseMember(rapidjson::StringRef(f.id.data(), f.id.size()));
      return !forgotten.empty();
    });
    if (!refusal.empty() && forgotten.empty()) {
      std::cerr << "rivetctl forget: " << refusal << "\n";
      return kExitFailed;
    }
    if (!olderThanMs && forgotten.empty()) {
      std::cerr << "rivetctl forget: node '" << printable(target) << "' is not in " << store.path()
                << "; see rivetctl list\n";
      return kExitFailed;
    }
    int64_t now = store.now();
    if (json) {
      std::string out = "{\"forgotten\":[";
      for (size_t i = 0; i < forgotten.size(); ++i)
        out += std::string(i ? "," : "") + "{\"id\":" + util::jsonString(forgotten[i].id) +
               ",\"name\":" + util::jsonString(forgotten[i].name) +
               ",\"status\":" + util::jsonString(forgotten[i].status) +
               ",\"lastSeen\":" + std::to_string(forgotten[i].lastSeen) + "}";
      std::cout << out << "],\"registry\":" << util::jsonString(store.path()) << "}\n";
      return kExitOk;
    }
    for (const auto& f : forgotten)
      std::cout << "forgot " << printable(f.name) << " (" << printable(f.id) << "), "
                << printable(f.status) << ", last seen " << age(now, f.lastSeen) << "\n";
    std::cout << forgotten.size() << " node" << (forgotten.size() == 1 ? "" : "s")
              << " forgotten in " << store.path() << "\n";
    return kExitOk;
  } catch (const std::exception& e) {
    std::cerr << "rivetctl forget: " << e.what() << "\n";
    return kExitFailed;
  }
}

} // namespace rivet::ctl
