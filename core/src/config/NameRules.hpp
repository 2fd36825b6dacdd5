// The character rules for names in the configuration: node, agent and plugin names, hosts.
// Kept in one place so that messages and checks agree.
#pragma once

#include <string>

namespace rivet::config {

// [A-Za-z0-9_.-]+ : agent ids (keys of `agents:`), also mesh.default_agent.
bool isAgentId(const std::string& s);
// [a-z0-9-]+ : plugin names (`plugin:`), mesh.transport.
bool isPluginName(const std::string& s);
// [A-Za-z0-9][A-Za-z0-9_.-]* : node names; they name certificate files and <name>.mesh.
bool isNodeName(const std::string& s);
// The first whitespace or shell metacharacter (; & | ` $ < > ( ) ' " \) in `s`, or '\0'.
char firstShellUnsafe(const std::string& s);

} // namespace rivet::config
