// Edit distance and nearest-key suggestion for unknown configuration keys.
// Small inputs only (key names), so the quadratic table is fine.
#include "config/NearestKey.hpp"

#include <algorithm>
#include <cctype>

namespace rivet::config {
namespace {

std::string folded(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c != '_' && c != '-')
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

} // namespace

size_t editDistance(const std::string& a, const std::string& b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1, 0));
  for (size_t i = 0; i <= n; ++i)
    d[i][0] = i;
  for (size_t j = 0; j <= m; ++j)
    d[0][j] = j;
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

std::string nearestKey(const std::string& key, const std::vector<std::string>& known) {
  std::string best;
  size_t bestDistance = 0;
  for (const auto& candidate : known) {
    size_t distance =
        std::min(editDistance(key, candidate), editDistance(folded(key), folded(candidate)));
    if (best.empty() || distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // A typo changes a few characters; beyond a third of the word it is another word.
  size_t limit = std::max<size_t>(1, best.size() / 3);
  return !best.empty() && bestDistance <= limit ? best : "";
}

} // namespace rivet::config
