// The node identity JSON that plugins read through the host API's node_info().
#pragma once

#include "config/Config.hpp"

#include <string>

namespace rivet::plugin {

std::string nodeInfoJson(const config::Config& config);

} // namespace rivet::plugin
