// The CA's record of what it issued (dir/index.json): file stem -> serial, revocation times and
// the last CRL number. Revoked serials are never dropped, so every later CRL lists them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rivet::ca {

struct IndexEntry {
  std::string name;      // the file stem: node name or agent@node
  std::string serialHex; // upper-case hex, as openssl prints it
  std::string commonName;
  int64_t notBefore = 0;
  int64_t notAfter = 0;
  int64_t issuedAt = 0;
  std::optional<int64_t> revokedAt;
};

class CaIndex {
public:
  // A missing file is an empty index; an unreadable or invalid one is a CaError naming it.
  static CaIndex load(const std::string& path);
  // The index from `text` already read from `path` (rivetctl ca list reads it without following
  // links or blocking on a FIFO). CaError naming `path` when it is invalid.
  static CaIndex parse(const std::string& text, const std::string& path);
  void save() const;

  void add(IndexEntry entry);
  // Marks every not yet revoked certificate issued as `name` revoked at `when`.
  // False when nothing was ever issued under that name.
  bool revoke(const std::string& name, int64_t when);
  std::vector<IndexEntry> revoked() const;
  const std::vector<IndexEntry>& entries() const { return entries_; }
  // Increments and returns the CRL number (1 for the first CRL).
  int64_t nextCrlNumber() { return ++crlNumber_; }

private:
  explicit CaIndex(std::string path) : path_(std::move(path)) {}

  std::string path_;
  std::vector<IndexEntry> entries_;
  int64_t crlNumber_ = 0;
};

} // namespace rivet::ca
