// Reading, checking and matching the bearer tokens file.
#include "a2a/A2aTokens.hpp"

#include "util/RegularFile.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <sys/stat.h>

namespace rivet::a2a {
namespace {

constexpr int64_t kMaxFileBytes = 1 << 20;
constexpr size_t kMaxTokens = 10000;
constexpr size_t kMaxName = 64;

bool nameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

bool validName(std::string_view s, size_t max) {
  return !s.empty() && s.size() <= max && std::all_of(s.begin(), s.end(), nameChar);
}

int hexValue(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
      ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t')
      ++i;
    if (i > start)
      out.push_back(line.substr(start, i - start));
  }
  return out;
}

} // namespace

bool TokenEntry::reaches(std::string_view agent) const {
  return agents.empty() || std::find(agents.begin(), agents.end(), agent) != agents.end();
}

std::vector<TokenEntry> parseTokens(std::string_view text, const std::string& path) {
  std::vector<TokenEntry> out;
  size_t lineNo = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++lineNo;
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    auto fail = [&](const std::string& why) {
      throw std::runtime_error(path + " line " + std::to_string(lineNo) + ": " + why +
                               "; each line is `NAME AGENTS sha256:<64 hex digits>` (AGENTS `*` "
                               "or a comma list of agent ids), see docs/a2a.md");
    };
    auto w = words(line);
    if (w.empty() || w[0][0] == '#')
      continue;
    if (w.size() != 3)
      fail("expected 3 fields, found " + std::to_string(w.size()));
    TokenEntry e;
    if (!validName(w[0], kMaxName))
      fail("the name must be 1 to 64 letters, digits, '_', '.' or '-'");
    e.name = std::string(w[0]);
    if (w[1] != "*") {
      std::string_view list = w[1];
      while (true) {
        size_t comma = list.find(',');
        std::string_view agent = list.substr(0, comma);
        if (!validName(agent, 128))
          fail("\"" + std::string(w[1].substr(0, 200)) +
               "\" is not `*` or a comma list of agent "
               "ids");
        e.agents.emplace_back(agent);
        if (comma == std::string_view::npos)
          break;
        list.remove_prefix(comma + 1);
      }
    }
    std::string_view h = w[2];
    if (h.size() != 7 + 64 || h.substr(0, 7) != "sha256:")
      fail("the hash must be sha256: and 64 hex digits (the token itself never goes in the file)");
    for (size_t i = 0; i < 32; ++i) {
      int hi = hexValue(h[7 + 2 * i]), lo = hexValue(h[8 + 2 * i]);
      if (hi < 0 || lo < 0)
        fail("the hash has a character that is not a hex digit");
      e.hash[i] = static_cast<unsigned char>(hi * 16 + lo);
    }
    for (const auto& o : out) {
      if (o.name == e.name)
        fail("the name " + e.name + " is given twice");
      if (std::memcmp(o.hash, e.hash, 32) == 0)
        fail("the token of " + e.name + " is the token of " + o.name + " too");
    }
    if (out.size() >= kMaxTokens)
      fail("more than " + std::to_string(kMaxTokens) + " tokens");
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<TokenEntry> readTokensFile(const std::string& path) {
  using Outcome = util::RegularFileRead::Outcome;
  util::RegularFileRead r = util::readRegularFile(path, kMaxFileBytes, true);
  const std::string where = "a2a.tokens_file " + path;
  switch (r.outcome) {
  case Outcome::Read:
    break;
  case Outcome::Missing:
    throw std::runtime_error(where + " does not exist: create it (docs/a2a.md \"Bearer tokens\") "
                                     "or remove a2a.tokens_file");
  case Outcome::Link:
  case Outcome::NotRegular:
    throw std::runtime_error(where + " is " + util::fileKind(r.mode) +
                             ", not a regular file; it is not read");
  case Outcome::TooLarge:
    throw std::runtime_error(where + " is larger than 1 MiB; it is not read");
  case Outcome::Failed:
    throw std::runtime_error(where + ": cannot " + r.step + ": " + std::strerror(r.error));
  }
  if (r.mode & (S_IWGRP | S_IWOTH))
    throw std::runtime_error(where + " may be written by its group or by others (mode " +
                             std::to_string((r.mode >> 6) & 7) + std::to_string((r.mode >> 3) & 7) +
                             std::to_string(r.mode & 7) +
                             "), so anyone could add a token; it is not read. chmod go-w it");
  return parseTokens(r.content, where);
}

TokenTable::TokenTable(std::string path) : path_(std::move(path)) {
  tokens_ = std::make_shared<const std::vector<TokenEntry>>(
      path_.empty() ? std::vector<TokenEntry>{} : readTokensFile(path_));
}

bool TokenTable::reload(std::string& error) {
  if (path_.empty())
    return true;
  try {
    auto fresh = std::make_shared<const std::vector<TokenEntry>>(readTokensFile(path_));
    std::lock_guard<std::mutex> lock(mutex_);
    tokens_ = std::move(fresh);
    return true;
  } catch (const std::exception& e) {
    error = e.what();
    return false;
  }
}

std::optional<TokenEntry> TokenTable::find(std::string_view token) const {
  unsigned char hash[32];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), hash);
  std::shared_ptr<const std::vector<TokenEntry>> tokens;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tokens = tokens_;
  }
  const TokenEntry* found = nullptr;
  for (const auto& e : *tokens) // every entry compared: the time says nothing of which
    if (CRYPTO_memcmp(e.hash, hash, 32) == 0)
      found = &e;
  return found ? std::optional<TokenEntry>(*found) : std::nullopt;
}

bool TokenTable::empty() const {
  return size() == 0;
}

size_t TokenTable::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return tokens_->size();
}

} // namespace rivet::a2a
