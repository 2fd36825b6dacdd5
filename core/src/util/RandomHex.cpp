// See RandomHex.hpp.
#include "util/RandomHex.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstring>

#include <stdexcept>

namespace rivet::util {

std::string randomHex128(const char* what) {
  // RAND_bytes costs thousands of instructions and takes OpenSSL's locks (every message without a
  // traceparent draws a trace id): each thread draws 512 bytes at once and hands out 16 at a
  // time, wiping each slice as it goes. Still the CSPRNG's output, never reused.
  thread_local unsigned char pool[512];
  thread_local size_t used = sizeof pool;
  if (used == sizeof pool) {
    if (RAND_bytes(pool, sizeof pool) != 1)
      throw std::runtime_error(std::string("cannot draw 128 random bits for ") + what +
                               " (OpenSSL RAND_bytes)");
    used = 0;
  }
  unsigned char bytes[16];
  std::memcpy(bytes, pool + used, sizeof bytes);
  OPENSSL_cleanse(pool + used, sizeof bytes);
  used += sizeof bytes;
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(32);
  for (unsigned char b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 0xf];
  }
  OPENSSL_cleanse(bytes, sizeof bytes);
  return out;
}

} // namespace rivet::util
