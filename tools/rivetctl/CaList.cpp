// The index is read without following a link or blocking on a FIFO and parsed by CaIndex; each
// entry's certificate file is read the same way and compared with the entry (serial), so a
// missing, replaced or broken file shows on its line instead of ending the listing.
#include "CaList.hpp"

#include "LocalNode.hpp"
#include "SafeRead.hpp"
#include "TimeText.hpp"

#include "ca/CaError.hpp"
#include "ca/CaIndex.hpp"
#include "ca/CaLayout.hpp"
#include "ca/CertInfo.hpp"
#include "util/JsonText.hpp"

#include <cstdio>
#include <ctime>
#include <iostream>

namespace rivet::ctl {
namespace {

constexpr int64_t kMaxIndexBytes = 16 * 1024 * 1024;
constexpr int64_t kMaxCertBytes = 1024 * 1024;

struct Line {
  const ca::IndexEntry* entry;
  std::string status; // valid | revoked | expired
  int64_t daysLeft;
  std::string file; // "ok", or what is wrong with issued/<name>.crt
  bool fileOk = false;
};

// Whole days from `now` to `then`, rounded towards minus infinity (-1 the day after expiry).
int64_t daysBetween(int64_t now, int64_t then) {
  int64_t d = then - now;
  return d >= 0 ? d / 86400 : -((-d + 86399) / 86400);
}

// The file stem must stay inside issued/: no folder separators, no leading dot.
bool safeStem(const std::string& name) {
  return !name.empty() && name[0] != '.' && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

std::string fileState(const ca::CaLayout& layout, const ca::IndexEntry& e, bool latest, bool& ok) {
  ok = false;
  if (!safeStem(e.name))
    return "not looked up: the name '" + printable(e.name) + "' is not a file name";
  std::string path = layout.issuedCert(e.name);
  std::string why;
  auto pem = readRegularFile(path, kMaxCertBytes, false, why);
  if (!pem)
    return latest ? printable(why) : "replaced (" + printable(why) + ")";
  try {
    ca::CertInfo info = ca::parseCertificate(*pem, path);
    if (info.serialHex != e.serialHex)
      return latest ? path + " holds serial " + info.serialHex + ", not this one"
                    : "replaced by serial " + info.serialHex;
    ok = true;
    return "ok";
  } catch (const ca::CaError& err) {
    return printable(err.what());
  }
}

void printJson(const std::string& indexPath, const std::vector<Line>& lines) {
  std::string out = "{\"index\":" + util::jsonString(indexPath) + ",\"certificates\":[";
  bool first = true;
  for (const auto& l : lines) {
    const auto& e = *l.entry;
    out += first ? "" : ",";
    first = false;
    out += "{\"name\":" + util::jsonString(e.name) +
           ",\"commonName\":" + util::jsonString(e.commonName) +
           ",\"serial\":" + util::jsonString(e.serialHex) +
           ",\"status\":" + util::jsonString(l.status) +
           ",\"notBefore\":" + std::to_string(e.notBefore) +
           ",\"notAfter\":" + std::to_string(e.notAfter) +
           ",\"daysLeft\":" + std::to_string(l.daysLeft) +
           ",\"issuedAt\":" + std::to_string(e.issuedAt) +
           ",\"revokedAt\":" + (e.revokedAt ? std::to_string(*e.revokedAt) : std::string("null")) +
           ",\"fileOk\":" + (l.fileOk ? "true" : "false") +
           ",\"file\":" + util::jsonString(l.file) + "}";
  }
  std::cout << out << "]}\n";
}

} // namespace

int caList(const std::string& dir, const std::string& rootDir, bool json) {
  ca::CaLayout layout(dir, rootDir);
  const std::string path = layout.index();
  std::string why;
  auto text = readRegularFile(path, kMaxIndexBytes, false, why);
  if (!text) {
    std::cerr << "rivetctl: cannot read the CA index: " << printable(why)
              << "; give the CA folder with --dir (or RIVET_CA_SHARED_DIR), create a CA with "
                 "`rivetctl ca init`, or restore index.json from a backup\n";
    return 1;
  }
  std::optional<ca::CaIndex> index;
  try {
    index.emplace(ca::CaIndex::parse(*text, path));
  } catch (const ca::CaError& e) {
    std::cerr << "rivetctl: " << printable(e.what()) << "\n";
    return 1;
  }
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  const auto& entries = index->entries();
  std::vector<Line> lines;
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    bool latest = true; // the last entry under a name is the one its file should hold
    for (size_t j = i + 1; j < entries.size(); ++j)
      latest = latest && entries[j].name != e.name;
    Line l{&e,
           e.revokedAt        ? "revoked"
           : e.notAfter < now ? "expired"
                              : "valid",
           daysBetween(now, e.notAfter), "", false};
    l.file = fileState(layout, e, latest, l.fileOk);
    lines.push_back(std::move(l));
  }
  if (json) {
    printJson(path, lines);
    return 0;
  }
  std::printf("%-20s %-20s %-8s %-20s %-9s %-40s %s\n", "NAME", "CN", "STATUS", "NOT AFTER",
              "DAYS LEFT", "SERIAL", "FILE");
  for (const auto& l : lines) {
    const auto& e = *l.entry;
    std::string serial = printable(e.serialHex);
    std::printf("%-20s %-20s %-8s %-20s %-9lld %-40s %s\n", printable(e.name).c_str(),
                printable(e.commonName).c_str(), l.status.c_str(), utcDate(e.notAfter).c_str(),
                static_cast<long long>(l.daysLeft), serial.c_str(), l.file.c_str());
  }
  std::printf("%zu certificate%s in %s\n", lines.size(), lines.size() == 1 ? "" : "s",
              path.c_str());
  return 0;
}

} // namespace rivet::ctl
