// Loading the local node's configuration and transport, and calling its API.
#include "LocalNode.hpp"

#include "log/Log.hpp"

#include <iostream>

namespace rivet::ctl {

bool openLocalNode(const std::string& configPath, LocalNode& out) {
  log::configure(log::withEnvironment({"warn", "pretty", ""}));
  try {
    out.config =
        config::loadConfigFile(configPath.empty() ? config::defaultConfigPath() : configPath)
            .config;
  } catch (const config::ConfigError& e) {
    std::cerr << "rivetctl: configuration error: " << e.what() << "\n";
    return false;
  }
  const auto& mesh = out.config.mesh;
  out.host =
      mesh.listenHost == "0.0.0.0" || mesh.listenHost == "::" ? "127.0.0.1" : mesh.listenHost;
  out.port = mesh.agentChannelPort;
  out.verifyName = mesh.nodeName + ".mesh";
  out.where = "node " + mesh.nodeName + " at " + out.host + ":" + std::to_string(out.port);
  try {
    out.client = std::make_unique<TransportClient>(out.config);
  } catch (const std::exception& e) {
    std::cerr << "rivetctl: " << e.what() << "\n";
    return false;
  }
  return true;
}

ApiAnswer callNode(LocalNode& node, const std::string& method, const std::string& path,
                   const std::string& body, int64_t timeoutMs, bool report) {
  ApiAnswer out;
  PeerAnswer a =
      node.client->call(node.host, node.port, node.verifyName, method, path, body, timeoutMs);
  if (a.result != RIVET_NET_OK) {
    if (report)
      std::cerr << "rivetctl: " << node.where << " is unreachable (" << method << " " << path
                << "): " << printable(a.error) << "; is rivetd running there?\n";
    out.exit = kExitUnreachable;
    return out;
  }
  out.status = a.status;
  out.body = std::move(a.body);
  auto parsed = sdk::json::tryParse(out.body);
  if (!parsed || !parsed->isObject()) {
    if (report)
      std::cerr << "rivetctl: " << node.where << " answered " << method << " " << path
                << " with HTTP " << a.status
                << " and a body that is not a JSON object: " << printable(out.body.substr(0, 200))
                << "\n";
    out.exit = kExitFailed;
    return out;
  }
  out.json = std::move(*parsed);
  return out;
}

std::string refusal(const ApiAnswer& a) {
  std::string e = field(a.json, "error");
  return e.empty() ? printable(a.body.substr(0, 200)) : e;
}

std::string printable(std::string_view s, bool keepNewlines) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      bool control = (c < 0x20 && c != '\t' && !(keepNewlines && c == '\n')) || c == 0x7f;
      out += control ? '?' : static_cast<char>(c);
      ++i;
      continue;
    }
    size_t len = sdk::json::utf8SequenceLength(s, i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else if (len == 2 && c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0) {
      out += '?'; // a C1 control (U+0080..U+009F): some terminals obey them too
      i += len;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  return out;
}

std::string field(const sdk::json::Value& v, std::string_view key, const std::string& fallback) {
  auto s = v.isObject() ? v.getString(key) : std::nullopt;
  return s ? printable(*s) : fallback;
}

} // namespace rivet::ctl
