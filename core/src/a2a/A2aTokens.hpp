// The bearer tokens of A2A clients outside the mesh (a2a.tokens_file, docs/a2a.md "Bearer
// tokens"): one line per client, `NAME AGENTS sha256:<64 hex>`, where AGENTS is `*` or a comma
// list of agent ids the token may reach. The file holds hashes only; a request's token is
// hashed and compared in constant time. Reloaded on SIGHUP; a file that does not read keeps the
// tokens that were in force.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rivet::a2a {

struct TokenEntry {
  std::string name;                // [A-Za-z0-9_.-], 1 to 64 characters
  std::vector<std::string> agents; // empty: every agent (`*`)
  unsigned char hash[32];
  bool reaches(std::string_view agent) const;
};

// Parses the file's text; throws std::runtime_error naming `path` and the line on any fault.
std::vector<TokenEntry> parseTokens(std::string_view text, const std::string& path);
// Reads and parses a tokens file: a regular file (no symbolic link, FIFO or device) of at most
// 1 MiB that neither group nor others may write. Throws std::runtime_error saying what to do.
std::vector<TokenEntry> readTokensFile(const std::string& path);

class TokenTable {
public:
  // `path` "" holds no tokens (mTLS only). Throws as readTokensFile.
  explicit TokenTable(std::string path);
  // SIGHUP: false (and the old tokens kept) when the file does not read; `error` says why.
  bool reload(std::string& error);
  // The entry whose hash the token has, if any.
  std::optional<TokenEntry> find(std::string_view token) const;
  bool empty() const;
  size_t size() const;

private:
  std::string path_;
  mutable std::mutex mutex_;
  std::shared_ptr<const std::vector<TokenEntry>> tokens_;
};

} // namespace rivet::a2a
