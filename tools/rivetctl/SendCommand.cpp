// Builds the RivetOS message body, prints the answer; exit 0 only for `completed`.
#include "SendCommand.hpp"

#include "TransportClient.hpp"
#include "config/ConfigLoader.hpp"
#include "log/Log.hpp"
#include "util/JsonText.hpp"

#include <Poco/JSON/Parser.h>
#include <iostream>

namespace rivet::ctl {
namespace {

int usage() {
  std::cerr << "usage: rivetctl [--config FILE] send AGENT \"task\" [--timeout MS] [--model M] "
               "[--from NAME]\n";
  return 2;
}

} // namespace

int sendCommand(const std::string& configPath, const std::vector<std::string>& args) {
  std::vector<std::string> positional;
  std::string model, from = "rivetctl";
  int64_t timeoutMs = 120000;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--timeout" && i + 1 < args.size())
      timeoutMs = std::atoll(args[++i].c_str());
    else if (args[i] == "--model" && i + 1 < args.size())
      model = args[++i];
    else if (args[i] == "--from" && i + 1 < args.size())
      from = args[++i];
    else if (args[i].rfind("--", 0) == 0)
      return usage();
    else
      positional.push_back(args[i]);
  }
  if (positional.size() != 2 || positional[1].empty() || timeoutMs <= 0)
    return usage();

  log::configure(log::withEnvironment({"warn", "pretty", ""}));
  config::LoadResult loaded;
  try {
    loaded = config::loadConfigFile(configPath.empty() ? config::defaultConfigPath() : configPath);
  } catch (const config::ConfigError& e) {
    std::cerr << "rivetctl: configuration error: " << e.what() << "\n";
    return 1;
  }
  const auto& mesh = loaded.config.mesh;
  std::string host =
      mesh.listenHost == "0.0.0.0" || mesh.listenHost == "::" ? "127.0.0.1" : mesh.listenHost;
  std::string body = "{\"fromAgent\":" + util::jsonString(from) +
                     ",\"message\":" + util::jsonString(positional[1]) +
                     ",\"toAgent\":" + util::jsonString(positional[0]) +
                     ",\"timeoutMs\":" + std::to_string(timeoutMs) + ",\"waitForResponse\":true";
  if (!model.empty())
    body += ",\"model\":" + util::jsonString(model);
  body += "}";
  try {
    TransportClient client(loaded.config);
    // The node's own deadline plus a margin for the answer to travel back.
    PeerAnswer a = client.call(host, mesh.agentChannelPort, mesh.nodeName + ".mesh", "POST",
                               "/api/message", body, timeoutMs + 10000);
    std::string where =
        "node " + mesh.nodeName + " at " + host + ":" + std::to_string(mesh.agentChannelPort);
    if (a.result != RIVET_NET_OK) {
      std::cerr << "rivetctl: send to " << where << " failed: " << a.error << "\n";
      return 1;
    }
    auto obj = Poco::JSON::Parser().parse(a.body).extract<Poco::JSON::Object::Ptr>();
    if (a.status != 200) {
      std::cerr << "rivetctl: " << where << " answered HTTP " << a.status << ": "
                << obj->optValue<std::string>("error", a.body) << "\n";
      return 1;
    }
    std::string status = obj->optValue<std::string>("status", "completed");
    std::string response = obj->optValue<std::string>("response", "");
    if (status != "completed") {
      std::cerr << "rivetctl: " << positional[0] << " " << status << ": " << response << "\n";
      return 1;
    }
    std::cout << response << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "rivetctl: " << e.what() << "\n";
    return 1;
  }
}

} // namespace rivet::ctl
