// Benchmark: the cost of one heartbeat tick (RegistryStore::heartbeatAndPrune) when mesh.json
// holds many nodes, plus where that time goes (lock, read + parse, serialize, fsync'd replace).
// Usage: registry_heartbeat_bench [--dir DIR] [--nodes N] [--beats N] [--json] | --populate DIR
#include "log/Log.hpp"
#include "registry/AtomicFile.hpp"
#include "registry/RegistryError.hpp"
#include "registry/RegistryFile.hpp"
#include "registry/RegistryLock.hpp"
#include "registry/RegistryStore.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <sys/vfs.h>

using namespace rivet::registry;
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kStaleThresholdMs = 90000; // the default mesh.stale_threshold_ms

struct Options {
  std::string dir = ".";
  std::string populate; // add the nodes to <populate>/mesh.json (a locked write) and stop
  int nodes = 1000;
  int beats = 200;
  bool json = false;
};

struct Summary {
  double median = 0;
  double p90 = 0;
  double max = 0;
};

int usage(const char* why) {
  if (why)
    std::cerr << "registry_heartbeat_bench: " << why << "\n";
  std::cerr << "usage: registry_heartbeat_bench [--dir DIR] [--nodes N] [--beats N] [--json]\n"
               "       registry_heartbeat_bench --populate DIR [--nodes N]\n"
               "  --dir DIR    parent folder of the temporary storage folder (default: .); the\n"
               "               file system matters: fsync is most of the cost on a real disk\n"
               "  --nodes N    other nodes in mesh.json (default 1000)\n"
               "  --beats N    timed heartbeatAndPrune calls (default 200)\n"
               "  --json       print one JSON object instead of text\n"
               "  --populate DIR  add N nodes to DIR/mesh.json in one locked write, as a node\n"
               "               does (running nodes keep them), and exit\n";
  return 2;
}

bool parseInt(const char* text, int min, int& out) {
  char* end = nullptr;
  long v = std::strtol(text, &end, 10);
  if (!end || *end != '\0' || v < min || v > 1000000)
    return false;
  out = static_cast<int>(v);
  return true;
}

Summary summarize(std::vector<double> ms) {
  Summary s;
  if (ms.empty())
    return s;
  std::sort(ms.begin(), ms.end());
  auto rank = [&](double q) { // nearest rank
    size_t i = static_cast<size_t>(q * static_cast<double>(ms.size()) + 0.999999);
    return ms[std::min(ms.size(), std::max<size_t>(i, 1)) - 1];
  };
  s.median = rank(0.5);
  s.p90 = rank(0.9);
  s.max = ms.back();
  return s;
}

double msSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

std::vector<double> timeRuns(int runs, const std::function<void()>& run) {
  std::vector<double> ms;
  ms.reserve(static_cast<size_t>(runs));
  for (int i = 0; i < runs; ++i) {
    auto t0 = Clock::now();
    run();
    ms.push_back(msSince(t0));
  }
  return ms;
}

// A node as a production mesh has them: three agents with providers and models, agentDetails
// metadata, and hand-added fields (sshUser, platform) that every rewrite must keep.
NodeRecord realisticNode(int i, int64_t now, std::mt19937& rng) {
  static const char* const kProviders[] = {"anthropic", "openai", "ollama"};
  static const char* const kModels[] = {"claude-opus-4", "gpt-4o", "llama3.1:70b"};
  char id[32];
  std::snprintf(id, sizeof id, "node-%04d", i);
  NodeFields f;
  f.id = f.name = id;
  f.agents = {std::string("opus-") + std::to_string(i), "sonnet-" + std::to_string(i),
              "reviewer-" + std::to_string(i)};
  f.host = "10.42." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
  f.port = 3000;
  std::string details;
  for (size_t a = 0; a < f.agents.size(); ++a) {
    const char* provider = kProviders[(static_cast<size_t>(i) + a) % 3];
    const char* model = kModels[(static_cast<size_t>(i) + a) % 3];
    if (std::find(f.providers.begin(), f.providers.end(), provider) == f.providers.end())
      f.providers.push_back(provider);
    f.models.push_back(model);
    details += std::string(a ? "," : "") + "\"" + f.agents[a] + "\":{\"provider\":\"" + provider +
               "\",\"model\":\"" + model + "\"}";
  }
  f.capabilities = {"delegation", "tools", "streaming"};
  f.metadataJson = "{\"agentDetails\":{" + details + "}}";
  f.version = "0.1.0";
  NodeRecord node = NodeRecord::fromFields(f);
  // Fresh (seen within the last 30 s), so the prune in each tick has nothing to mark: every
  // tick does the same work, as in a healthy mesh.
  std::uniform_int_distribution<int64_t> age(0, 30000);
  node.setLastSeen(now - age(rng)).setRegisteredAt(now - 86400000 - age(rng));
  node.setString("sshUser", "rivet").setString("platform", "linux-x86_64");
  return node;
}

std::string fileSystemOf(const std::string& dir) {
  struct statfs st {};
  if (::statfs(dir.c_str(), &st) != 0)
    return "unknown";
  switch (static_cast<unsigned long>(st.f_type)) {
  case 0x01021994UL:
    return "tmpfs";
  case 0xEF53UL:
    return "ext4";
  case 0x58465342UL:
    return "xfs";
  case 0x9123683EUL:
    return "btrfs";
  case 0x6969UL:
    return "nfs";
  case 0x794C7630UL:
    return "overlayfs";
  default: {
    char hex[32];
    std::snprintf(hex, sizeof hex, "0x%lx", static_cast<unsigned long>(st.f_type));
    return hex;
  }
  }
}

std::string jsonSummary(const char* key, const Summary& s) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "\"%s_median_ms\":%.3f,\"%s_p90_ms\":%.3f,\"%s_max_ms\":%.3f", key,
                s.median, key, s.p90, key, s.max);
  return buf;
}

void printText(const char* what, const Summary& s) {
  std::printf("  %-34s median %8.3f ms   p90 %8.3f ms   max %8.3f ms\n", what, s.median, s.p90,
              s.max);
}

// Adds `count` realistic nodes to <storage>/mesh.json in one locked write; returns its size.
uintmax_t populate(RegistryStore& store, int count) {
  std::mt19937 rng(42);
  const int64_t now = store.now();
  store.update([&](Registry& r) {
    for (int i = 0; i < count; ++i)
      r.put(realisticNode(i, now, rng));
    return true;
  });
  return fs::file_size(store.path());
}

// The figure (whole ticks, as the heartbeat timer runs them), then each step of a tick alone.
void timeHeartbeats(const Options& o, const std::string& storage) {
  RegistryStore store(storage);
  NodeFields selfFields;
  selfFields.id = selfFields.name = "bench-self";
  selfFields.agents = {"echo"};
  selfFields.providers = {"echo"};
  selfFields.host = "127.0.0.1";
  const NodeRecord self = NodeRecord::fromFields(selfFields);
  store.registerSelf(self);
  const uintmax_t bytes = populate(store, o.nodes);

  size_t pruned = 0;
  store.heartbeatAndPrune(self, kStaleThresholdMs); // warm the page cache and the allocator
  const Summary tick = summarize(timeRuns(
      o.beats, [&] { pruned += store.heartbeatAndPrune(self, kStaleThresholdMs).pruned.size(); }));

  const std::string lockPath = storage + "/mesh.json.lock";
  const std::string text = *AtomicFile::read(store.path());
  const Registry parsed = RegistryFile::parse(text, store.path());
  const int steps = std::max(1, std::min(o.beats, 100));
  const Summary lock = summarize(timeRuns(steps, [&] { RegistryLock held(lockPath); }));
  const Summary readParse = summarize(
      timeRuns(steps, [&] { RegistryFile::parse(*AtomicFile::read(store.path()), store.path()); }));
  const Summary serialize =
      summarize(timeRuns(steps, [&] { (void)RegistryFile::serialize(parsed); }));
  const Summary replace =
      summarize(timeRuns(steps, [&] { AtomicFile::replace(store.path(), text); }));

  const std::string filesystem = fileSystemOf(storage);
  if (o.json) {
    std::printf("{\"nodes\":%d,\"beats\":%d,\"file_bytes\":%ju,\"fs\":\"%s\",\"dir\":\"%s\","
                "%s,%s,%s,%s,%s,\"pruned\":%zu}\n",
                o.nodes, o.beats, bytes, filesystem.c_str(), o.dir.c_str(),
                jsonSummary("tick", tick).c_str(), jsonSummary("lock", lock).c_str(),
                jsonSummary("read_parse", readParse).c_str(),
                jsonSummary("serialize", serialize).c_str(),
                jsonSummary("replace", replace).c_str(), pruned);
    return;
  }
  std::printf("mesh.json with %d other nodes (%ju bytes) on %s (%s)\n", o.nodes, bytes,
              filesystem.c_str(), o.dir.c_str());
  printText(("heartbeatAndPrune x" + std::to_string(o.beats)).c_str(), tick);
  std::printf("its steps, %d times each:\n", steps);
  printText("lock (fcntl)", lock);
  printText("read + parse", readParse);
  printText("serialize", serialize);
  printText("write + fsync + rename + dir fsync", replace);
}

} // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool hasValue = i + 1 < argc;
    if (a == "--dir" && hasValue)
      o.dir = argv[++i];
    else if (a == "--populate" && hasValue)
      o.populate = argv[++i];
    else if (a == "--nodes" && hasValue) {
      if (!parseInt(argv[++i], 0, o.nodes))
        return usage("--nodes needs a whole number from 0 to 1000000");
    } else if (a == "--beats" && hasValue) {
      if (!parseInt(argv[++i], 1, o.beats))
        return usage("--beats needs a whole number from 1 to 1000000");
    } else if (a == "--json")
      o.json = true;
    else if (a == "-h" || a == "--help")
      return usage(nullptr);
    else
      return usage(("unknown or incomplete option '" + a + "'").c_str());
  }
  rivet::log::configure({"warn", "pretty", ""});

  if (!o.populate.empty()) {
    try {
      RegistryStore store(o.populate);
      uintmax_t bytes = populate(store, o.nodes);
      std::printf("added %d nodes to %s (%ju bytes)\n", o.nodes, store.path().c_str(), bytes);
      return 0;
    } catch (const std::exception& e) {
      std::cerr << "registry_heartbeat_bench: " << e.what() << "\n";
      return 1;
    }
  }

  std::string storage = (fs::path(o.dir) / "rivet-heartbeat-bench.XXXXXX").string();
  if (!::mkdtemp(storage.data())) {
    std::cerr << "registry_heartbeat_bench: cannot create a folder in " << o.dir << ": "
              << std::strerror(errno) << "; pass --dir with a writable folder\n";
    return 1;
  }
  int status = 0;
  try {
    timeHeartbeats(o, storage);
  } catch (const std::exception& e) {
    std::cerr << "registry_heartbeat_bench: " << e.what() << "\n";
    status = 1;
  }
  std::error_code ignored;
  fs::remove_all(storage, ignored);
  return status;
}
