// Suggests the known key closest to a misspelt one, for "did you mean ...?" warnings.
// Compares both as written and with case and underscores ignored (seedHost -> seed_host).
#pragma once

#include <string>
#include <vector>

namespace rivet::config {

// Optimal-string-alignment distance: insertions, deletions, substitutions, adjacent swaps.
size_t editDistance(const std::string& a, const std::string& b);

// The closest of `known` to `key`, or "" when none is close enough to be a plausible typo.
std::string nearestKey(const std::string& key, const std::vector<std::string>& known);

} // namespace rivet::config
