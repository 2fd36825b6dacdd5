// Agent Cards and the agent index, as JSON text.
#include "a2a/A2aCard.hpp"

#include "util/JsonText.hpp"

namespace rivet::a2a {
namespace {

using util::appendJsonString;

void strings(std::string& out, const std::vector<std::string>& items) {
  out += '[';
  for (size_t i = 0; i < items.size(); ++i) {
    if (i)
      out += ',';
    appendJsonString(out, items[i]);
  }
  out += ']';
}

std::string madeDescription(const delegation::DelegationEngine::Reachable& a) {
  if (!a.description.empty()) // the agent's own word (an a2a agent: its remote's card)
    return a.description;
  std::string d = "Agent " + a.id + " of the rivet-mesh node " + a.node;
  if (!a.provider.empty())
    d += " (" + a.provider + (a.model.empty() ? "" : ", model " + a.model) + ")";
  return d + "; it takes a task as text and answers with text.";
}

const config::A2aAgentCard* configured(const config::A2aConfig& c, const std::string& agent) {
  for (const auto& card : c.agents)
    if (card.agent == agent)
      return &card;
  return nullptr;
}

} // namespace

std::string agentBaseUrl(const config::A2aConfig& config, const std::string& agent) {
  return config.publicUrl + "/a2a/" + agent + "/";
}

std::string agentCardJson(const config::A2aConfig& config,
                          const delegation::DelegationEngine::Reachable& a, bool bearer) {
  const config::A2aAgentCard* extra = configured(config, a.id);
  std::string description =
      extra && !extra->description.empty() ? extra->description : madeDescription(a);
  std::string out = "{\"name\":";
  appendJsonString(out, a.id);
  out += ",\"description\":";
  appendJsonString(out, description);
  out += ",\"version\":";
  appendJsonString(out, RIVET_VERSION);
  out += ",\"supportedInterfaces\":[{\"url\":";
  appendJsonString(out, agentBaseUrl(config, a.id));
  out += ",\"protocolBinding\":\"JSONRPC\",\"protocolVersion\":\"1.0\"}]";
  out += ",\"provider\":{\"organization\":";
  appendJsonString(out, "rivet-mesh node " + a.node);
  out += ",\"url\":";
  appendJsonString(out, config.publicUrl);
  out += "},\"capabilities\":{\"streaming\":true,\"pushNotifications\":false,"
         "\"extendedAgentCard\":false}";
  out += ",\"securitySchemes\":{\"mtls\":{\"mtlsSecurityScheme\":{\"description\":\"A client "
         "certificate issued by the mesh CA (rivetctl ca issue)\"}}";
  if (bearer)
    out += ",\"bearer\":{\"httpAuthSecurityScheme\":{\"description\":\"A token from the node's "
           "operator (a2a.tokens_file)\",\"scheme\":\"Bearer\"}}";
  out += "},\"securityRequirements\":[{\"schemes\":{\"mtls\":{\"list\":[]}}}";
  if (bearer)
    out += ",{\"schemes\":{\"bearer\":{\"list\":[]}}}";
  out += "],\"defaultInputModes\":[\"text/plain\"],\"defaultOutputModes\":[\"text/plain\"]";
  out += ",\"skills\":[";
  if (extra && !extra->skills.empty()) {
    for (size_t i = 0; i < extra->skills.size(); ++i) {
      const config::A2aSkill& s = extra->skills[i];
      out += i ? ",{\"id\":" : "{\"id\":";
      appendJsonString(out, s.id);
      out += ",\"name\":";
      appendJsonString(out, s.name.empty() ? s.id : s.name);
      out += ",\"description\":";
      appendJsonString(out, s.description.empty() ? description : s.description);
      out += ",\"tags\":";
      strings(out, s.tags);
      if (!s.examples.empty()) {
        out += ",\"examples\":";
        strings(out, s.examples);
      }
      out += '}';
    }
  } else { // A2A wants at least one skill: the agent's whole job
    out += "{\"id\":";
    appendJsonString(out, a.id);
    out += ",\"name\":";
    appendJsonString(out, a.id);
    out += ",\"description\":";
    appendJsonString(out, description);
    out += ",\"tags\":";
    strings(out, a.provider.empty() ? std::vector<std::string>{"rivet-mesh"}
                                    : std::vector<std::string>{"rivet-mesh", a.provider});
    out += '}';
  }
  return out + "]}";
}

std::string agentIndexJson(const config::A2aConfig& config,
                           const std::vector<delegation::DelegationEngine::Reachable>& agents) {
  std::string out = "{\"agents\":[";
  for (size_t i = 0; i < agents.size(); ++i) {
    const std::string base = agentBaseUrl(config, agents[i].id);
    out += i ? ",{\"name\":" : "{\"name\":";
    appendJsonString(out, agents[i].id);
    out += ",\"node\":";
    appendJsonString(out, agents[i].node);
    out += ",\"url\":";
    appendJsonString(out, base);
    out += ",\"card\":";
    appendJsonString(out, base + ".well-known/agent-card.json");
    out += '}';
  }
  return out + "]}";
}

} // namespace rivet::a2a
