// One call to OpenSSL's SHA256, written out as hex.
#include "util/Sha256.hpp"

#include <openssl/sha.h>

namespace rivet::util {

std::string sha256Hex(std::string_view text) {
  unsigned char h[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), h);
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(2 * sizeof h);
  for (unsigned char c : h) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

} // namespace rivet::util
