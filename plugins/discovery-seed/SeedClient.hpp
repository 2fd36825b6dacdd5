// Requests to the seed through the node's transport (host API `request`), verifying the seed's
// certificate against seed_host itself: its node name is unknown before the first contact.
#pragma once

#include "SeedSettings.hpp"

#include <rivet/sdk/plugin.hpp>

#include <string>

namespace rivet::discovery_seed {

struct SeedAnswer {
  bool answered = false; // an HTTP response arrived (any status)
  int status = 0;
  std::string body;
  std::string error; // why no response arrived, when !answered

  bool ok() const { return answered && status >= 200 && status < 300; }
  /// The seed's own error text: the body's "error" field, else the body, else "HTTP <status>".
  std::string errorText() const;
  /// One line for logs: the transport's reason, or "HTTP <status>: <errorText()>".
  std::string reason() const;
};

class SeedClient {
public:
  SeedClient(const sdk::Host& host, const SeedSettings& settings);

  SeedAnswer get(const std::string& path) const;
  SeedAnswer post(const std::string& path, const std::string& body) const;

private:
  SeedAnswer exchange(const std::string& method, const std::string& path,
                      const std::string& body) const;

  sdk::Host host_;
  SeedSettings settings_;
};

} // namespace rivet::discovery_seed
