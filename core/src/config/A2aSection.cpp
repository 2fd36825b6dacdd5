// `a2a:`: typed keys with unknown-key warnings, an IP address to bind, an https public URL
// without a path, and the card text of each agent (skills with bounded lists).
#include "config/A2aSection.hpp"

#include "config/NameRules.hpp"

#include <arpa/inet.h>

#include <Poco/URI.h>

namespace rivet::config {
namespace {

const std::vector<std::string> kA2aKeys = {"enabled", "address",     "port",   "public_url",
                                           "tls",     "tokens_file", "agents", "public_cards"};
const std::vector<std::string> kTlsKeys = {"cert", "key"};
const std::vector<std::string> kCardKeys = {"description", "skills"};
const std::vector<std::string> kSkillKeys = {"id", "name", "description", "tags", "examples"};
constexpr size_t kMaxSkills = 64;
constexpr size_t kMaxListItems = 64;

bool isIpAddress(const std::string& a) {
  unsigned char buf[16];
  return inet_pton(AF_INET, a.c_str(), buf) == 1 || inet_pton(AF_INET6, a.c_str(), buf) == 1;
}

std::vector<std::string> readStrings(const YAML::Node& node, const std::string& path,
                                     FieldReader& r) {
  std::vector<std::string> out;
  if (node.IsNull())
    return out;
  if (!node.IsSequence() || node.size() > kMaxListItems)
    r.fail(node.Mark(), path,
           "expected a list of at most " + std::to_string(kMaxListItems) + " strings, found " +
               r.describe(node),
           "Write " + path.substr(path.rfind('.') + 1) + ": [first, second]");
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string item = path + "[" + std::to_string(i) + "]";
    r.recordMark(item, node[i].Mark());
    std::string s;
    r.readString(node[i], item, s);
    out.push_back(std::move(s));
  }
  return out;
}

A2aSkill readSkill(const YAML::Node& node, const std::string& path, FieldReader& r) {
  A2aSkill skill;
  r.requireMap(node, path,
               "Write each skill as { id: review, name: Code review, description: ... }");
  r.forEachEntry(node, path, kSkillKeys, [&](const std::string& key, const YAML::Node& v) {
    const std::string p = path + "." + key;
    if (key == "id")
      r.readString(v, p, skill.id);
    else if (key == "name")
      r.readString(v, p, skill.name);
    else if (key == "description")
      r.readString(v, p, skill.description);
    else if (key == "tags")
      skill.tags = readStrings(v, p, r);
    else if (key == "examples")
      skill.examples = readStrings(v, p, r);
  });
  if (skill.id.empty())
    r.failAt(path, "the skill has no id", "Give it an id such as id: review");
  if (skill.name.empty())
    skill.name = skill.id;
  return skill;
}

A2aAgentCard readCard(const std::string& agent, const YAML::Node& node, FieldReader& r) {
  const std::string path = "a2a.agents." + agent;
  A2aAgentCard card;
  card.agent = agent;
  if (!isAgentId(agent))
    r.failAt(path, r.quote(agent) + " is not an agent id",
             "Use the agent's id as under agents: (letters, digits, '-', '_')");
  if (node.IsNull())
    return card;
  r.requireMap(node, path, "Write " + agent + ": { description: ..., skills: [...] }");
  r.forEachEntry(node, path, kCardKeys, [&](const std::string& key, const YAML::Node& v) {
    const std::string p = path + "." + key;
    if (key == "description") {
      r.readString(v, p, card.description);
    } else if (key == "skills") {
      if (v.IsNull())
        return;
      if (!v.IsSequence() || v.size() > kMaxSkills)
        r.fail(v.Mark(), p,
               "expected a list of at most " + std::to_string(kMaxSkills) + " skills, found " +
                   r.describe(v),
               "Write skills: [{ id: review, name: Code review }]");
      for (size_t i = 0; i < v.size(); ++i) {
        const std::string item = p + "[" + std::to_string(i) + "]";
        r.recordMark(item, v[i].Mark());
        card.skills.push_back(readSkill(v[i], item, r));
        for (size_t j = 0; j + 1 < card.skills.size(); ++j)
          if (card.skills[j].id == card.skills.back().id)
            r.failAt(item + ".id", "skill id " + r.quote(card.skills.back().id) + " is given twice",
                     "Give each skill of an agent its own id");
      }
    }
  });
  return card;
}

// https://host[:port] with nothing after it: the cards add /a2a/<agent>/.
std::string checkedPublicUrl(std::string url, FieldReader& r) {
  while (!url.empty() && url.back() == '/')
    url.pop_back();
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const std::exception&) {
  }
  if (uri.getScheme() != "https" || uri.getHost().empty() || !uri.getUserInfo().empty() ||
      !uri.getPath().empty() || !uri.getRawQuery().empty() || !uri.getFragment().empty())
    r.failAt("a2a.public_url", r.quote(url) + " is not an https URL of a host",
             "Write the address clients use to reach this listener, such as "
             "https://node-a.example.org:3443 (no path: the cards add /a2a/<agent>/)");
  return url;
}

} // namespace

A2aConfig readA2a(const YAML::Node& node, FieldReader& r, const Mesh& mesh) {
  A2aConfig a;
  if (node.IsNull())
    return a;
  r.requireMap(node, "a2a", "Write a2a: with indented keys such as enabled: true and port: 3443");
  r.forEachEntry(node, "a2a", kA2aKeys, [&](const std::string& key, const YAML::Node& v) {
    const std::string path = "a2a." + key;
    if (key == "enabled") {
      r.readBool(v, path, a.enabled);
    } else if (key == "address") {
      r.readString(v, path, a.address);
    } else if (key == "port") {
      r.readInt(v, path, 1, 65535, a.port);
    } else if (key == "public_url") {
      r.readString(v, path, a.publicUrl);
      a.publicUrl = checkedPublicUrl(a.publicUrl, r);
    } else if (key == "tokens_file") {
      r.readPath(v, path, a.tokensFile);
    } else if (key == "public_cards") {
      r.readBool(v, path, a.publicCards);
    } else if (key == "tls") {
      if (v.IsNull())
        return;
      r.requireMap(v, path, "Write tls: { cert: a2a.crt, key: a2a.key }");
      r.forEachEntry(v, path, kTlsKeys, [&](const std::string& k, const YAML::Node& f) {
        r.readPath(f, path + "." + k, k == "cert" ? a.certPath : a.keyPath);
      });
      if (a.certPath.empty() != a.keyPath.empty())
        r.failAt(path, "a2a.tls needs both cert and key, or neither",
                 "Give both (the listener's own certificate), or remove tls: to present the "
                 "node's certificate");
    } else if (key == "agents") {
      if (v.IsNull())
        return;
      r.requireMap(v, path, "Write agents: with one entry per agent id, such as opus: { ... }");
      for (const auto& entry : v) {
        const std::string id = entry.first.as<std::string>("");
        r.recordMark(path + "." + id, entry.second.Mark());
        a.agents.push_back(readCard(id, entry.second, r));
      }
    }
  });
  if (!isIpAddress(a.address))
    r.failAt("a2a.address", r.quote(a.address) + " is not an IP address",
             "Use 127.0.0.1 (the default), ::1, 0.0.0.0, or the IP address of one interface");
  if (a.enabled && a.port == mesh.agentChannelPort &&
      (a.address == mesh.listenHost || a.address == "0.0.0.0" || mesh.listenHost == "0.0.0.0"))
    r.failAt("a2a.port",
             "port " + std::to_string(a.port) + " is the agent channel's (mesh.agent_channel_port)",
             "Give the A2A listener a port of its own, such as 3443");
  if (a.enabled && !mesh.enabled)
    r.failAt("a2a.enabled",
             "the A2A listener needs the mesh (mesh.enabled is false): the transport opens it "
             "and the task layer serves it",
             "Set mesh.enabled: true (a mesh of one node is fine), or a2a.enabled: false");
  if (a.publicUrl.empty()) {
    const bool wildcard = a.address == "0.0.0.0" || a.address == "::";
    std::string host = wildcard ? mesh.advertiseHost : a.address;
    if (host.empty())
      r.failAt("a2a.address",
               "the cards need the address clients reach this listener at, and a2a.address " +
                   r.quote(a.address) + " is every interface",
               "Set a2a.public_url (such as https://node-a.example.org:3443) or "
               "mesh.advertise_host");
    if (host.find(':') != std::string::npos)
      host = "[" + host + "]";
    a.publicUrl = "https://" + host + ":" + std::to_string(a.port);
  }
  return a;
}

} // namespace rivet::config
