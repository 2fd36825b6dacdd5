// rivetd entry point.
#include "app/RivetDaemon.hpp"

#include "log/Log.hpp"

#include <iostream>

#include <Poco/Exception.h>

int main(int argc, char** argv) {
  rivet::app::RivetDaemon::blockSignals();
  rivet::log::configure(rivet::log::Settings{}); // until the configuration is read
  rivet::app::RivetDaemon app;
  try {
    // init() + run() rather than ServerApplication::run(argc, argv): rivetd daemonizes itself,
    // after start-up, so that errors and the exit code still reach the terminal.
    app.init(argc, argv);
  } catch (const Poco::Exception& e) {
    std::cerr << "rivetd: " << e.displayText() << "; see rivetd --help" << std::endl;
    return Poco::Util::Application::EXIT_CONFIG;
  }
  return static_cast<Poco::Util::Application&>(app).run();
}
