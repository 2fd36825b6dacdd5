// File-system steps of the CA: folders with the right modes, and files replaced atomically
// (temporary file, fsync, rename) so a reader never sees half a certificate or key.
#pragma once

#include <string>

namespace rivet::ca {

// Creates `path` and its missing parents; new folders get `mode`. CaError naming the folder.
void ensureDirectory(const std::string& path, unsigned mode);

// Writes `content` to `path` with permission bits `mode` (also when the file existed with
// other bits), via a temporary file in the same folder and rename(2).
void writeFileAtomically(const std::string& path, const std::string& content, unsigned mode);

// The whole file, or CaError("<what> <path> is not readable: <reason>. <hint>").
std::string readWholeFile(const std::string& path, const std::string& what,
                          const std::string& hint);

bool fileExists(const std::string& path);

} // namespace rivet::ca
