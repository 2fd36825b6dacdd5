// See RandomHex.hpp.
#include "util/RandomHex.hpp"

#include <openssl/rand.h>

#include <stdexcept>

namespace rivet::util {

std::string randomHex128(const char* what) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1)
    throw std::runtime_error(std::string("cannot draw 128 random bits for ") + what +
                             " (OpenSSL RAND_bytes)");
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(32);
  for (unsigned char b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 0xf];
  }
  return out;
}

} // namespace rivet::util
