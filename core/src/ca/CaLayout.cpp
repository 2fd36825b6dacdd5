// Normalises the two CA folders once, so every path built from them is spelled the same way
// in files written and in messages.
#include "ca/CaLayout.hpp"

#include "ca/CaError.hpp"

namespace rivet::ca {
namespace {

std::string withoutTrailingSlashes(std::string path, const char* what) {
  if (path.empty())
    throw CaError(std::string("the CA's ") + what + " folder is empty; give a folder path");
  while (path.size() > 1 && path.back() == '/')
    path.pop_back();
  return path;
}

} // namespace

CaLayout::CaLayout(const std::string& dir, const std::string& rootDir)
    : dir_(withoutTrailingSlashes(dir, "shared")),
      rootDir_(withoutTrailingSlashes(rootDir, "root")) {}

} // namespace rivet::ca
