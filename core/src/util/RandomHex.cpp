// See RandomHex.hpp.
#include "util/RandomHex.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstring>

#include <stdexcept>

namespace rivet::util {

std::string randomHex128(const char* what) {
  // RAND_bytes costs thousands of instructions and takes OpenSSL's locks (every message without a
  // traceparent draws a trace id): each thread draws 4 KiB at once and hands out 16 bytes at a
  // time, wiping each slice as it goes. Still the CSPRNG's output, never reused.
  thread_local unsigned char pool[4096];
  thread_local size_t used = sizeof pool;
  if (used == sizeof pool) {
    if (RAND_bytes(pool, sizeof pool) != 1)
      throw std::runtime_error(std::string("cannot draw 128 random bits for ") + what +
                               " (OpenSSL RAND_bytes)");
    used = 0;
  }
  static const char* hex = "0123456789abcdef";
  char digits[32];
  for (size_t i = 0; i < 16; ++i) {
    digits[2 * i] = hex[pool[used + i] >> 4];
    digits[2 * i + 1] = hex[pool[used + i] & 0xf];
  }
  OPENSSL_cleanse(pool + used, 16);
  used += 16;
  std::string out(digits, sizeof digits);
  OPENSSL_cleanse(digits, sizeof digits);
  return out;
}

} // namespace rivet::util
