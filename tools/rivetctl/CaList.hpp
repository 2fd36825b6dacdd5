// `rivetctl ca list`: every certificate the CA issued (dir/index.json) with its status (valid,
// revoked, expired), not-after, days left, and what its file in issued/ holds.
#pragma once

#include <string>

namespace rivet::ctl {

// `rootDir` only satisfies CaLayout: nothing of the root is read.
// Prints the list (a table, or one JSON object with `json`). Returns 0 when listed, 1 when the
// index cannot be read (one line on stderr naming the file and what to do).
int caList(const std::string& dir, const std::string& rootDir, bool json);

} // namespace rivet::ctl
