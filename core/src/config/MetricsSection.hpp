// Reads `metrics:` (ours): whether rivetd opens its metrics, health and status listener, where,
// and which Host names it answers (docs/operations-metrics.md).
#pragma once

#include "config/Config.hpp"
#include "config/FieldReader.hpp"

#include <string>

namespace rivet::config {

// A null node means no metrics: section (the listener stays closed). A non-loopback address
// without allow_remote: true is an error: the listener has no authentication.
MetricsConfig readMetrics(const YAML::Node& node, FieldReader& reader);

// True for 127.0.0.0/8 and ::1.
bool isLoopbackAddress(const std::string& address);

} // namespace rivet::config
