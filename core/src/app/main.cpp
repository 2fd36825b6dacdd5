// rivetd entry point.
#include "app/RivetDaemon.hpp"

#include "log/Log.hpp"

#include <iostream>
#include <malloc.h>

#include <Poco/Exception.h>

int main(int argc, char** argv) {
  // Large buffers (request bodies, task records, answers) always get their own mapping, which
  // goes back to the system when freed: glibc's moving threshold would otherwise keep them in
  // per-thread arenas, and a burst of large requests on many threads would stay in the RSS.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
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
