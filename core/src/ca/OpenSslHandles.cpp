// OpenSSL's error queue turned into the text of a CaError.
// The queue is always drained, so one failure never leaks its reasons into the next.
#include "ca/OpenSslHandles.hpp"

#include "ca/CaError.hpp"

#include <openssl/err.h>

namespace rivet::ca {

std::string openSslErrors() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    if (!text.empty())
      text += "; ";
    text += buf;
  }
  return text.empty() ? "unknown OpenSSL error" : text;
}

void check(bool ok, const std::string& what) {
  if (!ok)
    throw CaError(what + ": " + openSslErrors());
}

} // namespace rivet::ca
