// A folder of our own (mkdtemp, mode 0700) holding a copy of every plugin file rivetd maps, so
// that nobody can overwrite a loaded plugin's bytes in place; removed with everything in it.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

namespace rivet::plugin {

class PrivateCopies {
public:
  // The folder is created on first use under `parent` (mesh.state_dir), or $TMPDIR or /tmp.
  explicit PrivateCopies(std::string parent = "");
  ~PrivateCopies(); // removes the folder and the copies in it
  PrivateCopies(const PrivateCopies&) = delete;
  PrivateCopies& operator=(const PrivateCopies&) = delete;

  // Where the folder is created; only before the first copy.
  void setParent(std::string parent);
  // Copies `size` bytes of the open file `fd` into a new file of ours (O_EXCL) named after
  // `shownPath` and returns its path. Throws LoadError naming `shownPath`.
  std::string copy(const std::string& shownPath, int fd, uint64_t size);
  // Removes a copy that was refused.
  void discard(const std::string& copyPath);
  const std::string& folder() const { return folder_; }

private:
  void createFolder(const std::string& shownPath);

  std::mutex mutex_;
  std::string parent_;
  std::string folder_;
  unsigned counter_ = 0;
};

} // namespace rivet::plugin
