// dropped-agents.json: {"version":1,"agents":[{"file":"/abs/x.so","plugin":"x"}]}.
#include "plugin/DroppedAgents.hpp"

#include "log/Log.hpp"
#include "plugin/PluginLoader.hpp"
#include "registry/AtomicFile.hpp"
#include "rivet/sdk/json.hpp"
#include "util/JsonText.hpp"

#include <algorithm>
#include <exception>

namespace rivet::plugin {
namespace {

constexpr int64_t kMaxBytes = 64 * 1024;

} // namespace

DroppedAgents::DroppedAgents(const std::string& stateDir)
    : path_(stateDir.empty() ? "" : stateDir + "/dropped-agents.json") {}

std::vector<DroppedAgents::Entry> DroppedAgents::load() {
  entries_.clear();
  if (!enabled())
    return {};
  auto logger = log::get("Plugins");
  std::optional<std::string> text;
  try {
    text = registry::AtomicFile::read(path_, kMaxBytes);
  } catch (const std::exception& e) {
    logger->warn("ignoring the record of dropped agents: {}; it is rewritten at the next "
                 "hot-drop (delete it to silence this)",
                 e.what());
    return {};
  }
  if (!text)
    return {};
  auto doc = sdk::json::tryParse(*text);
  const sdk::json::Value* agents = doc && doc->isObject() ? doc->find("agents") : nullptr;
  if (!agents || !agents->isArray() || doc->getInteger("version").value_or(0) != 1) {
    logger->warn("ignoring the record of dropped agents {}: not the JSON this rivetd writes "
                 "({{\"version\":1,\"agents\":[...]}}); it is rewritten at the next hot-drop",
                 path_);
    return {};
  }
  for (const auto& item : agents->items()) {
    auto file = item.isObject() ? item.getString("file") : std::nullopt;
    auto plugin = item.isObject() ? item.getString("plugin") : std::nullopt;
    if (!file || !plugin || file->empty() || file->front() != '/' || !isValidPluginName(*plugin)) {
      logger->warn("ignoring an entry of {}: it needs an absolute \"file\" and a plugin name "
                   "\"plugin\" ([a-z0-9-]+)",
                   path_);
      continue;
    }
    if (entries_.size() == kMaxEntries) {
      logger->warn("{} lists more than {} dropped agents; the rest are not started", path_,
                   kMaxEntries);
      break;
    }
    entries_.push_back({*file, *plugin});
  }
  return entries_;
}

void DroppedAgents::remember(const Entry& entry) {
  if (!enabled())
    return;
  forget(entry.file);
  if (entries_.size() >= kMaxEntries) {
    log::get("Plugins")->warn("{} already lists {} dropped agents: {} runs now but is not "
                              "started again after a restart",
                              path_, kMaxEntries, entry.plugin);
    return;
  }
  entries_.push_back(entry);
  save();
}

bool DroppedAgents::forget(const std::string& file) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const Entry& e) { return e.file == file; });
  if (it == entries_.end())
    return false;
  entries_.erase(it);
  save();
  return true;
}

void DroppedAgents::save() {
  std::string out = R"({"version":1,"agents":[)";
  for (size_t i = 0; i < entries_.size(); ++i) {
    out += i ? ",{\"file\":" : "{\"file\":";
    util::appendJsonString(out, entries_[i].file);
    out += ",\"plugin\":";
    util::appendJsonString(out, entries_[i].plugin);
    out += "}";
  }
  out += "]}\n";
  try {
    registry::AtomicFile::replace(path_, out);
  } catch (const std::exception& e) {
    log::get("Plugins")->warn("cannot record the dropped agents: {}; they run now but do not "
                              "start again after a restart",
                              e.what());
  }
}

} // namespace rivet::plugin
