// Turns a seed's GET /api/mesh answer (a JSON array of node records) into discovery hints: one
// record per node name, the newer `lastSeen` winning, this node's own record left out.
#pragma once

#include <cstddef>
#include <string>

namespace rivet::discovery_seed {

struct MeshHints {
  std::string json;   // a JSON array of full node records, in the seed's order
  size_t count = 0;   // records in `json`
  size_t skipped = 0; // records without a name, host or port, left out

  /// Throws std::runtime_error with a short reason when `body` is not a JSON array.
  static MeshHints fromMeshAnswer(const std::string& body, const std::string& selfName);
};

} // namespace rivet::discovery_seed
