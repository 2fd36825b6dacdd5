// TXT strings for the announcement, and the agents and version taken from a registry record.
#include "Announcement.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

namespace rivet::mdns {

std::string agentsTxt(const std::vector<std::string>& agents) {
  std::string out = "agents=";
  bool first = true;
  for (const auto& a : agents) {
    size_t need = a.size() + (first ? 0 : 1);
    if (a.empty() || a.find(',') != std::string::npos)
      continue; // cannot be told apart in a comma list
    if (out.size() + need > kMaxTxtString)
      break; // truncated at a comma: never half an id
    if (!first)
      out += ',';
    out += a;
    first = false;
  }
  return out;
}

std::vector<std::string> Announcement::txt() const {
  return {"node=" + nodeName, "port=" + std::to_string(port),
          ("version=" + version).substr(0, kMaxTxtString), agentsTxt(agents)};
}

bool Announcement::applyRecord(std::string_view recordJson) {
  Poco::JSON::Object::Ptr record;
  try {
    record = Poco::JSON::Parser().parse(std::string(recordJson)).extract<Poco::JSON::Object::Ptr>();
  } catch (const std::exception&) {
    return false;
  }
  if (!record)
    return false;
  Announcement next = *this;
  if (auto list = record->getArray("agents")) {
    next.agents.clear();
    for (size_t i = 0; i < list->size(); ++i) {
      auto v = list->get(static_cast<unsigned>(i));
      if (v.isString())
        next.agents.push_back(v.convert<std::string>());
    }
  }
  if (record->has("version") && record->get("version").isString()) {
    std::string v = record->getValue<std::string>("version");
    if (!v.empty())
      next.version = v;
  }
  if (next == *this)
    return false;
  *this = std::move(next);
  return true;
}

std::string Announcement::agentList() const {
  std::string out;
  for (const auto& a : agents)
    out += (out.empty() ? "" : ", ") + a;
  return out.empty() ? "none" : out;
}

} // namespace rivet::mdns
