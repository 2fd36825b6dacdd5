// A sync round with the seed and its log policy: one WARN per distinct failure reason rather
// than one per retry, and one INFO when syncing starts to work again.
#include "SeedSync.hpp"

#include "MeshHints.hpp"

#include <stdexcept>

namespace rivet::discovery_seed {

SeedSync::SeedSync(const sdk::Host& host, const SeedSettings& settings)
    : host_(host), settings_(settings), client_(host, settings) {}

bool SeedSync::syncAndJoin(const std::string& selfJson) {
  const SeedAnswer answer = client_.get("/api/mesh");
  if (!answer.ok()) {
    failed(answer.reason());
    return false;
  }
  MeshHints hints;
  try {
    hints = MeshHints::fromMeshAnswer(answer.body, settings_.nodeName);
  } catch (const std::runtime_error& e) {
    failed(e.what());
    return false;
  }
  if (hints.skipped > 0)
    host_.debug("Seed " + settings_.seedAddress() + " listed " + std::to_string(hints.skipped) +
                " record(s) without name, host or port; ignored");
  if (hints.count > 0)
    host_.raw()->peers_seen(host_.raw()->host, sdk::str(hints.json));
  synced(hints.count);
  return join(selfJson);
}

bool SeedSync::join(const std::string& selfJson) {
  if (selfJson.empty())
    return true; // the host has not told us our own record yet; the next round joins
  const SeedAnswer answer = client_.post("/api/mesh/join", selfJson);
  if (answer.ok()) {
    loggedRefusal_.clear();
    if (!joinedOnce_)
      host_.info("Joined seed " + settings_.seedAddress() + " as " + settings_.nodeName);
    joinedOnce_ = true;
    return true;
  }
  if (answer.answered && answer.status >= 400 && answer.status < 500) {
    // A refusal is the seed's answer, not an outage: retrying sooner would not change it.
    const std::string text = answer.errorText();
    if (text != loggedRefusal_)
      host_.warn("Seed " + settings_.seedAddress() + " refused to register this node (HTTP " +
                 std::to_string(answer.status) + "): " + text);
    loggedRefusal_ = text;
    return true;
  }
  failed("join: " + answer.reason());
  return false;
}

void SeedSync::failed(const std::string& reason) {
  announceSync_ = true;
  if (reason == loggedFailure_) {
    host_.debug("Seed sync failed again (" + settings_.seedAddress() + "): " + reason);
    return;
  }
  loggedFailure_ = reason;
  host_.warn("Seed sync failed (" + settings_.seedAddress() + "): " + reason);
}

void SeedSync::synced(size_t count) {
  loggedFailure_.clear();
  const std::string line =
      "Synced " + std::to_string(count) + " nodes from seed " + settings_.seedAddress();
  if (announceSync_)
    host_.info(line);
  else
    host_.debug(line);
  announceSync_ = false;
}

} // namespace rivet::discovery_seed
