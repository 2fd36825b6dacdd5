// A temporary file next to mesh.json that only this process can have made: created exclusively
// under a random name, never through a symbolic link, and removed unless it was renamed over.
#pragma once

#include <string>

namespace rivet::registry {

class TempFile {
public:
  // Creates <dir>/.<name>.tmp.<16 random hex digits> with O_CREAT|O_EXCL|O_NOFOLLOW and `mode`
  // (a name that exists already, planted or not, is never opened: another is drawn). Throws
  // RegistryError (Kind::Io) naming the file.
  TempFile(const std::string& dir, const std::string& name, unsigned mode);
  ~TempFile(); // unlinks the file unless renamed
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const std::string& path() const { return path_; }
  // Writes `content` whole and fsyncs it. RegistryError (Kind::Io) naming the file.
  void write(const std::string& content);
  // Sets the permission bits (fchmod: the descriptor, never the name).
  void setMode(unsigned mode);
  // Renames it over `target` (same folder). RegistryError (Kind::Io) naming both.
  void renameOver(const std::string& target);

private:
  std::string path_;
  int fd_ = -1;
  bool renamed_ = false;
};

} // namespace rivet::registry
