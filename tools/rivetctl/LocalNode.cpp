// Loading the local node's configuration and transport, and calling its API.
#include "LocalNode.hpp"

#include "log/Log.hpp"

#include <cstdlib>
#include <filesystem>
#include <iostream>

namespace rivet::ctl {

std::string findConfigPath(const std::string& given, std::string& tried) {
  if (!given.empty())
    return given;
  const char* env = std::getenv("RIVET_CONFIG");
  if (env && *env)
    return env; // named on purpose: a missing file is the loader's error, not a fallback
  tried = "--config (not given), RIVET_CONFIG (not set)";
  for (const char* candidate : {"./config/rivet.yaml", "/etc/rivet/rivet.yaml"}) {
    std::error_code ec;
    if (std::filesystem::exists(candidate, ec))
      return candidate;
    tried += std::string(", ") + candidate + " (" +
             (ec ? ec.message() : std::string("does not exist")) + ")";
  }
  return "";
}

bool loadConfig(const std::string& configPath, config::LoadResult& out) {
  log::configure(log::withEnvironment({"warn", "pretty", ""}));
  std::string tried;
  std::string path = findConfigPath(configPath, tried);
  if (path.empty()) {
    std::cerr << "rivetctl: no configuration file; tried " << tried
              << ". Give --config FILE or set RIVET_CONFIG=FILE\n";
    return false;
  }
  try {
    out = config::loadConfigFile(path);
  } catch (const config::ConfigError& e) {
    std::cerr << "rivetctl: configuration error: " << e.what() << "\n";
    return false;
  }
  return true;
}

int usageError(const std::string& command, const std::string& why) {
  std::cerr << "rivetctl " << command << ": " << why << "; see rivetctl " << command << " --help\n";
  return kExitUsage;
}

bool openLocalNode(const std::string& configPath, LocalNode& out) {
  config::LoadResult loaded;
  if (!loadConfig(configPath, loaded))
    return false;
  out.config = std::move(loaded.config);
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
