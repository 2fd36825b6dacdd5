// Settings of the a2a agent: the card URL and its scheme, the trust and client certificate for
// the remote, the bearer token file and its permissions, the refresh period and the budget.
#include "A2aSettings.hpp"

#include "SettingsReader.hpp"

#include <rivet/sdk/json.hpp>
#include <rivet/sdk/plugin.hpp>

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace rivet::a2a {
namespace {

using sdk::PluginError;

constexpr size_t kMaxTokenBytes = 16 * 1024;
const std::vector<std::string> kKeys = {"card_url",        "allow_http",     "ca_file",
                                        "client_cert",     "client_key",     "use_node_certificate",
                                        "token_file",      "card_refresh_s", "timeout_ms",
                                        "poll_interval_ms"};

// A file that must exist and be readable, for `key`.
std::string existingFile(const llm::SettingsReader& in, const std::string& key,
                         const std::string& what) {
  std::string path = in.string(key, "the path of " + what).value_or("");
  if (path.empty())
    return path;
  std::ifstream probe(path);
  if (!probe)
    throw PluginError(key + " " + path + " cannot be read (" + std::strerror(errno) +
                      "): point it at " + what + " that rivetd may read");
  return path;
}

void checkUrl(const std::string& url, bool allowHttp) {
  const std::string example = "e.g. https://agents.example.com/.well-known/agent-card.json";
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const Poco::Exception& e) {
    throw PluginError("card_url '" + url + "' is not a valid URL (" + e.displayText() + "), " +
                      example);
  }
  if (uri.getScheme() == "http" && !allowHttp)
    throw PluginError("card_url '" + url +
                      "' is plain http: the card and the tasks would travel unencrypted; use "
                      "https, or set allow_http: true for a test or a local agent");
  if (uri.getScheme() != "https" && uri.getScheme() != "http")
    throw PluginError("card_url '" + url + "' must start with https://, " + example);
  if (uri.getHost().empty())
    throw PluginError("card_url '" + url + "' names no host, " + example);
}

// The node's mesh certificate and key from node_info's tls object.
std::pair<std::string, std::string> nodeCertificate(const std::string& nodeInfoJson) {
  auto info = sdk::json::tryParse(nodeInfoJson);
  const sdk::json::Value* tls = info ? info->find("tls") : nullptr;
  std::string cert = tls ? tls->getString("cert_path").value_or("") : "";
  std::string key = tls ? tls->getString("key_path").value_or("") : "";
  if (cert.empty() || key.empty())
    throw PluginError("use_node_certificate is true, but this node has no mesh certificate "
                      "(node_info names no tls cert_path and key_path): configure the node's "
                      "tls section, or give client_cert and client_key instead");
  return {cert, key};
}

} // namespace

std::string readTokenFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw PluginError("token_file " + path + " cannot be read (" + std::strerror(errno) +
                      "): write the remote agent's bearer token into it");
  if (!S_ISREG(st.st_mode))
    throw PluginError("token_file " + path + " is not a regular file: write the token into one");
  if ((st.st_mode & 077) != 0)
    throw PluginError("token_file " + path +
                      " may be read or written by its group or others (mode " +
                      [&] {
                        std::ostringstream o;
                        o << std::oct << (st.st_mode & 0777);
                        return o.str();
                      }() +
                      "): the token is a secret; run chmod 600 " + path);
  if (static_cast<size_t>(st.st_size) > kMaxTokenBytes)
    throw PluginError("token_file " + path + " is larger than 16 KiB: it should hold one token");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw PluginError("token_file " + path + " cannot be read (" + std::strerror(errno) +
                      "): make it readable by the user rivetd runs as");
  std::string token((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ' ||
                            token.back() == '\t'))
    token.pop_back();
  if (token.empty())
    throw PluginError("token_file " + path + " is empty: write the remote agent's token into it");
  for (unsigned char c : token)
    if (c < 0x20 || c == 0x7f)
      throw PluginError("token_file " + path +
                        " holds more than one line or control characters: it must hold the "
                        "token alone, on one line");
  return token;
}

A2aSettings A2aSettings::fromJson(const std::string& id, const std::string& json,
                                  const std::string& nodeInfoJson,
                                  const std::function<void(const std::string&)>& warn) {
  try {
    const llm::SettingsReader in(json, kKeys, warn);
    A2aSettings s;
    s.allowHttp = in.boolean("allow_http").value_or(false);
    s.cardUrl =
        in.string("card_url", "the https:// URL of the remote agent's Agent Card").value_or("");
    if (s.cardUrl.empty())
      throw PluginError("card_url is required: the URL of the remote agent's Agent Card, e.g. "
                        "https://agents.example.com/.well-known/agent-card.json");
    checkUrl(s.cardUrl, s.allowHttp);
    s.caFile = existingFile(in, "ca_file", "a PEM CA bundle");
    s.clientCert = existingFile(in, "client_cert", "a PEM certificate");
    s.clientKey = existingFile(in, "client_key", "a PEM private key");
    s.useNodeCertificate = in.boolean("use_node_certificate").value_or(false);
    if (s.clientCert.empty() != s.clientKey.empty())
      throw PluginError(std::string(s.clientCert.empty() ? "client_key" : "client_cert") +
                        " is set without " + (s.clientCert.empty() ? "client_cert" : "client_key") +
                        ": give both (the certificate and its key), or neither");
    if (s.useNodeCertificate && !s.clientCert.empty())
      throw PluginError("use_node_certificate is true and client_cert is set: choose one "
                        "certificate to present to the remote agent");
    if (s.useNodeCertificate)
      std::tie(s.clientCert, s.clientKey) = nodeCertificate(nodeInfoJson);
    s.tokenFile = in.string("token_file", "the path of a file holding a bearer token").value_or("");
    if (!s.tokenFile.empty())
      (void)readTokenFile(s.tokenFile);
    s.cardRefreshS = in.wholeNumber("card_refresh_s", "seconds", 5).value_or(s.cardRefreshS);
    s.timeoutMs = in.wholeNumber("timeout_ms", "milliseconds");
    s.pollIntervalMs =
        in.wholeNumber("poll_interval_ms", "milliseconds", 50).value_or(s.pollIntervalMs);
    bool https = s.cardUrl.rfind("https://", 0) == 0;
    if (!https && (!s.caFile.empty() || !s.clientCert.empty()))
      warn("ca_file and client certificates are ignored for the plain http card_url " + s.cardUrl);
    return s;
  } catch (const PluginError& e) {
    const std::string m = e.what();
    for (const auto& key : kKeys)
      if (m.rfind(key + " ", 0) == 0)
        throw PluginError("agents." + id + "." + m); // agents.<id>.<key> ...
    throw PluginError("agents." + id + ": " + m);
  }
}

} // namespace rivet::a2a
