// Option handling, the start/stop sequence and the signal loop of rivetd.
#include "app/RivetDaemon.hpp"

#include "app/ConfigCheck.hpp"
#include "app/Daemonizer.hpp"
#include "app/Node.hpp"
#include "app/SystemdNotify.hpp"
#include "config/ConfigLoader.hpp"
#include "log/Log.hpp"

#include <csignal>
#include <filesystem>
#include <iostream>

#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>

namespace rivet::app {

using Poco::Util::Option;

namespace {
// One per process: the first call takes NOTIFY_SOCKET out of the environment.
SystemdNotify& systemd() {
  static SystemdNotify notify;
  return notify;
}
} // namespace

void RivetDaemon::blockSignals() {
  // A peer that hangs up must not kill the daemon: OpenSSL writes with plain write().
  std::signal(SIGPIPE, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGQUIT, SIGHUP})
    sigaddset(&set, s);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void RivetDaemon::defineOptions(Poco::Util::OptionSet& options) {
  // Not ServerApplication::defineOptions: rivetd handles --daemon and --pidfile itself.
  options.addOption(Option("config", "c",
                           "read the configuration from FILE (default: "
                           "./config/rivet.yaml, then /etc/rivet/rivet.yaml)")
                        .argument("FILE")
                        .repeatable(false));
  options.addOption(Option("check-config", "t",
                           "validate the configuration, print the effective settings, exit "
                           "0 (valid) or 78 (invalid)"));
  options.addOption(Option("daemon", "d", "run in the background once started"));
  options.addOption(
      Option("pidfile", "p", "write the process id to FILE").argument("FILE").repeatable(false));
  options.addOption(Option("help", "h", "show this help and exit"));
  options.addOption(Option("version", "v", "print the version and exit"));
}

void RivetDaemon::handleOption(const std::string& name, const std::string& value) {
  Poco::Util::ServerApplication::handleOption(name, value);
  if (name == "config") {
    configPath_ = std::filesystem::absolute(value).string();
  } else if (name == "check-config") {
    checkOnly_ = true;
  } else if (name == "daemon") {
    daemon_ = true;
  } else if (name == "pidfile") {
    pidFile_ = std::filesystem::absolute(value).string();
  } else if (name == "help") {
    Poco::Util::HelpFormatter help(options());
    help.setCommand("rivetd");
    help.setUsage("[--config FILE] [--check-config] [--daemon] [--pidfile FILE]");
    help.setHeader("rivet-mesh node daemon: hosts agents and delegates tasks over mutual TLS.");
    help.setFooter("Exit codes: 0 clean stop, 78 configuration error, 70 internal error. "
                   "Signals: SIGINT/SIGTERM stop cleanly; SIGHUP reopens log.file and reloads the "
                   "TLS certificates.");
    help.format(std::cout);
    done_ = true;
    stopOptionsProcessing();
  } else if (name == "version") {
    std::cout << "rivetd " << RIVET_VERSION << " (plugin ABI " << RIVET_ABI_MAJOR << "."
              << RIVET_ABI_MINOR << ")\n";
    done_ = true;
    stopOptionsProcessing();
  }
}

int RivetDaemon::fail(int code, const std::string& message) {
  log::get("rivetd")->error("{}", message);
  log::flush();
  if (logToFile_)
    std::cerr << "rivetd: " << message << std::endl;
  return code;
}

int RivetDaemon::checkConfig(const config::LoadResult& loaded) {
  // Everything start-up would refuse, not only the first: a unit file's ExecStartPre shows it all.
  std::vector<std::string> errors = ConfigCheck(loaded.config, loaded.positions).run();
  for (const auto& e : errors)
    fail(EXIT_CONFIG, "configuration error: " + e);
  if (!errors.empty())
    return EXIT_CONFIG;
  std::cout << config::describeEffective(loaded.config);
  std::cout << "configuration OK: " << configPath_ << std::endl;
  return EXIT_OK;
}

int RivetDaemon::main(const std::vector<std::string>& args) {
  if (done_)
    return EXIT_OK;
  if (!args.empty())
    return fail(EXIT_USAGE, "unexpected argument '" + args.front() + "'; see rivetd --help");
  if (configPath_.empty())
    configPath_ = std::filesystem::absolute(config::defaultConfigPath()).string();

  config::LoadResult loaded;
  try {
    loaded = config::loadConfigFile(configPath_);
  } catch (const config::ConfigError& e) {
    return fail(EXIT_CONFIG, std::string("configuration error: ") + e.what());
  }
  log::Settings logSettings{loaded.config.log.level, loaded.config.log.format,
                            loaded.config.log.file, loaded.config.log.taskText};
  try {
    log::configure(log::withEnvironment(logSettings));
  } catch (const std::exception& e) {
    return fail(EXIT_CONFIG, std::string("configuration error: log: ") + e.what());
  }
  logToFile_ = !loaded.config.log.file.empty();
  auto logger = log::get("rivetd");
  for (const auto& w : loaded.warnings)
    logger->warn("{}", w);
  if (checkOnly_)
    return checkConfig(loaded);
  systemd(); // before the node starts threads and agent programs

  Daemonizer daemonizer;
  try {
    if (daemon_) {
      if (!logToFile_)
        logger->warn("--daemon without log.file: log lines after start-up are discarded; set "
                     "log.file in {}",
                     configPath_);
      daemonizer.detach();
    }
    logger->info("rivetd {} starting (pid {}, plugin ABI {}.{})", RIVET_VERSION, getpid(),
                 RIVET_ABI_MAJOR, RIVET_ABI_MINOR);
    Node node(std::move(loaded.config));
    node.start();
    if (daemon_)
      daemonizer.ready(pidFile_);
    else
      writePidFile(pidFile_);
    systemd().ready(); // the channel listens and the node is registered: it answers ping
    int sig = waitForSignals(node);
    logger->info("Received {}, shutting down", strsignal(sig));
    systemd().stopping();
    node.stop();
  } catch (const StartupError& e) {
    return fail(EXIT_CONFIG, e.what());
  } catch (const std::exception& e) {
    return fail(EXIT_SOFTWARE, std::string("internal error: ") + e.what());
  }
  logger->info("rivetd stopped");
  log::flush();
  removePidFile(pidFile_); // last: whoever waits for it to vanish sees a daemon that is done
  return EXIT_OK;
}

int RivetDaemon::waitForSignals(Node& node) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGQUIT, SIGHUP})
    sigaddset(&set, s);
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0)
      continue;
    if (sig == SIGHUP) {
      systemd().reloading();
      // The log first: the reload's lines belong in the new file.
      if (auto error = log::reopenFile())
        log::get("rivetd")->warn("SIGHUP: {}", *error);
      else if (logToFile_)
        log::get("rivetd")->info("SIGHUP: reopened log.file");
      log::get("rivetd")->info("SIGHUP: reloading TLS material");
      node.reload();
      systemd().ready();
      continue;
    }
    return sig;
  }
}

} // namespace rivet::app
