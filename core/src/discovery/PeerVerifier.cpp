// Scheduling, the two mTLS calls per verification, and the registry write.
#include "discovery/PeerVerifier.hpp"

#include "log/Log.hpp"
#include "registry/RegistryError.hpp"
#include "util/JsonText.hpp"

#include "rivet/sdk/json.hpp"

#include <Poco/JSON/Parser.h>
#include <algorithm>
#include <sstream>

namespace rivet::discovery {
namespace {

using Clock = std::chrono::steady_clock;

rivet_str str(const std::string& s) {
  return {s.data(), s.size()};
}

rivet_writer stringWriter(std::string& s) {
  return {&s,
          [](void* ctx, const char* d, size_t n) { static_cast<std::string*>(ctx)->append(d, n); }};
}

struct Answer {
  bool ok = false;
  std::string body;
  std::string error;
};

// ',"features":[...]' with the known features a ping answer lists, or "" (RivetOS lists none).
std::string featuresOf(const std::string& pingBody) {
  auto doc = sdk::json::tryParse(pingBody);
  const sdk::json::Value* list = doc && doc->isObject() ? doc->find("features") : nullptr;
  if (!list || !list->isArray())
    return "";
  for (const auto& f : list->items())
    if (f.isString() && f.asString() == "tasks")
      return R"(,"features":["tasks"])";
  return "";
}

Answer get(const delegation::PeerCaller& caller, const std::string& host, int port,
           const std::string& verifyName, const std::string& path, int64_t timeoutMs) {
  Answer a;
  rivet_peer_request req{sizeof(rivet_peer_request),
                         str(host),
                         static_cast<uint32_t>(port),
                         str(verifyName),
                         {"GET", 3},
                         str(path),
                         {"", 0},
                         timeoutMs,
                         nullptr,
                         0};
  rivet_peer_response resp{sizeof(rivet_peer_response), 0, stringWriter(a.body),
                           stringWriter(a.error)};
  rivet_net_result r = caller(req, resp);
  if (r != RIVET_NET_OK)
    return a;
  if (resp.status != 200) {
    a.error = "GET " + path + " answered HTTP " + std::to_string(resp.status) + ": " + a.body;
    return a;
  }
  a.ok = true;
  return a;
}

} // namespace

PeerVerifier::PeerVerifier(VerifierSettings settings, registry::RegistryStore& store,
                           delegation::PeerCaller caller)
    : settings_(std::move(settings)), store_(store), caller_(std::move(caller)) {}

PeerVerifier::~PeerVerifier() {
  stop();
}

void PeerVerifier::start() {
  std::lock_guard<std::mutex> lock(mutex_);
  running_ = true;
  for (int i = 0; i < settings_.threads; ++i)
    threads_.emplace_back([this] { work(); });
}

void PeerVerifier::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!running_)
      return;
    running_ = false;
  }
  wake_.notify_all();
  for (auto& t : threads_)
    t.join();
  threads_.clear();
}

void PeerVerifier::seen(std::string_view peersJson) {
  Poco::JSON::Array::Ptr list;
  try {
    list = Poco::JSON::Parser().parse(std::string(peersJson)).extract<Poco::JSON::Array::Ptr>();
  } catch (const std::exception& e) {
    log::get("Discovery")->warn("discovery reported peers that are not a JSON array: {}", e.what());
    return;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  for (size_t i = 0; i < list->size(); ++i) {
    auto hint = list->getObject(static_cast<unsigned>(i));
    if (!hint)
      continue;
    std::string name = hint->optValue<std::string>("name", "");
    std::string host = hint->optValue<std::string>("host", "");
    int port = hint->optValue<int>("port", 0);
    if (name.empty() || host.empty() || port <= 0 || port > 65535 || name == settings_.nodeName)
      continue;
    std::ostringstream json;
    hint->stringify(json);
    bool known = peers_.count(name) > 0;
    Peer& p = peers_[name];
    bool moved = p.host != host || p.port != port;
    p.name = name;
    p.host = host;
    p.port = port;
    p.hintJson = json.str();
    // New or moved: try now. A peer reported again unchanged (a seed repeats its whole list every
    // interval, dead nodes included) keeps its schedule and its backoff.
    if (!known || moved) {
      p.due = Clock::now();
      p.failures = 0;
    }
  }
  wake_.notify_all();
}

void PeerVerifier::lost(std::string_view name) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (peers_.erase(std::string(name)))
    log::get("Discovery")
        ->info("Peer {} withdrew its announcement; it goes stale unless it "
               "reappears",
               name);
}

void PeerVerifier::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (running_) {
    Peer* next = nullptr;
    auto earliest = Clock::now() + std::chrono::seconds(60);
    for (auto& [name, p] : peers_) {
      if (p.busy)
        continue;
      if (p.due <= Clock::now()) {
        next = &p;
        break;
      }
      earliest = std::min(earliest, p.due);
    }
    if (!next) {
      wake_.wait_until(lock, earliest);
      continue;
    }
    next->busy = true;
    Peer copy = *next;
    lock.unlock();
    verify(copy);
    lock.lock();
  }
}

void PeerVerifier::verify(Peer peer) {
  const std::string verifyName = peer.name + ".mesh";
  int64_t timeout = std::min<int64_t>(5000, std::max<int64_t>(settings_.heartbeatIntervalMs, 500));
  Answer ping = get(caller_, peer.host, peer.port, verifyName, "/api/mesh/ping", timeout);
  if (!ping.ok)
    return finish(peer.name, false, ping.error, "");
  Answer agents = get(caller_, peer.host, peer.port, verifyName, "/api/agents", timeout);
  if (!agents.ok)
    return finish(peer.name, false, agents.error, "");

  registry::NodeFields fields;
  std::string details;
  try {
    auto list = Poco::JSON::Parser()
                    .parse(agents.body)
                    .extract<Poco::JSON::Object::Ptr>()
                    ->getArray("agents");
    for (size_t i = 0; list && i < list->size(); ++i) {
      auto a = list->getObject(static_cast<unsigned>(i));
      std::string id = a->optValue<std::string>("id", "");
      std::string provider = a->optValue<std::string>("provider", "");
      std::string model = a->optValue<std::string>("model", "");
      if (id.empty())
        continue;
      fields.agents.push_back(id);
      if (!provider.empty() && std::find(fields.providers.begin(), fields.providers.end(),
                                         provider) == fields.providers.end())
        fields.providers.push_back(provider);
      if (!model.empty())
        fields.models.push_back(model);
      details += (details.empty() ? "" : ",") + util::jsonString(id) +
                 ":{\"provider\":" + util::jsonString(provider) +
                 (model.empty() ? "" : ",\"model\":" + util::jsonString(model)) + "}";
    }
  } catch (const std::exception& e) {
    return finish(peer.name, false, std::string("its /api/agents is not valid: ") + e.what(), "");
  }

  std::string agentList;
  for (const auto& a : fields.agents)
    agentList += (agentList.empty() ? "" : ", ") + a;
  try {
    // Entries the shared file already has fresh (the peer heartbeats them) are not rewritten.
    int64_t now = store_.now();
    if (auto known = store_.snapshot()->find(peer.name)) {
      int64_t age = now - known->integer("lastSeen").value_or(0);
      if (known->status() == "online" && age < settings_.heartbeatIntervalMs &&
          known->agents() == fields.agents)
        return finish(peer.name, true, "", agentList);
    }
    registry::NodeRecord record;
    bool fullHint = false;
    try {
      record = registry::NodeRecord::fromJson(peer.hintJson);
      fullHint = record.has("id");
    } catch (const std::exception&) {
    }
    if (!fullHint) {
      fields.id = peer.name;
      fields.name = peer.name;
      fields.host = peer.host;
      fields.port = peer.port;
      fields.version = "unknown";
      // The peer's ping says what it speaks beyond RivetOS's protocol (docs/protocol.md §3.1).
      fields.metadataJson = "{\"agentDetails\":{" + details + "}" + featuresOf(ping.body) + "}";
      record = registry::NodeRecord::fromFields(fields);
    } else {
      record.setStrings("agents", fields.agents);
      record.setStrings("providers", fields.providers);
      record.setStrings("models", fields.models);
      record.setString("host", peer.host);
      record.setInteger("port", peer.port);
    }
    store_.upsertVerified(record, now);
  } catch (const std::exception& e) {
    return finish(peer.name, false, std::string("could not be recorded: ") + e.what(), "");
  }
  finish(peer.name, true, "", agentList);
}

void PeerVerifier::finish(const std::string& name, bool ok, const std::string& error,
                          const std::string& agents) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = peers_.find(name);
  if (it == peers_.end())
    return; // lost meanwhile
  Peer& p = it->second;
  p.busy = false;
  auto interval = std::chrono::milliseconds(settings_.heartbeatIntervalMs);
  if (ok) {
    if (!p.verified || p.lastAgents != agents)
      log::get("Discovery")
          ->info("Peer verified: {} at {}:{} (agents: {})", name, p.host, p.port,
                 agents.empty() ? "none" : agents);
    p.verified = true;
    p.failures = 0;
    p.lastError.clear();
    p.lastAgents = agents;
    p.due = Clock::now() + interval;
  } else {
    if (error != p.lastError)
      log::get("Discovery")
          ->warn("Peer {} at {}:{} not verified: {}; it is not used for delegation until it "
                 "proves its name",
                 name, p.host, p.port, error);
    p.lastError = error;
    p.verified = false;
    ++p.failures;
    auto backoff = std::chrono::milliseconds(250) * (1 << std::min(p.failures - 1, 10));
    p.due = Clock::now() + std::min<std::chrono::milliseconds>(backoff, interval);
  }
  wake_.notify_all();
}

} // namespace rivet::discovery
