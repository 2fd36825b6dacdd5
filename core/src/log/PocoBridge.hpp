// Sends Poco's own log messages (Poco::Logger) through our spdlog sink, under the component
// named by the Poco logger (or `Poco` for the root logger).
#pragma once

#include <spdlog/common.h>

namespace rivet::log {

void bridgePocoLogging(spdlog::level::level_enum level);

} // namespace rivet::log
