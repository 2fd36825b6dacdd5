// rivetd as a Poco ServerApplication: options, configuration, logging, the node's start and
// stop, signals, and exit codes (0 clean stop, 78 configuration error, 70 internal error).
#pragma once

#include <Poco/Util/ServerApplication.h>

#include <string>

namespace rivet::config {
struct LoadResult;
}

namespace rivet::app {

class Node;

class RivetDaemon : public Poco::Util::ServerApplication {
public:
  // Blocks the signals rivetd waits for; call first thing in main(), before any thread exists.
  static void blockSignals();

protected:
  void defineOptions(Poco::Util::OptionSet& options) override;
  void handleOption(const std::string& name, const std::string& value) override;
  int main(const std::vector<std::string>& args) override;

private:
  int fail(int code, const std::string& message);
  // --check-config: the loaded file, then every check start-up makes; 0 or EXIT_CONFIG.
  int checkConfig(const config::LoadResult& loaded);
  int waitForSignals(Node& node);

  std::string configPath_;
  std::string pidFile_;
  bool checkOnly_ = false;
  bool daemon_ = false;
  bool done_ = false; // --help / --version already answered
  bool logToFile_ = false;
};

} // namespace rivet::app
